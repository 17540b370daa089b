// CreateTopics (key 19), v0-7. Validates every topic as Kafka's controller does (duplicate names,
// reserved names, legal names, collisions, existing topics, configs, partitions, replication
// factor, manual assignments) and creates the valid ones unless validate_only. v5+ answers with
// the topic's effective configs, partition count and replication factor; v7 with the topic id.

import type { CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode, ZERO_UUID } from '../codec/index.js';
import { describeTopicConfigs } from '../cluster/config-describe.js';
import { topicNameProblem } from '../cluster/topic-names.js';
import { topicConfigProblem } from '../config/topic-configs.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

type Result = EncodeInput<CreatableTopicResult>;

function failed(name: string, errorCode: number, errorMessage: string | null): Result {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
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
    for (const t of request.topics) {
      if (reported.has(t.name)) continue;
      reported.add(t.name);
      if (seen.get(t.name)! > 1) {
        results.push(failed(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
        continue;
      }
      if (t.name === CLUSTER_METADATA_TOPIC) {
        results.push(failed(t.name, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`));
        continue;
      }
      // Kafka checks the configs (null values, unknown names, bad values) before anything else.
      const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nullConfigs.length > 0) {
        results.push(failed(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfigs.join(',')}`));
        continue;
      }
      const configProblem = t.configs.map((c) => topicConfigProblem(c.name, c.value!)).find((p) => p !== undefined);
      if (configProblem !== undefined && topics.topic(t.name) === undefined && topicNameProblem(t.name) === undefined) {
        results.push(failed(t.name, ErrorCode.INVALID_CONFIG, configProblem));
        continue;
      }
      // Validation and creation run without an await in between, so a second topic in this or
      // another request sees the first one.
      const v = topics.validateCreate({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments,
        configs: t.configs,
      });
      if ('errorCode' in v) {
        results.push(failed(t.name, v.errorCode, v.errorMessage));
        continue;
      }
      const result: Result = {
        name: t.name,
        topicId: ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: v.numPartitions,
        replicationFactor: 1,
        configs: describeTopicConfigs(v.configs, ctx.broker.config).map((c) => ({
          name: c.name,
          value: c.isSensitive ? null : c.value,
          readOnly: c.readOnly,
          configSource: c.source,
          isSensitive: c.isSensitive,
        })),
      };
      results.push(result);
      if (!request.validateOnly) {
        const creating = topics.createTopic(t.name, v.numPartitions, v.configs);
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
