// CreateTopics (key 19), v0-7. Validates every topic as Kafka's controller does (duplicate names,
// reserved names, legal names, collisions, existing topics, configs, partitions, replication
// factor, manual assignments) and creates the valid ones unless validate_only. v5+ answers with
// the topic's effective configs, partition count and replication factor; v7 with the topic id.
// ACLs: CREATE on the cluster or the topic; without DESCRIBE_CONFIGS on the topic the answer leaves
// out configs, partitions and replication factor (topic_config_error_code TOPIC_AUTHORIZATION_FAILED).

import type { CreatableTopic, CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode, randomUuid, ZERO_UUID } from '../codec/index.js';
import { describeTopicConfigs } from '../cluster/config-describe.js';
import { manualAssignmentProblem } from '../cluster/manual-assignments.js';
import { reservedTopicProblem, topicNameProblem } from '../cluster/topic-names.js';
import { resolvedTopicConfigProblem, resolveTopicConfig, topicConfigProblem } from '../config/topic-configs.js';
import type { ConfigValue } from '../config/types.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizeCluster, Op, ResourceType } from './authorize.js';

type Result = EncodeInput<CreatableTopicResult>;

/**
 * Kafka's controller checks of partitions, replication factor and manual assignments, with its
 * messages (ReplicationControlManager.createTopic); the rest is TopicManager.validateCreate's.
 */
function kafkaShapeProblem(t: CreatableTopic, registered: readonly number[]): { errorCode: number; errorMessage: string } | undefined {
  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but replication factor was not set to -1.' };
    }
    if (t.numPartitions !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but numPartitions was not set to -1.' };
    }
    const seen = new Set<number>();
    let replicas: number | undefined;
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Found multiple manual partition assignments for partition ${a.partitionIndex}` };
      }
      seen.add(a.partitionIndex);
      const problem = manualAssignmentProblem(a.brokerIds, registered, replicas);
      if (problem !== undefined) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: problem };
      replicas = a.brokerIds.length;
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'partitions should be a consecutive 0-based integer sequence' };
    }
    return undefined;
  }
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' };
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' };
  }
  return undefined;
}

function failed(name: string, errorCode: number, errorMessage: string | null): Result {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

/** A created topic's effective configs as CreateTopics v5+ answers them (sensitive values hidden). */
export function createdTopicConfigs(configs: Readonly<Record<string, ConfigValue>>, ctx: RequestContext): Result['configs'] {
  return describeTopicConfigs(configs, ctx.broker.config).map((c) => ({
    name: c.name,
    value: c.isSensitive ? null : c.value,
    readOnly: c.readOnly,
    configSource: c.source,
    isSensitive: c.isSensitive,
  }));
}

/** Without DESCRIBE_CONFIGS on the topic, Kafka leaves out configs, partitions and replication factor. */
export function hideConfigsUnlessDescribable(result: Result, topic: string, ctx: RequestContext): void {
  if (!authorize(ctx, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic, { logIfDenied: false })) {
    Object.assign(result, { numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  }
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, EncodeInput<CreateTopicsResponse>> = {
  ...schemaVersions(19),
  async handle(request, ctx: RequestContext) {
    const topics = ctx.broker.topics;
    const seen = new Map<string, number>();
    for (const t of request.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const results: Result[] = [];
    const creations: Promise<unknown>[] = [];
    const reported = new Set<string>();
    const mayCreateAny = authorizeCluster(ctx, Op.CREATE, { logIfDenied: false });
    for (const t of request.topics) {
      if (reported.has(t.name)) continue;
      reported.add(t.name);
      if (seen.get(t.name)! > 1) {
        results.push(failed(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
        continue;
      }
      const reserved = reservedTopicProblem(t.name);
      if (reserved !== undefined) {
        results.push(failed(t.name, ErrorCode.INVALID_REQUEST, reserved));
        continue;
      }
      if (!mayCreateAny && !authorize(ctx, Op.CREATE, ResourceType.TOPIC, t.name)) {
        results.push(failed(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
        continue;
      }
      // Name problems and existing topics come first (validateCreate reports them), then Kafka
      // checks the configs (null values, unknown names, bad values), then the partitions.
      const nameOk = topicNameProblem(t.name) === undefined && topics.topic(t.name) === undefined && ctx.broker.cluster.collidingTopic(t.name) === undefined;
      const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nullConfigs.length > 0 && nameOk) {
        results.push(failed(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfigs.join(',')}`));
        continue;
      }
      const configProblem = t.configs.map((c) => topicConfigProblem(c.name, c.value!)).find((p) => p !== undefined);
      if (configProblem !== undefined && nameOk) {
        results.push(failed(t.name, ErrorCode.INVALID_CONFIG, configProblem));
        continue;
      }
      const shapeProblem = kafkaShapeProblem(t, topics.registeredBrokers());
      if (shapeProblem !== undefined && nameOk) {
        results.push(failed(t.name, shapeProblem.errorCode, shapeProblem.errorMessage));
        continue;
      }
      // Validation and creation run without an await in between, so a second topic in this or
      // another request sees the first one.
      const v = topics.validateCreate({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments,
        // A config given twice: the last one wins, as in Kafka.
        configs: [...new Map(t.configs.map((c) => [c.name, c])).values()],
      });
      if ('errorCode' in v) {
        results.push(failed(t.name, v.errorCode, v.errorMessage));
        continue;
      }
      const conflict = resolvedTopicConfigProblem(resolveTopicConfig(v.configs, ctx.broker.config));
      if (conflict !== undefined) {
        results.push(failed(t.name, ErrorCode.INVALID_CONFIG, conflict));
        continue;
      }
      const result: Result = {
        name: t.name,
        topicId: ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: v.numPartitions,
        replicationFactor: v.replicationFactor,
        configs: createdTopicConfigs(v.configs, ctx),
      };
      hideConfigsUnlessDescribable(result, t.name, ctx);
      results.push(result);
      // Kafka's controller draws the new topic's id before validate-only stops it, and answers it.
      if (request.validateOnly) result.topicId = randomUuid();
      if (!request.validateOnly) {
        const creating = topics.createTopic(t.name, v.numPartitions, v.configs, false, v.replicationFactor, v.assignment);
        const id = topics.topic(t.name)?.id;
        if (id !== undefined) result.topicId = id;
        creations.push(
          creating.catch((err: unknown) => {
            ctx.broker.logger.error('topic creation failed', { topic: t.name, error: String(err) });
            Object.assign(result, failed(t.name, ErrorCode.UNKNOWN_SERVER_ERROR, `Creating topic ${t.name} failed: ${(err as Error).message}`));
          }),
        );
      }
    }
    await Promise.all(creations);
    return { throttleTimeMs: 0, topics: results };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => failed(t.name, errorCode, null)) };
  },
};
