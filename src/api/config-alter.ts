// The one handler shape behind AlterConfigs (33) and IncrementalAlterConfigs (44): both hand their
// resources to ConfigAdmin (legacy replaces a resource's configs, incremental applies operations) and
// answer one result per resource, named as asked.

import type { EncodeInput } from '../codec/index.js';
import { type AlterResource, ConfigAdmin } from '../cluster/config-admin.js';
import type { ApiHandler } from './registry.js';
import { schemaVersions } from './registry.js';

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
      const admin = new ConfigAdmin(ctx.broker.topics, ctx.broker.cluster, ctx.broker.config);
      const results = await admin.alter(request.resources, mode, request.validateOnly);
      return {
        throttleTimeMs: 0,
        responses: request.resources.map((r, i) => ({ ...results[i], resourceType: r.resourceType, resourceName: r.resourceName })),
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
