// Metadata (key 3), v0-13. This node is the only broker, the controller and every partition's
// leader. Unknown topics are created when the broker allows it (auto.create.topics.enable) and the
// request does (v4+ allowAutoTopicCreation; always for v0-3). An illegal name gets
// INVALID_TOPIC_EXCEPTION either way; an unknown legal one without auto-creation, UNKNOWN_TOPIC_OR_PARTITION. Unlike Kafka, a topic created here
// is answered at once with its partitions instead of LEADER_NOT_AVAILABLE: creation is complete
// before the response is sent. v10+ may name topics by id (unknown id: UNKNOWN_TOPIC_ID).

import { ErrorCode, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic, ZERO_UUID } from '../codec/index.js';
import type { TopicInfo } from '../cluster/cluster-state.js';
import { topicNameProblem } from '../cluster/topic-names.js';
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from './acl-operations.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

type TopicEntry = Omit<MetadataResponseTopic, '_unknownTaggedFields'>;

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  ...schemaVersions(3),
  async handle(request, ctx) {
    const { topics, config, cluster } = ctx.broker;
    const v = ctx.apiVersion;
    const topicOps = request.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
    const describe = (t: TopicInfo): TopicEntry => describeTopic(t, ctx, topicOps);

    let entries: TopicEntry[];
    // v0: an empty list means every topic; v1+: null means every topic.
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    if (all) {
      entries = topics.topics().map(describe);
    } else {
      const autoCreate = config.bool('auto.create.topics.enable') && request.allowAutoTopicCreation;
      entries = await Promise.all(
        request.topics!.map(async (wanted): Promise<TopicEntry> => {
          if (wanted.name === null || wanted.name === undefined) {
            const byId = wanted.topicId !== ZERO_UUID ? topics.topicById(wanted.topicId) : undefined;
            if (byId) return describe(byId);
            return errorTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID, topicOps);
          }
          const existing = topics.topic(wanted.name);
          if (existing) return describe(existing);
          // Kafka checks the name before anything else (KafkaApis.getTopicMetadata).
          if (topicNameProblem(wanted.name) !== undefined) {
            return errorTopic(wanted.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION, topicOps);
          }
          if (!autoCreate) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topicOps);
          const created = await topics.autoCreate(wanted.name);
          if ('errorCode' in created) return errorTopic(wanted.name, ZERO_UUID, created.errorCode, topicOps);
          return describe(created);
        }),
      );
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: cluster.nodeId, host: ctx.broker.advertised.host, port: ctx.broker.advertised.port, rack: null }],
      clusterId: cluster.clusterId,
      controllerId: cluster.nodeId,
      topics: entries,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
      errorCode: ErrorCode.NONE,
    };
  },
};

function describeTopic(t: TopicInfo, ctx: RequestContext, topicAuthorizedOperations: number): TopicEntry {
  const nodeId = ctx.broker.cluster.nodeId;
  const partitions = [];
  for (let p = 0; p < t.partitions; p++) {
    const log = ctx.broker.topics.openPartitionLog(t.name, p);
    partitions.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: p,
      leaderId: nodeId,
      leaderEpoch: log?.leaderEpoch ?? 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: log?.isOffline ? [nodeId] : [],
    });
  }
  return { errorCode: ErrorCode.NONE, name: t.name, topicId: t.id, isInternal: t.internal, partitions, topicAuthorizedOperations };
}

function errorTopic(name: string | null, topicId: string, errorCode: number, topicAuthorizedOperations: number): TopicEntry {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations };
}
