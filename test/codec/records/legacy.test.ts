import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildControlBatch } from '../../../src/codec/records/control.js';
import { xxhash32 } from '../../../src/codec/records/compression/xxhash32.js';
import { decompress } from '../../../src/codec/records/compression/index.js';
import { RecordFormatError, UnsupportedCompressionError } from '../../../src/codec/records/errors.js';
import {
  buildLegacyMessageSet,
  decodeLegacyMessageSet,
  downConvert,
  encodeLegacyMessage,
  readLegacyEntry,
  upConvert,
  validateLegacyEntry,
} from '../../../src/codec/records/legacy.js';
import { CompressionType, readBatchHeader, splitBatches, validateBatch } from '../../../src/codec/records/record-batch.js';
import { buildRecordBatch, readBatchRecords } from '../../../src/codec/records/record.js';

const require = createRequire(import.meta.url);
const MessageSet = require('kafkajs/src/protocol/messageSet/index.js') as (o: object) => { buffer: Buffer };
const decodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder.js') as (d: unknown, size: number) => Promise<Array<{ offset: string; magicByte: number; key: Buffer | null; value: Buffer | null; timestamp?: string }>>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;

async function kafkajsRead(buf: Buffer) {
  return decodeMessageSet(new Decoder(buf), buf.length);
}

describe('legacy messages: bytes', () => {
  it('magic 0 message matches hand-assembled bytes (CRC-32 from an independent implementation)', () => {
    const m = encodeLegacyMessage(0, 0, 0, -1, 'k', 'v');
    expect(m.toString('hex')).toBe('0000000000000000' + '00000010' + '1fecd70a' + '00' + '00' + '00000001' + '6b' + '00000001' + '76');
    expect(validateLegacyEntry(m, 0)).toEqual({ ok: true, size: 28 });
  });
  it('magic 1 message with a null key matches hand-assembled bytes', () => {
    const m = encodeLegacyMessage(1, 5, 0, 1700000000000, null, 'hello');
    expect(m.toString('hex')).toBe('0000000000000005' + '0000001b' + '8ee30bba' + '01' + '00' + '0000018bcfe56800' + 'ffffffff' + '00000005' + '68656c6c6f');
    const { entry } = readLegacyEntry(m, 0);
    expect(entry).toMatchObject({ offset: 5, magic: 1, timestamp: 1700000000000, key: null, compression: 0, sizeInBytes: 39 });
    expect(entry.value?.toString()).toBe('hello');
  });
  it('validateLegacyEntry problems', () => {
    const m = encodeLegacyMessage(1, 5, 0, 1700000000000, 'key', 'hello');
    expect(validateLegacyEntry(m.subarray(0, 10), 0)).toMatchObject({ ok: false, problem: 'truncated' });
    expect(validateLegacyEntry(m.subarray(0, m.length - 1), 0)).toMatchObject({ ok: false, problem: 'truncated' });
    const flipped = Buffer.from(m);
    flipped[m.length - 1] ^= 1;
    expect(validateLegacyEntry(flipped, 0)).toMatchObject({ ok: false, problem: 'crc_mismatch', errorCode: 2 });
    const small = Buffer.from(m);
    small.writeInt32BE(13, 8);
    expect(validateLegacyEntry(small, 0)).toMatchObject({ ok: false, problem: 'message_size_too_small' });
    const magic2 = Buffer.from(m);
    magic2[16] = 2;
    expect(validateLegacyEntry(magic2, 0)).toMatchObject({ ok: false, problem: 'wrong_magic' });
    // key length pointing past the message, CRC recomputed so only the structure is wrong
    const badLen = Buffer.from(m);
    badLen.writeInt32BE(100, 26);
    const fixed = encodeLegacyMessage(1, 5, 0, 1700000000000, 'key', 'hello');
    fixed.writeInt32BE(100, 26);
    const crc = require('crc-32') as { buf(b: Uint8Array): number };
    fixed.writeUInt32BE(crc.buf(fixed.subarray(16)) >>> 0, 12);
    expect(validateLegacyEntry(fixed, 0)).toMatchObject({ ok: false, problem: 'malformed' });
    expect(() => readLegacyEntry(fixed, 0)).toThrow(RecordFormatError);
  });
});

