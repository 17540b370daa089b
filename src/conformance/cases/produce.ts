// Produce (key 0): round trips at every version (magic 0 for v0-1, magic 1 for v2, RecordBatch v2
// for v3+), every codec, acks 0/1/-1, headers, null keys and values, and the errors Kafka's
// LogValidator and ReplicaManager give for bad input.

import { ApiKey, ErrorCode, randomUuid } from '../../codec/index.js';
import { isCompressionSupported } from '../../codec/records/index.js';
import { check, eq, errorIs, noError } from '../assert.js';
import type { CaseContext, TopicInfo } from '../context.js';
import { corruptAfterCrc, dataRecords, parseRecordSet, str, type SimpleRecord } from '../records.js';
import type { ConformanceCase } from '../types.js';

const CODECS: [string, number][] = [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]];

/** Fetches everything from `offset` at the highest Fetch version and returns the data records. */
export async function readAll(ctx: CaseContext, topic: TopicInfo, partition = 0, offset = 0, isolationLevel = 0) {
  const p = await ctx.fetch(topic, partition, offset, { isolationLevel });
  noError(p.errorCode, 'fetch back');
  return dataRecords(p.records);
}

function sample(n: number, tag: string, withHeaders: boolean): SimpleRecord[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    key: `${tag}-k${i}`,
    value: `${tag}-value-${i}-${'x'.repeat(i * 10)}`,
    timestamp: now + i,
    headers: withHeaders ? [{ key: 'h', value: `hv${i}` }, { key: 'h', value: null }] : undefined,
  }));
}

async function roundTrip(ctx: CaseContext, compression: number): Promise<void> {
  const v = ctx.version;
  const topic = await ctx.createTopic();
  const headers = v >= 3;
  const first = sample(3, 'a', headers);
  const p1 = await ctx.produce(topic, 0, first, { version: v, compression });
  eq(p1.baseOffset, 0, 'baseOffset of the first produce to a new partition');
  if (v >= 2) eq(p1.logAppendTimeMs, -1, 'logAppendTimeMs under CreateTime');
  if (v >= 5) eq(p1.logStartOffset, 0, 'logStartOffset');
  const second = sample(2, 'b', headers);
  const p2 = await ctx.produce(topic, 0, second, { version: v, compression });
  eq(p2.baseOffset, 3, 'baseOffset of the second produce');
  const got = await readAll(ctx, topic);
  const want = [...first, ...second];
  eq(got.length, want.length, 'records fetched back');
  got.forEach((r, i) => {
    eq(r.offset, i, `offset of record ${i}`);
    eq(str(r.key), want[i].key, `key of record ${i}`);
    eq(str(r.value), want[i].value, `value of record ${i}`);
    if (v >= 2) eq(r.timestamp, want[i].timestamp, `timestamp of record ${i}`);
    if (headers) {
      const h = want[i].headers ?? [];
      eq(r.headers.length, h.length, `headers of record ${i}`);
      r.headers.forEach((x, j) => {
        eq(x.key, h[j].key, `header ${j} key of record ${i}`);
        eq(str(x.value), h[j].value ?? null, `header ${j} value of record ${i}`);
      });
    }
  });
}

