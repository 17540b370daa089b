// Records inside a v2 batch: decoding (keys, values and header values are views, not copies) and encoding,
// plus the batch builder used by tests, tools, compaction, conversion and load generators.

import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  VarintError,
  writeVarint,
  writeVarlong,
} from '../varint.js';
import { compress, type CompressOptions, decompress, type DecompressOptions } from './compression/index.js';
import { RecordFormatError } from './errors.js';
import { writeInt64 } from './int64.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CompressionType,
  CRC_OFFSET,
  DELETE_HORIZON_FLAG_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORD_BATCH_MAGIC,
  RECORDS_COUNT_OFFSET,
  readBatchHeader,
  type RecordBatchHeader,
  TIMESTAMP_TYPE_MASK,
  TimestampType,
  TRANSACTIONAL_FLAG_MASK,
  updateBatchCrc,
} from './record-batch.js';

// ---- Types -----------------------------------------------------------------------------------------

export interface RecordHeader {
  /** Header keys are UTF-8 strings in Kafka (never null). */
  key: string;
  value: Buffer | null;
}

/** A decoded record. Buffers are views into the (decompressed) batch bytes. */
export interface DecodedRecord {
  /** Absolute offset: baseOffset + offsetDelta. */
  offset: number;
  /** Absolute timestamp: baseTimestamp + timestampDelta, or maxTimestamp under LogAppendTime. */
  timestamp: number;
  offsetDelta: number;
  timestampDelta: number;
  attributes: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Encoded size including the length varint. */
  sizeInBytes: number;
}

/** Where decoded records sit: the batch fields needed to make offsets and timestamps absolute. */
export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  /** Used as every record's timestamp when timestampType is LogAppendTime. */
  maxTimestamp?: number;
  timestampType?: TimestampType;
}

export type Bytes = Buffer | Uint8Array | string;

/** A record to encode. Strings are encoded as UTF-8. */
export interface RecordInput {
  key?: Bytes | null;
  value?: Bytes | null;
  /** In order, keys may repeat; or an object (one header per property, in property order). */
  headers?: ReadonlyArray<{ key: string; value?: Bytes | null }> | { readonly [key: string]: Bytes | null };
  /** Absolute timestamp; defaults to the batch's baseTimestamp (or now). */
  timestamp?: number;
  /** Defaults to the record's index in the list. */
  offsetDelta?: number;
}

// ---- Decoding ----------------------------------------------------------------------------------------

/**
 * Decodes one record at `pos` within buf[.., end). Throws RecordFormatError on malformed bytes,
 * including a body whose fields do not add up to its declared length (Kafka's DefaultRecord.readFrom).
 */
export function decodeRecord(buf: Buffer, pos: number, end: number, ctx: RecordContext): { record: DecodedRecord; next: number } {
  try {
    return decodeRecordUnchecked(buf, pos, end, ctx);
  } catch (e) {
    if (e instanceof VarintError || e instanceof RangeError) throw new RecordFormatError(`malformed record at byte ${pos}: ${e.message}`);
    throw e;
  }
}

