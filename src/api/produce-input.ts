// The one record batch a Produce request carries for a partition, checked as Kafka's LogValidator checks
// it before any topic rule applies. Shared by the one-node and the postgres:// Produce handlers, so a
// client gets the same error code and message from either storage.
//
// v3+ carry exactly one magic 2 batch. v0-2 carry magic 0/1 message sets: each entry is checked, then the
// set becomes one v2 batch, the only format stored.

import { ErrorCode, type ProduceRequest } from '../codec/index.js';
import { CompressionType, isTransactional, readCompression, upConvert, validateBatch, validateLegacyEntry } from '../codec/records/index.js';

/**
 * A rejected partition: its error and message. Kafka lists no record errors for these (the batch as a
 * whole is refused; record_errors name single records, produce-topic-rules.ts).
 */
export interface RejectedInput {
  errorCode: number;
  message: string;
}

/** The batch to append, or why the partition's data is rejected. */
export function incomingBatch(records: Buffer | null, apiVersion: number, maxBatchBytes: number): { batch: Buffer } | RejectedInput {
  if (apiVersion < 3) return upConvertLegacy(records, maxBatchBytes);
  if (records === null || records.length === 0) {
    return rejected(ErrorCode.INVALID_RECORD, `Produce requests with version ${apiVersion} must have at least one record batch per partition`);
  }
  const check = validateBatch(records, 0, records.length, { fromClient: true, maxBatchBytes });
  if (!check.ok) {
    // Kafka answers a magic other than 2 at v3+ with INVALID_RECORD, whatever the decoder calls it.
    return rejected(check.problem === 'wrong_magic' ? ErrorCode.INVALID_RECORD : check.errorCode, check.message);
  }
  if (check.size !== records.length) {
    return rejected(ErrorCode.INVALID_RECORD, `Produce requests with version ${apiVersion} are only allowed to contain exactly one record batch per partition`);
  }
  if (apiVersion < 7 && readCompression(records, 0) === CompressionType.zstd) {
    return rejected(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7 or later');
  }
  return { batch: records };
}

/** The v2 batch of a v0-2 message set, or the partition's error and its message. */
function upConvertLegacy(records: Buffer | null, maxBatchBytes: number): { batch: Buffer } | RejectedInput {
  if (records === null || records.length === 0) return rejected(ErrorCode.INVALID_RECORD, 'empty message set');
  let pos = 0;
  while (pos < records.length) {
    const v = validateLegacyEntry(records, pos);
    if (!v.ok) return rejected(v.errorCode, v.message);
    if (v.size > maxBatchBytes) return rejected(ErrorCode.MESSAGE_TOO_LARGE, `message of ${v.size} bytes exceeds max.message.bytes ${maxBatchBytes}`);
    pos += v.size;
  }
  try {
    const batch = upConvert(records);
    if (batch.length > maxBatchBytes) return rejected(ErrorCode.MESSAGE_TOO_LARGE, `converted batch of ${batch.length} bytes exceeds max.message.bytes ${maxBatchBytes}`);
    return { batch };
  } catch (err) {
    return rejected(ErrorCode.CORRUPT_MESSAGE, (err as Error).message);
  }
}

function rejected(errorCode: number, message: string): RejectedInput {
  return { errorCode, message };
}

/** Does any partition carry a transactional record batch (magic 2)? Those need WRITE on the transactional id. */
export function hasTransactionalRecords(request: ProduceRequest): boolean {
  return request.topicData.some((t) => t.partitionData.some((p) => p.records !== null && p.records.length >= 61 && p.records[16] === 2 && isTransactional(p.records, 0)));
}