describe('legacy message sets from kafkajs (an old client)', () => {
  const entries = [
    { key: Buffer.from('a'), value: Buffer.from('first'), timestamp: 1700000000000 },
    { key: null, value: Buffer.from('second'), timestamp: 1700000000002 },
    { key: Buffer.from('c'), value: null, timestamp: 1700000000001 },
  ];

  it.each([0, 1] as const)('uncompressed magic %i: our builder is byte-identical and we decode theirs', (magic) => {
    const theirs = MessageSet({ messageVersion: magic, compression: 0, entries }).buffer;
    const ours = buildLegacyMessageSet({ magic, messages: entries.map((e) => ({ ...e, offset: -1 })) });
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
    const decoded = decodeLegacyMessageSet(theirs);
    expect(decoded.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString() ?? null, m.timestamp])).toEqual([
      [-1, 'a', 'first', magic === 1 ? 1700000000000 : -1],
      [-1, null, 'second', magic === 1 ? 1700000000002 : -1],
      [-1, 'c', null, magic === 1 ? 1700000000001 : -1],
    ]);
  });

  it.each([0, 1] as const)('gzip magic %i: our inner set matches kafkajs, and kafkajs reads our wrapper', async (magic) => {
    const theirsInner = MessageSet({ messageVersion: magic, compression: 1, entries }).buffer;
    const ours = buildLegacyMessageSet({ magic, compression: CompressionType.gzip, messages: entries });
    const { entry } = readLegacyEntry(ours, 0);
    expect(entry).toMatchObject({ offset: 2, compression: 1, key: null, timestamp: magic === 1 ? 1700000000002 : -1 });
    expect(decompress(1, entry.value as Buffer).toString('hex')).toBe(theirsInner.toString('hex'));
    const read = await kafkajsRead(ours);
    expect(read.map((m) => [m.offset, m.value?.toString() ?? null])).toEqual([['0', 'first'], ['1', 'second'], ['2', null]]);
  });

  it('magic 1 wrapper resolves relative inner offsets: wrapper 10, inner 0..2 → 8..10', () => {
    const set = buildLegacyMessageSet({ magic: 1, compression: CompressionType.gzip, baseOffset: 8, messages: entries });
    expect(readLegacyEntry(set, 0).entry.offset).toBe(10);
    expect(decodeLegacyMessageSet(set).map((m) => m.offset)).toEqual([8, 9, 10]);
    // with gaps (compacted): offsets 3, 7, 20
    const gaps = buildLegacyMessageSet({ magic: 1, compression: CompressionType.snappy, messages: entries.map((e, i) => ({ ...e, offset: [3, 7, 20][i] })) });
    expect(decodeLegacyMessageSet(gaps).map((m) => m.offset)).toEqual([3, 7, 20]);
  });

  it('magic 0 lz4 wrapper uses Kafka’s broken descriptor checksum; magic 1 the correct one; both decode', () => {
    for (const magic of [0, 1] as const) {
      const set = buildLegacyMessageSet({ magic, compression: CompressionType.lz4, messages: entries });
      const frame = readLegacyEntry(set, 0).entry.value as Buffer;
      const correct = (xxhash32(frame, 4, 6) >>> 8) & 0xff;
      const broken = (xxhash32(frame, 0, 6) >>> 8) & 0xff;
      expect(frame[6]).toBe(magic === 0 ? broken : correct);
      expect(decodeLegacyMessageSet(set).map((m) => m.value?.toString() ?? null)).toEqual(['first', 'second', null]);
    }
  });

  it('LogAppendTime wrapper: inner messages take the wrapper timestamp', () => {
    const set = buildLegacyMessageSet({ magic: 1, compression: CompressionType.gzip, timestampType: 1, logAppendTime: 1800000000000, messages: entries });
    expect(decodeLegacyMessageSet(set).map((m) => [m.timestamp, m.timestampType])).toEqual([[1800000000000, 1], [1800000000000, 1], [1800000000000, 1]]);
  });

  it('rejects nested compression, magic mismatch, zstd and corrupt wrappers', () => {
    const inner = buildLegacyMessageSet({ magic: 1, compression: CompressionType.gzip, messages: entries });
    const nested = encodeLegacyMessage(1, 0, 1, -1, null, require('node:zlib').gzipSync(inner));
    expect(() => decodeLegacyMessageSet(nested)).toThrow(/nested/);
    const v0inner = buildLegacyMessageSet({ magic: 0, messages: entries });
    const mismatch = encodeLegacyMessage(1, 0, 1, -1, null, require('node:zlib').gzipSync(v0inner));
    expect(() => decodeLegacyMessageSet(mismatch)).toThrow(/magic/);
    expect(() => decodeLegacyMessageSet(encodeLegacyMessage(1, 0, 4, -1, null, 'x'))).toThrow(UnsupportedCompressionError);
    expect(() => buildLegacyMessageSet({ magic: 1, compression: CompressionType.zstd, messages: entries })).toThrow(UnsupportedCompressionError);
    expect(() => decodeLegacyMessageSet(encodeLegacyMessage(1, 0, 1, -1, null, 'not gzip'))).toThrow(RecordFormatError);
    const set = buildLegacyMessageSet({ magic: 0, messages: entries });
    expect(() => decodeLegacyMessageSet(set.subarray(0, set.length - 3))).toThrow(RecordFormatError);
    expect(decodeLegacyMessageSet(set.subarray(0, set.length - 3), { allowPartialTrailing: true })).toHaveLength(2);
  });
});

