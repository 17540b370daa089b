// DescribeGroups (key 15), v0-6: state, protocol and members of classic groups (member metadata
// and assignment only when Stable, as Kafka). v6 answers GROUP_ID_NOT_FOUND for unknown groups.

import { type DescribeGroupsRequest, type DescribeGroupsResponse, ErrorCode } from '../codec/index.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './acl-operations.js';
import { authorize, authorizedOperations, Op, ResourceType } from './authorize.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  ...schemaVersions(15),
  handle(request, ctx) {
    // DESCRIBE on each group; as Kafka, the refused ones come first.
    const allowed = request.groups.filter((g) => authorize(ctx, Op.DESCRIBE, ResourceType.GROUP, g));
    const refused = request.groups.filter((g) => !allowed.includes(g)).map((groupId) => ({
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId, groupState: '', protocolType: '', protocolData: '', members: [],
      authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    }));
    const groups = ctx.broker.groups.describeGroups(allowed, ctx.apiVersion);
    // KIP-430: without ACLs every group operation is allowed.
    if (ctx.apiVersion >= 3 && request.includeAuthorizedOperations) {
      for (const g of groups) if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(ctx, ResourceType.GROUP, g.groupId);
    }
    return { throttleTimeMs: 0, groups: [...refused, ...groups] };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => ({
        errorCode, errorMessage: null, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648,
      })),
    };
  },
};
