// Idempotent and transactional producers: InitProducerId (22), sequence checks on Produce (KIP-98
// duplicates and gaps), AddPartitionsToTxn (24), EndTxn (26), AddOffsetsToTxn (25), TxnOffsetCommit
// (28), control markers, read_committed fetches (LSO, aborted transactions), epoch fencing, and
// transactions V2 (KIP-890 part 2) where the target finalises transaction.version 2.

import { ApiKey, ErrorCode } from '../../codec/index.js';
import type { KafkaConnection } from '../../client/connection.js';
import { check, eq, errorIs, noError } from '../assert.js';
import type { CaseContext, TopicInfo } from '../context.js';
import { dataRecords, parseRecordSet, str, v2Batch } from '../records.js';
import type { ConformanceCase } from '../types.js';
import { coordinatorConn, fetchOffsets } from './groups.js';

const TXN_TIMEOUT = 30_000;

interface Producer {
  producerId: number;
  producerEpoch: number;
  transactionalId: string | null;
  conn: KafkaConnection;
}

async function initProducer(ctx: CaseContext, transactionalId: string | null, version?: number): Promise<Producer> {
  const v = version ?? ctx.pick(ApiKey.InitProducerId);
  const conn = transactionalId === null ? await ctx.conn() : await coordinatorConn(ctx, transactionalId, 1);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await conn.request(ApiKey.InitProducerId, v, {
      transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false,
    });
    if ((res.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS || res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    noError(res.errorCode, 'InitProducerId');
    check(res.producerId >= 0, `producer id ${res.producerId}`);
    check(res.producerEpoch >= 0, `producer epoch ${res.producerEpoch}`);
    return { producerId: res.producerId, producerEpoch: res.producerEpoch, transactionalId, conn };
  }
}

function batch(p: Producer, baseSequence: number, values: string[], transactional = false): Buffer {
  return v2Batch(values.map((value) => ({ value })), { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence, isTransactional: transactional });
}

async function addPartitions(ctx: CaseContext, p: Producer, topic: TopicInfo, partitions: number[]) {
  const v = ctx.pick(ApiKey.AddPartitionsToTxn, 0, 3);
  const res = await p.conn.request(ApiKey.AddPartitionsToTxn, v, {
    v3AndBelowTransactionalId: p.transactionalId ?? '', v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: topic.name, partitions }],
  });
  return res.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition);
}

async function endTxn(ctx: CaseContext, p: Producer, committed: boolean, epoch = p.producerEpoch) {
  const v = ctx.pick(ApiKey.EndTxn);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await p.conn.request(ApiKey.EndTxn, v, { transactionalId: p.transactionalId ?? '', producerId: p.producerId, producerEpoch: epoch, committed });
    if (res.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    return res.errorCode;
  }
}

