// A zero-copy view of RecordBatch v2 headers over a Buffer at an offset: field readers, validation that
// returns a result instead of throwing, walking a records blob batch by batch, and in-place patchers.
// Records themselves stay opaque bytes here (see record.ts for decoding).

import { crc32c } from './crc32c.js';
import { readInt64, writeInt64 } from './int64.js';

// ---- Layout -------------------------------------------------------------------------------------

export const RECORD_BATCH_MAGIC = 2;
/** Bytes before the records: the whole v2 header. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the part of every entry (any magic) not counted by batchLength. */
export const LOG_OVERHEAD = 12;
/** Smallest valid batchLength (a v2 header with no records). */
export const MIN_BATCH_LENGTH = RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD; // 49
/** Bytes needed to read the magic of any entry (offset, size, 4 format-specific bytes, magic). */
export const HEADER_SIZE_UP_TO_MAGIC = 17;

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
/** The CRC covers this byte to the end of the batch. */
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

// ---- Attributes ---------------------------------------------------------------------------------

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const TimestampType = {
  createTime: 0,
  logAppendTime: 1,
} as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** Sentinels used in headers. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

// ---- Field readers (no bounds checks beyond Buffer's own) ---------------------------------------

export function readBaseOffset(buf: Buffer, off: number): number {
  return readInt64(buf, off + BASE_OFFSET_OFFSET);
}
export function readBatchLength(buf: Buffer, off: number): number {
  return buf.readInt32BE(off + BATCH_LENGTH_OFFSET);
}
export function readPartitionLeaderEpoch(buf: Buffer, off: number): number {
  return buf.readInt32BE(off + PARTITION_LEADER_EPOCH_OFFSET);
}
export function readMagic(buf: Buffer, off: number): number {
  return buf.readInt8(off + MAGIC_OFFSET);
}
/** The stored CRC, unsigned. */
export function readCrc(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off + CRC_OFFSET);
}
export function readAttributes(buf: Buffer, off: number): number {
  return buf.readInt16BE(off + ATTRIBUTES_OFFSET);
}
export function readLastOffsetDelta(buf: Buffer, off: number): number {
  return buf.readInt32BE(off + LAST_OFFSET_DELTA_OFFSET);
}
export function readBaseTimestamp(buf: Buffer, off: number): number {
  return readInt64(buf, off + BASE_TIMESTAMP_OFFSET);
}
export function readMaxTimestamp(buf: Buffer, off: number): number {
  return readInt64(buf, off + MAX_TIMESTAMP_OFFSET);
}
export function readProducerId(buf: Buffer, off: number): number {
  return readInt64(buf, off + PRODUCER_ID_OFFSET);
}
export function readProducerEpoch(buf: Buffer, off: number): number {
  return buf.readInt16BE(off + PRODUCER_EPOCH_OFFSET);
}
export function readBaseSequence(buf: Buffer, off: number): number {
  return buf.readInt32BE(off + BASE_SEQUENCE_OFFSET);
}
export function readRecordCount(buf: Buffer, off: number): number {
  return buf.readInt32BE(off + RECORDS_COUNT_OFFSET);
}

// ---- Derived --------------------------------------------------------------------------------------

export function readLastOffset(buf: Buffer, off: number): number {
  return readBaseOffset(buf, off) + readLastOffsetDelta(buf, off);
}
/** Whole batch in bytes: batchLength + 12. Works for every magic (legacy entries share the prefix). */
export function readSizeInBytes(buf: Buffer, off: number): number {
  return readBatchLength(buf, off) + LOG_OVERHEAD;
}
/** Compression codec id from bits 0-2 (5-7 are invalid; validateBatch reports them). */
export function readCompression(buf: Buffer, off: number): number {
  return readAttributes(buf, off) & COMPRESSION_CODEC_MASK;
}
export function readTimestampType(buf: Buffer, off: number): TimestampType {
  return readAttributes(buf, off) & TIMESTAMP_TYPE_MASK ? 1 : 0;
}
export function isTransactional(buf: Buffer, off: number): boolean {
  return (readAttributes(buf, off) & TRANSACTIONAL_FLAG_MASK) !== 0;
}
export function isControl(buf: Buffer, off: number): boolean {
  return (readAttributes(buf, off) & CONTROL_FLAG_MASK) !== 0;
}
export function hasDeleteHorizon(buf: Buffer, off: number): boolean {
  return (readAttributes(buf, off) & DELETE_HORIZON_FLAG_MASK) !== 0;
}
/** The last sequence number, wrapping from INT32_MAX to 0 like Kafka's DefaultRecordBatch. */
export function readLastSequence(buf: Buffer, off: number): number {
  const base = readBaseSequence(buf, off);
  if (base === NO_SEQUENCE) return NO_SEQUENCE;
  return incrementSequence(base, readLastOffsetDelta(buf, off));
}
/** base + delta with Kafka's wrap from 2147483647 to 0. */
export function incrementSequence(sequence: number, delta: number): number {
  const next = sequence + delta;
  return next > 0x7fffffff ? next - 0x80000000 : next;
}

