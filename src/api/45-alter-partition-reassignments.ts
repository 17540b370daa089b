// AlterPartitionReassignments (key 45), v0-1, as Kafka's controller answers. Each partition's target
// is checked as a manual assignment (empty list, unregistered broker, a broker twice), then, unless
// allow_replication_factor_change (v1, KIP-860), for the replication factor it would change; cancelling
// (replicas null) needs a reassignment under way (NO_REASSIGNMENT_IN_PROGRESS). On one node the only
// valid target is [this node], where every partition already is, so it completes at once. With several
// identities (startCluster) the replicas really move (src/cluster/reassignments.ts): the leader hands
// over with a new epoch if it leaves the set, and the answer waits until the assignment is durable.

import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { manualAssignmentProblem } from '../cluster/manual-assignments.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const alterPartitionReassignmentsHandler: ApiHandler<AlterPartitionReassignmentsRequest, EncodeInput<AlterPartitionReassignmentsResponse>> = {
  ...schemaVersions(45),
  async handle(request, ctx: RequestContext) {
    const { topics, membership } = ctx.broker;
    if (!authorizeCluster(ctx, Op.ALTER)) return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    // v0 has no such field: Kafka's default, true, lets a v0 request change the replication factor.
    const allowRfChange = request.allowReplicationFactorChange;
    const writes: Promise<void>[] = [];
    const responses = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const result = (errorCode: number, errorMessage: string | null) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage });
        const topic = topics.topic(t.name);
        if (topic === undefined) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${t.name}.`);
        if (p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
          return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${t.name}:${p.partitionIndex}.`);
        }
        if (membership?.reassignments != null) {
          const { errorCode, errorMessage, durable } = membership.reassignments.alter(topic, p.partitionIndex, p.replicas, allowRfChange);
          if (durable !== undefined) writes.push(durable);
          return result(errorCode, errorMessage);
        }
        // One node: nothing is ever under way, and the only valid target is where the partition is.
        if (p.replicas === null) return result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, null);
        const problem = manualAssignmentProblem(p.replicas, topics.nodeId);
        if (problem !== undefined) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
        if (!allowRfChange && p.replicas.length !== 1) {
          return result(ErrorCode.INVALID_REPLICATION_FACTOR, `The replication factor is changed from 1 to ${p.replicas.length}`);
        }
        return result(ErrorCode.NONE, null);
      }),
    }));
    await Promise.all(writes);
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
