import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { RecordFormatError } from '../../../src/codec/records/errors.js';
import {
  CompressionType,
  readBatchHeader,
  validateBatch,
} from '../../../src/codec/records/record-batch.js';
import {
  buildRecordBatch,
  decodeRecord,
  decodeRecords,
  encodeRecords,
  readBatchRecords,
  recompressBatch,
  sizeOfRecord,
} from '../../../src/codec/records/record.js';
import { WORKED_EXAMPLE } from './fixtures.js';

const require = createRequire(import.meta.url);

const WORKED_INPUT = {
  baseOffset: 0,
  records: [
    { key: 'k', value: 'hello', headers: [{ key: 'h', value: 'v' }], timestamp: 1700000000000 },
    { key: null, value: 'world', timestamp: 1700000000005 },
  ],
};

describe('buildRecordBatch', () => {
  it('reproduces the worked example byte for byte', () => {
    const b = buildRecordBatch(WORKED_INPUT);
    expect(b.toString('hex')).toBe(WORKED_EXAMPLE.toString('hex'));
  });

  it('defaults: empty batch', () => {
    const b = buildRecordBatch({ records: [] });
    expect(b.length).toBe(61);
    expect(validateBatch(b, 0).ok).toBe(true);
    expect(readBatchHeader(b)).toMatchObject({ recordCount: 0, baseTimestamp: -1, maxTimestamp: -1, lastOffsetDelta: 0, producerId: -1 });
  });

  it('fills header options', () => {
    const b = buildRecordBatch({
      baseOffset: 1000,
      partitionLeaderEpoch: 3,
      producerId: 42,
      producerEpoch: 2,
      baseSequence: 7,
      isTransactional: true,
      timestampType: 1,
      logAppendTime: 1800000000000,
      now: 1700000000000,
      records: [{ value: 'a' }, { value: 'b' }, { value: 'c', offsetDelta: 5 }],
    });
    expect(validateBatch(b, 0).ok).toBe(true);
    const h = readBatchHeader(b);
    expect(h).toMatchObject({
      baseOffset: 1000, partitionLeaderEpoch: 3, producerId: 42, producerEpoch: 2, baseSequence: 7,
      isTransactional: true, isControl: false, timestampType: 1, maxTimestamp: 1800000000000,
      baseTimestamp: 1700000000000, lastOffsetDelta: 5, lastOffset: 1005, recordCount: 3,
    });
    const { records } = readBatchRecords(b);
    expect(records.map((r) => r.offset)).toEqual([1000, 1001, 1005]);
    expect(records.map((r) => r.timestamp)).toEqual([1800000000000, 1800000000000, 1800000000000]); // LogAppendTime
  });

  it('delete horizon: bit 6, baseTimestamp holds the horizon, records keep their timestamps', () => {
    const b = buildRecordBatch({ deleteHorizonMs: 1600000000000, records: [{ value: 'x', timestamp: 1700000000000 }] });
    const h = readBatchHeader(b);
    expect(h.hasDeleteHorizon).toBe(true);
    expect(h.baseTimestamp).toBe(1600000000000);
    expect(readBatchRecords(b).records[0].timestamp).toBe(1700000000000);
  });

  it('int64 extremes survive (producer id, timestamps)', () => {
    const b = buildRecordBatch({ producerId: 2 ** 63, baseOffset: 2 ** 62, records: [{ value: 'x', timestamp: 2 ** 62 }] });
    expect(b.readBigInt64BE(43)).toBe(2n ** 63n - 1n);
    expect(b.readBigInt64BE(0)).toBe(2n ** 62n);
    expect(readBatchHeader(b).baseTimestamp).toBe(2 ** 62);
  });
});

