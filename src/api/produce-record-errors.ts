// The record-level checks of a produced batch, as Kafka's LogValidator makes them: every record of a
// compacted topic needs a key, and a CreateTime timestamp must lie within message.timestamp.before/
// after.max.ms of now. A failed check names each offending record by its index in the batch, with
// Kafka's messages, and clients rely on it (librdkafka fails exactly those records and the others
// "because of a different record"). Records are decoded only here, and only when needed: on
// compacted topics (which must see every key) and when the batch header's base or max timestamp is
// already out of bounds; a batch whose header is within bounds is not decoded for its timestamps.

import { ErrorCode } from '../codec/index.js';
import { readBaseTimestamp, readBatchRecords, readMaxTimestamp } from '../codec/records/index.js';
import { LONG_MAX } from '../config/types.js';

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string;
}

/** A batch refused because of some of its records (Kafka's RecordValidationException). */
export interface RecordRejection {
  errorCode: number;
  errorMessage: string;
  recordErrors: RecordError[];
}

export interface TimestampBounds {
  now: number;
  beforeMaxMs: number;
  afterMaxMs: number;
}

export interface RecordChecks {
  /** Kafka's "topic-partition" name, as its messages print it. */
  topicPartition: string;
  /** The topic is compacted: every record needs a key. */
  requireKeys: boolean;
  /** Check each record's CreateTime timestamp against these bounds. */
  timestamps: TimestampBounds | null;
  /** Bound on the decompressed size of the records (a guard against decompression bombs). */
  maxDecompressedBytes?: number;
}

/** The record timestamp Kafka treats as absent (RecordBatch.NO_TIMESTAMP): never out of bounds. */
const NO_TIMESTAMP = -1;

/**
 * The cheap test on the batch header: is its base timestamp (the first record's) or its max timestamp
 * out of bounds? Only then are records decoded to find which ones are.
 */
export function headerTimestampsOutOfBounds(batch: Buffer, b: TimestampBounds): boolean {
  const base = readBaseTimestamp(batch, 0);
  const max = readMaxTimestamp(batch, 0);
  return (base !== NO_TIMESTAMP && outOfBounds(base, b)) || (max !== NO_TIMESTAMP && outOfBounds(max, b));
}

function outOfBounds(timestamp: number, b: TimestampBounds): boolean {
  const diff = b.now - timestamp;
  return diff > b.beforeMaxMs || -diff > b.afterMaxMs;
}

/** Java long arithmetic (wrapping at 64 bits), so that bounds print as Kafka prints them. */
function javaLong(n: number): bigint {
  return n >= LONG_MAX ? 9223372036854775807n : BigInt(Math.trunc(n));
}

/**
 * Decodes the records of the v2 batch at offset 0 and answers Kafka's rejection if any record fails
 * a check, or undefined. Per record the key is checked before the timestamp (one error per record);
 * the partition answers INVALID_TIMESTAMP if any record has a bad timestamp, else INVALID_RECORD.
 */
export function findRecordErrors(batch: Buffer, checks: RecordChecks): RecordRejection | undefined {
  let records;
  try {
    records = readBatchRecords(batch, 0, { maxOutputLength: checks.maxDecompressedBytes }).records;
  } catch (err) {
    const message = `cannot read the records of the batch: ${(err as Error).message}`;
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: message, recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: message }] };
  }
  const errors: RecordError[] = [];
  let badTimestamp = false;
  const t = checks.timestamps;
  const range = t === null ? '' : `[${BigInt.asIntN(64, javaLong(t.now) - javaLong(t.beforeMaxMs))}, ${BigInt.asIntN(64, javaLong(t.now) + javaLong(t.afterMaxMs))}]`;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (checks.requireKeys && r.key === null) {
      errors.push({ batchIndex: i, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${checks.topicPartition}` });
    } else if (t !== null && r.timestamp !== NO_TIMESTAMP && outOfBounds(r.timestamp, t)) {
      badTimestamp = true;
      errors.push({
        batchIndex: i,
        batchIndexErrorMessage: `Timestamp ${r.timestamp} of message with offset ${r.offset} is out of range. The timestamp should be within ${range}`,
      });
    }
  }
  if (errors.length === 0) return undefined;
  if (badTimestamp) {
    return { errorCode: ErrorCode.INVALID_TIMESTAMP, errorMessage: 'One or more records have been rejected due to invalid timestamp', recordErrors: errors };
  }
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    recordErrors: errors,
  };
}
