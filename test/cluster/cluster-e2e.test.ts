// startCluster with real clients over real sockets: three broker identities in one process, listed
// by Metadata (kafkajs, kcat), replication factor 3 topics with leaders spread over the identities,
// and leadership that moves when an identity stops and comes back when it starts.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';

let cluster: RunningCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, racks: ['a', 'b', 'c'], config: { 'group.initial.rebalance.delay.ms': 0 } });
});
afterAll(() => cluster?.close());

const kafkaOf = (c: RunningCluster, clientId = 'cluster-test') =>
  new Kafka({ clientId, brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });

describe('startCluster', () => {
  it('has three identities with their own listeners, node ids 0..2 and racks', () => {
    expect(cluster.brokers.map((b) => [b.nodeId, b.rack, b.alive])).toEqual([[0, 'a', true], [1, 'b', true], [2, 'c', true]]);
    expect(new Set(cluster.brokers.map((b) => b.bootstrap)).size).toBe(3);
  });

  it('lists every identity in Metadata and DescribeCluster; the controller is one of them', async () => {
    const admin = kafkaOf(cluster).admin();
    await admin.connect();
    try {
      const described = await admin.describeCluster();
      expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([0, 1, 2]);
      expect([0, 1, 2]).toContain(described.controller);
      for (const b of cluster.brokers) expect(described.brokers.find((d) => d.nodeId === b.nodeId)).toMatchObject({ host: b.bootstrap.split(':')[0], port: Number(b.bootstrap.split(':')[1]) });
    } finally {
      await admin.disconnect();
    }
  });

  it('creates a topic with replication factor 3, leaders spread over the identities, each replica set in three racks', async () => {
    const admin = kafkaOf(cluster).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'rf3', numPartitions: 6, replicationFactor: 3 }] });
      const md = await admin.fetchTopicMetadata({ topics: ['rf3'] });
      const partitions = md.topics[0].partitions;
      expect(partitions).toHaveLength(6);
      for (const p of partitions) {
        expect([...p.replicas].sort()).toEqual([0, 1, 2]);
        expect(p.leader).toBe(p.replicas[0]);
        expect([...p.isr].sort()).toEqual([0, 1, 2]);
        expect(cluster.partitionLeader('rf3', p.partitionId)).toBe(p.leader);
      }
      expect(new Set(partitions.map((p) => p.leader)).size).toBe(3);
      const refused = await admin.createTopics({ topics: [{ topic: 'rf4', replicationFactor: 4 }] }).catch((err: { errors?: { type: string; message?: string }[] }) => err.errors?.[0]);
      expect(refused).toMatchObject({ type: 'INVALID_REPLICATION_FACTOR' });
    } finally {
      await admin.disconnect();
    }
  });

  it('produces and consumes through kafkajs', async () => {
    const kafka = kafkaOf(cluster);
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 60 }, (_, i) => `v${i}`);
    await producer.send({ topic: 'rf3', acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'rf3-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'rf3', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length === values.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.sort()).toEqual([...values].sort());
  });

  it('moves leaderships off a stopped identity with an epoch bump and lets it rejoin the ISR', async () => {
    const md = async () => {
      const admin = kafkaOf(cluster).admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicMetadata({ topics: ['rf3'] })).topics[0].partitions;
      } finally {
        await admin.disconnect();
      }
    };
    const before = await md();
    const victim = before[0].leader;
    await cluster.stopBroker(victim);
    expect(cluster.brokers.find((b) => b.nodeId === victim)!.alive).toBe(false);
    const during = await md();
    for (const p of during) {
      expect(p.leader).not.toBe(victim);
      expect(p.isr).not.toContain(victim);
      const was = before.find((b) => b.partitionId === p.partitionId)!;
      if (was.leader === victim) expect(cluster.partitionLeader('rf3', p.partitionId)).toBe(p.leader);
    }
    await cluster.startBroker(victim);
    const after = await md();
    for (const p of after) expect([...p.isr].sort()).toEqual([0, 1, 2]);
    cluster.moveLeader('rf3', 0, victim);
    expect(cluster.partitionLeader('rf3', 0)).toBe(victim);
  });
});

describe('min.insync.replicas in a cluster', () => {
  it('refuses acks=all with NOT_ENOUGH_REPLICAS while the ISR is below it, and accepts acks=1', async () => {
    const admin = kafkaOf(cluster).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'min-isr', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '3' }] }] });
    await admin.disconnect();
    const follower = cluster.brokers.map((b) => b.nodeId).find((id) => id !== cluster.partitionLeader('min-isr', 0))!;
    await cluster.stopBroker(follower);
    try {
      const producer = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer({ retry: { retries: 0 } });
      await producer.connect();
      const refused = await producer.send({ topic: 'min-isr', acks: -1, messages: [{ value: 'x' }] }).then(() => null, (err: { type?: string; cause?: { type?: string } }) => err.type ?? err.cause?.type);
      expect(refused).toBe('NOT_ENOUGH_REPLICAS');
      await producer.send({ topic: 'min-isr', acks: 1, messages: [{ value: 'y' }] });
      await producer.disconnect();
    } finally {
      await cluster.startBroker(follower);
    }
  });
});

describe.runIf(requireTool(HAVE_KCAT, 'kcat'))('kcat against a cluster', () => {
  it('kcat -L lists the three brokers', async () => {
    const r = await run('kcat', ['-b', cluster.bootstrap, '-L', '-t', 'rf3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(' 3 brokers:');
    for (const b of cluster.brokers) expect(r.stdout).toContain(`broker ${b.nodeId} at ${b.bootstrap}`);
    expect(r.stdout).toMatch(/partition 0, leader \d, replicas: \d,\d,\d, isrs: \d,\d,\d/);
  });
});
