// DescribeGroups (key 15), v0-6: state, protocol and members of classic groups (member metadata
// and assignment only when Stable, as Kafka). v6 answers GROUP_ID_NOT_FOUND for unknown groups.

import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../codec/index.js';
import { GROUP_OPERATIONS } from './acl-operations.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  ...schemaVersions(15),
  handle(request, ctx) {
    const groups = ctx.broker.groups.describeGroups(request.groups, ctx.apiVersion);
    // KIP-430: without ACLs every group operation is allowed.
    if (ctx.apiVersion >= 3 && request.includeAuthorizedOperations) {
      for (const g of groups) if (g.errorCode === 0) g.authorizedOperations = GROUP_OPERATIONS;
    }
    return { throttleTimeMs: 0, groups };
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
