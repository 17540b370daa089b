// Legacy message sets (magic 0 and 1, CRC-32 IEEE): decode (including compressed wrappers), build, up-convert
// to a v2 batch (what we store when a Produce v0-2 client sends them) and down-convert v2 batches for Fetch v0-3.

import { compress, decompress } from './compression/index.js';
import { crc32 } from './crc32c.js';
import { RecordFormatError, UnsupportedCompressionError } from './errors.js';
import { readInt64, writeInt64 } from './int64.js';
import {
  CompressionType,
  isControl,
  iterateBatches,
  LOG_OVERHEAD,
  NO_TIMESTAMP,
  RECORD_BATCH_MAGIC,
  TimestampType,
} from './record-batch.js';
import { buildRecordBatch, readBatchRecords, type Bytes, type RecordInput } from './record.js';

// ---- Layout ---------------------------------------------------------------------------------------------

/** Fixed bytes of a message after offset and size: crc 4, magic 1, attributes 1, [timestamp 8], key len 4, value len 4. */
export const LEGACY_MESSAGE_OVERHEAD_V0 = 14;
export const LEGACY_MESSAGE_OVERHEAD_V1 = 22;
const CRC_AT = 12;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 17;
const LEGACY_COMPRESSION_MASK = 0x07;
const LEGACY_TIMESTAMP_TYPE_MASK = 0x08;

/** One message of a magic 0/1 set. */
export interface LegacyMessage {
  /** Absolute offset (inner messages of a magic-1 wrapper are resolved against the wrapper). */
  offset: number;
  magic: 0 | 1;
  attributes: number;
  /** -1 for magic 0. Inner messages of a LogAppendTime wrapper take the wrapper's timestamp, as Kafka does. */
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
  /** Whole entry size, offset and size fields included. */
  sizeInBytes: number;
}

/** One shallow entry read from the bytes; the value of a wrapper is still compressed. */
export interface LegacyEntry extends LegacyMessage {
  compression: number;
  crc: number;
}

export type LegacyValidation =
  | { ok: true; size: number }
  | { ok: false; problem: 'truncated' | 'message_size_too_small' | 'wrong_magic' | 'crc_mismatch' | 'malformed'; errorCode: number; message: string };

const CORRUPT_MESSAGE = 2;

/**
 * Checks the shallow entry at buf[pos]: size, magic 0/1, CRC-32 and that key and value fit. A result, never
 * an exception (the produce path for Produce v0-2).
 */
export function validateLegacyEntry(buf: Buffer, pos: number, available = buf.length - pos): LegacyValidation {
  available = Math.min(available, buf.length - pos);
  if (available < LOG_OVERHEAD) return { ok: false, problem: 'truncated', errorCode: CORRUPT_MESSAGE, message: 'entry shorter than offset and size' };
  const size = buf.readInt32BE(pos + 8);
  if (size < LEGACY_MESSAGE_OVERHEAD_V0) return { ok: false, problem: 'message_size_too_small', errorCode: CORRUPT_MESSAGE, message: `message size ${size}` };
  if (LOG_OVERHEAD + size > available) return { ok: false, problem: 'truncated', errorCode: CORRUPT_MESSAGE, message: `message of ${size} bytes, ${available - LOG_OVERHEAD} available` };
  const magic = buf.readInt8(pos + MAGIC_AT);
  if (magic !== 0 && magic !== 1) return { ok: false, problem: 'wrong_magic', errorCode: CORRUPT_MESSAGE, message: `magic ${magic}` };
  if (magic === 1 && size < LEGACY_MESSAGE_OVERHEAD_V1) return { ok: false, problem: 'message_size_too_small', errorCode: CORRUPT_MESSAGE, message: `message size ${size}` };
  const end = pos + LOG_OVERHEAD + size;
  const stored = buf.readUInt32BE(pos + CRC_AT);
  const computed = crc32(buf, pos + MAGIC_AT, end);
  if (stored !== computed) return { ok: false, problem: 'crc_mismatch', errorCode: CORRUPT_MESSAGE, message: `stored CRC ${stored}, computed ${computed}` };
  try {
    readEntryFields(buf, pos, end, magic);
  } catch (e) {
    return { ok: false, problem: 'malformed', errorCode: CORRUPT_MESSAGE, message: (e as Error).message };
  }
  return { ok: true, size: LOG_OVERHEAD + size };
}

