// kafkajs admin against the broker: create, list, describe (metadata), grow and delete topics.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';

let broker: RunningBroker;
let kafka: Kafka;
beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: 'admin-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
});
afterAll(() => broker?.close());

describe('kafkajs admin: topics', () => {
  it('creates, describes, grows and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [
          { topic: 'kjs-a', numPartitions: 3 },
          { topic: 'kjs-b', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
        ],
        waitForLeaders: true,
      });
      expect(created).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic: 'kjs-a', numPartitions: 3 }] })).toBe(false);
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['kjs-a', 'kjs-b']));
      const meta = await admin.fetchTopicMetadata({ topics: ['kjs-a'] });
      expect(meta.topics[0].name).toBe('kjs-a');
      expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);

      await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-a', count: 5 }] });
      const grown = await admin.fetchTopicMetadata({ topics: ['kjs-a'] });
      expect(grown.topics[0].partitions).toHaveLength(5);
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'kjs-a', count: 2 }] })).rejects.toThrow(/increase|partition/i);

      await admin.deleteTopics({ topics: ['kjs-a', 'kjs-b'] });
      expect(broker.services.topics.topic('kjs-a')).toBeUndefined();
      const after = await admin.listTopics();
      expect(after).not.toContain('kjs-a');
      expect(after).not.toContain('kjs-b');
    } finally {
      await admin.disconnect();
    }
  });

  it('reports invalid configs and replication factors as errors', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const errorsOf = async (p: Promise<unknown>) => {
        try {
          await p;
        } catch (e) {
          return ((e as { errors?: { type: string }[] }).errors ?? []).map((x) => x.type);
        }
        throw new Error('expected a failure');
      };
      expect(await errorsOf(admin.createTopics({ topics: [{ topic: 'kjs-bad', configEntries: [{ name: 'retention.ms', value: 'forever' }] }] }))).toEqual(['INVALID_CONFIG']);
      expect(await errorsOf(admin.createTopics({ topics: [{ topic: 'kjs-rf', replicationFactor: 3 }] }))).toEqual(['INVALID_REPLICATION_FACTOR']);
      expect(broker.services.topics.topic('kjs-bad')).toBeUndefined();
    } finally {
      await admin.disconnect();
    }
  });
});
