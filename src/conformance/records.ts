// Record sets for the conformance suite: building legacy message sets (magic 0 and 1, with and
// without a compressed wrapper) and reading a fetched record set of any magic into plain records.
// Layouts from Kafka's record-format documentation ("Message Sets" for magic 0/1, "Record Batch"
// for magic 2); v2 batches are built and decoded with the codec's record-batch module.

import {
  buildRecordBatch,
  compress,
  crc32,
  decompress,
  readBatchRecords,
  type BuildRecordBatchOptions,
  type RecordInput,
} from '../codec/records/index.js';

export interface SimpleRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: { key: string; value?: Buffer | string | null }[];
  timestamp?: number;
}

export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface FetchedBatch {
  magic: number;
  baseOffset: number;
  lastOffset: number;
  /** Attributes byte (magic 2: int16, of which we keep the low byte flags). */
  attributes: number;
  isControl: boolean;
  isTransactional: boolean;
  producerId: number;
  /** Magic 2 only (-1 for older formats). */
  producerEpoch: number;
  baseSequence: number;
  compression: number;
  /** Control batches: the control record type (0 ABORT, 1 COMMIT). */
  controlType?: number;
  records: FetchedRecord[];
}

function toBuf(b: Buffer | string | null | undefined): Buffer | null {
  if (b === null || b === undefined) return null;
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

/** A v2 batch (codec's builder). */
export function v2Batch(records: SimpleRecord[], opts: Omit<BuildRecordBatchOptions, 'records'> = {}): Buffer {
  return buildRecordBatch({ ...opts, records: records as RecordInput[] });
}

/** One legacy message (magic 0 or 1) with its log entry header (offset, size). */
export function legacyMessage(magic: 0 | 1, offset: number, r: { key: Buffer | null; value: Buffer | null; timestamp?: number; attributes?: number }): Buffer {
  const key = r.key;
  const value = r.value;
  const bodySize = 1 + 1 + (magic === 1 ? 8 : 0) + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0);
  const buf = Buffer.alloc(12 + 4 + bodySize);
  buf.writeBigInt64BE(BigInt(offset), 0);
  buf.writeInt32BE(4 + bodySize, 8);
  let p = 16;
  buf.writeInt8(magic, p++);
  buf.writeInt8(r.attributes ?? 0, p++);
  if (magic === 1) {
    buf.writeBigInt64BE(BigInt(r.timestamp ?? Date.now()), p);
    p += 8;
  }
  for (const field of [key, value]) {
    buf.writeInt32BE(field === null ? -1 : field.length, p);
    p += 4;
    if (field !== null) p += field.copy(buf, p);
  }
  buf.writeUInt32BE(crc32(buf, 16, buf.length), 12);
  return buf;
}

/**
 * A legacy message set. With a codec, the messages are wrapped in one compressed message whose value
 * is the compressed inner set (inner offsets 0..n-1; Kafka's magic-1 wrapper carries the last one).
 */
export function legacyMessageSet(magic: 0 | 1, records: SimpleRecord[], compression = 0): Buffer {
  const now = Date.now();
  const inner = records.map((r, i) =>
    legacyMessage(magic, i, { key: toBuf(r.key), value: toBuf(r.value), timestamp: r.timestamp ?? now }),
  );
  const set = Buffer.concat(inner);
  if (compression === 0) return set;
  const compressed = compress(compression, set, { lz4BrokenHeaderChecksum: magic === 0 });
  const maxTs = Math.max(...records.map((r) => r.timestamp ?? now));
  return legacyMessage(magic, records.length - 1, { key: null, value: compressed, timestamp: maxTs, attributes: compression });
}

/** Flips one byte after the CRC-covered start so the stored CRC no longer matches. */
export function corruptAfterCrc(batch: Buffer): Buffer {
  const out = Buffer.from(batch);
  const i = out.length - 1;
  out[i] ^= 0xff;
  return out;
}