function readEntryFields(buf: Buffer, pos: number, end: number, magic: number): { timestamp: number; key: Buffer | null; value: Buffer | null } {
  let p = pos + ATTRIBUTES_AT + 1;
  let timestamp = NO_TIMESTAMP;
  if (magic === 1) {
    timestamp = readInt64(buf, p);
    p += 8;
  }
  const readBytes = (): Buffer | null => {
    if (p + 4 > end) throw new RecordFormatError('legacy message: truncated length');
    const len = buf.readInt32BE(p);
    p += 4;
    if (len < 0) return null; // any negative length is null, as in Kafka's LegacyRecord
    if (p + len > end) throw new RecordFormatError(`legacy message: length ${len} runs past the message`);
    const b = buf.subarray(p, p + len);
    p += len;
    return b;
  };
  const key = readBytes();
  const value = readBytes();
  if (p !== end) throw new RecordFormatError(`legacy message: ${end - p} bytes after the value`);
  return { timestamp, key, value };
}

/** Reads the shallow entry at buf[pos] (checks structure and CRC; throws RecordFormatError). */
export function readLegacyEntry(buf: Buffer, pos: number, end = buf.length): { entry: LegacyEntry; next: number } {
  const v = validateLegacyEntry(buf, pos, end - pos);
  if (!v.ok) throw new RecordFormatError(`legacy message at byte ${pos}: ${v.message}`);
  const next = pos + v.size;
  const magic = buf.readInt8(pos + MAGIC_AT) as 0 | 1;
  const attributes = buf.readInt8(pos + ATTRIBUTES_AT);
  const { timestamp, key, value } = readEntryFields(buf, pos, next, magic);
  return {
    entry: {
      offset: readInt64(buf, pos),
      magic,
      attributes,
      compression: attributes & LEGACY_COMPRESSION_MASK,
      timestamp,
      timestampType: magic === 1 && attributes & LEGACY_TIMESTAMP_TYPE_MASK ? TimestampType.logAppendTime : TimestampType.createTime,
      key,
      value,
      crc: buf.readUInt32BE(pos + CRC_AT),
      sizeInBytes: v.size,
    },
    next,
  };
}

export interface DecodeLegacyOptions {
  /** Ignore a trailing incomplete entry (a fetch cut at its byte limit) instead of throwing. */
  allowPartialTrailing?: boolean;
}

/**
 * Decodes a magic 0/1 message set into its logical messages: compressed wrappers are decompressed and their
 * inner messages returned with absolute offsets (magic 1: wrapperOffset - (lastInner - inner)). Inner
 * messages must not be compressed themselves and must carry the wrapper's magic (Kafka's rules).
 */
export function decodeLegacyMessageSet(buf: Buffer, options: DecodeLegacyOptions = {}): LegacyMessage[] {
  const out: LegacyMessage[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (options.allowPartialTrailing) {
      const remaining = buf.length - pos;
      if (remaining < LOG_OVERHEAD || LOG_OVERHEAD + buf.readInt32BE(pos + 8) > remaining) break;
    }
    const { entry, next } = readLegacyEntry(buf, pos);
    pos = next;
    if (entry.compression === CompressionType.none) {
      out.push(stripEntry(entry));
      continue;
    }
    if (entry.compression === CompressionType.zstd) throw new UnsupportedCompressionError(4, 'zstd is not allowed in magic 0/1 messages');
    if (entry.value === null) throw new RecordFormatError('compressed legacy wrapper with a null value');
    const inner = decompress(entry.compression, entry.value);
    const innerEntries: LegacyEntry[] = [];
    for (let p = 0; p < inner.length; ) {
      const r = readLegacyEntry(inner, p);
      if (r.entry.compression !== CompressionType.none) throw new RecordFormatError('nested compression inside a legacy wrapper');
      if (r.entry.magic !== entry.magic) throw new RecordFormatError(`inner message magic ${r.entry.magic} inside a magic ${entry.magic} wrapper`);
      innerEntries.push(r.entry);
      p = r.next;
    }
    const lastRelative = innerEntries.length > 0 ? innerEntries[innerEntries.length - 1].offset : 0;
    for (const e of innerEntries) {
      const m = stripEntry(e);
      if (entry.magic === 1) {
        m.offset = entry.offset - (lastRelative - e.offset);
        if (entry.timestampType === TimestampType.logAppendTime) {
          m.timestamp = entry.timestamp;
          m.timestampType = TimestampType.logAppendTime;
        }
      }
      out.push(m);
    }
  }
  return out;
}