describe('up-conversion (Produce v0-2 → stored v2 batch)', () => {
  const entries = [
    { key: Buffer.from('a'), value: Buffer.from('first'), timestamp: 1700000000000 },
    { key: null, value: Buffer.from('second'), timestamp: 1700000000002 },
  ];
  it.each([
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
    [1, 2],
    [1, 3],
  ] as const)('magic %i codec %i from kafkajs/ours → a valid v2 batch', (magic, codec) => {
    const set = codec === 0 ? MessageSet({ messageVersion: magic, compression: 0, entries }).buffer : buildLegacyMessageSet({ magic, compression: codec, messages: entries });
    const batch = upConvert(set);
    expect(validateBatch(batch, 0, batch.length, { fromClient: true }).ok).toBe(true);
    const { header, records } = readBatchRecords(batch);
    expect(header).toMatchObject({ compression: codec, producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 2, lastOffsetDelta: 1, partitionLeaderEpoch: -1 });
    expect(records.map((r) => [r.offsetDelta, r.key?.toString() ?? null, r.value?.toString(), r.timestamp, r.headers.length])).toEqual([
      [0, 'a', 'first', magic === 1 ? 1700000000000 : -1, 0],
      [1, null, 'second', magic === 1 ? 1700000000002 : -1, 0],
    ]);
    expect(header.maxTimestamp).toBe(magic === 1 ? 1700000000002 : -1);
  });
  it('options: target codec, keepOffsets, LogAppendTime', () => {
    const set = buildLegacyMessageSet({ magic: 1, messages: entries.map((e, i) => ({ ...e, offset: [100, 105][i] })) });
    const b = upConvert(set, { compression: CompressionType.lz4, keepOffsets: true, timestampType: 1, logAppendTime: 1900000000000, partitionLeaderEpoch: 4 });
    const { header, records } = readBatchRecords(b);
    expect(header).toMatchObject({ compression: 3, baseOffset: 100, lastOffsetDelta: 5, timestampType: 1, maxTimestamp: 1900000000000, partitionLeaderEpoch: 4 });
    expect(records.map((r) => r.offset)).toEqual([100, 105]);
  });
});

