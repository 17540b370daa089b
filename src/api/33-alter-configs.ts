// AlterConfigs (key 33), v0-2: replaces a topic's config overrides, or the dynamic broker configs
// of this node ('1') or the cluster ('') with those given (Kafka's legacy semantics: keys not
// given are removed). validate_only checks without changing. Changes apply to the logs at once
// and survive restarts.

import type { AlterConfigsRequest, AlterConfigsResponse, EncodeInput } from '../codec/index.js';
import { ConfigAdmin } from '../cluster/config-admin.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, EncodeInput<AlterConfigsResponse>> = {
  ...schemaVersions(33),
  async handle(request, ctx: RequestContext) {
    const admin = new ConfigAdmin(ctx.broker.topics, ctx.broker.cluster, ctx.broker.config);
    const results = await admin.alter(request.resources, 'legacy', request.validateOnly);
    return {
      throttleTimeMs: 0,
      responses: request.resources.map((r, i) => ({ ...results[i], resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
};