function stripEntry(e: LegacyEntry): LegacyMessage {
  return {
    offset: e.offset,
    magic: e.magic,
    attributes: e.attributes,
    timestamp: e.timestamp,
    timestampType: e.timestampType,
    key: e.key,
    value: e.value,
    sizeInBytes: e.sizeInBytes,
  };
}

// ---- Encoding ----------------------------------------------------------------------------------------------

function toBuffer(b: Bytes | null | undefined): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Writes one entry: offset, size, CRC-32 over magic..value. */
export function encodeLegacyMessage(
  magic: 0 | 1,
  offset: number,
  attributes: number,
  timestamp: number,
  key: Bytes | null | undefined,
  value: Bytes | null | undefined,
): Buffer {
  const k = toBuffer(key);
  const v = toBuffer(value);
  const size = (magic === 1 ? LEGACY_MESSAGE_OVERHEAD_V1 : LEGACY_MESSAGE_OVERHEAD_V0) + (k?.length ?? 0) + (v?.length ?? 0);
  const buf = Buffer.allocUnsafe(LOG_OVERHEAD + size);
  writeInt64(buf, 0, offset);
  buf.writeInt32BE(size, 8);
  buf.writeInt8(magic, MAGIC_AT);
  buf.writeInt8(attributes, ATTRIBUTES_AT);
  let p = ATTRIBUTES_AT + 1;
  if (magic === 1) {
    writeInt64(buf, p, timestamp);
    p += 8;
  }
  for (const b of [k, v]) {
    if (b === null) {
      buf.writeInt32BE(-1, p);
      p += 4;
    } else {
      buf.writeInt32BE(b.length, p);
      b.copy(buf, p + 4);
      p += 4 + b.length;
    }
  }
  buf.writeUInt32BE(crc32(buf, MAGIC_AT, buf.length), CRC_AT);
  return buf;
}

export interface LegacyMessageInput {
  key?: Bytes | null;
  value?: Bytes | null;
  /** Magic 1 only; default -1. */
  timestamp?: number;
  /** Absolute offset; default baseOffset + index. */
  offset?: number;
}

export interface BuildLegacyOptions {
  magic: 0 | 1;
  /** Default 0 (none); zstd is not allowed. */
  compression?: CompressionType;
  timestampType?: TimestampType;
  /** With LogAppendTime: stored as the timestamp of each message (uncompressed) or of the wrapper. */
  logAppendTime?: number;
  /** Offset of the first message; default 0. */
  baseOffset?: number;
  messages: ReadonlyArray<LegacyMessageInput>;
}

/**
 * Builds a magic 0/1 message set. Uncompressed: one entry per message. Compressed: one wrapper whose value is
 * the compressed inner set; magic 1 inner offsets are relative (offset - first offset) and the wrapper takes
 * the last absolute offset, magic 0 inner messages keep absolute offsets. Magic-0 lz4 uses Kafka's broken
 * descriptor checksum, as Kafka's own magic-0 writer did.
 */