/** Polls (bounded) until the partition's LSO reaches `offset`: markers are written asynchronously in Kafka. */
async function waitForLso(ctx: CaseContext, topic: TopicInfo, offset: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lso = await ctx.listOffset(topic, 0, -1, { isolationLevel: 1 });
    if (lso.errorCode === 0 && lso.offset >= offset) return;
    if (Date.now() > deadline) eq(lso.offset, offset, 'last stable offset (read_committed latest) after EndTxn');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function transactionalWrite(ctx: CaseContext, committed: boolean) {
  const topic = await ctx.createTopic();
  const p = await initProducer(ctx, ctx.topicName('txn'));
  for (const r of await addPartitions(ctx, p, topic, [0])) noError(r.partitionErrorCode, 'AddPartitionsToTxn');
  const pr = await ctx.produceRaw(topic, 0, batch(p, 0, ['t0', 't1'], true), { transactionalId: p.transactionalId });
  noError(pr.errorCode, 'transactional produce');
  // Before the end: read_committed sees nothing, the LSO stays at the first open offset.
  const rc = await ctx.fetch(topic, 0, 0, { isolationLevel: 1 });
  noError(rc.errorCode, 'read_committed fetch of an open transaction');
  eq(rc.lastStableOffset, 0, 'lastStableOffset while the transaction is open');
  eq(dataRecords(rc.records).length, 0, 'records visible to read_committed while open');
  const ru = await ctx.fetch(topic, 0, 0, { isolationLevel: 0 });
  eq(dataRecords(ru.records).length, 2, 'records visible to read_uncommitted while open');
  eq((await ctx.listOffset(topic, 0, -1, { isolationLevel: 1 })).offset, 0, 'ListOffsets latest under read_committed (the LSO) while open');
  eq((await ctx.listOffset(topic, 0, -1, { isolationLevel: 0 })).offset, 2, 'ListOffsets latest under read_uncommitted while open');
  noError(await endTxn(ctx, p, committed), committed ? 'EndTxn commit' : 'EndTxn abort');
  await waitForLso(ctx, topic, 3);
  return { topic, p };
}

export const transactionCases: ConformanceCase[] = [
  {
    id: 'init-producer-id.idempotent',
    api: ApiKey.InitProducerId,
    title: 'without a transactional id, InitProducerId returns a fresh producer id and epoch; two calls give different ids',
    cite: 'KIP-98 (idempotent producer); InitProducerIdRequest.json',
    versions: { each: true },
    async run(ctx) {
      const a = await initProducer(ctx, null, ctx.version);
      const b = await initProducer(ctx, null, ctx.version);
      check(a.producerId !== b.producerId, 'two idempotent producers got the same producer id');
    },
  },
  {
    id: 'produce.idempotent-duplicate',
    api: ApiKey.Produce,
    title: 'a retried idempotent batch (same producer, epoch, sequence) is acknowledged with its original offset and not appended twice',
    cite: 'KIP-98 (duplicate detection); ProducerStateManager',
    versions: { min: 3 },
    requires: [ApiKey.InitProducerId, ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const p = await initProducer(ctx, null);
      const b = batch(p, 0, ['a', 'b']);
      const first = await ctx.produceRaw(topic, 0, b, { version: ctx.version });
      noError(first.errorCode, 'first produce');
      const next = await ctx.produceRaw(topic, 0, batch(p, 2, ['c']), { version: ctx.version });
      noError(next.errorCode, 'second batch');
      const dup = await ctx.produceRaw(topic, 0, b, { version: ctx.version });
      errorIs(dup.errorCode, [ErrorCode.NONE, ErrorCode.DUPLICATE_SEQUENCE_NUMBER], 'retried batch');
      if (dup.errorCode === 0) eq(dup.baseOffset, first.baseOffset, 'offset of the retried batch');
      eq(await ctx.endOffset(topic), 3, 'log end offset (the duplicate must not be appended)');
    },
  },
  {
    id: 'produce.idempotent-gap',
    api: ApiKey.Produce,
    title: 'an idempotent batch whose sequence skips ahead gets OUT_OF_ORDER_SEQUENCE_NUMBER; the expected sequence still works',
    cite: 'KIP-98 (sequence numbers); ProducerStateManager.checkSequence',
    versions: { min: 3 },
    requires: [ApiKey.InitProducerId, ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const p = await initProducer(ctx, null);
      noError((await ctx.produceRaw(topic, 0, batch(p, 0, ['a', 'b']), { version: ctx.version })).errorCode, 'first produce');
      const gap = await ctx.produceRaw(topic, 0, batch(p, 5, ['x']), { version: ctx.version });
      errorIs(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'sequence 5 when 2 is expected');
      noError((await ctx.produceRaw(topic, 0, batch(p, 2, ['c']), { version: ctx.version })).errorCode, 'sequence 2');
      eq(await ctx.endOffset(topic), 3, 'log end offset');
    },
  },
  {
    id: 'txn.commit',
    api: ApiKey.EndTxn,
    title: 'a committed transaction is invisible to read_committed until EndTxn, then visible, followed by a COMMIT control marker',
    cite: 'KIP-98 (transactions, control records, LSO)',
    requires: [ApiKey.InitProducerId, ApiKey.AddPartitionsToTxn, ApiKey.FindCoordinator, [ApiKey.Fetch, 4], [ApiKey.ListOffsets, 2]],
    timeoutMs: TXN_TIMEOUT,
    async run(ctx) {
      const { topic } = await transactionalWrite(ctx, true);
      const rc = await ctx.fetch(topic, 0, 0, { isolationLevel: 1 });
      noError(rc.errorCode, 'read_committed fetch after commit');
      eq(dataRecords(rc.records).map((r) => str(r.value)).join(','), 't0,t1', 'committed records');
      eq(rc.highWatermark, 3, 'high watermark (2 records + marker)');
      const { batches } = parseRecordSet(rc.records);
      const marker = batches.find((b) => b.isControl);
      check(marker !== undefined, 'no control batch after the committed records');
      eq(marker.baseOffset, 2, 'offset of the control marker');
      eq(marker.controlType, 1, 'control record type (1 = COMMIT)');
      eq((rc.abortedTransactions ?? []).length, 0, 'aborted transactions in a committed range');
    },
  },
  {
    id: 'txn.abort',
    api: ApiKey.EndTxn,
    title: 'an aborted transaction is listed in read_committed fetches (producer id, first offset) and followed by an ABORT marker',
    cite: 'KIP-98 (aborted transaction index, FetchResponse.AbortedTransactions)',
    requires: [ApiKey.InitProducerId, ApiKey.AddPartitionsToTxn, ApiKey.FindCoordinator, [ApiKey.Fetch, 4], [ApiKey.ListOffsets, 2]],
    timeoutMs: TXN_TIMEOUT,
    async run(ctx) {
      const { topic, p } = await transactionalWrite(ctx, false);
      const rc = await ctx.fetch(topic, 0, 0, { isolationLevel: 1 });
      noError(rc.errorCode, 'read_committed fetch after abort');
      const aborted = rc.abortedTransactions ?? [];
      eq(aborted.map((a) => `${a.producerId}@${a.firstOffset}`).join(','), `${p.producerId}@0`, 'aborted transactions');
      eq(rc.lastStableOffset, 3, 'lastStableOffset after the abort');
      const { batches } = parseRecordSet(rc.records);
      check(batches.some((b) => b.isControl && b.baseOffset === 2 && b.controlType === 0), 'no ABORT control marker at offset 2');
      const ru = await ctx.fetch(topic, 0, 0, { isolationLevel: 0 });
      eq((ru.abortedTransactions ?? []).length, 0, 'read_uncommitted fetches carry no aborted transaction list');
    },
  },
  {
    id: 'txn.fencing',
    api: ApiKey.InitProducerId,
    title: 'a second InitProducerId for the same transactional id bumps the epoch; the old epoch is fenced on Produce and EndTxn',
    cite: 'KIP-98 (zombie fencing); KIP-588 (PRODUCER_FENCED)',
    requires: [ApiKey.AddPartitionsToTxn, ApiKey.EndTxn, ApiKey.FindCoordinator],
    timeoutMs: TXN_TIMEOUT,
    async run(ctx) {
      const topic = await ctx.createTopic();
      const txnId = ctx.topicName('txn');
      const old = await initProducer(ctx, txnId);
      for (const r of await addPartitions(ctx, old, topic, [0])) noError(r.partitionErrorCode, 'AddPartitionsToTxn');
      noError((await ctx.produceRaw(topic, 0, batch(old, 0, ['zombie'], true), { transactionalId: txnId })).errorCode, 'produce by the first producer');
      const fresh = await initProducer(ctx, txnId);
      check(fresh.producerId === old.producerId ? fresh.producerEpoch > old.producerEpoch : true, 'epoch must increase for the same producer id');
      const fenced = await ctx.produceRaw(topic, 0, batch(old, 1, ['late'], true), { transactionalId: txnId });
      errorIs(fenced.errorCode, [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.PRODUCER_FENCED], 'produce with the old epoch');
      errorIs(await endTxn(ctx, old, true), [ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH], 'EndTxn with the old epoch');
      // The open transaction of the fenced producer was aborted by the new InitProducerId: an ABORT
      // marker follows its record and read_committed consumers are told to drop it.
      await waitForLso(ctx, topic, 2);
      const rc = await ctx.fetch(topic, 0, 0, { isolationLevel: 1 });
      check((rc.abortedTransactions ?? []).some((a) => a.producerId === old.producerId && a.firstOffset === 0), 'the fenced transaction must be listed as aborted from offset 0');
      check(parseRecordSet(rc.records).batches.some((b) => b.isControl && b.controlType === 0 && b.baseOffset === 1), 'no ABORT marker after the fenced transaction');
    },
  },
  {
    id: 'txn.offset-commit',
    api: ApiKey.TxnOffsetCommit,
    title: 'offsets committed in a transaction appear in OffsetFetch only after the transaction commits',
    cite: 'KIP-98 (AddOffsetsToTxn, TxnOffsetCommit); KIP-447',
    requires: [ApiKey.InitProducerId, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.OffsetFetch, ApiKey.FindCoordinator],
    timeoutMs: TXN_TIMEOUT,
    async run(ctx) {
      const topic = await ctx.createTopic();
      const group = ctx.topicName('g');
      const p = await initProducer(ctx, ctx.topicName('txn'));
      const add = await p.conn.request(ApiKey.AddOffsetsToTxn, ctx.pick(ApiKey.AddOffsetsToTxn), { transactionalId: p.transactionalId ?? '', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: group });
      noError(add.errorCode, 'AddOffsetsToTxn');
      const gconn = await coordinatorConn(ctx, group);
      const res = await gconn.request(ApiKey.TxnOffsetCommit, ctx.version, {
        transactionalId: p.transactionalId ?? '', groupId: group, producerId: p.producerId, producerEpoch: p.producerEpoch,
        generationId: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: topic.name, partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: 'txn' }] }],
      });
      noError(res.topics[0]?.partitions[0]?.errorCode ?? -2, 'TxnOffsetCommit');
      eq((await fetchOffsets(ctx, group, topic, [0])).get(topic, 0)?.offset, -1, 'offset visible before the commit');
      noError(await endTxn(ctx, p, true), 'EndTxn commit');
      const deadline = Date.now() + 10_000;
      for (;;) {
        const got = (await fetchOffsets(ctx, group, topic, [0])).get(topic, 0);
        if (got?.offset === 42) {
          eq(got.metadata, 'txn', 'metadata');
          return;
        }
        if (Date.now() > deadline) eq(got?.offset, 42, 'offset after the commit');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  },
  {
    id: 'txn.v2-implicit-add-epoch-bump',
    api: ApiKey.EndTxn,
    title: 'transactions V2: Produce v12+ adds the partition itself, EndTxn v5 bumps the epoch (markers carry it, the old epoch is fenced) and a retry with the old epoch gets the same answer',
    cite: 'KIP-890 part 2 (transaction.version 2); EndTxnRequest.json v5, ProduceRequest.json v12',
    versions: { min: 5 },
    requires: [ApiKey.InitProducerId, [ApiKey.Produce, 12], ApiKey.FindCoordinator, [ApiKey.Fetch, 4], [ApiKey.ListOffsets, 2], [ApiKey.ApiVersions, 3]],
    timeoutMs: TXN_TIMEOUT,
    async run(ctx) {
      const conn = await ctx.conn();
      const av = await conn.request(ApiKey.ApiVersions, ctx.pick(ApiKey.ApiVersions, 3), { clientSoftwareName: 'tributary-conformance', clientSoftwareVersion: '1' });
      const level = av.finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel ?? 0;
      if (level < 2) ctx.skip(`target finalises transaction.version ${level}; transactions V2 needs 2`);
      const topic = await ctx.createTopic();
      const p = await initProducer(ctx, ctx.topicName('txn'));
      const produceVersion = ctx.pick(ApiKey.Produce, 12);
      const pr = await ctx.produceRaw(topic, 0, batch(p, 0, ['v0', 'v1'], true), { transactionalId: p.transactionalId, version: produceVersion });
      noError(pr.errorCode, `transactional Produce v${produceVersion} without AddPartitionsToTxn`);
      const end = { transactionalId: p.transactionalId ?? '', producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true };
      const res = await p.conn.request(ApiKey.EndTxn, ctx.version, end);
      noError(res.errorCode, 'EndTxn v5 commit');
      eq(res.producerId, p.producerId, 'producer id after the commit');
      eq(res.producerEpoch, p.producerEpoch + 1, 'producer epoch after the commit');
      await waitForLso(ctx, topic, 3);
      const rc = await ctx.fetch(topic, 0, 0, { isolationLevel: 1 });
      eq(dataRecords(rc.records).map((r) => str(r.value)).join(','), 'v0,v1', 'committed records');
      const marker = parseRecordSet(rc.records).batches.find((b) => b.isControl);
      check(marker !== undefined && marker.controlType === 1, 'no COMMIT marker after the records');
      eq(marker.producerEpoch, p.producerEpoch + 1, 'epoch of the COMMIT marker');
      const late = await ctx.produceRaw(topic, 0, batch(p, 2, ['late'], true), { transactionalId: p.transactionalId, version: produceVersion });
      errorIs(late.errorCode, [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.PRODUCER_FENCED], 'produce with the epoch before the bump');
      const retry = await p.conn.request(ApiKey.EndTxn, ctx.version, end);
      noError(retry.errorCode, 'EndTxn v5 commit retried with the old epoch');
      eq(retry.producerEpoch, p.producerEpoch + 1, 'producer epoch answered to the retry');
    },
  },
];