/** Every header field, decoded into a plain object (allocates: for tools, tests and logging, not hot paths). */
export interface RecordBatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  // derived
  lastOffset: number;
  sizeInBytes: number;
  compression: number;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
}

export function readBatchHeader(buf: Buffer, off = 0): RecordBatchHeader {
  const attributes = readAttributes(buf, off);
  const baseOffset = readBaseOffset(buf, off);
  const batchLength = readBatchLength(buf, off);
  const lastOffsetDelta = readLastOffsetDelta(buf, off);
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch: readPartitionLeaderEpoch(buf, off),
    magic: readMagic(buf, off),
    crc: readCrc(buf, off),
    attributes,
    lastOffsetDelta,
    baseTimestamp: readBaseTimestamp(buf, off),
    maxTimestamp: readMaxTimestamp(buf, off),
    producerId: readProducerId(buf, off),
    producerEpoch: readProducerEpoch(buf, off),
    baseSequence: readBaseSequence(buf, off),
    recordCount: readRecordCount(buf, off),
    lastOffset: baseOffset + lastOffsetDelta,
    sizeInBytes: batchLength + LOG_OVERHEAD,
    compression: attributes & COMPRESSION_CODEC_MASK,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? 1 : 0,
    isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
    isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_FLAG_MASK) !== 0,
  };
}

// ---- CRC -----------------------------------------------------------------------------------------

/** CRC-32C the batch at `off` should carry: attributes to the end, per its batchLength. */
export function computeBatchCrc(buf: Buffer, off: number): number {
  return crc32c(buf, off + ATTRIBUTES_OFFSET, off + readSizeInBytes(buf, off));
}

/** Recomputes and stores the CRC of the batch at `off`; returns it. */
export function updateBatchCrc(buf: Buffer, off: number): number {
  const crc = computeBatchCrc(buf, off);
  buf.writeUInt32BE(crc, off + CRC_OFFSET);
  return crc;
}

// ---- Validation ----------------------------------------------------------------------------------

/** Kafka error codes a problem maps to, so the API layer can answer without its own table. */
export const CORRUPT_MESSAGE = 2;
export const MESSAGE_TOO_LARGE = 10;
export const INVALID_RECORD = 87;

export type BatchProblem =
  /** Fewer than 61 bytes (or fewer than 17, so not even the magic) are available. */
  | 'truncated_header'
  /** batchLength says the batch runs past `available`. */
  | 'truncated'
  /** batchLength < 49. */
  | 'batch_length_too_small'
  /** Whole batch larger than options.maxBatchBytes. */
  | 'batch_length_too_large'
  /** Magic is not 2 (0 and 1 are legacy message sets: see legacy.ts; `magic` in the result says which). */
  | 'wrong_magic'
  | 'crc_mismatch'
  /** Compression bits 5-7. */
  | 'invalid_compression'
  /** recordCount < 0, or (from a client) recordCount <= 0. */
  | 'invalid_record_count'
  /** lastOffsetDelta < 0 (from a client), or fewer offsets than records. */
  | 'invalid_offset_range'
  /** From a client: lastOffsetDelta + 1 differs from recordCount. */
  | 'inconsistent_record_count'
  /** From a client: isControl set (only the broker writes control batches). */
  | 'control_batch_from_client'
  /** From a client: a producer id with baseSequence < 0. */
  | 'invalid_sequence';

export type BatchValidation =
  | { ok: true; size: number }
  | {
      ok: false;
      problem: BatchProblem;
      /** Kafka error code to answer with (CORRUPT_MESSAGE, MESSAGE_TOO_LARGE or INVALID_RECORD). */
      errorCode: number;
      message: string;
      /** The magic byte when it could be read, else -1. */
      magic: number;
    };

export interface ValidateBatchOptions {
  /**
   * Apply Kafka's LogValidator rules for batches that come from a producer (AppendOrigin.CLIENT):
   * recordCount > 0, lastOffsetDelta == recordCount - 1, no control batches, producer id ⇒ sequence ≥ 0.
   * Off for log recovery and replication, where compaction leaves empty batches and offset gaps.
   */
  fromClient?: boolean;
  /** Reject batches whose whole size (batchLength + 12) exceeds this (Kafka: max.message.bytes). */
  maxBatchBytes?: number;
  /** Skip the CRC (for example when re-reading our own log during recovery of a trusted segment). */
  skipCrc?: boolean;
}

