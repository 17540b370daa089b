// The one handler shape behind AlterConfigs (33) and IncrementalAlterConfigs (44): both hand their
// resources to ConfigAdmin (legacy replaces a resource's configs, incremental applies operations) and
// answer one result per resource, named as asked.

import type { EncodeInput } from '../codec/index.js';
import { type AlterResource, ConfigAdmin } from '../cluster/config-admin.js';
import type { ApiHandler } from './registry.js';
import { schemaVersions } from './registry.js';
import { configResourceRefusal, Op } from './authorize.js';
import { learnTopics } from './cluster-view.js';

const TOPIC_RESOURCE = 2;

interface AlterRequest {
  resources: readonly AlterResource[];
  validateOnly: boolean;
}

interface AlterResponse {
  throttleTimeMs: number;
  responses: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[];
}

export function alterConfigsHandlerFor<Req extends AlterRequest, Res extends AlterResponse>(apiKey: 33 | 44, mode: 'legacy' | 'incremental'): ApiHandler<Req, EncodeInput<Res>> {
  return {
    ...schemaVersions(apiKey),
    async handle(request, ctx) {
      await learnTopics(ctx, request.resources.filter((r) => r.resourceType === TOPIC_RESOURCE).map((r) => r.resourceName));
      const pg = ctx.broker.pg;
      const admin = new ConfigAdmin(ctx.broker.topics, ctx.broker.cluster, ctx.broker.config, pg && ((topic, configs) => pg.topicAdmin.setTopicConfigs(topic, configs)));
      // ALTER_CONFIGS on the topic, group or cluster; refused resources are not handed on.
      const refusals = request.resources.map((r) => configResourceRefusal(ctx, Op.ALTER_CONFIGS, r.resourceType, r.resourceName));
      const results = await admin.alter(request.resources.filter((_, i) => refusals[i] === null), mode, request.validateOnly);
      let next = 0;
      return {
        throttleTimeMs: 0,
        responses: request.resources.map((r, i) => {
          const refused = refusals[i];
          const result = refused === null ? results[next++] : { errorCode: refused, errorMessage: null };
          return { ...result, resourceType: r.resourceType, resourceName: r.resourceName };
        }),
      } as EncodeInput<Res>;
    },
    errorResponse(request, errorCode) {
      return {
        throttleTimeMs: 0,
        responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
      } as EncodeInput<Res>;
    },
  };
}
