// The transaction coordinator's state machine on a fake clock and an in-memory __transaction_state:
// producer ids, epochs and fencing (KIP-360 retries), Kafka's answers per state, markers, the
// proactive abort on timeout, transactional offsets, id expiry and recovery of a half-done commit, and
// transactions V2 (implicit adds, an epoch bump per EndTxn, retries, empty aborts, epoch exhaustion).

import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { LogManager } from '../../src/log/index.js';
import { LogTxnLog, MemoryTxnLog, TRANSACTION_STATE_TOPIC, transactionStatePartitionFor, TRANSACTION_VERSION_2, TransactionCoordinator, type PendingOffset, type TxnLog } from '../../src/txn/index.js';
import { encodeTxnValue, MAX_PRODUCER_EPOCH, newTxnMetadata } from '../../src/txn/metadata.js';
import { encodeTxnKey } from '../../src/txn/txn-log.js';
import { FakeClock } from '../../src/util/clock.js';
import { Logger } from '../../src/util/logger.js';
import { makeEngine } from '../helpers/log-helpers.js';

interface Marker { topic: string; partition: number; producerId: number; producerEpoch: number; commit: boolean }

function setup<L extends TxnLog = MemoryTxnLog>(opts: { log?: L; clock?: FakeClock; failMarkers?: boolean } = {}) {
  const clock = opts.clock ?? new FakeClock();
  const log = opts.log ?? (new MemoryTxnLog() as TxnLog as L);
  const markers: Marker[] = [];
  const committedOffsets: { group: string; offsets: readonly PendingOffset[]; keepLaterCommits: boolean }[] = [];
  const state: { failMarkers: boolean; markersGate?: Promise<void> } = { failMarkers: opts.failMarkers ?? false };
  const txn = new TransactionCoordinator({
    clock,
    logger: new Logger(undefined, 'error'),
    log,
    markers: async (topic, partition, producerId, producerEpoch, commit) => {
      if (state.failMarkers) throw new Error('partition offline');
      if (state.markersGate) await state.markersGate;
      markers.push({ topic, partition, producerId, producerEpoch, commit });
      return true;
    },
    offsets: async (group, offsets, opts) => {
      committedOffsets.push({ group, offsets, keepLaterCommits: opts?.keepLaterCommits ?? false });
    },
    config: { maxTimeoutMs: 60_000, abortCheckIntervalMs: 1000, expiredIdCheckIntervalMs: 10_000, transactionalIdExpirationMs: 100_000 },
  });
  return { clock, log, txn, markers, committedOffsets, state };
}

const TP = [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }];

