// Golden bytes from a real client: the records of Produce requests sent by kcat (librdkafka 2.0.2), captured
// with helpers/capture-kcat.mjs. Each holds messages `key-i` → `'value '.repeat(i % 5 + 1) + i`, header hk=hv (v2).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCompressionSupported } from '../../../src/codec/records/compression/index.js';
import { UnsupportedCompressionError } from '../../../src/codec/records/errors.js';
import { decodeLegacyMessageSet, upConvert, validateLegacyEntry } from '../../../src/codec/records/legacy.js';
import { readBatchHeader, splitBatches, validateBatch } from '../../../src/codec/records/record-batch.js';
import { readBatchRecords } from '../../../src/codec/records/record.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const expectedValue = (i: number): string => 'value '.repeat((i % 5) + 1) + i;
const CODEC = { none: 0, gzip: 1, snappy: 2, zstd: 4 } as const;

describe('librdkafka v2 batches', () => {
  it.each(['none', 'gzip', 'snappy', 'zstd'] as const)('%s: validates as client input and decodes', (codec) => {
    const buf = fixture(`kcat-magic2-${codec}.bin`);
    const { batches, trailing } = splitBatches(buf);
    expect(trailing).toBeNull();
    expect(batches).toHaveLength(1);
    expect(validateBatch(buf, 0, buf.length, { fromClient: true })).toEqual({ ok: true, size: buf.length });
    const h = readBatchHeader(buf);
    expect(h).toMatchObject({ magic: 2, compression: CODEC[codec], producerId: -1, baseOffset: 0 });
    if (codec === 'zstd' && !isCompressionSupported(4)) {
      expect(() => readBatchRecords(buf)).toThrow(UnsupportedCompressionError);
      return;
    }
    const { records } = readBatchRecords(buf);
    expect(records.length).toBe(h.recordCount);
    expect(records.length).toBe(20);
    records.forEach((r, i) => {
      expect(r.offset).toBe(i);
      expect(r.key?.toString()).toBe(`key-${i}`);
      expect(r.value?.toString()).toBe(expectedValue(i));
      expect(r.headers.map((x) => [x.key, x.value?.toString()])).toEqual([['hk', 'hv']]);
    });
  });
});

describe('librdkafka legacy message sets', () => {
  it.each([
    [0, 'none'],
    [0, 'gzip'],
    [0, 'snappy'],
    [1, 'none'],
    [1, 'gzip'],
    [1, 'snappy'],
  ] as const)('magic %i %s: CRCs check, messages decode, up-conversion validates', (magic, codec) => {
    const buf = fixture(`kcat-magic${magic}-${codec}.bin`);
    for (const b of splitBatches(buf).batches) {
      expect(validateLegacyEntry(b, 0).ok).toBe(true);
      expect(b[16]).toBe(magic);
      expect(b[17] & 7).toBe(CODEC[codec]);
    }
    const msgs = decodeLegacyMessageSet(buf);
    expect(msgs.length).toBe(20);
    msgs.forEach((m, i) => {
      expect(m.magic).toBe(magic);
      expect(m.key?.toString()).toBe(`key-${i}`);
      expect(m.value?.toString()).toBe(expectedValue(i));
      if (magic === 1) expect(m.timestamp).toBeGreaterThan(1.7e12);
    });
    const v2 = upConvert(buf);
    expect(validateBatch(v2, 0, v2.length, { fromClient: true }).ok).toBe(true);
    const { header, records } = readBatchRecords(v2);
    expect(header.compression).toBe(CODEC[codec]);
    expect(records.map((r) => r.value?.toString())).toEqual(msgs.map((m) => m.value?.toString()));
  });
});