export function buildLegacyMessageSet(opts: BuildLegacyOptions): Buffer {
  const { magic } = opts;
  const compression = opts.compression ?? CompressionType.none;
  if (compression === CompressionType.zstd || compression > CompressionType.zstd) throw new UnsupportedCompressionError(compression, 'zstd is not allowed in magic 0/1 messages');
  const logAppend = magic === 1 && opts.timestampType === TimestampType.logAppendTime;
  const tsAttr = logAppend ? LEGACY_TIMESTAMP_TYPE_MASK : 0;
  const base = opts.baseOffset ?? 0;
  const offsets = opts.messages.map((m, i) => m.offset ?? base + i);
  const timestampOf = (m: LegacyMessageInput): number => (magic === 0 ? NO_TIMESTAMP : m.timestamp ?? NO_TIMESTAMP);
  if (compression === CompressionType.none) {
    return Buffer.concat(
      opts.messages.map((m, i) =>
        encodeLegacyMessage(magic, offsets[i], tsAttr, logAppend && opts.logAppendTime !== undefined ? opts.logAppendTime : timestampOf(m), m.key, m.value),
      ),
    );
  }
  if (opts.messages.length === 0) return Buffer.alloc(0);
  const first = offsets[0];
  const inner = Buffer.concat(
    opts.messages.map((m, i) => encodeLegacyMessage(magic, magic === 1 ? offsets[i] - first : offsets[i], 0, timestampOf(m), m.key, m.value)),
  );
  const value = compress(compression, inner, { lz4BrokenHeaderChecksum: magic === 0 });
  let wrapperTimestamp = NO_TIMESTAMP;
  if (magic === 1) {
    if (logAppend && opts.logAppendTime !== undefined) wrapperTimestamp = opts.logAppendTime;
    else for (const m of opts.messages) wrapperTimestamp = Math.max(wrapperTimestamp, timestampOf(m));
  }
  return encodeLegacyMessage(magic, offsets[offsets.length - 1], compression | tsAttr, wrapperTimestamp, null, value);
}

// ---- Up-conversion (magic 0/1 → v2) -----------------------------------------------------------------------------

export interface UpConvertOptions {
  /** Codec of the v2 batch: 'preserve' (default) keeps the wrappers' codec (none if uncompressed), else the given type. */
  compression?: 'preserve' | CompressionType;
  /** baseOffset of the batch; default the first message's offset (the broker reassigns it on append anyway). */
  baseOffset?: number;
  /** Keep the messages' offset gaps as offsetDeltas instead of numbering them 0..n-1 (for stored data). */
  keepOffsets?: boolean;
  /** Timestamp type of the batch; default that of the messages (magic 1 attribute bit 3). */
  timestampType?: TimestampType;
  /** With LogAppendTime: the append time to stamp as maxTimestamp. */
  logAppendTime?: number;
  /** partitionLeaderEpoch to stamp; default -1. */
  partitionLeaderEpoch?: number;
}

/**
 * Converts a magic 0/1 message set into one v2 batch with no producer id (what Kafka's LogValidator does for
 * Produce v0-2): keys, values and timestamps kept (-1 for magic 0), no headers, offsets renumbered from 0
 * unless keepOffsets.
 */
export function upConvert(messageSet: Buffer, options: UpConvertOptions = {}): Buffer {
  const messages = decodeLegacyMessageSet(messageSet);
  let compression: number = CompressionType.none;
  if (options.compression === undefined || options.compression === 'preserve') {
    // Kafka's source codec: that of the (last) compressed entry, none if every entry is plain
    for (const span of iterateBatches(messageSet)) {
      if (span.status !== 'complete' || span.magic > 1 || span.magic < 0) break;
      const codec = messageSet.readInt8(span.position + ATTRIBUTES_AT) & LEGACY_COMPRESSION_MASK;
      if (codec !== CompressionType.none) compression = codec;
    }
  } else {
    compression = options.compression;
  }
  const firstOffset = messages.length > 0 ? messages[0].offset : 0;
  const timestampType = options.timestampType ?? (messages.some((m) => m.timestampType === TimestampType.logAppendTime) ? TimestampType.logAppendTime : TimestampType.createTime);
  const records: RecordInput[] = messages.map((m, i) => ({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    offsetDelta: options.keepOffsets ? m.offset - firstOffset : i,
  }));
  let maxTimestamp: number | undefined;
  if (timestampType === TimestampType.logAppendTime) {
    maxTimestamp = options.logAppendTime ?? messages.reduce((max, m) => Math.max(max, m.timestamp), NO_TIMESTAMP);
  }
  return buildRecordBatch({
    baseOffset: options.baseOffset ?? firstOffset,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    compression: compression as CompressionType,
    timestampType,
    maxTimestamp,
    records,
  });
}

