// DescribeConfigs (key 32), v0-4: topic and broker configs with value, read-only and sensitive
// flags; is_default (v0) or config source (v1+); synonyms when asked (v1+); type and documentation
// when asked (v3+). Broker resource '' is the cluster-wide dynamic defaults, as in Kafka.

import { type DescribeConfigsRequest, type DescribeConfigsResponse, type EncodeInput, ERROR_TABLE } from '../codec/index.js';
import { ConfigAdmin } from '../cluster/config-admin.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { configResourceRefusal, Op } from './authorize.js';
import { learnTopics } from './cluster-view.js';

const TOPIC_RESOURCE = 2;

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, EncodeInput<DescribeConfigsResponse>> = {
  ...schemaVersions(32),
  async handle(request, ctx: RequestContext) {
    await learnTopics(ctx, request.resources.filter((r) => r.resourceType === TOPIC_RESOURCE).map((r) => r.resourceName));
    const admin = new ConfigAdmin(ctx.broker.topics, ctx.broker.cluster, ctx.broker.config);
    const v = ctx.apiVersion;
    const results = request.resources.map((r) => {
      // DESCRIBE_CONFIGS on the topic, group or cluster: refused with Kafka's message for the error.
      const refused = configResourceRefusal(ctx, Op.DESCRIBE_CONFIGS, r.resourceType, r.resourceName);
      if (refused !== null) {
        const errorMessage = ERROR_TABLE.find((e) => e.code === refused)?.message ?? null;
        return { errorCode: refused, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
      }
      const d = admin.describe(r.resourceType, r.resourceName, r.configurationKeys);
      return {
        errorCode: d.errorCode,
        errorMessage: d.errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: d.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.isDefault,
          configSource: c.source,
          isSensitive: c.isSensitive,
          synonyms: v >= 1 && request.includeSynonyms ? c.synonyms : [],
          configType: c.type,
          documentation: v >= 3 && request.includeDocumentation ? c.documentation : null,
        })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      results: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })),
    };
  },
};
