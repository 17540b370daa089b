// Transactions across a coordinator move: the identity coordinating a transactional id (the leader
// of its __transaction_state partition) stops mid-transaction; the producer finds the new
// coordinator and commits, and a read_committed consumer sees exactly the committed records.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { transactionStatePartitionFor } from '../../src/txn/index.js';

let cluster: RunningCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
});
afterAll(() => cluster?.close());

const kafkaOf = () => new Kafka({ clientId: 'txn-failover', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
const coordinatorOf = (transactionalId: string) => cluster.membership.coordinatorOf('__transaction_state', transactionStatePartitionFor(transactionalId, 50));

async function readCommitted(topic: string, count: number): Promise<string[]> {
  const consumer = kafkaOf().consumer({ groupId: `${topic}-readers`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); if (seen.length >= count) resolve(); } });
  });
  await consumer.disconnect();
  return seen;
}

describe('transactions across a coordinator move (kafkajs)', () => {
  it('commits after the transaction coordinator identity stops mid-transaction; an aborted one stays invisible', async () => {
    const admin = kafkaOf().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txn-moves', numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    const transactionalId = 'mover-1';
    const producer = kafkaOf().producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    // An aborted transaction first: none of it may be read.
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'txn-moves', messages: [{ partition: 0, value: 'aborted' }] });
    await aborted.abort();

    const txn = await producer.transaction();
    for (let p = 0; p < 3; p++) await txn.send({ topic: 'txn-moves', messages: [{ partition: p, value: `before-${p}` }] });
    const coordinator = coordinatorOf(transactionalId);
    await cluster.stopBroker(coordinator);
    expect(coordinatorOf(transactionalId)).not.toBe(coordinator);
    for (let p = 0; p < 3; p++) await txn.send({ topic: 'txn-moves', messages: [{ partition: p, value: `after-${p}` }] });
    await txn.commit();
    await cluster.startBroker(coordinator);
    await producer.disconnect();

    const seen = await readCommitted('txn-moves', 6);
    expect(seen.sort()).toEqual(['after-0', 'after-1', 'after-2', 'before-0', 'before-1', 'before-2']);
  }, 60_000);
});
