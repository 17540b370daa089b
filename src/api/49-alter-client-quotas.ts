// AlterClientQuotas (key 49), v0-1: sets and removes quotas of user / client-id / ip entities
// (a null name is the <default> entity), each entity validated as Kafka's controller does and
// applied all or nothing; validate_only changes nothing. Quotas are persisted in the cluster
// metadata, and producer_byte_rate / consumer_byte_rate throttle Produce and Fetch.

import type { AlterClientQuotasRequest, AlterClientQuotasResponse, AlterClientQuotasResponseEntryData, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { entityString, type QuotaEntity } from '../cluster/quotas.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const alterClientQuotasHandler: ApiHandler<AlterClientQuotasRequest, EncodeInput<AlterClientQuotasResponse>> = {
  ...schemaVersions(49),
  async handle(request, ctx: RequestContext) {
    if (!authorizeCluster(ctx, Op.ALTER_CONFIGS)) return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    const quotas = ctx.broker.cluster.quotas;
    const entries: EncodeInput<AlterClientQuotasResponseEntryData>[] = [];
    const seen = new Set<string>();
    for (const e of request.entries) {
      const entityOut = e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName }));
      const respond = (errorCode: number, errorMessage: string | null) => entries.push({ errorCode, errorMessage, entity: entityOut });
      const entity: Record<string, string | null> = {};
      let duplicateType: string | undefined;
      for (const x of e.entity) {
        if (x.entityType in entity) duplicateType ??= x.entityType;
        entity[x.entityType] = x.entityName;
      }
      if (duplicateType !== undefined) {
        respond(ErrorCode.INVALID_REQUEST, `Invalid client quota entity, duplicate entity entry ${duplicateType}`);
        continue;
      }
      const key = JSON.stringify(Object.keys(entity).sort().map((k) => [k, entity[k]]));
      if (seen.has(key)) {
        respond(ErrorCode.INVALID_REQUEST, `Ignoring duplicate entity ${entityString(entity)}`);
        continue;
      }
      seen.add(key);
      const problem = await quotas.alter(
        entity as QuotaEntity,
        e.ops.map((op) => ({ key: op.key, value: op.remove ? null : op.value })),
        request.validateOnly,
      );
      respond(problem?.errorCode ?? ErrorCode.NONE, problem?.errorMessage ?? null);
    }
    return { throttleTimeMs: 0, entries };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      entries: request.entries.map((e) => ({ errorCode, errorMessage: null, entity: e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName })) })),
    };
  },
};
