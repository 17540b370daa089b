// CreateTopics (key 19), v2+, on postgres:// storage: topics are created in the database, their
// partitions led round robin by the live brokers. The replication factor is the data's, which the
// database keeps: -1 or up to the number of live brokers is accepted (every live broker is a replica),
// more is INVALID_REPLICATION_FACTOR as on Kafka. Manual assignments are refused (INVALID_REQUEST):
// leaders are the database's to place. Configs are checked as on one node, kept with the topic, and
// answered (v5+) as the topic's effective configs.
// ACLs: CREATE on the cluster or the topic.

import type { CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse, EncodeInput } from '../../codec/index.js';
import { ErrorCode, randomUuid, ZERO_UUID } from '../../codec/index.js';
import { reservedTopicProblem, topicNameProblem } from '../../cluster/topic-names.js';
import { parseTopicConfig, resolvedTopicConfigProblem, resolveTopicConfig, topicConfigProblem } from '../../config/topic-configs.js';
import { TopicExistsError } from '../../pg/leadership.js';
import { authorize, authorizeCluster, Op, ResourceType } from '../authorize.js';
import { createdTopicConfigs, hideConfigsUnlessDescribable } from '../19-create-topics.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

type Result = EncodeInput<CreatableTopicResult>;

function failed(name: string, errorCode: number, errorMessage: string | null): Result {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

export const pgCreateTopicsHandler: ApiHandler<CreateTopicsRequest, EncodeInput<CreateTopicsResponse>> = {
  ...schemaVersions(19),
  minVersion: 2,

  async handle(request, ctx) {
    const m = ctx.broker.pg!.membership;
    const mayCreateAny = authorizeCluster(ctx, Op.CREATE, { logIfDenied: false });
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const live = m.liveBrokers().length;
    // A name given twice is answered once, INVALID_REQUEST (Kafka's response has one entry per name).
    const once = [...new Map(request.topics.map((t) => [t.name, t])).values()];
    const results = await Promise.all(once.map(async (t): Promise<Result> => {
      if (counts.get(t.name)! > 1) return failed(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
      if (!mayCreateAny && !authorize(ctx, Op.CREATE, ResourceType.TOPIC, t.name)) return failed(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
      const reserved = reservedTopicProblem(t.name);
      if (reserved !== undefined) return failed(t.name, ErrorCode.INVALID_REQUEST, reserved);
      const illegal = topicNameProblem(t.name);
      if (illegal !== undefined) return failed(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, illegal);
      if (m.topic(t.name) !== undefined) return failed(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
      if (t.assignments.length > 0) return failed(t.name, ErrorCode.INVALID_REQUEST, 'Manual partition assignments are not supported on postgres:// storage.');
      if (t.replicationFactor < -1 || t.replicationFactor === 0) {
        return failed(t.name, ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
      }
      if (t.numPartitions < -1 || t.numPartitions === 0) {
        return failed(t.name, ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
      }
      const replicationFactor = t.replicationFactor === -1 ? Math.min(ctx.broker.config.int('default.replication.factor'), live) : t.replicationFactor;
      if (replicationFactor > live) {
        return failed(t.name, ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${live} broker(s) are registered.`);
      }
      const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nullConfigs.length > 0) return failed(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfigs.join(',')}`);
      const configProblem = t.configs.map((c) => topicConfigProblem(c.name, c.value!)).find((p) => p !== undefined);
      if (configProblem !== undefined) return failed(t.name, ErrorCode.INVALID_CONFIG, configProblem);
      const partitions = t.numPartitions === -1 ? ctx.broker.config.int('num.partitions') : t.numPartitions;
      // A config given twice: the last one wins, as in Kafka.
      const configs = Object.fromEntries(t.configs.map((c) => [c.name, c.value!]));
      const parsed = Object.fromEntries(Object.entries(configs).map(([k, v]) => [k, parseTopicConfig(k, v)]));
      const conflict = resolvedTopicConfigProblem(resolveTopicConfig(parsed, ctx.broker.config));
      if (conflict !== undefined) return failed(t.name, ErrorCode.INVALID_CONFIG, conflict);
      const ok = (topicId: string): Result => {
        const result: Result = { name: t.name, topicId, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: partitions, replicationFactor, configs: createdTopicConfigs(parsed, ctx) };
        hideConfigsUnlessDescribable(result, t.name, ctx);
        return result;
      };
      if (request.validateOnly) return ok(randomUuid());
      try {
        return ok((await m.createTopic(t.name, partitions, configs)).id);
      } catch (err) {
        if (err instanceof TopicExistsError) return failed(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, err.message);
        throw err;
      }
    }));
    return { throttleTimeMs: 0, topics: results };
  },

  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => failed(t.name, errorCode, null)) };
  },
};
