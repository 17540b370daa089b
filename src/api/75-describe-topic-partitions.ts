// DescribeTopicPartitions (key 75), v0: topics and their partitions, sorted by name, at most
// response_partition_limit partitions (capped at 2000, Kafka's max.request.partition.size.limit)
// per response, with Kafka's cursor paging: next_cursor names the topic and partition to resume at.
// An empty topic list means every topic (unknown topics are then never reported).
// With several identities (startCluster) each partition's replicas, ISR and leader are the cluster's;
// on postgres:// storage the database's (its topics are mirrored into this broker's metadata).

import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponsePartition,
  DescribeTopicPartitionsResponseTopic,
  EncodeInput,
} from '../codec/index.js';
import { ErrorCode, ZERO_UUID } from '../codec/index.js';
import { topicNameProblem } from '../cluster/topic-names.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './acl-operations.js';
import { authorize, authorizedOperations, Op, ResourceType } from './authorize.js';
import { pendingMetadata, replicaState } from './cluster-view.js';

const MAX_PARTITION_LIMIT = 2000;
const KAFKA_INTERNAL = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

type Topic = EncodeInput<DescribeTopicPartitionsResponseTopic>;

/** Kafka's answer to a bad cursor (an InvalidRequestException): every requested topic fails. */
function invalid(request: DescribeTopicPartitionsRequest): EncodeInput<DescribeTopicPartitionsResponse> {
  return describeTopicPartitionsHandler.errorResponse!(request, ErrorCode.INVALID_REQUEST, undefined as never);
}

export const describeTopicPartitionsHandler: ApiHandler<DescribeTopicPartitionsRequest, EncodeInput<DescribeTopicPartitionsResponse>> = {
  ...schemaVersions(75),
  async handle(request, ctx: RequestContext) {
    const pending = pendingMetadata(ctx);
    if (pending !== undefined) await pending;
    const { topics, pg } = ctx.broker;
    // postgres:// storage: a topic another broker made since this one's last heartbeat is read afresh.
    if (pg !== undefined && request.topics.some((t) => topics.topic(t.name) === undefined)) await pg.membership.refresh();
    const cursor = request.cursor;
    const cursorTopic = cursor?.topicName ?? '';
    const fetchAll = request.topics.length === 0;
    const names = new Set<string>();
    // ACLs: DESCRIBE on each topic; all topics: only those, named: the others TOPIC_AUTHORIZATION_FAILED.
    const refused: Topic[] = [];
    for (const name of fetchAll ? topics.topics().map((t) => t.name) : request.topics.map((t) => t.name)) {
      if (name < cursorTopic) continue;
      if (authorize(ctx, Op.DESCRIBE, ResourceType.TOPIC, name, { logIfDenied: !fetchAll })) names.add(name);
      else if (!fetchAll && !refused.some((r) => r.name === name)) {
        refused.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED });
      }
    }
    if (!fetchAll && cursor !== null && !names.has(cursor.topicName) && !refused.some((r) => r.name === cursor.topicName)) {
      return invalid(request);
    }
    if (cursor !== null && cursor.partitionIndex < 0) {
      return invalid(request);
    }
    let remaining = Math.max(Math.min(MAX_PARTITION_LIMIT, request.responsePartitionLimit), 1);
    const out: Topic[] = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of [...names].sort()) {
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const t = topics.topic(name);
      if (t === undefined) {
        if (!fetchAll) {
          out.push({
            errorCode: topicNameProblem(name) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION,
            name,
            topicId: ZERO_UUID,
            isInternal: KAFKA_INTERNAL.has(name),
            partitions: [],
            topicAuthorizedOperations: authorizedOperations(ctx, ResourceType.TOPIC, name),
          });
        }
        continue;
      }
      const start = name === cursorTopic && cursor !== null ? cursor.partitionIndex : 0;
      const upper = Math.min(t.partitions, start + remaining);
      const partitions: EncodeInput<DescribeTopicPartitionsResponsePartition>[] = [];
      for (let p = start; p < upper; p++) {
        const log = topics.openPartitionLog(name, p);
        const offline = log?.isOffline === true;
        // Several identities: their replicas, ISR and leader, as Metadata lists them.
        const replicated = replicaState(ctx, t, p, log?.leaderEpoch ?? 0);
        if (replicated !== undefined) {
          const errorCode = replicated.leaderId === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE;
          partitions.push({ errorCode, partitionIndex: p, ...replicated, eligibleLeaderReplicas: [], lastKnownElr: [] });
          continue;
        }
        partitions.push({
          errorCode: ErrorCode.NONE,
          partitionIndex: p,
          leaderId: offline ? -1 : topics.nodeId,
          leaderEpoch: Math.max(log?.leaderEpoch ?? 0, 0),
          replicaNodes: [topics.nodeId],
          isrNodes: offline ? [] : [topics.nodeId],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: offline ? [topics.nodeId] : [],
        });
      }
      out.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: t.id,
        isInternal: KAFKA_INTERNAL.has(name) || t.internal,
        partitions,
        topicAuthorizedOperations: authorizedOperations(ctx, ResourceType.TOPIC, name),
      });
      if (upper < t.partitions) {
        nextCursor = { topicName: name, partitionIndex: upper };
        break;
      }
      remaining -= partitions.length;
    }
    return { throttleTimeMs: 0, topics: [...out, ...refused], nextCursor };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ errorCode, name: t.name, topicId: ZERO_UUID, partitions: [] })),
      nextCursor: null,
    };
  },
};
