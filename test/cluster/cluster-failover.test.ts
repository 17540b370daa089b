// Failover with real clients against a 3-identity cluster: requests to an identity that does not
// lead a partition are refused with NOT_LEADER_OR_FOLLOWER and kafkajs follows the move; an
// idempotent producer keeps producing while the leader identity is stopped and started (no record
// lost, none duplicated); a consumer group keeps consuming while its identity stops.

import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsetsPartitionFor } from '../../src/group/index.js';
import { type RunningCluster, startCluster } from '../../src/index.js';

let cluster: RunningCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, config: { 'group.initial.rebalance.delay.ms': 0 } });
});
afterAll(() => cluster?.close());

const kafkaOf = () => new Kafka({ clientId: 'failover', brokers: cluster.bootstrap.split(','), logLevel: process.env.KJS_DEBUG === 'debug' ? logLevel.DEBUG : process.env.KJS_DEBUG ? logLevel.INFO : logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });

async function createTopic(topic: string, partitions: number, configs: { name: string; value: string }[] = []): Promise<void> {
  const admin = kafkaOf().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: configs }] });
  await admin.disconnect();
}

async function consumeAll(topic: string, count: number, groupId: string): Promise<string[]> {
  const consumer = kafkaOf().consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); if (seen.length >= count) resolve(); } });
  });
  await consumer.disconnect();
  return seen;
}

/**
 * 30 records, one send per partition. kafkajs 2.2.4 loses records when one send() spans several
 * leaders and one of them dies: its retry skips every broker that already answered, including the
 * one that now leads the dead broker's partitions (sendMessages' responsePerBroker), and resolves.
 * That is the client's own code, whatever the broker; a send per partition is retried whole.
 */
async function sendPerPartition(producer: Producer, topic: string, prefix: string): Promise<void> {
  for (let p = 0; p < 3; p++) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, value: `${prefix}${p * 10 + i}` })) });
  }
}

describe('cluster failover with kafkajs', () => {
  it('follows a leader move: the old leader answers NOT_LEADER_OR_FOLLOWER and kafkajs retries at the new one', async () => {
    await createTopic('moved', 1);
    const producer = kafkaOf().producer();
    await producer.connect();
    await producer.send({ topic: 'moved', acks: -1, messages: [{ value: 'before' }] });
    const from = cluster.partitionLeader('moved', 0);
    const to = cluster.brokers.map((b) => b.nodeId).find((id) => id !== from)!;
    cluster.moveLeader('moved', 0, to);
    // kafkajs still sends to the old leader from its cached metadata: refused, refreshed, retried.
    await producer.send({ topic: 'moved', acks: -1, messages: [{ value: 'after' }] });
    await producer.disconnect();
    expect(cluster.partitionLeader('moved', 0)).toBe(to);
    expect((await consumeAll('moved', 2, 'moved-readers')).sort()).toEqual(['after', 'before']);
  });

  it('an idempotent producer keeps producing while the leader identity stops and starts: no loss, no duplicates', async () => {
    await createTopic('idem', 1);
    const producer = kafkaOf().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const leader = cluster.partitionLeader('idem', 0);
    let sent = 0;
    const sendSome = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send({ topic: 'idem', acks: -1, messages: [{ value: String(sent++) }] });
    };
    await sendSome(20);
    const stopping = cluster.stopBroker(leader);
    await sendSome(20);
    await stopping;
    expect(cluster.partitionLeader('idem', 0)).not.toBe(leader);
    await sendSome(20);
    await cluster.startBroker(leader);
    cluster.moveLeader('idem', 0, leader);
    await sendSome(20);
    await producer.disconnect();
    const values = (await consumeAll('idem', sent, 'idem-readers')).map(Number);
    expect(values).toEqual(Array.from({ length: sent }, (_, i) => i));
  });

  it('a consumer group forms and consumes through the coordinator FindCoordinator names (other identities answer NOT_COORDINATOR)', async () => {
    await createTopic('group-failover', 3);
    const kafka = kafkaOf();
    const producer = kafka.producer();
    await producer.connect();
    const consumer = kafka.consumer({ groupId: 'survivors', sessionTimeout: 6000, heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'group-failover', fromBeginning: true });
    const seen = new Set<string>();
    let waiting: { count: number; resolve: () => void } | null = null;
    const reach = (count: number) => new Promise<void>((resolve) => { waiting = { count, resolve }; if (seen.size >= count) resolve(); });
    void consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); if (waiting && seen.size >= waiting.count) waiting.resolve(); } });
    await producer.send({ topic: 'group-failover', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
    await reach(30);
    const coordinator = await (async () => {
      const admin = kafka.admin();
      await admin.connect();
      const described = await admin.describeGroups(['survivors']);
      await admin.disconnect();
      return described.groups[0].state;
    })();
    expect(coordinator).toBe('Stable');
    await consumer.disconnect();
    await producer.disconnect();
  });

  it('a consumer group keeps consuming when its coordinator identity stops (its connections drop at once, as a dying broker\'s)', async () => {
    await createTopic('group-failover-2', 3);
    const kafka = kafkaOf();
    const producer = kafka.producer();
    await producer.connect();
    const consumer = kafka.consumer({ groupId: 'survivors-2', sessionTimeout: 6000, heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'group-failover-2', fromBeginning: true });
    const seen = new Set<string>();
    let waiting: { count: number; resolve: () => void } | null = null;
    const reach = (count: number) => new Promise<void>((resolve) => { waiting = { count, resolve }; if (seen.size >= count) resolve(); });
    void consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); if (waiting && seen.size >= waiting.count) waiting.resolve(); } });
    await producer.send({ topic: 'group-failover-2', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
    await reach(30);
    const state = await (async () => {
      const admin = kafka.admin();
      await admin.connect();
      const described = await admin.describeGroups(['survivors-2']);
      await admin.disconnect();
      return described.groups[0].state;
    })();
    expect(state).toBe('Stable');
    // The identity leading the group's __consumer_offsets partition coordinates it (Kafka's hash of the group id).
    const coordinator = cluster.membership.coordinatorOf('__consumer_offsets', offsetsPartitionFor('survivors-2', 50));
    await cluster.stopBroker(coordinator);
    expect(cluster.membership.coordinatorOf('__consumer_offsets', offsetsPartitionFor('survivors-2', 50))).not.toBe(coordinator);
    await sendPerPartition(producer, 'group-failover-2', 'b');
    await reach(60);
    await cluster.startBroker(coordinator);
    await sendPerPartition(producer, 'group-failover-2', 'c');
    await reach(90);
    await consumer.disconnect();
    await producer.disconnect();
    expect(seen.size).toBe(90);
  }, 90_000);
});
