// DescribeClientQuotas (key 48), v0-1: the stored quota entities matching a filter (exact name,
// <default>, or any entity of a type; strict = no other entity types), with Kafka's errors for
// malformed filters (the whole request fails, entries null).

import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const describeClientQuotasHandler: ApiHandler<DescribeClientQuotasRequest, EncodeInput<DescribeClientQuotasResponse>> = {
  ...schemaVersions(48),
  handle(request, ctx: RequestContext) {
    if (!authorizeCluster(ctx, Op.DESCRIBE_CONFIGS)) return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    const found = ctx.broker.cluster.quotas.describe(request.components, request.strict);
    if (!Array.isArray(found)) return { throttleTimeMs: 0, errorCode: found.errorCode, errorMessage: found.errorMessage, entries: null };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      entries: found.map((e) => ({
        entity: Object.keys(e.entity)
          .sort()
          .map((entityType) => ({ entityType, entityName: e.entity[entityType] })),
        values: Object.entries(e.quotas).map(([key, value]) => ({ key, value })),
      })),
    };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, entries: null };
  },
};
