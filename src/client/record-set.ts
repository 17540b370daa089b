// Reading a fetched record set of any magic (0, 1 and 2, compressed or not) into batches of plain
// records: what a consumer does with a Fetch response's records. Layouts from Kafka's record-format
// documentation ("Message Sets" for magic 0/1, "Record Batch" for magic 2); v2 batches are decoded
// with the codec's record-batch module. Used by the conformance suite and `tributary consume`.

import { decompress, readBatchRecords } from '../codec/records/index.js';

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