function fail(problem: BatchProblem, errorCode: number, message: string, magic: number): BatchValidation {
  return { ok: false, problem, errorCode, message, magic };
}

/**
 * Checks the v2 batch at buf[offset] with `available` bytes from `offset` (default: to the end of buf).
 * Order follows Kafka: size and magic, then CRC, then count/offset consistency. Never throws for any bytes.
 */
export function validateBatch(
  buf: Buffer,
  offset: number,
  available = buf.length - offset,
  options: ValidateBatchOptions = {},
): BatchValidation {
  available = Math.min(available, buf.length - offset);
  if (offset < 0 || available < HEADER_SIZE_UP_TO_MAGIC) {
    return fail('truncated_header', CORRUPT_MESSAGE, `only ${Math.max(available, 0)} bytes, the magic is at byte 16`, -1);
  }
  const magic = readMagic(buf, offset);
  const batchLength = readBatchLength(buf, offset);
  if (magic !== RECORD_BATCH_MAGIC) {
    return fail('wrong_magic', magic < 0 || magic > RECORD_BATCH_MAGIC ? CORRUPT_MESSAGE : INVALID_RECORD, `magic ${magic}, expected 2`, magic);
  }
  if (batchLength < MIN_BATCH_LENGTH) {
    return fail('batch_length_too_small', CORRUPT_MESSAGE, `batchLength ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`, magic);
  }
  const size = batchLength + LOG_OVERHEAD;
  if (options.maxBatchBytes !== undefined && size > options.maxBatchBytes) {
    return fail('batch_length_too_large', MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds the limit of ${options.maxBatchBytes}`, magic);
  }
  if (available < RECORD_BATCH_HEADER_SIZE) {
    return fail('truncated_header', CORRUPT_MESSAGE, `only ${available} bytes, a v2 header needs 61`, magic);
  }
  if (size > available) {
    return fail('truncated', CORRUPT_MESSAGE, `batch of ${size} bytes but only ${available} available`, magic);
  }
  if (!options.skipCrc) {
    const stored = readCrc(buf, offset);
    const computed = crc32c(buf, offset + ATTRIBUTES_OFFSET, offset + size);
    if (stored !== computed) {
      return fail('crc_mismatch', CORRUPT_MESSAGE, `stored CRC ${hex(stored)}, computed ${hex(computed)}`, magic);
    }
  }
  const attributes = readAttributes(buf, offset);
  const compression = attributes & COMPRESSION_CODEC_MASK;
  if (compression > CompressionType.zstd) {
    return fail('invalid_compression', CORRUPT_MESSAGE, `unknown compression type ${compression}`, magic);
  }
  const count = readRecordCount(buf, offset);
  const lastOffsetDelta = readLastOffsetDelta(buf, offset);
  if (options.fromClient) {
    if (lastOffsetDelta < 0) {
      return fail('invalid_offset_range', INVALID_RECORD, `lastOffsetDelta ${lastOffsetDelta} gives an empty offset range`, magic);
    }
    if (count <= 0) {
      return fail('invalid_record_count', INVALID_RECORD, `record count ${count}`, magic);
    }
    if (lastOffsetDelta + 1 !== count) {
      return fail('inconsistent_record_count', INVALID_RECORD, `lastOffsetDelta ${lastOffsetDelta} but ${count} records`, magic);
    }
    if (attributes & CONTROL_FLAG_MASK) {
      return fail('control_batch_from_client', INVALID_RECORD, 'clients may not write control batches', magic);
    }
    if (readProducerId(buf, offset) >= 0 && readBaseSequence(buf, offset) < 0) {
      return fail('invalid_sequence', INVALID_RECORD, `producer id set but baseSequence ${readBaseSequence(buf, offset)}`, magic);
    }
  } else {
    if (count < 0) {
      return fail('invalid_record_count', CORRUPT_MESSAGE, `record count ${count}`, magic);
    }
    // Compaction may remove records but never adds offsets: each record needs its own offset in the range.
    if (count > 0 && lastOffsetDelta < count - 1) {
      return fail('invalid_offset_range', CORRUPT_MESSAGE, `${count} records do not fit in lastOffsetDelta ${lastOffsetDelta}`, magic);
    }
  }
  return { ok: true, size };
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

// ---- Walking a records blob -------------------------------------------------------------------------

/** One entry of a records blob, found from its 12-byte prefix (works for magic 0, 1 and 2). */
export interface BatchSpan {
  /** Position of the entry in the buffer. */
  position: number;
  /** Declared whole size (batchLength + 12); for 'partial' it runs past the end. */
  size: number;
  /** Magic byte, or -1 when fewer than 17 bytes remain. */
  magic: number;
  /**
   * 'complete': all `size` bytes are present (nothing validated beyond that).
   * 'partial': the entry runs past the end — a fetch response cut at its byte limit; always last.
   * 'corrupt': the declared size is too small for any format, so the walk cannot go on; always last.
   */
  status: 'complete' | 'partial' | 'corrupt';
}

/** Smallest legal entry of any magic: a magic-0 message (12 + 14 bytes). */
const MIN_ENTRY_LENGTH = 14;

/**
 * Walks buf[start, end) entry by entry, reading only the 12-byte prefix and the magic byte. The last span may
 * be 'partial' or 'corrupt'; a remainder too short to hold even a prefix is reported as 'partial'.
 */
export function* iterateBatches(buf: Buffer, start = 0, end = buf.length): Generator<BatchSpan, void, undefined> {
  let pos = start;
  while (pos < end) {
    const remaining = end - pos;
    if (remaining < LOG_OVERHEAD) {
      yield { position: pos, size: remaining, magic: -1, status: 'partial' };
      return;
    }
    const length = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    const magic = remaining >= HEADER_SIZE_UP_TO_MAGIC ? buf.readInt8(pos + MAGIC_OFFSET) : -1;
    const size = length + LOG_OVERHEAD;
    if (length < MIN_ENTRY_LENGTH) {
      yield { position: pos, size, magic, status: 'corrupt' };
      return;
    }
    if (size > remaining) {
      yield { position: pos, size, magic, status: 'partial' };
      return;
    }
    yield { position: pos, size, magic, status: 'complete' };
    pos += size;
  }
}

export interface SplitBatches {
  /** Views (subarrays, no copies) of the complete entries, in order. */
  batches: Buffer[];
  /** Bytes after the last complete entry that do not form a complete one, or null. */
  trailing: Buffer | null;
  /** Why the trailing bytes were left: a cut-off entry, or a size too small to walk past. */
  trailingStatus: 'partial' | 'corrupt' | null;
}

/** Splits a records blob into views of its complete entries plus any trailing partial/corrupt bytes. */
export function splitBatches(buf: Buffer, start = 0, end = buf.length): SplitBatches {
  const batches: Buffer[] = [];
  for (const span of iterateBatches(buf, start, end)) {
    if (span.status === 'complete') {
      batches.push(buf.subarray(span.position, span.position + span.size));
    } else {
      return { batches, trailing: buf.subarray(span.position, end), trailingStatus: span.status };
    }
  }
  return { batches, trailing: null, trailingStatus: null };
}

// ---- Patchers (in place) -------------------------------------------------------------------------------

/** Sets baseOffset (not covered by the CRC). */
export function setBaseOffset(buf: Buffer, off: number, baseOffset: number): void {
  writeInt64(buf, off + BASE_OFFSET_OFFSET, baseOffset);
}

/** Sets baseOffset so that the last offset becomes `lastOffset` (Kafka's setLastOffset). */
export function setLastOffset(buf: Buffer, off: number, lastOffset: number): void {
  setBaseOffset(buf, off, lastOffset - readLastOffsetDelta(buf, off));
}

/** Sets partitionLeaderEpoch (not covered by the CRC). */
export function setPartitionLeaderEpoch(buf: Buffer, off: number, epoch: number): void {
  buf.writeInt32BE(epoch | 0, off + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Sets maxTimestamp and the timestamp-type bit (Kafka's setMaxTimestamp). Both are covered by the CRC, which
 * is recomputed only when one of them changes. Returns true when the batch changed.
 */
export function setMaxTimestamp(buf: Buffer, off: number, timestampType: TimestampType, timestamp: number): boolean {
  const attributes = readAttributes(buf, off);
  const newAttributes = timestampType === TimestampType.logAppendTime
    ? attributes | TIMESTAMP_TYPE_MASK
    : attributes & ~TIMESTAMP_TYPE_MASK;
  const at = off + MAX_TIMESTAMP_OFFSET;
  const hiBefore = buf.readInt32BE(at);
  const loBefore = buf.readInt32BE(at + 4);
  writeInt64(buf, at, timestamp);
  if (hiBefore === buf.readInt32BE(at) && loBefore === buf.readInt32BE(at + 4) && attributes === newAttributes) {
    return false;
  }
  buf.writeInt16BE(newAttributes, off + ATTRIBUTES_OFFSET);
  updateBatchCrc(buf, off);
  return true;
}

/** Stamps LogAppendTime: maxTimestamp = timestamp and the timestamp-type bit set; CRC recomputed if changed. */
export function setLogAppendTime(buf: Buffer, off: number, timestamp: number): boolean {
  return setMaxTimestamp(buf, off, TimestampType.logAppendTime, timestamp);
}
