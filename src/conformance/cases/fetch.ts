// Fetch (key 1): reading at every version (message format by version), whole batches from inside a
// batch, offset range errors, long polls woken by a produce, max-bytes progress (KIP-74), leader
// epoch fencing (KIP-320), topic ids (KIP-516) and incremental fetch sessions (KIP-227).

import { ApiKey, ErrorCode, randomUuid } from '../../codec/index.js';
import { check, eq, errorIs, noError } from '../assert.js';
import { findFetchPartition, type TopicInfo } from '../context.js';
import { dataRecords, parseRecordSet, str } from '../records.js';
import type { ConformanceCase } from '../types.js';

export const fetchCases: ConformanceCase[] = [
  {
    id: 'fetch.round-trip',
    api: ApiKey.Fetch,
    title: 'records come back at every version, in the message format the version understands (magic 0 v0-1, <=1 v2-3, 2 v4+)',
    cite: 'FetchRequest.json version notes; KIP-32 / KIP-98 (down-conversion for old fetch versions)',
    versions: { each: true },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const now = Date.now();
      await ctx.produce(topic, 0, [{ key: 'k0', value: 'v0', timestamp: now }, { key: 'k1', value: 'v1', timestamp: now + 1 }, { key: null, value: 'v2', timestamp: now + 2 }]);
      const p = await ctx.fetch(topic, 0, 0, { version: ctx.version });
      noError(p.errorCode, 'partition errorCode');
      eq(p.highWatermark, 3, 'highWatermark');
      if (ctx.version >= 4) eq(p.lastStableOffset, 3, 'lastStableOffset');
      if (ctx.version >= 5) eq(p.logStartOffset, 0, 'logStartOffset');
      const { batches } = parseRecordSet(p.records);
      const maxMagic = ctx.version <= 1 ? 0 : ctx.version <= 3 ? 1 : 2;
      for (const b of batches) check(b.magic <= maxMagic, `Fetch v${ctx.version} returned magic ${b.magic}; clients of this version read magic <= ${maxMagic}`);
      const recs = batches.flatMap((b) => b.records);
      eq(recs.map((r) => `${r.offset}:${str(r.key)}:${str(r.value)}`).join(' '), '0:k0:v0 1:k1:v1 2:null:v2', 'records');
    },
  },
  {
    id: 'fetch.inside-batch',
    api: ApiKey.Fetch,
    title: 'a fetch at an offset inside a batch returns the whole batch (base offset below the fetch offset); clients skip',
    cite: 'Kafka design docs (batches are never split by the broker); LogSegment.read',
    versions: { min: 4, each: true },
    requires: [[ApiKey.Produce, 3]],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [0, 1, 2, 3, 4].map((i) => ({ value: `r${i}` })), { version: ctx.pick(ApiKey.Produce, 3) });
      const p = await ctx.fetch(topic, 0, 2, { version: ctx.version });
      noError(p.errorCode, 'errorCode');
      const { batches } = parseRecordSet(p.records);
      check(batches.length >= 1, 'no batch returned');
      eq(batches[0].baseOffset, 0, 'base offset of the first returned batch');
      eq(batches[0].records.length, 5, 'records in the returned batch');
    },
  },
  {
    id: 'fetch.offset-out-of-range',
    api: ApiKey.Fetch,
    title: 'fetching past the log end gets OFFSET_OUT_OF_RANGE; at the log end gets NONE and no records',
    cite: 'ReplicaManager.readFromLocalLog (OffsetOutOfRangeException)',
    versions: { each: true },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [{ value: 'a' }, { value: 'b' }]);
      const atEnd = await ctx.fetch(topic, 0, 2, { version: ctx.version });
      noError(atEnd.errorCode, 'fetch at the log end');
      eq(dataRecords(atEnd.records).length, 0, 'records at the log end');
      const past = await ctx.fetch(topic, 0, 3, { version: ctx.version });
      errorIs(past.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'fetch at log end + 1');
      const negative = await ctx.fetch(topic, 0, -5, { version: ctx.version });
      errorIs(negative.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'fetch at offset -5');
    },
  },
  {
    id: 'fetch.unknown-partition',
    api: ApiKey.Fetch,
    title: 'fetching an unknown topic or partition gets UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID for an unknown id, v13+)',
    cite: 'ReplicaManager.readFromLocalLog; KIP-516 (Fetch v13 topic ids)',
    versions: { each: true },
    async run(ctx) {
      const topic = await ctx.createTopic();
      const p = await ctx.fetch(topic, 9, 0, { version: ctx.version });
      errorIs(p.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition 9 of a 1-partition topic');
      const missing: TopicInfo = { name: ctx.topicName('missing'), topicId: randomUuid(), partitions: 1, leaderEpochs: [0], leaders: topic.leaders };
      const conn = await ctx.conn();
      const res = await conn.request(ApiKey.Fetch, ctx.version, ctx.fetchBody(missing, [{ partition: 0, offset: 0 }], {}));
      if (ctx.version >= 13 && res.errorCode !== 0) {
        errorIs(res.errorCode, ErrorCode.UNKNOWN_TOPIC_ID, 'top-level error for an unknown topic id');
        return;
      }
      const q = findFetchPartition(res, missing, 0, ctx.version);
      errorIs(q.errorCode, ctx.version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic');
    },
  },
  {
    id: 'fetch.long-poll-wakeup',
    api: ApiKey.Fetch,
    title: 'a fetch waiting for minBytes is answered as soon as a produce on another connection arrives, long before maxWaitMs',
    cite: 'FetchRequest.json (MaxWaitMs, MinBytes); DelayedFetch',
    requires: [ApiKey.Produce],
    timeoutMs: 20_000,
    async run(ctx) {
      const topic = await ctx.createTopic();
      const fetchConn = await ctx.connect();
      const t0 = Date.now();
      const pending = ctx.fetch(topic, 0, 0, { version: ctx.version, maxWaitMs: 10_000, minBytes: 1, conn: fetchConn, timeoutMs: 15_000 });
      // The produce comes later on its own connection; whether the fetch was parked first or not,
      // the answer must carry the record and come well before maxWaitMs.
      await new Promise((r) => setTimeout(r, 200));
      await ctx.produce(topic, 0, [{ value: 'wake' }]);
      const p = await pending;
      const elapsed = Date.now() - t0;
      noError(p.errorCode, 'errorCode');
      eq(dataRecords(p.records).map((r) => str(r.value)).join(','), 'wake', 'records in the woken fetch');
      check(elapsed < 5_000, `fetch answered after ${elapsed} ms; maxWaitMs was 10000 and data arrived after ~200 ms`);
    },
  },
  {
    id: 'fetch.max-wait',
    api: ApiKey.Fetch,
    title: 'with no data a fetch with minBytes=1 waits about maxWaitMs and answers empty; minBytes=0 answers at once',
    cite: 'FetchRequest.json (MaxWaitMs, MinBytes)',
    timeoutMs: 15_000,
    async run(ctx) {
      const topic = await ctx.createTopic();
      let t0 = Date.now();
      const p = await ctx.fetch(topic, 0, 0, { version: ctx.version, maxWaitMs: 500, minBytes: 1 });
      const waited = Date.now() - t0;
      noError(p.errorCode, 'errorCode');
      eq(dataRecords(p.records).length, 0, 'records');
      check(waited >= 400, `answered after ${waited} ms, before maxWaitMs=500`);
      check(waited < 4_000, `answered after ${waited} ms with maxWaitMs=500`);
      t0 = Date.now();
      await ctx.fetch(topic, 0, 0, { version: ctx.version, maxWaitMs: 5_000, minBytes: 0 });
      const immediate = Date.now() - t0;
      check(immediate < 2_000, `minBytes=0 answered after ${immediate} ms`);
    },
  },
  {
    id: 'fetch.max-bytes-progress',
    api: ApiKey.Fetch,
    title: 'v3+: the first batch is returned whole even when larger than maxBytes/partitionMaxBytes, so consumers make progress',
    cite: 'KIP-74 (fetch response size limit)',
    versions: { min: 3, each: true },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [{ value: 'a'.repeat(2000) }]);
      await ctx.produce(topic, 0, [{ value: 'b'.repeat(2000) }]);
      const p = await ctx.fetch(topic, 0, 0, { version: ctx.version, maxBytes: 100, partitionMaxBytes: 100 });
      noError(p.errorCode, 'errorCode');
      const { batches } = parseRecordSet(p.records);
      check(batches.length >= 1, 'no complete batch returned: the consumer cannot progress');
      eq(str(batches[0].records[0].value)?.length, 2000, 'first record size');
    },
  },
  {
    id: 'fetch.leader-epoch',
    api: ApiKey.Fetch,
    title: 'v9+: a currentLeaderEpoch newer than the leader\'s gets UNKNOWN_LEADER_EPOCH, older gets FENCED_LEADER_EPOCH, equal reads',
    cite: 'KIP-320 (fencing fetches by leader epoch)',
    versions: { min: 9 },
    requires: [[ApiKey.Metadata, 7]],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const epoch = topic.leaderEpochs[0];
      check(epoch >= 0, `leader epoch ${epoch}`);
      const ok = await ctx.fetch(topic, 0, 0, { version: ctx.version, currentLeaderEpoch: epoch });
      noError(ok.errorCode, `fetch with the current epoch ${epoch}`);
      const newer = await ctx.fetch(topic, 0, 0, { version: ctx.version, currentLeaderEpoch: epoch + 1 });
      errorIs(newer.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH, `fetch with epoch ${epoch + 1}`);
      if (epoch > 0) {
        const older = await ctx.fetch(topic, 0, 0, { version: ctx.version, currentLeaderEpoch: epoch - 1 });
        errorIs(older.errorCode, ErrorCode.FENCED_LEADER_EPOCH, `fetch with epoch ${epoch - 1}`);
      } else {
        ctx.note('leader epoch is 0: the fenced (older epoch) check needs an epoch > 0');
      }
    },
  },
  {
    id: 'fetch.session',
    api: ApiKey.Fetch,
    title: 'v7+: a full fetch opens a session; incremental fetches return only changed partitions; bad epochs and ids are refused',
    cite: 'KIP-227 (incremental fetch sessions)',
    versions: { min: 7, each: true },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const v = ctx.version;
      const topic = await ctx.createTopic({ partitions: 2 });
      if (topic.leaders[0] !== topic.leaders[1]) ctx.skip('partitions have different leaders');
      const conn = await ctx.nodeConn(topic.leaders[0]);
      const both = [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }];
      const full = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, both, { sessionId: 0, sessionEpoch: 0 }));
      noError(full.errorCode, 'full fetch');
      if (full.sessionId === 0) ctx.skip('target did not open a fetch session (sessionId 0 is allowed when its cache is full)');
      const sid = full.sessionId;
      eq(full.responses.flatMap((t) => t.partitions).length, 2, 'partitions in the full fetch response');
      const inc1 = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [], { sessionId: sid, sessionEpoch: 1 }));
      noError(inc1.errorCode, 'incremental fetch, epoch 1');
      eq(inc1.sessionId, sid, 'session id');
      eq(inc1.responses.flatMap((t) => t.partitions).length, 0, 'partitions in an incremental response with no changes');
      await ctx.produce(topic, 1, [{ value: 'new' }], { conn });
      const inc2 = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [], { sessionId: sid, sessionEpoch: 2 }));
      noError(inc2.errorCode, 'incremental fetch, epoch 2');
      const parts = inc2.responses.flatMap((t) => t.partitions);
      eq(parts.map((p) => p.partitionIndex).join(','), '1', 'partitions in the incremental response after a produce to partition 1');
      eq(dataRecords(parts[0].records).map((r) => str(r.value)).join(','), 'new', 'records of partition 1');
      const wrong = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [], { sessionId: sid, sessionEpoch: 9 }));
      errorIs(wrong.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH, 'incremental fetch with epoch 9 (expected 3)');
      const unknown = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [], { sessionId: sid ^ 0x5a5a5a5, sessionEpoch: 1 }));
      errorIs(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 'incremental fetch with an unknown session id');
      const sessionless = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, both, { sessionId: 0, sessionEpoch: -1 }));
      noError(sessionless.errorCode, 'sessionless fetch');
      eq(sessionless.sessionId, 0, 'session id of a sessionless fetch (epoch -1)');
    },
  },
  {
    id: 'fetch.session-forget',
    api: ApiKey.Fetch,
    title: 'v7+: forgotten partitions leave the session; later changes to them are not returned',
    cite: 'KIP-227 (ForgottenTopicsData)',
    versions: { min: 7 },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const v = ctx.version;
      const topic = await ctx.createTopic({ partitions: 2 });
      if (topic.leaders[0] !== topic.leaders[1]) ctx.skip('partitions have different leaders');
      const conn = await ctx.nodeConn(topic.leaders[0]);
      const full = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }], { sessionId: 0, sessionEpoch: 0 }));
      noError(full.errorCode, 'full fetch');
      if (full.sessionId === 0) ctx.skip('target did not open a fetch session');
      const forget = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [], { sessionId: full.sessionId, sessionEpoch: 1, forgotten: [0] }));
      noError(forget.errorCode, 'incremental fetch forgetting partition 0');
      await ctx.produce(topic, 0, [{ value: 'p0' }], { conn });
      await ctx.produce(topic, 1, [{ value: 'p1' }], { conn });
      const inc = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [], { sessionId: full.sessionId, sessionEpoch: 2 }));
      noError(inc.errorCode, 'incremental fetch');
      eq(inc.responses.flatMap((t) => t.partitions).map((p) => p.partitionIndex).join(','), '1', 'partitions after forgetting partition 0');
    },
  },
];
