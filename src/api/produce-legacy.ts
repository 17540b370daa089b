// Produce v0-2 carry magic 0/1 message sets: each entry is checked (Kafka's LogValidator for old
// formats), then the set becomes one v2 batch, the only format stored. Shared by the one-node and the
// postgres:// Produce handlers.

import { ErrorCode } from '../codec/index.js';
import { upConvert, validateLegacyEntry } from '../codec/records/index.js';

/** The v2 batch of a v0-2 message set, or the partition's error and its message. */
export function upConvertLegacy(records: Buffer | null, maxBatchBytes: number): { batch: Buffer } | { errorCode: number; message: string } {
  if (records === null || records.length === 0) return { errorCode: ErrorCode.INVALID_RECORD, message: 'empty message set' };
  let pos = 0;
  while (pos < records.length) {
    const v = validateLegacyEntry(records, pos);
    if (!v.ok) return { errorCode: v.errorCode, message: v.message };
    if (v.size > maxBatchBytes) return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: `message of ${v.size} bytes exceeds max.message.bytes ${maxBatchBytes}` };
    pos += v.size;
  }
  try {
    const batch = upConvert(records);
    if (batch.length > maxBatchBytes) return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: `converted batch of ${batch.length} bytes exceeds max.message.bytes ${maxBatchBytes}` };
    return { batch };
  } catch (err) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: (err as Error).message };
  }
}
