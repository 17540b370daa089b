// ListPartitionReassignments (key 46), v0: the reassignments under way, of every topic (topics null)
// or of the partitions named (unknown topics and partitions are left out), as Kafka's controller
// lists them: replicas (target then those being removed), adding and removing replicas. On one node
// none is ever under way (a valid one completes at once); with several identities a reassignment
// waits for a stopped replica it adds (src/cluster/reassignments.ts).

import type { EncodeInput, ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const listPartitionReassignmentsHandler: ApiHandler<ListPartitionReassignmentsRequest, EncodeInput<ListPartitionReassignmentsResponse>> = {
  ...schemaVersions(46),
  handle(request, ctx) {
    if (!authorizeCluster(ctx, Op.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, topics: [] };
    const reassignments = ctx.broker.membership?.reassignments;
    const { topics } = ctx.broker;
    const asked = request.topics === null ? [...topics.topics()].map((t) => ({ topic: t, partitions: undefined })) : request.topics.map((t) => ({ topic: topics.topic(t.name), partitions: t.partitionIndexes }));
    const listed = [];
    for (const { topic, partitions } of asked) {
      if (topic === undefined || reassignments == null) continue;
      const ongoing = reassignments.ongoing(topic, partitions);
      if (ongoing.length === 0) continue;
      listed.push({
        name: topic.name,
        partitions: ongoing.map((r) => ({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.adding, removingReplicas: r.removing })),
      });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: listed };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] };
  },
};
