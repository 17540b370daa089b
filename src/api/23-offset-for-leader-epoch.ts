// OffsetForLeaderEpoch (key 23), v0-4: the end offset of a leader epoch (the start offset of the
// next higher epoch, or the log end offset for the current epoch), from the log's leader-epoch
// cache with Kafka's rules; clients use it to detect log truncation. current_leader_epoch (v2+) is
// checked as Fetch checks it (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).

import type { EncodeInput, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import type { RequestContext } from './context.js';
import { misdirected } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, authorizedNames, Op, ResourceType } from './authorize.js';

export const offsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, EncodeInput<OffsetForLeaderEpochResponse>> = {
  ...schemaVersions(23),
  async handle(request, ctx: RequestContext) {
    const { topics } = ctx.broker;
    // Followers have CLUSTER_ACTION; clients need DESCRIBE on each topic.
    const all = authorizeCluster(ctx, Op.CLUSTER_ACTION, { logIfDenied: false });
    const describable = all ? null : authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.topic));
    const out = await Promise.all(
      request.topics.map(async (t) => ({
        topic: t.topic,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const fail = (errorCode: number) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 });
            if (describable !== null && !describable.has(t.topic)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const log = await topics.partitionLog(t.topic, p.partition);
            if (log === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (log.isOffline) return fail(ErrorCode.KAFKA_STORAGE_ERROR);
            if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== log.leaderEpoch) {
              return fail(p.currentLeaderEpoch < log.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
            }
            // Consumers ask the leader; a follower broker (CLUSTER_ACTION) could ask any replica, but none exists here.
            if (misdirected(ctx, t.topic, p.partition) !== undefined) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            const { leaderEpoch, endOffset } = log.endOffsetForEpoch(p.leaderEpoch);
            return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch, endOffset };
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics: out };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 })) })),
    };
  },
};