function decodeRecordUnchecked(buf: Buffer, start: number, end: number, ctx: RecordContext): { record: DecodedRecord; next: number } {
  const len = readVarint(buf, start);
  const bodyStart = len.next;
  const bodyEnd = bodyStart + len.value;
  if (len.value < 1 || bodyEnd > end) {
    throw new RecordFormatError(`record at byte ${start} declares ${len.value} bytes, ${end - bodyStart} remain`);
  }
  // Bounded reads: a varint running past the body is caught by the final length check, past the buffer by
  // VarintError; subarray never reads out of bounds, so check each length before slicing. As in Kafka's
  // DefaultRecord.readFrom, any negative key/value/header-value length means null; a negative header key
  // length or header count is an error.
  const attributes = buf.readInt8(bodyStart);
  const ts = readVarlong(buf, bodyStart + 1);
  const od = readVarint(buf, ts.next);
  let pos = od.next;
  const k = readVarint(buf, pos);
  pos = k.next;
  let key: Buffer | null = null;
  if (k.value >= 0) {
    if (pos + k.value > bodyEnd) throw new RecordFormatError(`key of ${k.value} bytes runs past its record`);
    key = buf.subarray(pos, pos + k.value);
    pos += k.value;
  }
  const v = readVarint(buf, pos);
  pos = v.next;
  let value: Buffer | null = null;
  if (v.value >= 0) {
    if (pos + v.value > bodyEnd) throw new RecordFormatError(`value of ${v.value} bytes runs past its record`);
    value = buf.subarray(pos, pos + v.value);
    pos += v.value;
  }
  const hc = readVarint(buf, pos);
  pos = hc.next;
  if (hc.value < 0) throw new RecordFormatError(`invalid header count ${hc.value}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < hc.value; i++) {
    const hk = readVarint(buf, pos);
    pos = hk.next;
    if (hk.value < 0 || pos + hk.value > bodyEnd) throw new RecordFormatError(`invalid header key length ${hk.value}`);
    const hkey = buf.toString('utf8', pos, pos + hk.value);
    pos += hk.value;
    const hv = readVarint(buf, pos);
    pos = hv.next;
    let hvalue: Buffer | null = null;
    if (hv.value >= 0) {
      if (pos + hv.value > bodyEnd) throw new RecordFormatError(`header value of ${hv.value} bytes runs past its record`);
      hvalue = buf.subarray(pos, pos + hv.value);
      pos += hv.value;
    }
    headers.push({ key: hkey, value: hvalue });
  }
  if (pos !== bodyEnd) {
    throw new RecordFormatError(`record declares ${len.value} bytes but its fields take ${pos - bodyStart}`);
  }
  const timestamp = ctx.timestampType === TimestampType.logAppendTime && ctx.maxTimestamp !== undefined
    ? ctx.maxTimestamp
    : ctx.baseTimestamp + ts.value;
  return {
    record: {
      offset: ctx.baseOffset + od.value,
      timestamp,
      offsetDelta: od.value,
      timestampDelta: ts.value,
      attributes,
      key,
      value,
      headers,
      sizeInBytes: bodyEnd - start,
    },
    next: bodyEnd,
  };
}

/**
 * Decodes exactly `count` records from buf[start, end) and requires that nothing remains (Kafka rejects a
 * batch with bytes left after its declared records).
 */
export function decodeRecords(buf: Buffer, count: number, ctx: RecordContext, start = 0, end = buf.length): DecodedRecord[] {
  if (count < 0) throw new RecordFormatError(`invalid record count ${count}`);
  const out: DecodedRecord[] = [];
  let pos = start;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw new RecordFormatError(`batch declares ${count} records but holds ${i}`);
    const r = decodeRecord(buf, pos, end, ctx);
    out.push(r.record);
    pos = r.next;
  }
  if (pos !== end) throw new RecordFormatError(`${end - pos} bytes remain after the ${count} declared records`);
  return out;
}

/** The header and decoded records of one v2 batch. */
export interface BatchRecords {
  header: RecordBatchHeader;
  records: DecodedRecord[];
}

/**
 * Decompresses (if needed) and decodes every record of the v2 batch at batch[offset]. The batch should have
 * been validated (validateBatch) first; this checks only what record decoding needs. `options.maxOutputLength`
 * bounds the decompressed size (a guard against decompression bombs in client input).
 */
export function readBatchRecords(batch: Buffer, offset = 0, options: DecompressOptions = {}): BatchRecords {
  if (batch.length - offset < RECORD_BATCH_HEADER_SIZE) throw new RecordFormatError('batch shorter than its 61-byte header');
  const header = readBatchHeader(batch, offset);
  if (header.magic !== RECORD_BATCH_MAGIC) throw new RecordFormatError(`magic ${header.magic} is not a v2 batch`);
  const end = offset + header.sizeInBytes;
  if (header.batchLength < RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD || end > batch.length) {
    throw new RecordFormatError(`batch of ${header.sizeInBytes} bytes, ${batch.length - offset} available`);
  }
  let data = batch;
  let start = offset + RECORD_BATCH_HEADER_SIZE;
  let stop = end;
  if (header.compression !== CompressionType.none) {
    data = decompress(header.compression, batch.subarray(start, end), options);
    start = 0;
    stop = data.length;
  }
  const records = decodeRecords(data, header.recordCount, header, start, stop);
  return { header, records };
}

// ---- Encoding ------------------------------------------------------------------------------------------

function toBuffer(b: Bytes | null | undefined): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  if (Buffer.isBuffer(b)) return b;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A record with its fields resolved to bytes and deltas, ready to size and write. */
interface PreparedRecord {
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: Buffer; value: Buffer | null }>;
  bodySize: number;
}

function prepare(rec: RecordInput, index: number, baseTimestamp: number): PreparedRecord {
  const key = toBuffer(rec.key);
  const value = toBuffer(rec.value);
  const list = rec.headers === undefined ? [] : Array.isArray(rec.headers) ? rec.headers : Object.entries(rec.headers).map(([key, value]) => ({ key, value }));
  const headers = (list as ReadonlyArray<{ key: string; value?: Bytes | null }>).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuffer(h.value) }));
  const timestampDelta = rec.timestamp === undefined ? 0 : rec.timestamp - baseTimestamp;
  const offsetDelta = rec.offsetDelta ?? index;
  let bodySize = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  bodySize += key === null ? 1 : sizeOfVarint(key.length) + key.length;
  bodySize += value === null ? 1 : sizeOfVarint(value.length) + value.length;
  bodySize += sizeOfVarint(headers.length);
  for (const h of headers) {
    bodySize += sizeOfVarint(h.key.length) + h.key.length;
    bodySize += h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length;
  }
  return { timestampDelta, offsetDelta, key, value, headers, bodySize };
}

function writePrepared(buf: Buffer, pos: number, r: PreparedRecord): number {
  pos = writeVarint(buf, pos, r.bodySize);
  buf[pos++] = 0; // attributes: unused
  pos = writeVarlong(buf, pos, r.timestampDelta);
  pos = writeVarint(buf, pos, r.offsetDelta);
  pos = writeBytes(buf, pos, r.key);
  pos = writeBytes(buf, pos, r.value);
  pos = writeVarint(buf, pos, r.headers.length);
  for (const h of r.headers) {
    pos = writeBytes(buf, pos, h.key);
    pos = writeBytes(buf, pos, h.value);
  }
  return pos;
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, b.length);
  b.copy(buf, pos);
  return pos + b.length;
}

/**
 * Encodes records (uncompressed, without a batch header) relative to `baseTimestamp`. Two passes: sizes
 * first, then one allocation.
 */
export function encodeRecords(records: ReadonlyArray<RecordInput>, baseTimestamp: number): Buffer {
  const prepared = records.map((r, i) => prepare(r, i, baseTimestamp));
  let size = 0;
  for (const p of prepared) size += sizeOfVarint(p.bodySize) + p.bodySize;
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const p of prepared) pos = writePrepared(buf, pos, p);
  return buf;
}

/** Size of one encoded record (length varint included) for the given baseTimestamp and default delta. */
export function sizeOfRecord(record: RecordInput, baseTimestamp: number, index = 0): number {
  const p = prepare(record, index, baseTimestamp);
  return sizeOfVarint(p.bodySize) + p.bodySize;
}

export interface BuildRecordBatchOptions {
  baseOffset?: number;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** Default -1 (neither idempotent nor transactional). */
  producerId?: number;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  compression?: CompressionType;
  /** Codec options, e.g. `{ xerial: false }` for one raw snappy block instead of the Java client's framing. */
  compressOptions?: CompressOptions;
  timestampType?: TimestampType;
  /** Default: the first record's timestamp, else `now`; -1 for an empty batch. */
  baseTimestamp?: number;
  /** Default: the largest record timestamp (with LogAppendTime: logAppendTime, if given). */
  maxTimestamp?: number;
  /** With timestampType LogAppendTime: the broker's append time, stored as maxTimestamp. */
  logAppendTime?: number;
  /** Sets attribute bit 6 and stores this in baseTimestamp (record deltas are then relative to it). */
  deleteHorizonMs?: number;
  /** Default: the largest record offsetDelta (0 for an empty batch). Compaction keeps the original. */
  lastOffsetDelta?: number;
  /** Timestamp for records without one (default Date.now()). */
  now?: number;
  records: ReadonlyArray<RecordInput>;
}

/** Builds one complete v2 batch (header, records, optional compression, CRC-32C). */
export function buildRecordBatch(opts: BuildRecordBatchOptions): Buffer {
  const records = opts.records;
  const now = opts.now ?? Date.now();
  const compression = opts.compression ?? CompressionType.none;
  const timestampType = opts.timestampType ?? TimestampType.createTime;

  // Fill in absent timestamps so base/max and the deltas agree.
  const timestamps = records.map((r) => r.timestamp ?? now);
  const firstTimestamp = records.length === 0 ? NO_TIMESTAMP : timestamps[0];
  let baseTimestamp = opts.baseTimestamp ?? firstTimestamp;
  let attributes = compression & COMPRESSION_CODEC_MASK;
  if (timestampType === TimestampType.logAppendTime) attributes |= TIMESTAMP_TYPE_MASK;
  if (opts.isTransactional) attributes |= TRANSACTIONAL_FLAG_MASK;
  if (opts.isControl) attributes |= CONTROL_FLAG_MASK;
  if (opts.deleteHorizonMs !== undefined) {
    attributes |= DELETE_HORIZON_FLAG_MASK;
    baseTimestamp = opts.deleteHorizonMs;
  }
  let maxTimestamp = opts.maxTimestamp;
  if (maxTimestamp === undefined) {
    if (timestampType === TimestampType.logAppendTime && opts.logAppendTime !== undefined) maxTimestamp = opts.logAppendTime;
    else {
      maxTimestamp = NO_TIMESTAMP;
      for (const t of timestamps) if (t > maxTimestamp) maxTimestamp = t;
    }
  }
  let lastOffsetDelta = opts.lastOffsetDelta;
  if (lastOffsetDelta === undefined) {
    lastOffsetDelta = 0;
    for (let i = 0; i < records.length; i++) lastOffsetDelta = Math.max(lastOffsetDelta, records[i].offsetDelta ?? i);
  }

  const withTimestamps = records.map((r, i) => (r.timestamp === undefined ? { ...r, timestamp: timestamps[i] } : r));
  let body = encodeRecords(withTimestamps, baseTimestamp);
  if (compression !== CompressionType.none) body = compress(compression, body, opts.compressOptions);

  const buf = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE + body.length);
  writeInt64(buf, 0, opts.baseOffset ?? 0);
  buf.writeInt32BE(RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD + body.length, BATCH_LENGTH_OFFSET);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(RECORD_BATCH_MAGIC, MAGIC_OFFSET);
  buf.writeUInt32BE(0, CRC_OFFSET);
  buf.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  buf.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeInt64(buf, PRODUCER_ID_OFFSET, opts.producerId ?? -1);
  buf.writeInt16BE(opts.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(opts.baseSequence ?? -1, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(records.length, RECORDS_COUNT_OFFSET);
  body.copy(buf, RECORD_BATCH_HEADER_SIZE);
  updateBatchCrc(buf, 0);
  return buf;
}

/**
 * A v2 batch rebuilt around decoded records (all of a batch's, or those compaction keeps): the header
 * fields a producer set stay (producer id, epoch and base sequence, transactional and control flags,
 * leader epoch, timestamp type, last offset delta), as do each record's key, value, headers, offset and
 * timestamp; `compression` (default the batch's own) and a delete horizon may change.
 */
export function rebuildBatch(
  header: RecordBatchHeader,
  records: ReadonlyArray<DecodedRecord>,
  changes: { compression?: CompressionType; deleteHorizonMs?: number } = {},
): Buffer {
  const logAppend = header.timestampType === TimestampType.logAppendTime;
  return buildRecordBatch({
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    isTransactional: header.isTransactional,
    isControl: header.isControl,
    compression: changes.compression ?? (header.compression as CompressionType),
    timestampType: header.timestampType,
    // Under LogAppendTime every record's timestamp is the batch's max timestamp.
    ...(logAppend ? { logAppendTime: header.maxTimestamp, maxTimestamp: header.maxTimestamp } : {}),
    ...(changes.deleteHorizonMs !== undefined && changes.deleteHorizonMs >= 0 ? { deleteHorizonMs: changes.deleteHorizonMs } : {}),
    lastOffsetDelta: header.lastOffsetDelta,
    records: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offset - header.baseOffset })),
  });
}

/**
 * The v2 batch at batch[0..] with its records compressed with `compression` instead: a topic's
 * compression.type, as Kafka's LogValidator rebuilds a batch whose codec differs. `maxOutputLength`
 * bounds the decompressed size.
 */
export function recompressBatch(batch: Buffer, compression: CompressionType, options: { maxOutputLength?: number } = {}): Buffer {
  const { header, records } = readBatchRecords(batch, 0, { maxOutputLength: options.maxOutputLength });
  return rebuildBatch(header, records, { compression });
}
