// Both brokers of the reference project answer, and are what they claim to be.
import { Kafka, logLevel } from 'kafkajs';
import { expect, it } from 'vitest';
import { describeAgainstBoth } from './brokers.js';

describeAgainstBoth('reference project brokers', (broker) => {
  it('answer DescribeCluster with one node on the bootstrap port', async () => {
    const admin = new Kafka({ brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toHaveLength(1);
      // The host is each broker's own advertised default (Kafka: the listener's 127.0.0.1, Tributary:
      // localhost for an empty host); the port is the one the client bootstrapped from.
      expect(String(cluster.brokers[0].port)).toBe(broker().bootstrap.split(':')[1]);
    } finally {
      await admin.disconnect();
    }
  });
});
