// What a topic's configs ask of a produced batch before it is stored, whatever the storage (Kafka's
// LogValidator): a topic whose compression.type names a codec stores every batch in it (a batch in
// another codec is rebuilt, records decoded once, header fields kept; the rebuilt batch must still
// fit max.message.bytes), every record of a compacted topic needs a key, and a CreateTime timestamp
// must lie within message.timestamp.before/after.max.ms of now. Records are decoded only for a
// recompression, on compacted topics, and when the batch header's timestamps are already out of
// bounds (produce-record-errors.ts). Decompression is bounded by socket.request.max.bytes.

import { ErrorCode } from '../codec/index.js';
import { type CompressionType, readCompression, readTimestampType, recompressBatch, TimestampType, UnsupportedCompressionError } from '../codec/records/index.js';
import { TOPIC_COMPRESSION_CODECS } from '../config/compression.js';
import type { TopicConfig } from '../config/topic-configs.js';
import { findRecordErrors, headerTimestampsOutOfBounds, type RecordError, type TimestampBounds } from './produce-record-errors.js';

/** Why the batch is refused; `recordLevel`: some records failed a check (recordErrors names them). */
export interface BatchRejection {
  errorCode: number;
  errorMessage: string;
  recordErrors: RecordError[];
  recordLevel: boolean;
}

export interface TopicRulesInput {
  /** The topic's configs over the broker's defaults. */
  config: TopicConfig;
  /** Kafka's "topic-partition" name, as its messages print it. */
  topicPartition: string;
  /** socket.request.max.bytes: the most a batch may decompress to. */
  maxDecompressedBytes: number;
  now: number;
}

/** The batch to store (maybe recompressed), or why it is refused. */
export function applyTopicRules(batch: Buffer, input: TopicRulesInput): { batch: Buffer } | BatchRejection {
  const { config } = input;
  const targetCodec = TOPIC_COMPRESSION_CODECS[config['compression.type'] as string];
  if (targetCodec !== undefined && readCompression(batch, 0) !== targetCodec) {
    const recompressed = recompress(batch, targetCodec, config['max.message.bytes'] as number, input.maxDecompressedBytes);
    if ('errorCode' in recompressed) return recompressed;
    batch = recompressed.batch;
  }
  const requireKeys = (config['cleanup.policy'] as string[]).includes('compact');
  let timestamps: TimestampBounds | null = null;
  if (config['message.timestamp.type'] === 'CreateTime' && readTimestampType(batch, 0) === TimestampType.createTime) {
    const bounds = { now: input.now, beforeMaxMs: config['message.timestamp.before.max.ms'] as number, afterMaxMs: config['message.timestamp.after.max.ms'] as number };
    if (headerTimestampsOutOfBounds(batch, bounds)) timestamps = bounds;
  }
  if (requireKeys || timestamps !== null) {
    const rejection = findRecordErrors(batch, { topicPartition: input.topicPartition, requireKeys, timestamps, maxDecompressedBytes: input.maxDecompressedBytes });
    if (rejection) return { ...rejection, recordLevel: true };
  }
  return { batch };
}

function recompress(batch: Buffer, codec: number, maxBatchBytes: number, maxDecompressedBytes: number): { batch: Buffer } | BatchRejection {
  let rebuilt: Buffer;
  try {
    rebuilt = recompressBatch(batch, codec as CompressionType, { maxOutputLength: maxDecompressedBytes });
  } catch (err) {
    if (err instanceof UnsupportedCompressionError) return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, errorMessage: err.message, recordErrors: [], recordLevel: false };
    const errorMessage = `cannot recompress the batch: ${(err as Error).message}`;
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage, recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: errorMessage }], recordLevel: false };
  }
  if (rebuilt.length > maxBatchBytes) {
    return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, errorMessage: `recompressed batch of ${rebuilt.length} bytes exceeds max.message.bytes ${maxBatchBytes}`, recordErrors: [], recordLevel: false };
  }
  return { batch: rebuilt };
}