describe('down-conversion (stored v2 → Fetch v0-3)', () => {
  const records = Array.from({ length: 5 }, (_, i) => ({ key: i % 2 ? null : `k${i}`, value: `value-${i}`, timestamp: 1700000000000 + i, headers: [{ key: 'dropped', value: 'x' }] }));

  it.each([
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ] as const)('magic %i codec %i: kafkajs reads the converted set with absolute offsets', async (toMagic, codec) => {
    const blob = Buffer.concat([
      buildRecordBatch({ baseOffset: 40, compression: codec, records }),
      buildControlBatch({ type: 'commit', producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, baseOffset: 45 }),
      buildRecordBatch({ baseOffset: 46, compression: codec, records: records.slice(0, 2) }),
    ]);
    const { records: out, convertedRecords, droppedPartialBytes } = downConvert(blob, toMagic);
    expect(convertedRecords).toBe(7);
    expect(droppedPartialBytes).toBe(0);
    const read = await kafkajsRead(out);
    expect(read.map((m) => m.offset)).toEqual(['40', '41', '42', '43', '44', '46', '47']);
    expect(read.every((m) => m.magicByte === toMagic)).toBe(true);
    expect(read.map((m) => m.value?.toString())).toEqual(['value-0', 'value-1', 'value-2', 'value-3', 'value-4', 'value-0', 'value-1']);
    const ours = decodeLegacyMessageSet(out);
    expect(ours.map((m) => m.offset)).toEqual([40, 41, 42, 43, 44, 46, 47]);
    expect(ours.map((m) => m.timestamp)).toEqual(toMagic === 1 ? [0, 1, 2, 3, 4, 0, 1].map((d) => 1700000000000 + d) : Array(7).fill(-1));
    expect(splitBatches(out).batches.length).toBe(codec === 0 ? 7 : 2); // one wrapper per compressed batch
  });

  it('preserves snappy and lz4; "none" writes plain messages; zstd needs "none"', () => {
    for (const codec of [CompressionType.snappy, CompressionType.lz4]) {
      const blob = buildRecordBatch({ baseOffset: 7, compression: codec, records });
      const out = downConvert(blob, 1).records;
      expect(readLegacyEntry(out, 0).entry.compression).toBe(codec);
      expect(decodeLegacyMessageSet(out).map((m) => m.offset)).toEqual([7, 8, 9, 10, 11]);
      const plain = downConvert(blob, 1, { compression: 'none' }).records;
      expect(splitBatches(plain).batches).toHaveLength(5);
    }
    // a zstd batch can only be faked on Node 20 (no encoder): flip the codec bits of an uncompressed one
    const fake = buildRecordBatch({ records });
    fake.writeInt16BE(4, 21);
    expect(() => downConvert(fake, 1)).toThrow(UnsupportedCompressionError);
  });

  it('LogAppendTime batches carry the append time; gaps and trailing partial batches', () => {
    const lat = buildRecordBatch({ baseOffset: 0, timestampType: 1, logAppendTime: 1800000000000, records: [records[0], { ...records[1], offsetDelta: 9 }] });
    const blob = Buffer.concat([lat, lat.subarray(0, 30)]);
    const res = downConvert(blob, 1);
    expect(res.droppedPartialBytes).toBe(30);
    const msgs = decodeLegacyMessageSet(res.records);
    expect(msgs.map((m) => [m.offset, m.timestamp, m.timestampType])).toEqual([[0, 1800000000000, 1], [9, 1800000000000, 1]]);
    const compressed = buildRecordBatch({ baseOffset: 0, compression: 1, timestampType: 1, logAppendTime: 1800000000000, records });
    const wrapper = readLegacyEntry(downConvert(compressed, 1).records, 0).entry;
    expect(wrapper).toMatchObject({ timestamp: 1800000000000, timestampType: 1, offset: 4 });
  });

  it('legacy entries already at the target magic pass through; v2 → v1 → v2 keeps the data', () => {
    const v1 = buildLegacyMessageSet({ magic: 1, messages: [{ value: 'old', timestamp: 5, offset: 3 }] });
    const blob = Buffer.concat([v1, buildRecordBatch({ baseOffset: 4, records: [{ value: 'new', timestamp: 6 }] })]);
    const out = downConvert(blob, 1).records;
    expect(out.subarray(0, v1.length).equals(v1)).toBe(true);
    expect(decodeLegacyMessageSet(out).map((m) => [m.offset, m.value?.toString()])).toEqual([[3, 'old'], [4, 'new']]);
    const to0 = downConvert(blob, 0).records; // v1 entry converted down too
    expect(decodeLegacyMessageSet(to0).map((m) => [m.offset, m.magic, m.timestamp])).toEqual([[3, 0, -1], [4, 0, -1]]);
    const back = upConvert(downConvert(buildRecordBatch({ baseOffset: 10, compression: 1, records }), 1).records, { keepOffsets: true });
    const h = readBatchHeader(back);
    expect(h).toMatchObject({ baseOffset: 10, recordCount: 5, compression: 1 });
    expect(readBatchRecords(back).records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp])).toEqual(
      records.map((r, i) => [10 + i, r.key, r.value, r.timestamp]),
    );
  });
});
