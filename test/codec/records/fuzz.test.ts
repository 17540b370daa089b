// Property round trips and fuzzing across the record codec: random records through every codec, and random
// damage to valid batches, which must only ever produce a result or a typed error.
import { describe, expect, it } from 'vitest';
import { isCompressionSupported } from '../../../src/codec/records/compression/index.js';
import { RecordFormatError, UnsupportedCompressionError } from '../../../src/codec/records/errors.js';
import { decodeLegacyMessageSet, downConvert, upConvert } from '../../../src/codec/records/legacy.js';
import { CompressionType, splitBatches, validateBatch } from '../../../src/codec/records/record-batch.js';
import { buildRecordBatch, readBatchRecords, type RecordInput } from '../../../src/codec/records/record.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function randomBytes(r: () => number, max: number): Buffer | null {
  if (r() < 0.1) return null;
  const n = Math.floor(r() ** 3 * max);
  const b = Buffer.allocUnsafe(n);
  const repetitive = r() < 0.5;
  for (let i = 0; i < n; i++) b[i] = repetitive ? 97 + (i % 5) : Math.floor(r() * 256);
  return b;
}

function randomRecords(r: () => number): RecordInput[] {
  const n = Math.floor(r() * 40);
  const base = 1_600_000_000_000 + Math.floor(r() * 1e11);
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const headers = Array.from({ length: Math.floor(r() * 3) }, (_, j) => ({ key: `h${j}-${'é'.repeat(Math.floor(r() * 3))}`, value: randomBytes(r, 20) }));
    out.push({ key: randomBytes(r, 50), value: randomBytes(r, 3000), headers, timestamp: base + Math.floor((r() - 0.3) * 1e6) });
  }
  return out;
}

function sameBytes(a: Buffer | null, b: unknown): boolean {
  if (a === null || b === null || b === undefined) return a === null && (b === null || b === undefined);
  return Buffer.isBuffer(b) && a.equals(b);
}

const CODECS: CompressionType[] = [0, 1, 2, 3];
if (isCompressionSupported(4)) CODECS.push(4);

function expectTypedError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof RecordFormatError) && !(e instanceof UnsupportedCompressionError)) throw e;
  }
}

describe('property round trips', () => {
  it('random records survive build → validate → read for every codec', () => {
    const r = rng(12345);
    for (let iter = 0; iter < 60; iter++) {
      const records = randomRecords(r);
      const codec = CODECS[iter % CODECS.length];
      const baseOffset = Math.floor(r() * 2 ** 40);
      const b = buildRecordBatch({ baseOffset, compression: codec, producerId: iter, producerEpoch: 1, baseSequence: iter * 100, records });
      const v = validateBatch(b, 0, b.length, { fromClient: records.length > 0 });
      expect(v.ok).toBe(true);
      const { header, records: out } = readBatchRecords(b);
      expect(header.recordCount).toBe(records.length);
      // compare with plain booleans: deep equality over large Buffers is slow in the matcher
      out.forEach((rec, i) => {
        const want = records[i];
        const wantHeaders = (want.headers ?? []) as ReadonlyArray<{ key: string; value?: unknown }>;
        const ok =
          rec.offset === baseOffset + i &&
          rec.timestamp === want.timestamp &&
          sameBytes(rec.key, want.key) &&
          sameBytes(rec.value, want.value) &&
          rec.headers.length === wantHeaders.length &&
          rec.headers.every((h, j) => h.key === wantHeaders[j].key && sameBytes(h.value, wantHeaders[j].value));
        expect(ok, `iteration ${iter} record ${i}`).toBe(true);
      });
    }
  });

  it('down-convert → up-convert keeps keys, values, offsets and (magic 1) timestamps', () => {
    const r = rng(777);
    for (let iter = 0; iter < 30; iter++) {
      const records = randomRecords(r).map((x) => ({ ...x, headers: [] }));
      if (records.length === 0) continue;
      const codec = CODECS[iter % 4];
      const blob = buildRecordBatch({ baseOffset: 1000 + iter, compression: codec, records });
      const toMagic = (iter % 2) as 0 | 1;
      const legacy = downConvert(blob, toMagic).records;
      const msgs = decodeLegacyMessageSet(legacy);
      expect(msgs).toHaveLength(records.length);
      const back = readBatchRecords(upConvert(legacy, { keepOffsets: true })).records;
      back.forEach((rec, i) => {
        const ok =
          rec.offset === 1000 + iter + i &&
          sameBytes(rec.key, records[i].key) &&
          sameBytes(rec.value, records[i].value) &&
          rec.timestamp === (toMagic === 1 ? records[i].timestamp : -1);
        expect(ok, `iteration ${iter} record ${i}`).toBe(true);
      });
    }
  });
});

describe('fuzz: damaged batches', () => {
  it('bit flips and truncations give a result or a typed error, never a crash', () => {
    const r = rng(4242);
    for (let iter = 0; iter < 400; iter++) {
      const codec = CODECS[iter % CODECS.length];
      const b = buildRecordBatch({ compression: codec, records: randomRecords(r).slice(0, 5) });
      const damaged = Buffer.from(b);
      const flips = 1 + Math.floor(r() * 4);
      for (let j = 0; j < flips; j++) damaged[Math.floor(r() * damaged.length)] ^= 1 << Math.floor(r() * 8);
      const cut = damaged.subarray(0, r() < 0.3 ? Math.floor(r() * damaged.length) : damaged.length);
      expect(() => validateBatch(cut, 0)).not.toThrow();
      expect(() => splitBatches(cut)).not.toThrow();
      // skip the CRC so damage reaches the record and codec decoders
      expectTypedError(() => readBatchRecords(cut));
      expectTypedError(() => downConvert(cut, 1));
      expectTypedError(() => decodeLegacyMessageSet(cut));
      expectTypedError(() => upConvert(cut));
    }
  });
});
