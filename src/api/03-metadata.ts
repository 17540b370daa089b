// Metadata (key 3), v0-13. This node is the only broker, the controller and every partition's
// leader. Unknown topics are created when the broker allows it (auto.create.topics.enable) and the
// request does (v4+ allowAutoTopicCreation; always for v0-3). An illegal name gets
// INVALID_TOPIC_EXCEPTION either way; an unknown legal one without auto-creation, UNKNOWN_TOPIC_OR_PARTITION. Unlike Kafka, a topic created here
// is answered at once with its partitions instead of LEADER_NOT_AVAILABLE: creation is complete
// before the response is sent. v10+ may name topics by id (unknown id: UNKNOWN_TOPIC_ID).
// ACLs as Kafka: topics the client may not DESCRIBE are left out of an all-topics answer and answer
// TOPIC_AUTHORIZATION_FAILED when named; auto-creation needs CREATE on the cluster or the topic.

import { ErrorCode, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic, ZERO_UUID } from '../codec/index.js';
import type { TopicInfo } from '../cluster/cluster-state.js';
import { topicNameProblem } from '../cluster/topic-names.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './acl-operations.js';
import { authorize, authorizeCluster, authorizedOperations, CLUSTER_NAME, Op, ResourceType } from './authorize.js';
import { type RequestContext } from './context.js';
import { controllerId, listedBrokers, replicaState } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';

type TopicEntry = Omit<MetadataResponseTopic, '_unknownTaggedFields'>;

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  ...schemaVersions(3),
  async handle(request, ctx) {
    const { topics, config, cluster } = ctx.broker;
    const v = ctx.apiVersion;
    const withOps = request.includeTopicAuthorizedOperations;
    const opsOf = (name: string | null) => (withOps && name !== null ? authorizedOperations(ctx, ResourceType.TOPIC, name) : AUTHORIZED_OPERATIONS_OMITTED);
    const describable = (name: string, logIfDenied = true) => authorize(ctx, Op.DESCRIBE, ResourceType.TOPIC, name, { logIfDenied });
    const describe = (t: TopicInfo): TopicEntry => describeTopic(t, ctx, opsOf(t.name));
    const denied = (name: string | null, topicId: string): TopicEntry => errorTopic(name, topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED, AUTHORIZED_OPERATIONS_OMITTED);

    let entries: TopicEntry[];
    // v0: an empty list means every topic; v1+: null means every topic.
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    if (all) {
      entries = topics.topics().filter((t) => describable(t.name, false)).map(describe);
    } else {
      const autoCreate = config.bool('auto.create.topics.enable') && request.allowAutoTopicCreation;
      let mayCreateAny: boolean | undefined;
      // Synchronous unless a topic is auto-created: a promise per named topic was a visible cost of
      // every client's periodic Metadata.
      const answers = request.topics!.map((wanted): TopicEntry | Promise<TopicEntry> => {
        if (wanted.name === null || wanted.name === undefined) {
          const byId = wanted.topicId !== ZERO_UUID ? topics.topicById(wanted.topicId) : undefined;
          if (byId) return describable(byId.name) ? describe(byId) : denied(null, byId.id);
          return errorTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID, AUTHORIZED_OPERATIONS_OMITTED);
        }
        if (!describable(wanted.name)) return denied(wanted.name, ZERO_UUID);
        const existing = topics.topic(wanted.name);
        if (existing) return describe(existing);
        // Kafka checks the name before anything else (KafkaApis.getTopicMetadata).
        if (topicNameProblem(wanted.name) !== undefined) {
          return errorTopic(wanted.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION, opsOf(wanted.name));
        }
        if (!autoCreate) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, opsOf(wanted.name));
        mayCreateAny ??= authorizeCluster(ctx, Op.CREATE, { logIfDenied: false });
        if (!mayCreateAny && !authorize(ctx, Op.CREATE, ResourceType.TOPIC, wanted.name)) return denied(wanted.name, ZERO_UUID);
        const name = wanted.name;
        return topics.autoCreate(name).then((created) =>
          'errorCode' in created ? errorTopic(name, ZERO_UUID, created.errorCode, opsOf(name)) : describe(created));
      });
      entries = answers.some((a) => a instanceof Promise) ? await Promise.all(answers) : (answers as TopicEntry[]);
    }
    let clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
    if (request.includeClusterAuthorizedOperations) {
      clusterAuthorizedOperations = authorizeCluster(ctx, Op.DESCRIBE) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
    }
    return {
      throttleTimeMs: 0,
      brokers: listedBrokers(ctx),
      clusterId: cluster.clusterId,
      controllerId: controllerId(ctx),
      topics: entries,
      clusterAuthorizedOperations,
      errorCode: ErrorCode.NONE,
    };
  },
};

function describeTopic(t: TopicInfo, ctx: RequestContext, topicAuthorizedOperations: number): TopicEntry {
  const nodeId = ctx.broker.cluster.nodeId;
  const partitions = [];
  for (let p = 0; p < t.partitions; p++) {
    const log = ctx.broker.topics.openPartitionLog(t.name, p);
    const replicated = replicaState(ctx, t, p, log?.leaderEpoch ?? 0);
    if (replicated !== undefined) {
      partitions.push({ errorCode: replicated.leaderId === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE, partitionIndex: p, ...replicated });
      continue;
    }
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