export const produceCases: ConformanceCase[] = [
  {
    id: 'produce.round-trip',
    api: ApiKey.Produce,
    title: 'records produced at this version (magic 0 v0-1, 1 v2, 2 v3+) come back with their offsets, keys, values, timestamps and headers',
    cite: 'ProduceRequest.json; record-format.md (message sets, RecordBatch); KIP-32, KIP-98',
    versions: { each: true },
    requires: [ApiKey.Fetch],
    run: (ctx) => roundTrip(ctx, 0),
  },
  ...CODECS.map(([name, codec]): ConformanceCase => ({
    id: `produce.compression.${name}`,
    api: ApiKey.Produce,
    title: `${name}-compressed ${codec === 4 ? 'batches (v7+)' : 'sets/batches'} round-trip with every record intact`,
    cite: codec === 4 ? 'KIP-110 (zstd, Produce v7+)' : 'record-format.md (compression attribute bits 0-2)',
    versions: { each: true, min: codec === 4 ? 7 : 0 },
    requires: [ApiKey.Fetch],
    async run(ctx) {
      if (!isCompressionSupported(codec)) ctx.skip(`this Node (${process.version}) cannot build ${name}`);
      await roundTrip(ctx, codec);
    },
  })),
  {
    id: 'produce.zstd-before-v7',
    api: ApiKey.Produce,
    title: 'a zstd batch at Produce v3-6 gets UNSUPPORTED_COMPRESSION_TYPE',
    cite: 'KIP-110 ("zstd requires Produce v7")',
    versions: { min: 3, max: 6 },
    async run(ctx) {
      if (!isCompressionSupported(4)) ctx.skip(`this Node (${process.version}) cannot build zstd`);
      const topic = await ctx.createTopic();
      const p = await ctx.produceRaw(topic, 0, ctx.recordsFor(ctx.version, sample(2, 'z', false), 4), { version: ctx.version });
      errorIs(p.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd at Produce v' + ctx.version);
    },
  },
  {
    id: 'produce.null-key-value',
    api: ApiKey.Produce,
    title: 'null keys and null values (tombstones) survive the round trip as null, not empty',
    cite: 'record-format.md (keyLength/valueLength -1 is null)',
    versions: { each: true },
    requires: [ApiKey.Fetch],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [{ key: null, value: 'v' }, { key: 'k', value: null }, { key: null, value: null }, { key: '', value: '' }], { version: ctx.version });
      const got = await readAll(ctx, topic);
      eq(got.length, 4, 'records');
      eq(got[0].key, null, 'record 0 key');
      eq(str(got[0].value), 'v', 'record 0 value');
      eq(str(got[1].key), 'k', 'record 1 key');
      eq(got[1].value, null, 'record 1 value');
      eq(got[2].key, null, 'record 2 key');
      eq(got[2].value, null, 'record 2 value');
      eq(str(got[3].key), '', 'record 3 key (empty, not null)');
      eq(str(got[3].value), '', 'record 3 value (empty, not null)');
    },
  },
  {
    id: 'produce.acks',
    api: ApiKey.Produce,
    title: 'acks=1 and acks=-1 are answered; acks=0 gets no response yet appends; acks=2 gets INVALID_REQUIRED_ACKS',
    cite: 'ProduceRequest.json (acks); KafkaApis.handleProduceRequest (acks=0 sends nothing)',
    versions: { each: true },
    requires: [ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const conn = await ctx.nodeConn(topic.leaders[0]);
      const p1 = await ctx.produce(topic, 0, [{ value: 'one' }], { version: ctx.version, acks: 1, conn });
      eq(p1.baseOffset, 0, 'acks=1 baseOffset');
      const pAll = await ctx.produce(topic, 0, [{ value: 'all' }], { version: ctx.version, acks: -1, conn });
      eq(pAll.baseOffset, 1, 'acks=-1 baseOffset');
      // acks=0: no response; a later request on the same connection is answered after it was handled.
      const id = conn.sendOneWay(ApiKey.Produce, ctx.version, {
        transactionalId: null, acks: 0, timeoutMs: 10_000,
        topicData: [{ name: topic.name, topicId: topic.topicId, partitionData: [{ index: 0, records: ctx.recordsFor(ctx.version, [{ value: 'zero' }]) }] }],
      });
      const p3 = await ctx.produce(topic, 0, [{ value: 'after' }], { version: ctx.version, acks: 1, conn });
      eq(p3.baseOffset, 3, 'offset after an acks=0 produce (it must have been appended)');
      const stray = await conn.nextFrame(50).catch(() => null);
      check(stray === null || stray.readInt32BE(0) !== id, 'acks=0 produce must get no response');
      const bad = await ctx.produceRaw(topic, 0, ctx.recordsFor(ctx.version, [{ value: 'bad' }]), { version: ctx.version, acks: 2, conn });
      errorIs(bad.errorCode, ErrorCode.INVALID_REQUIRED_ACKS, 'acks=2');
    },
  },
  {
    id: 'produce.message-too-large',
    api: ApiKey.Produce,
    title: 'a batch larger than the topic max.message.bytes gets MESSAGE_TOO_LARGE and nothing is appended',
    cite: 'topic config max.message.bytes; LogValidator / UnifiedLog.analyzeAndValidateRecords (RecordTooLargeException)',
    versions: { each: true },
    requires: [ApiKey.CreateTopics, ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic({ configs: { 'max.message.bytes': '1024' } });
      const p = await ctx.produceRaw(topic, 0, ctx.recordsFor(ctx.version, [{ value: 'x'.repeat(4096) }]), { version: ctx.version });
      errorIs(p.errorCode, ErrorCode.MESSAGE_TOO_LARGE, 'a 4 KB record into max.message.bytes=1024');
      eq(await ctx.endOffset(topic), 0, 'log end offset after the rejected produce');
      const ok = await ctx.produce(topic, 0, [{ value: 'small' }], { version: ctx.version });
      eq(ok.baseOffset, 0, 'a small batch still goes in at offset 0');
    },
  },
  {
    id: 'produce.corrupt-crc',
    api: ApiKey.Produce,
    title: 'a batch or message whose CRC does not match gets CORRUPT_MESSAGE and nothing is appended',
    cite: 'record-format.md (CRC-32C over attributes..end; CRC-32 for magic 0/1); LogValidator (CorruptRecordException)',
    versions: { each: true },
    requires: [ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const bad = corruptAfterCrc(ctx.recordsFor(ctx.version, [{ key: 'k', value: 'value' }]));
      const p = await ctx.produceRaw(topic, 0, bad, { version: ctx.version });
      errorIs(p.errorCode, ErrorCode.CORRUPT_MESSAGE, 'corrupted record set');
      eq(await ctx.endOffset(topic), 0, 'log end offset after the rejected produce');
    },
  },
  {
    id: 'produce.unknown-topic',
    api: ApiKey.Produce,
    title: 'producing to an unknown topic or partition gets UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id, v13+)',
    cite: 'ReplicaManager.appendToLocalLog; KIP-516 (Produce v13 topic ids)',
    versions: { each: true },
    async run(ctx) {
      const topic = await ctx.createTopic();
      const records = ctx.recordsFor(ctx.version, [{ value: 'x' }]);
      const missing: TopicInfo = { name: ctx.topicName('missing'), topicId: randomUuid(), partitions: 1, leaderEpochs: [0], leaders: topic.leaders };
      const p = await ctx.produceRaw(missing, 0, records, { version: ctx.version });
      errorIs(p.errorCode, ctx.version >= 13 ? [ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION] : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic');
      const q = await ctx.produceRaw(topic, 7, records, { version: ctx.version });
      errorIs(q.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition 7 of a 1-partition topic');
    },
  },
  {
    id: 'produce.v3-batch-rules',
    api: ApiKey.Produce,
    title: 'v3+: a partition carries exactly one RecordBatch of magic 2; two batches or a magic 0/1 message set get INVALID_RECORD',
    cite: 'apache/kafka ProduceRequest.validateRecords (InvalidRecordException → INVALID_RECORD)',
    versions: { min: 3, each: true },
    requires: [ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const two = Buffer.concat([ctx.recordsFor(ctx.version, [{ value: 'a' }]), ctx.recordsFor(ctx.version, [{ value: 'b' }])]);
      errorIs((await ctx.produceRaw(topic, 0, two, { version: ctx.version })).errorCode, ErrorCode.INVALID_RECORD, 'two batches in one partition');
      errorIs((await ctx.produceRaw(topic, 0, ctx.recordsFor(2, [{ value: 'old' }]), { version: ctx.version })).errorCode, ErrorCode.INVALID_RECORD, 'a magic 1 message set');
      eq(await ctx.endOffset(topic), 0, 'log end offset after the rejected produces');
    },
  },
  {
    id: 'produce.log-append-time',
    api: ApiKey.Produce,
    title: 'v2+: a LogAppendTime topic returns the broker append time in the response and stamps it on the batch',
    cite: 'KIP-32 (message.timestamp.type=LogAppendTime); ProduceResponse.json logAppendTimeMs',
    versions: { min: 2 },
    requires: [ApiKey.CreateTopics, ApiKey.Fetch],
    async run(ctx) {
      const topic = await ctx.createTopic({ configs: { 'message.timestamp.type': 'LogAppendTime' } });
      const before = Date.now();
      const p = await ctx.produce(topic, 0, [{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 2000 }], { version: ctx.version });
      check(p.logAppendTimeMs >= before - 60_000 && p.logAppendTimeMs <= Date.now() + 60_000, `logAppendTimeMs ${p.logAppendTimeMs} is not the broker's clock`);
      const got = await readAll(ctx, topic);
      eq(got.length, 2, 'records');
      for (const r of got) eq(r.timestamp, p.logAppendTimeMs, `timestamp of offset ${r.offset}`);
    },
  },
  {
    id: 'produce.multi-partition',
    api: ApiKey.Produce,
    title: 'one request to several partitions answers each partition with its own base offset',
    cite: 'ProduceRequest.json (PartitionData array)',
    requires: [ApiKey.Fetch],
    async run(ctx) {
      const topic = await ctx.createTopic({ partitions: 3 });
      if (new Set(topic.leaders).size > 1) ctx.skip('partitions have different leaders');
      const conn = await ctx.nodeConn(topic.leaders[0]);
      await ctx.produce(topic, 1, [{ value: 'pre' }], { conn });
      const res = await conn.request(ApiKey.Produce, ctx.version, {
        transactionalId: null, acks: -1, timeoutMs: 10_000,
        topicData: [{ name: topic.name, topicId: topic.topicId, partitionData: [0, 1, 2].map((i) => ({ index: i, records: ctx.recordsFor(ctx.version, [{ value: `p${i}` }]) })) }],
      });
      const parts = res.responses[0]?.partitionResponses ?? [];
      eq(parts.length, 3, 'partition responses');
      for (const p of parts) noError(p.errorCode, `partition ${p.index}`);
      eq(parts.find((p) => p.index === 1)?.baseOffset, 1, 'base offset of partition 1');
      eq(parts.find((p) => p.index === 2)?.baseOffset, 0, 'base offset of partition 2');
      const got = parseRecordSet((await ctx.fetch(topic, 2, 0)).records).batches.flatMap((b) => b.records);
      eq(str(got[0]?.value ?? null), 'p2', 'value in partition 2');
    },
  },
];
