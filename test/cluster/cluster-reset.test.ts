// reset() of a test cluster: one cluster reused across test files, as a single broker's reset()
// allows. After it, every identity (stopped ones too) serves the fresh state on the same ports.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../src/index.js';

let cluster: RunningCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, storage: 'memory://', topics: [{ name: 'fixture', partitions: 3 }] });
});
afterAll(() => cluster?.close());

const kafkaAt = (bootstrap: string) => new Kafka({ clientId: 'reset', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 300 } });

async function topicsSeenBy(bootstrap: string): Promise<string[]> {
  const admin = kafkaAt(bootstrap).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

describe('cluster.reset()', () => {
  it('empties the cluster for every identity, restarts stopped ones on their ports, and declares the fixtures again', async () => {
    const ports = cluster.brokers.map((b) => b.bootstrap);
    const kafka = new Kafka({ clientId: 'reset', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'before-reset', numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'before-reset', messages: [{ value: 'old' }] });
    await producer.disconnect();
    const stopped = cluster.brokers[2].nodeId;
    await cluster.stopBroker(stopped);

    await cluster.reset();

    expect(cluster.brokers.map((b) => b.bootstrap)).toEqual(ports);
    expect(cluster.brokers.every((b) => b.alive)).toBe(true);
    // Each identity answers from the fresh state: the fixture is there, the old topic is gone.
    for (const b of cluster.brokers) expect(await topicsSeenBy(b.bootstrap)).toEqual(['fixture']);

    // The fresh cluster works through every identity: RF 3 topic, leaders spread, records round-trip.
    const again = new Kafka({ clientId: 'reset-2', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin2 = again.admin();
    await admin2.connect();
    await admin2.createTopics({ topics: [{ topic: 'after-reset', numPartitions: 3, replicationFactor: 3 }] });
    const leaders = new Set([0, 1, 2].map((p) => cluster.partitionLeader('after-reset', p)));
    expect(leaders.size).toBe(3);
    const p2 = again.producer();
    await p2.connect();
    await p2.send({ topic: 'after-reset', messages: [0, 1, 2].map((p) => ({ partition: p, value: `new-${p}` })) });
    await p2.disconnect();
    const offsets = await admin2.fetchTopicOffsets('after-reset');
    await admin2.disconnect();
    expect(offsets.map((o) => o.high)).toEqual(['1', '1', '1']);
  }, 60_000);
});