describe('decoding records', () => {
  it('decodes the worked example', () => {
    const { header, records } = readBatchRecords(WORKED_EXAMPLE);
    expect(header.recordCount).toBe(2);
    expect(records).toHaveLength(2);
    const [a, b] = records;
    expect(a).toMatchObject({ offset: 0, offsetDelta: 0, timestamp: 1700000000000, timestampDelta: 0, attributes: 0, sizeInBytes: 17 });
    expect(a.key?.toString()).toBe('k');
    expect(a.value?.toString()).toBe('hello');
    expect(a.headers).toHaveLength(1);
    expect(a.headers[0].key).toBe('h');
    expect(a.headers[0].value?.toString()).toBe('v');
    expect(a.value?.buffer).toBe(WORKED_EXAMPLE.buffer); // a view
    expect(b).toMatchObject({ offset: 1, offsetDelta: 1, timestamp: 1700000000005, timestampDelta: 5, key: null, headers: [], sizeInBytes: 12 });
    expect(b.value?.toString()).toBe('world');
  });

  it('null values, null header values, empty keys, unicode header keys, big values', () => {
    const big = Buffer.alloc(300_000, 7);
    const b = buildRecordBatch({
      now: 5,
      records: [
        { key: '', value: null, headers: [{ key: 'ключ', value: null }, { key: 'ключ', value: '' }] },
        { key: big, value: big },
      ],
    });
    const { records } = readBatchRecords(b);
    expect(records[0].key?.length).toBe(0);
    expect(records[0].value).toBeNull();
    expect(records[0].headers).toEqual([{ key: 'ключ', value: null }, { key: 'ключ', value: Buffer.alloc(0) }]);
    expect(records[1].key?.equals(big)).toBe(true);
    expect(records[1].value?.equals(big)).toBe(true);
  });

  it('negative timestamp deltas and large offset deltas', () => {
    const b = buildRecordBatch({
      records: [
        { value: 'a', timestamp: 1700000000000 },
        { value: 'b', timestamp: 1600000000000, offsetDelta: 100000 },
      ],
    });
    const { header, records } = readBatchRecords(b);
    expect(header.maxTimestamp).toBe(1700000000000);
    expect(records[1].timestampDelta).toBe(-100000000000);
    expect(records[1].timestamp).toBe(1600000000000);
    expect(records[1].offset).toBe(100000);
  });

  it('encodeRecords/sizeOfRecord agree with decodeRecords', () => {
    const recs = [{ key: 'a', value: 'b', timestamp: 10 }, { value: 'c', timestamp: 12, headers: [{ key: 'x', value: 'y' }] }];
    const buf = encodeRecords(recs, 10);
    expect(buf.length).toBe(sizeOfRecord(recs[0], 10, 0) + sizeOfRecord(recs[1], 10, 1));
    const out = decodeRecords(buf, 2, { baseOffset: 50, baseTimestamp: 10 });
    expect(out.map((r) => [r.offset, r.timestamp])).toEqual([[50, 10], [51, 12]]);
  });

  it('rejects malformed records with RecordFormatError, never anything else', () => {
    const body = WORKED_EXAMPLE.subarray(61);
    const ctx = { baseOffset: 0, baseTimestamp: 0 };
    expect(() => decodeRecords(body, 3, ctx)).toThrow(RecordFormatError); // fewer than declared
    expect(() => decodeRecords(body, 1, ctx)).toThrow(RecordFormatError); // bytes left over
    expect(() => decodeRecords(body, -1, ctx)).toThrow(RecordFormatError);
    const bad = Buffer.from(body);
    bad[0] = 0x22; // record length 17 instead of 16: fields no longer add up
    expect(() => decodeRecord(bad, 0, bad.length, ctx)).toThrow(RecordFormatError);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(body);
      for (let j = 0; j < 1 + (i % 4); j++) b[rnd() % b.length] = rnd();
      try {
        decodeRecords(b, 2, ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(RecordFormatError);
      }
      try {
        decodeRecords(b.subarray(0, rnd() % b.length), 2, ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(RecordFormatError);
      }
    }
  });
});

describe('interop with kafkajs', () => {
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (o: object) => Promise<{ buffer: Buffer }>;
  };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: object) => unknown;
  const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: number | string): unknown };
  const decode = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: Array<{ key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; offset: string; timestamp: string }> }>;
  const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;

  async function kafkajsBatch(opts: { firstTimestamp: number; records: Array<{ key: string | null; value: string; headers?: Record<string, string>; ts: number; od: number }>; producerId?: number; producerEpoch?: number; firstSequence?: number; transactional?: boolean; partitionLeaderEpoch?: number; firstOffset?: number }) {
    const recs = opts.records.map((r) =>
      Record({ offsetDelta: r.od, timestampDelta: r.ts - opts.firstTimestamp, key: r.key === null ? null : Buffer.from(r.key), value: Buffer.from(r.value), headers: r.headers ?? {} }),
    );
    const maxTimestamp = Math.max(...opts.records.map((r) => r.ts));
    const out = await RecordBatch({
      firstOffset: Long.fromValue(opts.firstOffset ?? 0),
      firstTimestamp: opts.firstTimestamp,
      maxTimestamp,
      partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
      lastOffsetDelta: opts.records.length - 1,
      transactional: opts.transactional ?? false,
      producerId: Long.fromValue(opts.producerId ?? -1),
      producerEpoch: opts.producerEpoch ?? -1,
      firstSequence: opts.firstSequence ?? -1,
      records: recs,
    });
    return out.buffer;
  }

  it('kafkajs encodes the worked example identically', async () => {
    const b = await kafkajsBatch({
      firstTimestamp: 1700000000000,
      records: [
        { key: 'k', value: 'hello', headers: { h: 'v' }, ts: 1700000000000, od: 0 },
        { key: null, value: 'world', ts: 1700000000005, od: 1 },
      ],
    });
    expect(b.toString('hex')).toBe(WORKED_EXAMPLE.toString('hex'));
  });

  it('an idempotent transactional kafkajs batch validates and matches our builder byte for byte', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ key: `key-${i}`, value: 'v'.repeat(i * 3), headers: (i % 3 ? { a: `x${i}`, b: 'y' } : {}) as Record<string, string>, ts: 1700000000000 + i * 7, od: i }));
    const theirs = await kafkajsBatch({ firstTimestamp: 1700000000000, records, producerId: 123456789012, producerEpoch: 3, firstSequence: 1000, transactional: true, partitionLeaderEpoch: 0, firstOffset: 0 });
    expect(validateBatch(theirs, 0, theirs.length, { fromClient: true })).toEqual({ ok: true, size: theirs.length });
    const ours = buildRecordBatch({
      producerId: 123456789012, producerEpoch: 3, baseSequence: 1000, isTransactional: true, partitionLeaderEpoch: 0,
      records: records.map((r) => ({ key: r.key, value: r.value, timestamp: r.ts, headers: Object.entries(r.headers).map(([key, value]) => ({ key, value })) })),
    });
    expect(ours.equals(theirs)).toBe(true);
    const { records: decoded } = readBatchRecords(theirs);
    expect(decoded[49].key?.toString()).toBe('key-49');
    expect(decoded[49].timestamp).toBe(1700000000000 + 49 * 7);
  });

  it('kafkajs decodes our gzip batch', async () => {
    const ours = buildRecordBatch({
      baseOffset: 77,
      compression: CompressionType.gzip,
      records: [{ key: 'a', value: 'first', timestamp: 1700000000000, headers: [{ key: 'h', value: 'v' }] }, { value: 'second', timestamp: 1700000000001 }],
    });
    const dec = new Decoder(ours);
    const batch = await decode(dec);
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      ['77', '1700000000000', 'a', 'first'],
      ['78', '1700000000001', null, 'second'],
    ]);
    expect(batch.records[0].headers.h.toString()).toBe('v');
  });
});

