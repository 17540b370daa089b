// ElectLeaders (key 43), v0-2, answered as Kafka's controller answers on a one-node cluster: every
// partition already has its preferred (and only) leader, so each asked partition is
// ELECTION_NOT_NEEDED; unknown ones UNKNOWN_TOPIC_OR_PARTITION; with topic_partitions null (all
// partitions) only partitions that needed an election are listed, i.e. none. A partition whose log
// is offline has no leader and no other replica to elect: ELIGIBLE_LEADERS_NOT_AVAILABLE. With several
// identities (startCluster) elections are real: preferred moves the leadership back to the first
// replica when it is in sync (else PREFERRED_LEADER_NOT_AVAILABLE), unclean elects a live replica of
// a leaderless partition.

import type { ElectLeadersRequest, ElectLeadersResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode, errorInfo } from '../codec/index.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

const PREFERRED = 0;
const UNCLEAN = 1;

export const electLeadersHandler: ApiHandler<ElectLeadersRequest, EncodeInput<ElectLeadersResponse>> = {
  ...schemaVersions(43),
  handle(request, ctx: RequestContext) {
    const { topics } = ctx.broker;
    if (!authorizeCluster(ctx, Op.ALTER)) return failAll(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const type = request.electionType;
    if (type !== PREFERRED && type !== UNCLEAN) {
      return failAll(request, ErrorCode.INVALID_REQUEST, `Unknown election type ${type}`);
    }
    const elect = (topic: string, partition: number): { errorCode: number; errorMessage: string | null } => {
      const t = topics.topic(topic);
      if (t === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topic}` };
      if (partition < 0 || partition >= t.partitions) {
        return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${partition}` };
      }
      if (topics.openPartitionLog(topic, partition)?.isOffline === true) {
        return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, errorMessage: errorInfo(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE).message };
      }
      const { membership } = ctx.broker;
      if (membership !== undefined) {
        // Several identities: a real election, the new leader starting a new epoch.
        const outcome = membership.electLeader(t, partition, type === PREFERRED ? 'preferred' : 'unclean');
        if (outcome === 'elected') return { errorCode: ErrorCode.NONE, errorMessage: null };
        if (outcome === 'not-available') {
          const code = type === PREFERRED ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE;
          return { errorCode: code, errorMessage: errorInfo(code).message };
        }
      }
      return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: errorInfo(ErrorCode.ELECTION_NOT_NEEDED).message };
    };
    let replicaElectionResults;
    if (request.topicPartitions === null) {
      replicaElectionResults = topics.topics().map((t) => ({
        topic: t.name,
        partitionResult: Array.from({ length: t.partitions }, (_, p) => ({ partitionId: p, ...elect(t.name, p) })).filter(
          (r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED,
        ),
      }));
    } else {
      replicaElectionResults = request.topicPartitions.map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((p) => ({ partitionId: p, ...elect(t.topic, p) })),
      }));
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults };
  },
  errorResponse(request, errorCode) {
    return failAll(request, errorCode, null);
  },
};

/** Kafka's ElectLeadersRequest.getErrorResponse: every asked partition carries the error. */
function failAll(request: ElectLeadersRequest, errorCode: number, errorMessage: string | null): EncodeInput<ElectLeadersResponse> {
  return {
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode, errorMessage })),
    })),
  };
}
