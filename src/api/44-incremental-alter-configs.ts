// IncrementalAlterConfigs (key 44), v0-1: SET, DELETE, APPEND and SUBTRACT (list configs only) on
// a topic's overrides or the dynamic broker configs, checked as Kafka checks them (INVALID_CONFIG
// naming the key and why, INVALID_REQUEST for malformed requests). validate_only changes nothing.

import type { EncodeInput, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../codec/index.js';
import { ConfigAdmin } from '../cluster/config-admin.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, EncodeInput<IncrementalAlterConfigsResponse>> = {
  ...schemaVersions(44),
  async handle(request, ctx: RequestContext) {
    const admin = new ConfigAdmin(ctx.broker.topics, ctx.broker.cluster, ctx.broker.config);
    const results = await admin.alter(request.resources, 'incremental', request.validateOnly);
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