// ---- Down-conversion (v2 → magic 0/1) ------------------------------------------------------------------------

export interface DownConvertOptions {
  /**
   * 'preserve' (default, as Kafka): re-compress each batch with its own codec (zstd throws
   * UnsupportedCompressionError — Kafka answers UNSUPPORTED_COMPRESSION_TYPE to Fetch < v10). 'none': write
   * every message uncompressed.
   */
  compression?: 'preserve' | 'none';
}

export interface DownConvertResult {
  records: Buffer;
  /** Bytes of a trailing incomplete batch that were dropped (the old client would have dropped them too). */
  droppedPartialBytes: number;
  /** Records written by conversion (control records skipped; legacy entries copied unchanged not counted). */
  convertedRecords: number;
}

/**
 * Converts a records blob (v2 batches, possibly mixed with stored legacy entries) to magic `toMagic` for
 * Fetch v0-1 (magic 0) or v2-3 (magic 1), as Kafka's RecordsUtil.downConvert: absolute offsets kept, control
 * batches dropped, headers dropped, transactional records passed through (old fetch versions read uncommitted),
 * one wrapper per compressed batch. Entries already at or below toMagic are copied unchanged.
 */
export function downConvert(records: Buffer, toMagic: 0 | 1, options: DownConvertOptions = {}): DownConvertResult {
  const parts: Buffer[] = [];
  let dropped = 0;
  let count = 0;
  for (const span of iterateBatches(records)) {
    if (span.status !== 'complete') {
      dropped = records.length - span.position;
      break;
    }
    const entry = records.subarray(span.position, span.position + span.size);
    if (span.magic <= toMagic && span.magic >= 0) {
      parts.push(entry);
      continue;
    }
    let messages: Array<{ offset: number; timestamp: number; key: Buffer | null; value: Buffer | null }>;
    let codec: number;
    let timestampType: TimestampType;
    let logAppendTime: number | undefined;
    if (span.magic === RECORD_BATCH_MAGIC) {
      if (isControl(entry, 0)) continue; // before decoding: markers never reach old clients
      // Magic 0/1 have no zstd: Kafka answers UNSUPPORTED_COMPRESSION_TYPE (KIP-110), on any Node.
      if (options.compression !== 'none' && (entry.readInt16BE(21) & 0x07) === CompressionType.zstd) {
        throw new UnsupportedCompressionError(CompressionType.zstd, 'zstd batches cannot be down-converted to magic 0/1 (Fetch v0-3)');
      }
      const { header, records: recs } = readBatchRecords(entry);
      messages = recs;
      codec = header.compression;
      timestampType = header.timestampType;
      logAppendTime = timestampType === TimestampType.logAppendTime ? header.maxTimestamp : undefined;
    } else if (span.magic === 1) {
      const first = readLegacyEntry(entry, 0).entry;
      messages = decodeLegacyMessageSet(entry);
      codec = first.compression;
      timestampType = TimestampType.createTime;
    } else {
      throw new RecordFormatError(`cannot down-convert an entry with magic ${span.magic}`);
    }
    if (messages.length === 0) continue;
    const compression = options.compression === 'none' ? CompressionType.none : (codec as CompressionType);
    parts.push(
      buildLegacyMessageSet({
        magic: toMagic,
        compression,
        timestampType,
        logAppendTime,
        messages: messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, offset: m.offset })),
      }),
    );
    count += messages.length;
  }
  return { records: parts.length === 1 ? parts[0] : Buffer.concat(parts), droppedPartialBytes: dropped, convertedRecords: count };
}
