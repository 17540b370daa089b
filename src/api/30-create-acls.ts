// CreateAcls (key 30), v0-3: adds ACLs, each judged on its own (Kafka's messages: the cluster
// resource's name, an empty name, an UNKNOWN code, an unparsable principal → INVALID_REQUEST); the
// valid ones are in force at once and durable before the answer. Needs ALTER on the cluster;
// without an authorizer every creation answers SECURITY_DISABLED. As in Kafka, a code 0 closes the
// connection (unparsable request) and an ANY or MATCH code fails every creation with
// UNKNOWN_SERVER_ERROR (Kafka cannot even build such a binding).

import type { CreateAclsRequest, CreateAclsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type AclBinding, AclOperation, AclPermission, PatternType, ResourceType } from '../security/acl.js';
import { newAclProblem } from '../security/authorizer.js';
import { authorizeCluster, Op } from './authorize.js';
import { CLOSE_CONNECTION, type RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

type Result = { errorCode: number; errorMessage: string | null };

export const createAclsHandler: ApiHandler<CreateAclsRequest, EncodeInput<CreateAclsResponse>> = {
  ...schemaVersions(30),
  async handle(request, ctx: RequestContext) {
    const all = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) });
    const creations = request.creations;
    if (creations.some((c) => c.resourceType === 0 || c.resourcePatternType === 0 || c.operation === 0 || c.permissionType === 0)) return CLOSE_CONNECTION;
    if (!authorizeCluster(ctx, Op.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const authorizer = ctx.broker.authorizer ?? null;
    if (authorizer === null) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const unbuildable = creations.some(
      (c) => c.resourceType === ResourceType.ANY || c.resourcePatternType === PatternType.ANY || c.resourcePatternType === PatternType.MATCH ||
        c.operation === AclOperation.ANY || c.permissionType === AclPermission.ANY,
    );
    if (unbuildable) return all(ErrorCode.UNKNOWN_SERVER_ERROR, null);
    const results: Result[] = [];
    const valid: AclBinding[] = [];
    for (const c of creations) {
      const acl: AclBinding = {
        resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType,
        principal: c.principal, host: c.host, operation: c.operation, permission: c.permissionType,
      };
      const problem = newAclProblem(acl);
      if (problem !== null) {
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem });
      } else {
        valid.push(acl);
        results.push({ errorCode: ErrorCode.NONE, errorMessage: '' });
      }
    }
    if (valid.length > 0) await authorizer.create(valid);
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage: null })) };
  },
};
