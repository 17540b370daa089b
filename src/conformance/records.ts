// Record sets for the conformance suite: building legacy message sets (magic 0 and 1, with and
// without a compressed wrapper); reading a fetched record set is the client's (record-set.ts).
// Layouts from Kafka's record-format documentation ("Message Sets" for magic 0/1, "Record Batch"
// for magic 2); v2 batches are built and decoded with the codec's record-batch module.

import {
  buildRecordBatch,
  compress,
  crc32,
  type BuildRecordBatchOptions,
  type RecordInput,
} from '../codec/records/index.js';

export { dataRecords, parseRecordSet, type FetchedBatch, type FetchedRecord } from '../client/record-set.js';

export interface SimpleRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: { key: string; value?: Buffer | string | null }[];
  timestamp?: number;
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

export function str(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}
