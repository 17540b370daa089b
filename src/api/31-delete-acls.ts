// DeleteAcls (key 31), v0-3: removes the ACLs each filter selects, all filters in one durable
// change, and reports per filter what it removed. Needs ALTER on the cluster; without an authorizer
// every filter answers SECURITY_DISABLED. As in Kafka, a code 0 closes the connection (unparsable
// request), and a filter with another unknown code answers INVALID_REQUEST on its own.

import type { DeleteAclsRequest, DeleteAclsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type AclFilter, AclOperation, AclPermission, isKnownCode, PatternType, ResourceType } from '../security/acl.js';
import { authorizeCluster, Op } from './authorize.js';
import { CLOSE_CONNECTION, type RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const deleteAclsHandler: ApiHandler<DeleteAclsRequest, EncodeInput<DeleteAclsResponse>> = {
  ...schemaVersions(31),
  async handle(request, ctx: RequestContext) {
    const all = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (request.filters.some((f) => f.resourceTypeFilter === 0 || f.patternTypeFilter === 0 || f.operation === 0 || f.permissionType === 0)) return CLOSE_CONNECTION;
    if (!authorizeCluster(ctx, Op.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const authorizer = ctx.broker.authorizer ?? null;
    if (authorizer === null) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const problems = request.filters.map((f) => {
      if (!isKnownCode(ResourceType, f.resourceTypeFilter) || !isKnownCode(PatternType, f.patternTypeFilter)) return 'Unknown patternFilter.';
      if (!isKnownCode(AclOperation, f.operation) || !isKnownCode(AclPermission, f.permissionType)) return 'Unknown entryFilter.';
      return null;
    });
    const filters: AclFilter[] = request.filters.map((f) => ({
      resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
      principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permission: f.permissionType,
    }));
    const { deleted, durable } = authorizer.delete(filters.filter((_, i) => problems[i] === null));
    await durable;
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: problems.map((problem) => {
        if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: deleted[next++].map((a) => ({
            errorCode: ErrorCode.NONE, errorMessage: null, resourceType: a.resourceType, resourceName: a.resourceName,
            patternType: a.patternType, principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permission,
          })),
        };
      }),
    };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })) };
  },
};
