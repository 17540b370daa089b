// The produce path's producer checks over real sockets (raw requests, our codec), and what survives a
// restart on file storage: the sequence window (a retried batch after a restart is still answered
// with its original offset), transactional ids and their epochs, and a commit whose markers were
// never written before the broker went down (completed by the next start).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { decodeResponse, encodeRequest, ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { groupOffsetsSink, offsetsPartitionFor } from '../../src/group/index.js';
import type { TransactionCoordinator } from '../../src/txn/index.js';
import { Logger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';

function batch(producerId: number, producerEpoch: number, baseSequence: number, count = 1, isTransactional = false): Buffer {
  return buildRecordBatch({
    producerId,
    producerEpoch,
    baseSequence,
    isTransactional,
    records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${baseSequence + i}`) })),
  });
}

async function produce(c: RawClient, topic: string, records: Buffer, transactionalId: string | null = null, partition = 0) {
  const res = await c.request(0, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  return res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
}

async function initPid(c: RawClient, transactionalId: string | null, timeoutMs = 60_000) {
  for (;;) {
    const r = await c.request(22, 4, { transactionalId, transactionTimeoutMs: timeoutMs, producerId: -1, producerEpoch: -1 });
    if (r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS && r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return r as { errorCode: number; producerId: number; producerEpoch: number };
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function addPartitions(c: RawClient, tid: string, producerId: number, producerEpoch: number, topic: string, partitions: number[]) {
  const r = await c.request(24, 3, { v3AndBelowTransactionalId: tid, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: topic, partitions }] });
  return r.resultsByTopicV3AndBelow[0].resultsByPartition.map((p: { partitionErrorCode: number }) => p.partitionErrorCode) as number[];
}

async function fetchRc(c: RawClient, topic: string, partition = 0) {
  const res = await c.request(1, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  return res.responses[0].partitions[0] as { errorCode: number; highWatermark: number; lastStableOffset: number; abortedTransactions: { producerId: number; firstOffset: number }[] | null };
}

describe('produce path producer checks', () => {
  let broker: RunningBroker;
  let c: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    await broker.services.topics.createTopic('seq', 1, {});
    await broker.services.topics.createTopic('tx', 2, {});
    await broker.services.txn.load();
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c.socket.destroy();
    await broker.close();
  });

  it('answers a retried batch with its original offset, refuses gaps and stale epochs', async () => {
    const { producerId } = await initPid(c, null);
    expect(await produce(c, 'seq', batch(producerId, 0, 0, 2))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(c, 'seq', batch(producerId, 0, 2))).toMatchObject({ errorCode: 0, baseOffset: 2 });
    // Retry of the first batch: success with the original offset, nothing appended.
    expect(await produce(c, 'seq', batch(producerId, 0, 0, 2))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(broker.services.logs.get('seq', 0)!.logEndOffset).toBe(3);
    expect((await produce(c, 'seq', batch(producerId, 0, 5))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // A new epoch must start at sequence 0.
    expect((await produce(c, 'seq', batch(producerId, 1, 3))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await produce(c, 'seq', batch(producerId, 1, 0))).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect((await produce(c, 'seq', batch(producerId, 0, 3))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('appends pipelined batches of one producer in request order, on a partition not yet opened and through a V2 implicit add', async () => {
    await broker.services.topics.createTopic('pipe', 2, {});
    const idem = await initPid(c, null);
    const tx = await initPid(c, 'pipe-tx');
    const sendAll = async (partition: number, producerId: number, epoch: number, transactional: boolean, tid: string | null, version: number) => {
      const frames = Array.from({ length: 20 }, (_, seq) => {
        const body = { transactionalId: tid, acks: 1, timeoutMs: 5000, topicData: [{ name: 'pipe', partitionData: [{ index: partition, records: batch(producerId, epoch, seq, 1, transactional) }] }] };
        return Buffer.concat(encodeRequest(0, version, { correlationId: 1000 + seq, clientId: 'pipe' }, body));
      });
      c.writeRaw(Buffer.concat(frames)); // one write: every request is read and dispatched before any finishes
      const out: { errorCode: number; baseOffset: number }[] = [];
      for (let i = 0; i < frames.length; i++) out.push(decodeResponse(0, version, await c.readFrame()).body.responses[0].partitionResponses[0]);
      return out;
    };
    const plain = await sendAll(0, idem.producerId, 0, false, null, 9);
    expect(plain.map((r) => r.errorCode)).toEqual(new Array(20).fill(0));
    expect(plain.map((r) => r.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const v2 = await sendAll(1, tx.producerId, tx.producerEpoch, true, 'pipe-tx', 12);
    expect(v2.map((r) => r.errorCode)).toEqual(new Array(20).fill(0));
    expect(v2.map((r) => r.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await c.request(26, 5, { transactionalId: 'pipe-tx', producerId: tx.producerId, producerEpoch: tx.producerEpoch, committed: true })).errorCode).toBe(0);
  });

  it('keeps the last five batches for duplicate detection', async () => {
    const { producerId } = await initPid(c, null);
    const offsets: number[] = [];
    for (let seq = 0; seq < 6; seq++) offsets.push((await produce(c, 'seq', batch(producerId, 0, seq))).baseOffset);
    expect(await produce(c, 'seq', batch(producerId, 0, 1))).toMatchObject({ errorCode: 0, baseOffset: offsets[1] });
    // The sixth-newest batch is out of the window: its retry is out of order.
    expect((await produce(c, 'seq', batch(producerId, 0, 0))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('needs the partition in the ongoing transaction for transactional batches; no plain writes inside one', async () => {
    const { producerId, producerEpoch } = await initPid(c, 'tx-raw');
    expect((await produce(c, 'tx', batch(producerId, producerEpoch, 0, 1, true), 'tx-raw')).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await addPartitions(c, 'tx-raw', producerId, producerEpoch, 'tx', [0])).toEqual([0]);
    expect((await produce(c, 'tx', batch(producerId, producerEpoch, 0, 1, true), 'tx-raw', 1)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await produce(c, 'tx', batch(producerId, producerEpoch, 0, 2, true), 'tx-raw')).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect((await produce(c, 'tx', batch(producerId, producerEpoch, 2, 1, false))).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    let rc = await fetchRc(c, 'tx');
    expect(rc.lastStableOffset).toBe(0);
    const end = await c.request(26, 3, { transactionalId: 'tx-raw', producerId, producerEpoch, committed: false });
    expect(end.errorCode).toBe(0);
    rc = await fetchRc(c, 'tx');
    expect(rc.lastStableOffset).toBe(3);
    expect(rc.abortedTransactions).toEqual([expect.objectContaining({ producerId, firstOffset: 0 })]);
    // Unknown partitions in AddPartitionsToTxn.
    expect(await addPartitions(c, 'tx-raw', producerId, producerEpoch, 'nope', [0])).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });

  it('AddPartitionsToTxn v4 batches transactions and verifies without adding; old versions see INVALID_PRODUCER_EPOCH', async () => {
    const a = await initPid(c, 'tx-v4-a');
    const b = await initPid(c, 'tx-v4-b');
    const res = await c.request(24, 4, {
      transactions: [
        { transactionalId: 'tx-v4-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: false, topics: [{ name: 'tx', partitions: [0] }] },
        { transactionalId: 'tx-v4-b', producerId: b.producerId, producerEpoch: b.producerEpoch, verifyOnly: true, topics: [{ name: 'tx', partitions: [0] }] },
      ],
    });
    expect(res.errorCode).toBe(0);
    const codes = res.resultsByTransaction.map((t: any) => t.topicResults[0].resultsByPartition[0].partitionErrorCode);
    expect(codes).toEqual([0, ErrorCode.INVALID_TXN_STATE]);
    const verify = await c.request(24, 5, {
      transactions: [{ transactionalId: 'tx-v4-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: true, topics: [{ name: 'tx', partitions: [0, 1] }] }],
    });
    expect(verify.resultsByTransaction[0].topicResults[0].resultsByPartition.map((p: any) => p.partitionErrorCode)).toEqual([0, ErrorCode.INVALID_TXN_STATE]);
    // A stale epoch: PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH before (KIP-588).
    const newer = await initPid(c, 'tx-v4-b');
    const stale = async (v: number) => (await c.request(24, v, { v3AndBelowTransactionalId: 'tx-v4-b', v3AndBelowProducerId: b.producerId, v3AndBelowProducerEpoch: b.producerEpoch, v3AndBelowTopics: [{ name: 'tx', partitions: [0] }] })).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode;
    expect(newer.producerEpoch).toBe(b.producerEpoch + 1);
    expect(await stale(1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await stale(3)).toBe(ErrorCode.PRODUCER_FENCED);
    const endOld = await c.request(26, 0, { transactionalId: 'tx-v4-a', producerId: a.producerId, producerEpoch: a.producerEpoch + 5, committed: true });
    expect(endOld.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await c.request(26, 3, { transactionalId: 'tx-v4-a', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: false })).errorCode).toBe(0);
  });

  it('transactional offsets: UNSTABLE_OFFSET_COMMIT under require_stable until the commit, then visible', async () => {
    const p = await initPid(c, 'tx-offsets');
    expect((await c.request(25, 3, { transactionalId: 'tx-offsets', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g-stable' })).errorCode).toBe(0);
    const commit = await c.request(28, 3, {
      transactionalId: 'tx-offsets', groupId: 'g-stable', producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'seq', partitions: [{ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: 'meta' }] }, { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.topics.map((t: any) => t.partitions[0].errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const fetch = async (requireStable: boolean) =>
      (await c.request(9, 7, { groupId: 'g-stable', topics: [{ name: 'seq', partitionIndexes: [0] }], groups: [], requireStable })).topics[0].partitions[0];
    expect((await fetch(true)).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    const described = await c.request(65, 0, { transactionalIds: ['tx-offsets'] });
    expect(described.transactionStates[0].topics).toEqual([{ topic: '__consumer_offsets', partitions: [offsetsPartitionFor('g-stable', 50)] }]);
    expect(await fetch(false)).toMatchObject({ errorCode: 0, committedOffset: -1 });
    expect((await c.request(26, 3, { transactionalId: 'tx-offsets', producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true })).errorCode).toBe(0);
    expect(await fetch(true)).toMatchObject({ errorCode: 0, committedOffset: 7, metadata: 'meta' });
  });

  it('a transaction completed again after a restart keeps the offsets the group committed since its TxnOffsetCommit', async () => {
    const plain = await c.request(8, 8, {
      groupId: 'g-again', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'seq', partitions: [{ partitionIndex: 0, committedOffset: 9, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'plain' }] }],
    });
    expect(plain.topics[0].partitions[0].errorCode).toBe(0);
    const committedAt = broker.services.groups.committedOffset('g-again', 'seq', 0)!.commitTimestamp;
    const committed = async () =>
      (await c.request(9, 7, { groupId: 'g-again', topics: [{ name: 'seq', partitionIndexes: [0] }], groups: [], requireStable: true })).topics[0].partitions[0];
    // What the coordinator hands over when it completes a transaction again at load: its TxnOffsetCommit
    // came before the plain commit, so the plain commit stays; one after it (or at the same time) wins.
    const sink = groupOffsetsSink(broker.services.groups);
    const pending = (offset: number, commitTimestamp: number) => [{ topic: 'seq', partition: 0, offset, leaderEpoch: -1, metadata: 'txn', commitTimestamp }];
    await sink('g-again', pending(5, committedAt - 1), { keepLaterCommits: true });
    expect(await committed()).toMatchObject({ errorCode: 0, committedOffset: 9, metadata: 'plain' });
    await sink('g-again', pending(11, committedAt), { keepLaterCommits: true });
    expect(await committed()).toMatchObject({ errorCode: 0, committedOffset: 11, metadata: 'txn' });
    // A first completion applies the transaction's offsets as they are.
    await sink('g-again', pending(4, committedAt - 1));
    expect(await committed()).toMatchObject({ errorCode: 0, committedOffset: 4 });
  });

  it('describes producers, transactions and lists them with filters', async () => {
    const { producerId } = await initPid(c, 'tx-desc');
    expect(await addPartitions(c, 'tx-desc', producerId, 0, 'tx', [1])).toEqual([0]);
    await produce(c, 'tx', batch(producerId, 0, 0, 1, true), 'tx-desc', 1);
    const dp = await c.request(61, 0, { topics: [{ name: 'tx', partitionIndexes: [1] }] });
    expect(dp.topics[0].partitions[0].activeProducers).toEqual([expect.objectContaining({ producerId, producerEpoch: 0, lastSequence: 0, currentTxnStartOffset: 0 })]);
    const dt = await c.request(65, 0, { transactionalIds: ['tx-desc', 'missing'] });
    expect(dt.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', producerId, topics: [{ topic: 'tx', partitions: [1] }] });
    // An unknown id carries the schema's zeros, as Kafka answers (differential: transaction-v1.fencing).
    expect(dt.transactionStates[1]).toMatchObject({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, producerId: 0, producerEpoch: 0, transactionStartTimeMs: 0 });
    const started = dt.transactionStates[0].transactionStartTimeMs;
    expect(started).toBeGreaterThan(0);
    const ongoing = await c.request(66, 2, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: 'tx-d.*' });
    expect(ongoing.unknownStateFilters).toEqual(['Bogus']);
    expect(ongoing.transactionStates).toEqual([expect.objectContaining({ transactionalId: 'tx-desc', transactionState: 'Ongoing' })]);
    const byPid = await c.request(66, 1, { stateFilters: [], producerIdFilters: [producerId], durationFilter: 3_600_000 });
    expect(byPid.transactionStates).toEqual([]);
    await c.request(26, 3, { transactionalId: 'tx-desc', producerId, producerEpoch: 0, committed: true });
    // A finished transaction keeps its start time, as Kafka's prepareComplete does (differential: transaction-v1).
    const done = await c.request(65, 0, { transactionalIds: ['tx-desc'] });
    expect(done.transactionStates[0]).toMatchObject({ transactionState: 'CompleteCommit', transactionStartTimeMs: started });
  });
});

describe('restart on file storage', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tributary-txn-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps producer state, transactional ids, and completes a commit whose markers were not written', async () => {
    const storage = `file://${dir}`;
    let broker = await startBroker({ storage, logger: new Logger(undefined, 'error') });
    await broker.services.topics.createTopic('dur', 1, {});
    await broker.services.txn.load();
    let c = await RawClient.connect(broker.port);
    const idem = await initPid(c, null);
    for (let seq = 0; seq < 3; seq++) expect((await produce(c, 'dur', batch(idem.producerId, 0, seq))).errorCode).toBe(0);
    const tx = await initPid(c, 'dur-tx');
    expect(await addPartitions(c, 'dur-tx', tx.producerId, tx.producerEpoch, 'dur', [0])).toEqual([0]);
    expect(await produce(c, 'dur', batch(tx.producerId, tx.producerEpoch, 0, 2, true), 'dur-tx')).toMatchObject({ errorCode: 0, baseOffset: 3 });
    // The broker goes down after the commit decision is durable and before any marker is written.
    (broker.services.txn as TransactionCoordinator).beforeMarkers = async () => { // one node: the coordinator itself
      throw new Error('simulated crash before markers');
    };
    expect((await c.request(26, 3, { transactionalId: 'dur-tx', producerId: tx.producerId, producerEpoch: tx.producerEpoch, committed: true })).errorCode).toBe(0);
    expect(broker.services.txn.describe('dur-tx')?.state).toBe('PrepareCommit');
    expect((await fetchRc(c, 'dur')).lastStableOffset).toBe(3);
    c.socket.destroy();
    await broker.close();

    broker = await startBroker({ storage });
    await broker.services.txn.load();
    await broker.services.txn.idle();
    c = await RawClient.connect(broker.port);
    try {
      expect(broker.services.txn.describe('dur-tx')?.state).toBe('CompleteCommit');
      const rc = await fetchRc(c, 'dur');
      expect(rc.lastStableOffset).toBe(6);
      expect(rc.abortedTransactions ?? []).toEqual([]);
      // The sequence window survived: a retry of seq 2 is a duplicate, seq 4 a gap, seq 3 the next.
      expect(await produce(c, 'dur', batch(idem.producerId, 0, 2))).toMatchObject({ errorCode: 0, baseOffset: 2 });
      expect((await produce(c, 'dur', batch(idem.producerId, 0, 4))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(await produce(c, 'dur', batch(idem.producerId, 0, 3))).toMatchObject({ errorCode: 0, baseOffset: 6 });
      // The transactional id kept its producer id; a new instance gets the next epoch. Fresh ids do not collide.
      const again = await initPid(c, 'dur-tx');
      expect(again).toMatchObject({ errorCode: 0, producerId: tx.producerId, producerEpoch: tx.producerEpoch + 1 });
      const other = await initPid(c, null);
      expect([idem.producerId, tx.producerId]).not.toContain(other.producerId);
    } finally {
      c.socket.destroy();
      await broker.close();
    }
  });
});
