// Transaction coordination spread over __transaction_state's partitions (postgres:// storage): each
// call reaches the coordinator of the id's partition; an id whose partition this broker does not lead
// answers NOT_COORDINATOR in its API's terms, one whose partition is still loading
// COORDINATOR_LOAD_IN_PROGRESS; listings cover the partitions held here only. (Three brokers over a real
// database: test/pg/transactions.test.ts.)

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { MemoryTxnLog, TransactionCoordinator, transactionStatePartitionFor } from '../../src/txn/index.js';
import { PartitionedTransactionCoordination } from '../../src/txn/partitioned-coordination.js';
import { FakeClock } from '../../src/util/clock.js';
import { Logger } from '../../src/util/logger.js';

const PARTITIONS = 4;

function coordinator(log = new MemoryTxnLog()): TransactionCoordinator {
  let nextId = 100;
  return new TransactionCoordinator({
    clock: new FakeClock(), logger: new Logger(undefined, 'error'), log, background: false,
    markers: async () => true,
    allocateProducerId: async () => nextId++,
  });
}

/** Ids of each partition, found by Kafka's hash. */
function idsOf(partition: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (transactionStatePartitionFor(`id-${i}`, PARTITIONS) === partition) out.push(`id-${i}`);
  return out;
}

describe('transaction coordination by partition', () => {
  it('routes by the id\'s partition; other partitions\' ids are NOT_COORDINATOR, a loading one\'s COORDINATOR_LOAD_IN_PROGRESS', async () => {
    const routed = new PartitionedTransactionCoordination(() => PARTITIONS);
    const [p0, p1] = [coordinator(), coordinator()];
    routed.add(0, p0);
    routed.add(1, p1);
    expect(routed.loadError).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const [mine0] = idsOf(0, 1);
    expect(routed.statusOf(mine0)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await routed.load();
    expect(routed.loadError).toBe(ErrorCode.NONE);

    const [a, b] = idsOf(0, 2);
    const [c] = idsOf(1, 1);
    const [elsewhere] = idsOf(2, 1);
    for (const id of [a, b, c]) expect((await routed.initProducerId(id, 60_000)).errorCode).toBe(ErrorCode.NONE);
    expect(p0.list().map((d) => d.transactionalId).sort()).toEqual([a, b].sort());
    expect(p1.list().map((d) => d.transactionalId)).toEqual([c]);
    expect(routed.list().map((d) => d.transactionalId).sort()).toEqual([a, b, c].sort());
    expect(routed.describe(c)?.state).toBe('Empty');

    expect(routed.statusOf(elsewhere)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(routed.describe(elsewhere)).toBeUndefined();
    expect((await routed.initProducerId(elsewhere, 60_000)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await routed.addPartitions(elsewhere, 1, 0, [{ topic: 't', partition: 0 }])).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await routed.endTxn(elsewhere, 1, 0, true)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await routed.txnOffsetCommit(elsewhere, 'g', 1, 0, [])).toBe(ErrorCode.NOT_COORDINATOR);
    expect(routed.verifyPartitions(elsewhere, 1, 0, [{ topic: 't', partition: 0 }])).toEqual([ErrorCode.NOT_COORDINATOR]);
    // Produce's verification answers coordinator trouble with a retriable produce error.
    expect(await routed.addPartitionForProduce(elsewhere, 1, 0, 't', 0)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);

    // A transaction through the router: the partition's coordinator holds it.
    const init = await routed.initProducerId(a, 60_000);
    expect(await routed.addPartitions(a, init.producerId, init.producerEpoch, [{ topic: 't', partition: 0 }])).toBe(ErrorCode.NONE);
    expect(routed.verifyTransactionalProduce(init.producerId, init.producerEpoch, 't', 0)).toBe(ErrorCode.NONE);
    // A partition still loading does not hide the answer of the one that knows the producer; a producer
    // no loaded coordinator knows is retriable while one loads, unknown once none does.
    const loading = coordinator();
    const loadingFirst = new PartitionedTransactionCoordination(() => PARTITIONS);
    loadingFirst.add(3, loading);
    loadingFirst.add(0, p0);
    expect(loadingFirst.verifyTransactionalProduce(init.producerId, init.producerEpoch, 't', 0)).toBe(ErrorCode.NONE);
    expect(loadingFirst.verifyTransactionalProduce(init.producerId + 1000, 0, 't', 0)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    await loadingFirst.remove(3)!.close();
    expect(loadingFirst.verifyTransactionalProduce(init.producerId + 1000, 0, 't', 0)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await routed.endTxn(a, init.producerId, init.producerEpoch, true)).errorCode).toBe(ErrorCode.NONE);
    await routed.idle();
    expect(p0.describe(a)?.state).toBe('CompleteCommit');

    // The partition is given up: its ids are another broker's now.
    const gone = routed.remove(0);
    expect(gone).toBe(p0);
    await gone!.close();
    expect(routed.statusOf(a)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(routed.list().map((d) => d.transactionalId)).toEqual([c]);
    await p1.close();
  });
});
