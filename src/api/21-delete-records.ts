// DeleteRecords (key 21), v0-2: moves a partition's log start offset up (offset -1 = the high
// watermark), as Kafka's ReplicaManager.deleteRecords does: internal topics INVALID_TOPIC_EXCEPTION,
// unknown partitions UNKNOWN_TOPIC_OR_PARTITION, compact-only topics POLICY_VIOLATION, offsets
// below 0 or above the high watermark OFFSET_OUT_OF_RANGE, an offline log KAFKA_STORAGE_ERROR.
// The answer's low_watermark is the new log start offset, durable before the response.

import type { DeleteRecordsRequest, DeleteRecordsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import { LogError } from '../log/index.js';
import type { RequestContext } from './context.js';
import { misdirected } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizedNames, Op, ResourceType } from './authorize.js';

const HIGH_WATERMARK = -1;

function logErrorCode(err: unknown): number | undefined {
  if (!(err instanceof LogError)) return undefined;
  // A log deleted under us: the partition is gone.
  if (err.kafkaError === 'LOG_DELETED') return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return (ErrorCode as Record<string, number>)[err.kafkaError];
}

export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, EncodeInput<DeleteRecordsResponse>> = {
  ...schemaVersions(21),
  async handle(request, ctx: RequestContext) {
    const { topics, logger } = ctx.broker;
    const deletable = authorizedNames(ctx, Op.DELETE, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const out = await Promise.all(
      request.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const fail = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
            if (!deletable.has(t.name)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const info = topics.topic(t.name);
            if (INTERNAL_TOPICS.has(t.name) || info?.internal) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
            const log = await topics.partitionLog(t.name, p.partitionIndex);
            if (log === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (log.isOffline) return fail(ErrorCode.KAFKA_STORAGE_ERROR);
            if (misdirected(ctx, t.name, p.partitionIndex) !== undefined) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            if (!log.config.cleanupPolicy.delete) return fail(ErrorCode.POLICY_VIOLATION);
            if (p.offset < 0 && p.offset !== HIGH_WATERMARK) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
            try {
              const lowWatermark = await log.deleteRecordsBefore(p.offset);
              return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE };
            } catch (err) {
              const code = logErrorCode(err);
              if (code !== undefined) return fail(code);
              logger.error('delete records failed', { topic: t.name, partition: p.partitionIndex, error: String(err) });
              return fail(ErrorCode.UNKNOWN_SERVER_ERROR);
            }
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics: out };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode })) })),
    };
  },
};