describe('readBatchRecords options', () => {
  it('bounds the decompressed size', () => {
    const b = buildRecordBatch({ compression: CompressionType.gzip, records: [{ value: Buffer.alloc(100_000) }] });
    expect(() => readBatchRecords(b, 0, { maxOutputLength: 10_000 })).toThrow(RecordFormatError);
    expect(readBatchRecords(b, 0, { maxOutputLength: 200_000 }).records[0].value?.length).toBe(100_000);
  });
});

describe('Kafka leniency on negative lengths', () => {
  it('any negative key, value or header-value length decodes as null; a negative header key length is an error', () => {
    // body: attributes 0, tsDelta 0, offsetDelta 0, key len -2 (03), value len -7 (0d), 1 header: key "h", value len -3 (05)
    const body = Buffer.from('00' + '00' + '00' + '03' + '0d' + '02' + '02' + '68' + '05', 'hex');
    const rec = Buffer.concat([Buffer.from([body.length << 1]), body]);
    const { record } = decodeRecord(rec, 0, rec.length, { baseOffset: 0, baseTimestamp: 0 });
    expect(record.key).toBeNull();
    expect(record.value).toBeNull();
    expect(record.headers).toEqual([{ key: 'h', value: null }]);
    const badKey = Buffer.from(rec);
    badKey[7] = 0x01; // header key length -1
    expect(() => decodeRecord(badKey, 0, badKey.length, { baseOffset: 0, baseTimestamp: 0 })).toThrow(RecordFormatError);
  });
});

describe('builder conveniences', () => {
  it('headers as an object, Uint8Array values, strings', () => {
    const b = buildRecordBatch({ now: 1, records: [{ key: new Uint8Array([1, 2]), value: 'v', headers: { a: 'x', b: null } }] });
    const [r] = readBatchRecords(b).records;
    expect([...(r.key ?? [])]).toEqual([1, 2]);
    expect(r.headers).toEqual([{ key: 'a', value: Buffer.from('x') }, { key: 'b', value: null }]);
  });
});

describe('recompressBatch', () => {
  it('changes only the codec: header fields, records, deltas and headers survive', () => {
    const original = buildRecordBatch({
      producerId: 77,
      producerEpoch: 3,
      baseSequence: 41,
      isTransactional: true,
      partitionLeaderEpoch: 9,
      compression: CompressionType.gzip,
      baseTimestamp: 1_700_000_000_000,
      records: [
        { key: 'a', value: 'one', timestamp: 1_700_000_000_000, offsetDelta: 0, headers: [{ key: 'h', value: 'x' }] },
        { key: null, value: null, timestamp: 1_700_000_000_500, offsetDelta: 1 },
      ],
    });
    expect(validateBatch(original, 0, original.length, { fromClient: true }).ok).toBe(true);
    for (const codec of [CompressionType.none, CompressionType.snappy, CompressionType.lz4]) {
      const rebuilt = recompressBatch(original, codec);
      expect(validateBatch(rebuilt, 0, rebuilt.length, { fromClient: true }).ok).toBe(true);
      const before = readBatchRecords(original);
      const after = readBatchRecords(rebuilt);
      const { compression: _c1, crc: _crc1, batchLength: _l1, sizeInBytes: _s1, attributes: _a1, ...headerBefore } = before.header;
      const { compression, crc: _crc2, batchLength: _l2, sizeInBytes: _s2, attributes: _a2, ...headerAfter } = after.header;
      expect(compression).toBe(codec);
      expect(headerAfter).toEqual(headerBefore);
      expect(after.records.map(({ sizeInBytes: _s, ...r }) => r)).toEqual(before.records.map(({ sizeInBytes: _s, ...r }) => r));
    }
  });
});
