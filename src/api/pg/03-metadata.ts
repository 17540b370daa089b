// Metadata (key 3), v0-13, on postgres:// storage: the topics, leaders and leader epochs the
// database holds (as of this broker's last heartbeat or its own last change; a topic asked for that
// it does not know is looked up in the database before it is answered as unknown) and its live brokers.
// Every live broker is listed as a replica and in the ISR of every partition: the data is shared,
// so each one can serve reads (Fetch v11+); only the leader appends. Unknown topics are created in
// the database when auto.create.topics.enable and the request allow it, with num.partitions.

import { ErrorCode, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic, ZERO_UUID } from '../../codec/index.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../../cluster/topic-names.js';
import { TopicExistsError, type PgTopic } from '../../pg/leadership.js';
import type { PgMembership } from '../../pg/pg-membership.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../acl-operations.js';
import { authorize, authorizeCluster, Op, ResourceType } from '../authorize.js';
import { controllerId, listedBrokers, pendingMetadata } from '../cluster-view.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

type TopicEntry = Omit<MetadataResponseTopic, '_unknownTaggedFields'>;

export const pgMetadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  ...schemaVersions(3),
  async handle(request, ctx) {
    const pg = ctx.broker.pg!;
    const m = pg.membership;
    const v = ctx.apiVersion;
    const pending = pendingMetadata(ctx);
    if (pending !== undefined) await pending;
    const describable = (name: string, logIfDenied = true) => authorize(ctx, Op.DESCRIBE, ResourceType.TOPIC, name, { logIfDenied });
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    let entries: TopicEntry[];
    if (all) {
      entries = m.topics().filter((t) => describable(t.name, false)).map((t) => describeTopic(t, m));
    } else {
      // A topic another broker created since this one's last heartbeat: read the database once more.
      if (request.topics!.some((w) => (w.name ? m.topic(w.name) : m.topics().find((t) => t.id === w.topicId)) === undefined)) await m.refresh();
      const autoCreate = ctx.broker.config.bool('auto.create.topics.enable') && request.allowAutoTopicCreation;
      entries = await Promise.all(request.topics!.map(async (wanted): Promise<TopicEntry> => {
        if (wanted.name === null || wanted.name === undefined) {
          const byId = m.topics().find((t) => t.id === wanted.topicId);
          if (byId === undefined) return errorTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
          return describable(byId.name) ? describeTopic(byId, m) : errorTopic(null, byId.id, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        }
        if (!describable(wanted.name)) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        const existing = m.topic(wanted.name);
        if (existing !== undefined) return describeTopic(existing, m);
        if (topicNameProblem(wanted.name) !== undefined) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
        if (!autoCreate) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (!authorizeCluster(ctx, Op.CREATE, { logIfDenied: false }) && !authorize(ctx, Op.CREATE, ResourceType.TOPIC, wanted.name)) {
          return errorTopic(wanted.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        }
        try {
          return describeTopic(await m.createTopic(wanted.name, ctx.broker.config.int('num.partitions')), m);
        } catch (err) {
          if (!(err instanceof TopicExistsError)) throw err;
          await m.refresh(); // another broker created it a moment ago
          const t = m.topic(wanted.name);
          return t === undefined ? errorTopic(wanted.name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE) : describeTopic(t, m);
        }
      }));
    }
    return {
      throttleTimeMs: 0,
      brokers: listedBrokers(ctx),
      clusterId: ctx.broker.cluster.clusterId,
      controllerId: controllerId(ctx),
      topics: entries,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      errorCode: ErrorCode.NONE,
    };
  },
};

function describeTopic(t: PgTopic, m: PgMembership): TopicEntry {
  const live = m.liveBrokers().map((b) => b.nodeId);
  const partitions = [];
  for (let p = 0; p < t.partitions; p++) {
    const l = m.leaderOf(t.id, p);
    const leaderLive = l !== undefined && live.includes(l.leader);
    partitions.push({
      errorCode: leaderLive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p,
      leaderId: leaderLive ? l.leader : -1,
      leaderEpoch: l?.leaderEpoch ?? -1,
      replicaNodes: live,
      isrNodes: live,
      offlineReplicas: [],
    });
  }
  return { errorCode: ErrorCode.NONE, name: t.name, topicId: t.id, isInternal: INTERNAL_TOPICS.has(t.name), partitions, topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

function errorTopic(name: string | null, topicId: string, errorCode: number): TopicEntry {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}
