// OffsetForLeaderEpoch (key 23), v0-4, on postgres:// storage: the end offset of a leader epoch from
// the leader epochs of the stored batches (pg/log-start.ts), with Kafka's rules (the one-node
// handler's LeaderEpochCache); consumers use it to detect truncation after a leader change. Only the
// leader answers (NOT_LEADER_OR_FOLLOWER with the leader it knows otherwise); current_leader_epoch
// (v2+) is checked as Fetch checks it (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).

import type { EncodeInput, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../codec/index.js';
import { ErrorCode } from '../../codec/index.js';
import { leaderEpochs } from '../../pg/log-start.js';
import { UnknownPartitionError } from '../../pg/partition-store.js';
import { authorizeCluster, authorizedNames, Op, ResourceType } from '../authorize.js';
import { localNodeId } from '../context.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

export const pgOffsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, EncodeInput<OffsetForLeaderEpochResponse>> = {
  ...schemaVersions(23),
  async handle(request, ctx) {
    const pg = ctx.broker.pg!;
    const m = pg.membership;
    const all = authorizeCluster(ctx, Op.CLUSTER_ACTION, { logIfDenied: false });
    const describable = all ? null : authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.topic));
    const topics = await Promise.all(request.topics.map(async (t) => ({
      topic: t.topic,
      partitions: await Promise.all(t.partitions.map(async (p) => {
        const fail = (errorCode: number) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 });
        if (describable !== null && !describable.has(t.topic)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        const topic = m.topic(t.topic);
        const leader = topic && m.leaderOf(topic.id, p.partition);
        if (topic === undefined || leader === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== leader.leaderEpoch) {
          return fail(p.currentLeaderEpoch < leader.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
        }
        if (leader.leader !== localNodeId(ctx)) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        try {
          const { cache, logEndOffset } = await leaderEpochs(pg.pool, topic.id, p.partition, leader.leaderEpoch);
          return { errorCode: ErrorCode.NONE, partition: p.partition, ...cache.endOffsetForEpoch(p.leaderEpoch, logEndOffset) };
        } catch (err) {
          if (err instanceof UnknownPartitionError) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          ctx.broker.logger.warn('leader epochs from the database failed', { topic: t.topic, partition: p.partition, error: String(err) });
          return fail(ErrorCode.KAFKA_STORAGE_ERROR);
        }
      })),
    })));
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 })) })),
    };
  },
};
