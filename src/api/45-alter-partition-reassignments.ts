// AlterPartitionReassignments (key 45), v0-1, as Kafka's controller answers on a one-node cluster:
// the only valid target is [this node], which is where every partition already is, so it completes
// at once with no reassignment left in progress; other targets fail validation as Kafka's manual
// assignment checks word it; cancelling (replicas null) is NO_REASSIGNMENT_IN_PROGRESS.

import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode, errorInfo } from '../codec/index.js';
import { manualAssignmentProblem } from '../cluster/manual-assignments.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const alterPartitionReassignmentsHandler: ApiHandler<AlterPartitionReassignmentsRequest, EncodeInput<AlterPartitionReassignmentsResponse>> = {
  ...schemaVersions(45),
  handle(request, ctx: RequestContext) {
    const { topics } = ctx.broker;
    if (!authorizeCluster(ctx, Op.ALTER)) return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    const responses = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const result = (errorCode: number, errorMessage: string | null) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage });
        const topic = topics.topic(t.name);
        if (topic === undefined) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${t.name}.`);
        if (p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
          return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${t.name}:${p.partitionIndex}.`);
        }
        if (p.replicas === null) return result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorInfo(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS).message);
        if (!request.allowReplicationFactorChange && p.replicas.length !== 1) {
          return result(ErrorCode.INVALID_REPLICATION_FACTOR, `The replication factor is changed from 1 to ${p.replicas.length}`);
        }
        const problem = manualAssignmentProblem(p.replicas, topics.nodeId);
        if (problem !== undefined) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
        return result(ErrorCode.NONE, null);
      }),
    }));
    return { throttleTimeMs: 0, allowReplicationFactorChange: request.allowReplicationFactorChange, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      responses: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage: null })) })),
    };
  },
};