function readLegacy(buf: Buffer, off: number, end: number, out: FetchedBatch[]): void {
  const offset = Number(buf.readBigInt64BE(off));
  const magic = buf.readInt8(off + 16);
  const attributes = buf.readInt8(off + 17);
  let p = off + 18;
  let timestamp = -1;
  if (magic === 1) {
    timestamp = Number(buf.readBigInt64BE(p));
    p += 8;
  }
  const klen = buf.readInt32BE(p);
  p += 4;
  const key = klen < 0 ? null : buf.subarray(p, p + klen);
  p += Math.max(klen, 0);
  const vlen = buf.readInt32BE(p);
  p += 4;
  const value = vlen < 0 ? null : buf.subarray(p, p + vlen);
  if (p + Math.max(vlen, 0) > end) throw new Error('legacy message overruns its size');
  const codec = attributes & 0x07;
  if (codec === 0) {
    out.push({
      magic, baseOffset: offset, lastOffset: offset, attributes, isControl: false, isTransactional: false,
      producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0,
      records: [{ offset, timestamp, key, value, headers: [] }],
    });
    return;
  }
  const innerBytes = decompress(codec, value ?? Buffer.alloc(0));
  const inner: FetchedBatch[] = [];
  parseInto(innerBytes, inner);
  const recs = inner.flatMap((b) => b.records);
  // Magic 1 wrappers carry the absolute offset of the last inner message; inner offsets are relative.
  if (magic === 1 && recs.length > 0) {
    const lastRel = recs[recs.length - 1].offset;
    for (const r of recs) r.offset = offset - lastRel + r.offset;
  }
  out.push({
    magic, baseOffset: recs[0]?.offset ?? offset, lastOffset: offset, attributes, isControl: false, isTransactional: false,
    producerId: -1, producerEpoch: -1, baseSequence: -1, compression: codec, records: recs,
  });
}

function parseInto(buf: Buffer, out: FetchedBatch[]): boolean {
  let off = 0;
  while (off + 17 <= buf.length) {
    const size = buf.readInt32BE(off + 8);
    const end = off + 12 + size;
    if (end > buf.length) return true; // a partial entry at the end: Kafka may cut at maxBytes
    const magic = buf.readInt8(off + 16);
    if (magic === 2) {
      const { header, records } = readBatchRecords(buf.subarray(off, end));
      out.push({
        magic, baseOffset: header.baseOffset, lastOffset: header.baseOffset + header.lastOffsetDelta,
        attributes: header.attributes, isControl: header.isControl, isTransactional: header.isTransactional,
        producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, compression: header.compression,
        controlType: header.isControl && records[0]?.key && records[0].key.length >= 4 ? records[0].key.readInt16BE(2) : undefined,
        records: records.map((r) => ({
          offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value,
          headers: r.headers.map((h) => ({ key: h.key, value: h.value })),
        })),
      });
    } else if (magic === 0 || magic === 1) {
      readLegacy(buf, off, end, out);
    } else {
      throw new Error(`entry at byte ${off} has magic ${magic}`);
    }
    off = end;
  }
  return off < buf.length;
}

/** Every batch of a fetched record set; a truncated trailing entry is ignored (and reported). */
export function parseRecordSet(records: Buffer | Buffer[] | null | undefined): { batches: FetchedBatch[]; partialTail: boolean } {
  if (records === null || records === undefined) return { batches: [], partialTail: false };
  const buf = Array.isArray(records) ? Buffer.concat(records) : records;
  const batches: FetchedBatch[] = [];
  const partialTail = parseInto(buf, batches);
  return { batches, partialTail };
}

/** Data records (no control batches) of a fetched record set. */
export function dataRecords(records: Buffer | Buffer[] | null | undefined): FetchedRecord[] {
  return parseRecordSet(records).batches.filter((b) => !b.isControl).flatMap((b) => b.records);
}

export function str(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}
