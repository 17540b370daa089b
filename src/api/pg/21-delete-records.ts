// DeleteRecords (key 21), v0-2, on postgres:// storage: the partition's leader moves its log start
// offset in the database (pg/log-start.ts, fenced by its epoch like appends) and drops the batches
// wholly below it; Fetch and ListOffsets then answer from the new start. Errors as the one-node
// handler (src/api/21-delete-records.ts) and Kafka: internal topics INVALID_TOPIC_EXCEPTION,
// compact-only topics POLICY_VIOLATION, offsets below 0 (but -1, the high watermark) or past the
// high watermark OFFSET_OUT_OF_RANGE, not the leader NOT_LEADER_OR_FOLLOWER.

import type { DeleteRecordsRequest, DeleteRecordsResponse, EncodeInput } from '../../codec/index.js';
import { ErrorCode } from '../../codec/index.js';
import { INTERNAL_TOPICS } from '../../cluster/topic-names.js';
import { BeyondHighWatermarkError, deleteRecordsBefore } from '../../pg/log-start.js';
import { FencedLeaderError, UnknownPartitionError } from '../../pg/partition-store.js';
import { authorizedNames, Op, ResourceType } from '../authorize.js';
import { localNodeId } from '../context.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

const HIGH_WATERMARK = -1;

export const pgDeleteRecordsHandler: ApiHandler<DeleteRecordsRequest, EncodeInput<DeleteRecordsResponse>> = {
  ...schemaVersions(21),
  async handle(request, ctx) {
    const pg = ctx.broker.pg!;
    const m = pg.membership;
    if (request.topics.some((t) => m.topic(t.name) === undefined)) await m.refresh(); // made by another broker a moment ago
    const deletable = authorizedNames(ctx, Op.DELETE, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const topics = await Promise.all(request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map(async (p) => {
        const fail = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
        if (!deletable.has(t.name)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (INTERNAL_TOPICS.has(t.name)) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
        const topic = m.topic(t.name);
        const leader = topic && m.leaderOf(topic.id, p.partitionIndex);
        if (topic === undefined || leader === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (leader.leader !== localNodeId(ctx)) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        if (!(ctx.broker.topics.topicConfig(t.name)['cleanup.policy'] as string[]).includes('delete')) return fail(ErrorCode.POLICY_VIOLATION);
        if (p.offset < 0 && p.offset !== HIGH_WATERMARK) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
        try {
          const lowWatermark = await deleteRecordsBefore(pg.pool, topic.id, p.partitionIndex, leader.leader, leader.leaderEpoch, p.offset);
          pg.store.cache.invalidate(topic.id, p.partitionIndex);
          return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE };
        } catch (err) {
          if (err instanceof BeyondHighWatermarkError) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
          if (err instanceof UnknownPartitionError) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          if (err instanceof FencedLeaderError) {
            void m.refresh().catch(() => {});
            return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          }
          ctx.broker.logger.warn('delete records in the database failed', { topic: t.name, partition: p.partitionIndex, error: String(err) });
          return fail(ErrorCode.KAFKA_STORAGE_ERROR);
        }
      })),
    })));
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode })) })) };
  },
};
