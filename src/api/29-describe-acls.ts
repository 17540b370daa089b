// DescribeAcls (key 29), v0-3: the ACLs a filter selects, grouped by resource pattern. Needs
// DESCRIBE on the cluster; without an authorizer Kafka answers SECURITY_DISABLED. A filter with a
// code 0 (UNKNOWN) closes the connection, as Kafka fails to parse it; other unknown codes match nothing.

import type { DescribeAclsRequest, DescribeAclsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import type { AclBinding } from '../security/acl.js';
import { authorizeCluster, Op } from './authorize.js';
import { CLOSE_CONNECTION, type RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const describeAclsHandler: ApiHandler<DescribeAclsRequest, EncodeInput<DescribeAclsResponse>> = {
  ...schemaVersions(29),
  handle(request, ctx: RequestContext) {
    if ([request.resourceTypeFilter, request.patternTypeFilter, request.operation, request.permissionType].includes(0)) return CLOSE_CONNECTION;
    const fail = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    if (!authorizeCluster(ctx, Op.DESCRIBE)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const authorizer = ctx.broker.authorizer ?? null;
    if (authorizer === null) return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
    const acls = authorizer.acls({
      resourceType: request.resourceTypeFilter,
      resourceName: request.resourceNameFilter,
      patternType: request.patternTypeFilter,
      principal: request.principalFilter,
      host: request.hostFilter,
      operation: request.operation,
      permission: request.permissionType,
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: '', resources: groupByPattern(acls) };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, resources: [] };
  },
};

/** One entry per resource pattern with its ACLs, in the order the patterns first appear. */
function groupByPattern(acls: readonly AclBinding[]) {
  const byPattern = new Map<string, { resourceType: number; resourceName: string; patternType: number; acls: { principal: string; host: string; operation: number; permissionType: number }[] }>();
  for (const a of acls) {
    const key = JSON.stringify([a.resourceType, a.patternType, a.resourceName]);
    let entry = byPattern.get(key);
    if (entry === undefined) {
      entry = { resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, acls: [] };
      byPattern.set(key, entry);
    }
    entry.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permission });
  }
  return [...byPattern.values()];
}