describe('producer ids', () => {
  it('gives idempotent producers distinct ids and never reuses a reserved block after a restart', async () => {
    const a = setup();
    await a.txn.load();
    const ids = await Promise.all([1, 2, 3].map(() => a.txn.initProducerId(null, 0)));
    expect(new Set(ids.map((r) => r.producerId)).size).toBe(3);
    expect(ids.every((r) => r.errorCode === ErrorCode.NONE && r.producerEpoch === 0)).toBe(true);
    await a.txn.close();
    const b = setup({ log: a.log });
    // Asked while the log is still being replayed: the id still comes after the reserved block.
    const loading = b.txn.load();
    const next = await b.txn.initProducerId(null, 0);
    await loading;
    expect(next.producerId).toBeGreaterThanOrEqual(1000);
    await b.txn.close();
  });

  it('validates the transaction timeout and the id', async () => {
    const { txn } = setup();
    await txn.load();
    expect((await txn.initProducerId('x', 60_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await txn.initProducerId('x', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await txn.initProducerId('', 1000)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    await txn.close();
  });
});

describe('transactional ids', () => {
  it('bumps the epoch on each InitProducerId and fences older epochs', async () => {
    const { txn } = setup();
    await txn.load();
    const first = await txn.initProducerId('app', 10_000);
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    const second = await txn.initProducerId('app', 10_000);
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
    expect(await txn.addPartitions('app', first.producerId, 0, TP)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await txn.addPartitions('app', first.producerId + 1, 1, TP)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await txn.addPartitions('nobody', 5, 0, TP)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await txn.endTxn('app', first.producerId, 1, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    await txn.close();
  });

  it('KIP-360: a producer bumps its own epoch, and a retried bump gets the same epoch back', async () => {
    const { txn } = setup();
    await txn.load();
    const p = await txn.initProducerId('k', 10_000);
    const bumped = await txn.initProducerId('k', 10_000, { producerId: p.producerId, producerEpoch: 0 });
    expect(bumped).toMatchObject({ errorCode: ErrorCode.NONE, producerId: p.producerId, producerEpoch: 1 });
    const retry = await txn.initProducerId('k', 10_000, { producerId: p.producerId, producerEpoch: 0 });
    expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 1 });
    const stale = await txn.initProducerId('k', 10_000, { producerId: p.producerId + 7, producerEpoch: 0 });
    expect(stale.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    await txn.close();
  });

  it('commits: markers to every partition, offsets handed over, then CompleteCommit; Kafka answers per state', async () => {
    const { txn, markers, committedOffsets } = setup();
    await txn.load();
    const { producerId } = await txn.initProducerId('c', 10_000);
    expect(await txn.addPartitions('c', producerId, 0, TP)).toBe(ErrorCode.NONE);
    expect(txn.describe('c')?.state).toBe('Ongoing');
    const started = txn.describe('c')!.startTimestamp;
    expect(started).toBeGreaterThanOrEqual(0);
    // Offsets need the group added first.
    expect(await txn.txnOffsetCommit('c', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' }])).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await txn.addPartitions('c', producerId, 0, [], ['g'])).toBe(ErrorCode.NONE);
    expect(await txn.txnOffsetCommit('c', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' }])).toBe(ErrorCode.NONE);
    expect(txn.hasPendingOffsets('g', 'in', 0)).toBe(true);
    expect(txn.verifyTransactionalProduce(producerId, 0, 't', 1)).toBe(ErrorCode.NONE);
    expect(txn.verifyTransactionalProduce(producerId, 0, 't', 2)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await txn.endTxn('c', producerId, 0, true)).errorCode).toBe(ErrorCode.NONE);
    expect(markers).toEqual(TP.map((p) => ({ ...p, producerId, producerEpoch: 0, commit: true })));
    expect(committedOffsets).toHaveLength(1);
    expect(committedOffsets[0].offsets[0]).toMatchObject({ topic: 'in', partition: 0, offset: 5 });
    expect(txn.hasPendingOffsets('g', 'in', 0)).toBe(false);
    // A completed transaction keeps its start time, as Kafka's DescribeTransactions shows it.
    expect(txn.describe('c')).toMatchObject({ state: 'CompleteCommit', startTimestamp: started });
    expect((await txn.endTxn('c', producerId, 0, true)).errorCode).toBe(ErrorCode.NONE); // a retry
    expect((await txn.endTxn('c', producerId, 0, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(txn.verifyTransactionalProduce(producerId, 0, 't', 1)).toBe(ErrorCode.INVALID_TXN_STATE);
    // The next transaction starts from CompleteCommit.
    expect(await txn.addPartitions('c', producerId, 0, [TP[0]])).toBe(ErrorCode.NONE);
    expect((await txn.endTxn('c', producerId, 0, false)).errorCode).toBe(ErrorCode.NONE);
    expect(markers[markers.length - 1]).toMatchObject({ partition: 0, commit: false });
    expect(committedOffsets).toHaveLength(1);
    await txn.close();
  });

  it('an abort drops the transactional offsets', async () => {
    const { txn, committedOffsets } = setup();
    await txn.load();
    const { producerId } = await txn.initProducerId('a', 10_000);
    await txn.addPartitions('a', producerId, 0, [], ['g']);
    await txn.txnOffsetCommit('a', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 9, leaderEpoch: -1, metadata: '' }]);
    expect((await txn.endTxn('a', producerId, 0, false)).errorCode).toBe(ErrorCode.NONE);
    expect(committedOffsets).toHaveLength(0);
    expect(txn.hasPendingOffsets('g', 'in', 0)).toBe(false);
    await txn.close();
  });

  it('a new instance fences and aborts the ongoing transaction (CONCURRENT_TRANSACTIONS, then a new epoch)', async () => {
    const { txn, markers } = setup();
    await txn.load();
    const old = await txn.initProducerId('f', 10_000);
    await txn.addPartitions('f', old.producerId, 0, TP);
    expect((await txn.initProducerId('f', 10_000)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    await txn.idle();
    expect(markers.map((m) => [m.commit, m.producerEpoch])).toEqual([[false, 1], [false, 1]]);
    expect(txn.describe('f')?.state).toBe('CompleteAbort');
    const fresh = await txn.initProducerId('f', 10_000);
    expect(fresh).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 2 });
    expect((await txn.endTxn('f', old.producerId, 0, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(txn.verifyTransactionalProduce(old.producerId, 0, 't', 0)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    await txn.close();
  });

  it('aborts a transaction that outlives transaction.timeout.ms and fences its producer', async () => {
    const { txn, markers, clock } = setup();
    await txn.load();
    const p = await txn.initProducerId('slow', 5_000);
    await txn.addPartitions('slow', p.producerId, 0, [TP[0]]);
    clock.advance(4_000);
    await txn.idle();
    expect(txn.describe('slow')?.state).toBe('Ongoing');
    clock.advance(2_000);
    await txn.idle();
    expect(txn.describe('slow')).toMatchObject({ state: 'CompleteAbort', producerEpoch: 1 });
    expect(markers).toEqual([{ topic: 't', partition: 0, producerId: p.producerId, producerEpoch: 1, commit: false }]);
    expect((await txn.endTxn('slow', p.producerId, 0, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    await txn.close();
  });

  it('expires idle transactional ids after transactional.id.expiration.ms', async () => {
    const { txn, clock, log } = setup();
    await txn.load();
    await txn.initProducerId('idle', 5_000);
    clock.advance(100_000);
    await txn.idle();
    await Promise.resolve();
    clock.advance(10_000);
    await txn.idle();
    await Promise.resolve();
    expect(txn.describe('idle')).toBeUndefined();
    expect(log.records[log.records.length - 1].value).toBeNull();
    await txn.close();
  });

  it('completes, after a restart, a commit whose markers were not all written', async () => {
    const a = setup({ failMarkers: true });
    await a.txn.load();
    const { producerId } = await a.txn.initProducerId('crash', 10_000);
    await a.txn.addPartitions('crash', producerId, 0, TP);
    await a.txn.addPartitions('crash', producerId, 0, [], ['g']);
    await a.txn.txnOffsetCommit('crash', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 3, leaderEpoch: -1, metadata: 'm' }]);
    // The decision is durable: EndTxn succeeds though markers keep failing.
    expect((await a.txn.endTxn('crash', producerId, 0, true)).errorCode).toBe(ErrorCode.NONE);
    expect(a.txn.describe('crash')?.state).toBe('PrepareCommit');
    expect(await a.txn.addPartitions('crash', producerId, 0, TP)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    await a.txn.close();

    const b = setup({ log: a.log });
    await b.txn.load();
    await b.txn.idle();
    expect(b.txn.describe('crash')?.state).toBe('CompleteCommit');
    expect(b.markers.map((m) => m.commit)).toEqual([true, true]);
    expect(b.committedOffsets[0]).toMatchObject({ group: 'g', offsets: [{ topic: 'in', partition: 0, offset: 3, metadata: 'm' }] });
    await b.txn.close();
  });

  it('writes Complete* without an fsync of its own: a power cut that loses it completes the transaction again', async () => {
    // __transaction_state in the log engine, on the memory engine, whose crash() loses what no fsync covered.
    const engine = await makeEngine('memory');
    const clock = new FakeClock();
    const openLog = async () => {
      const logs = await LogManager.open({ storage: await engine.open(), clock, background: false });
      return { logs, log: new LogTxnLog(logs, null, 50, () => clock.now()) };
    };
    const stateLog = async (logs: LogManager) => logs.getOrCreate(TRANSACTION_STATE_TOPIC, transactionStatePartitionFor('cut', 50));
    let opened = await openLog();
    const a = setup({ log: opened.log, clock });
    await a.txn.load();
    const { producerId } = await a.txn.initProducerId('cut', 10_000);
    await a.txn.addPartitions('cut', producerId, 0, TP);
    await a.txn.addPartitions('cut', producerId, 0, [], ['g']);
    await a.txn.txnOffsetCommit('cut', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 3, leaderEpoch: -1, metadata: '' }]);
    expect((await a.txn.endTxn('cut', producerId, 0, true)).errorCode).toBe(ErrorCode.NONE);
    expect(a.txn.describe('cut')?.state).toBe('CompleteCommit');
    expect(a.markers).toHaveLength(2);
    expect(a.committedOffsets).toMatchObject([{ group: 'g', keepLaterCommits: false }]);
    // Answered with Complete written, not fsynced: everything before it (PrepareCommit) was.
    expect((await stateLog(opened.logs)).hasUnflushed).toBe(true);
    /** A power cut, then a coordinator loaded from what survived, done with what it found to finish. */
    const restart = async () => {
      engine.memory!.crash();
      opened = await openLog();
      const next = setup({ log: opened.log, clock });
      await next.txn.load();
      await next.txn.idle();
      return next;
    };

    const b = await restart();
    // Found in PrepareCommit, completed again: the markers and offsets a second time, then Complete.
    expect(b.txn.describe('cut')?.state).toBe('CompleteCommit');
    expect(b.markers.map((m) => m.commit)).toEqual([true, true]);
    // Offsets the group committed since the first completion are kept (groupOffsetsSink).
    expect(b.committedOffsets).toMatchObject([{ group: 'g', offsets: [{ offset: 3 }], keepLaterCommits: true }]);
    // The id's next record is fsynced and makes Complete durable with it.
    await b.txn.addPartitions('cut', producerId, 0, [TP[0]]);
    expect((await stateLog(opened.logs)).hasUnflushed).toBe(false);

    const c = await restart();
    expect(c.txn.describe('cut')?.state).toBe('Ongoing');
    expect(c.markers).toHaveLength(0);
    await c.txn.close();
    await opened.logs.close();
  });

  it("writes a commit's offsets while its markers are being written, not after them", async () => {
    const { txn, state, markers, committedOffsets } = setup();
    await txn.load();
    const { producerId } = await txn.initProducerId('both', 10_000);
    await txn.addPartitions('both', producerId, 0, TP);
    await txn.addPartitions('both', producerId, 0, [], ['g']);
    await txn.txnOffsetCommit('both', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 3, leaderEpoch: -1, metadata: '' }]);
    let release!: () => void;
    state.markersGate = new Promise<void>((r) => (release = r));
    const ended = txn.endTxn('both', producerId, 0, true);
    await vi.waitFor(() => expect(committedOffsets).toHaveLength(1), { timeout: 5000, interval: 2 });
    expect(markers).toHaveLength(0);
    release();
    expect((await ended).errorCode).toBe(ErrorCode.NONE);
    expect(markers).toHaveLength(2);
    expect(txn.describe('both')?.state).toBe('CompleteCommit');
    await txn.close();
  });

  it('retries failing markers until they are written', async () => {
    const { txn, state, markers, clock } = setup({ failMarkers: true });
    await txn.load();
    const { producerId } = await txn.initProducerId('retry', 10_000);
    await txn.addPartitions('retry', producerId, 0, [TP[0]]);
    expect((await txn.endTxn('retry', producerId, 0, false)).errorCode).toBe(ErrorCode.NONE);
    state.failMarkers = false;
    clock.advance(100);
    await txn.idle();
    expect(markers).toHaveLength(1);
    expect(txn.describe('retry')?.state).toBe('CompleteAbort');
    await txn.close();
  });
});

describe('transactions V2 (KIP-890 part 2)', () => {
  const V2 = TRANSACTION_VERSION_2;

  it('adds partitions from produce and groups from TxnOffsetCommit, and bumps the epoch on every EndTxn', async () => {
    const { txn, markers, committedOffsets } = setup();
    await txn.load();
    const { producerId } = await txn.initProducerId('v2', 10_000);
    expect(await txn.addPartitionForProduce('v2', producerId, 0, 't', 0)).toBe(ErrorCode.NONE);
    expect(txn.describe('v2')?.state).toBe('Ongoing');
    expect(await txn.txnOffsetCommit('v2', 'g', producerId, 0, [{ topic: 'in', partition: 0, offset: 7, leaderEpoch: -1, metadata: '' }], V2)).toBe(ErrorCode.NONE);
    expect(txn.describe('v2')?.groups.has('g')).toBe(true);
    expect(await txn.endTxn('v2', producerId, 0, true, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    // The markers carry the bumped epoch: the transaction's own late writes are fenced by them.
    expect(markers).toEqual([{ topic: 't', partition: 0, producerId, producerEpoch: 1, commit: true }]);
    expect(committedOffsets[0].offsets[0]).toMatchObject({ offset: 7 });
    // A retry (the answer was lost) carries the old epoch and gets the same answer.
    expect(await txn.endTxn('v2', producerId, 0, true, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    expect((await txn.endTxn('v2', producerId, 0, false, V2)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // The old epoch cannot add anything; the new one starts the next transaction.
    expect(await txn.addPartitionForProduce('v2', producerId, 0, 't', 1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await txn.addPartitionForProduce('v2', producerId, 1, 't', 1)).toBe(ErrorCode.NONE);
    expect(await txn.endTxn('v2', producerId, 1, false, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
    expect(markers[1]).toEqual({ topic: 't', partition: 1, producerId, producerEpoch: 2, commit: false });
    // A commit at a retry epoch after an abort is fenced, not a fatal state error (KAFKA-20785).
    expect((await txn.endTxn('v2', producerId, 1, true, V2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // An epoch two behind is a fenced producer.
    expect((await txn.endTxn('v2', producerId, 0, false, V2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    await txn.close();
  });

  it('lets a producer abort a transaction it added nothing to, bumping the epoch without markers', async () => {
    const { txn, markers } = setup();
    await txn.load();
    const { producerId } = await txn.initProducerId('empty', 10_000);
    expect(await txn.endTxn('empty', producerId, 0, false, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    expect(txn.describe('empty')?.state).toBe('CompleteAbort');
    expect(await txn.endTxn('empty', producerId, 1, false, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
    // Nothing to commit is an error, as in Kafka; the original protocol cannot abort from Empty either.
    expect((await txn.endTxn('empty', producerId, 2, true, V2)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    const v1 = await txn.initProducerId('empty-v1', 10_000);
    expect((await txn.endTxn('empty-v1', v1.producerId, 0, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(markers).toEqual([]);
    await txn.close();
  });

  it('moves the producer to a new id when the epoch is exhausted, and answers a retry across it', async () => {
    const log = new MemoryTxnLog();
    const seeded = newTxnMetadata('old', 42, 10_000, 0);
    seeded.producerEpoch = MAX_PRODUCER_EPOCH;
    log.records.push({ key: encodeTxnKey({ type: 'txn', transactionalId: 'old' }), value: encodeTxnValue(seeded) });
    const { txn, markers } = setup({ log });
    await txn.load();
    expect(await txn.addPartitionForProduce('old', 42, MAX_PRODUCER_EPOCH, 't', 0)).toBe(ErrorCode.NONE);
    const done = await txn.endTxn('old', 42, MAX_PRODUCER_EPOCH, true, V2);
    expect(done.errorCode).toBe(ErrorCode.NONE);
    expect(done.producerId).not.toBe(42);
    expect(done.producerEpoch).toBe(0);
    // The last marker of the old id carries Short.MaxValue.
    expect(markers).toEqual([{ topic: 't', partition: 0, producerId: 42, producerEpoch: 32767, commit: true }]);
    expect(await txn.endTxn('old', 42, MAX_PRODUCER_EPOCH, true, V2)).toEqual(done);
    expect(await txn.addPartitionForProduce('old', done.producerId, 0, 't', 0)).toBe(ErrorCode.NONE);
    await txn.close();
  });

  it('keeps the protocol version across a restart', async () => {
    const a = setup();
    await a.txn.load();
    const { producerId } = await a.txn.initProducerId('r', 10_000);
    await a.txn.addPartitionForProduce('r', producerId, 0, 't', 0);
    await a.txn.close();
    const b = setup({ log: a.log });
    await b.txn.load();
    expect(await b.txn.endTxn('r', producerId, 0, true, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    expect(await b.txn.endTxn('r', producerId, 0, true, V2)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    await b.txn.close();
  });
});
