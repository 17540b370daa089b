// DescribeGroups (key 15), v0-6: state, protocol and members of classic groups (member metadata
// and assignment only when Stable, as Kafka). v6 answers GROUP_ID_NOT_FOUND for unknown groups.

import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  ...schemaVersions(15),
  handle(request, ctx) {
    return { throttleTimeMs: 0, groups: ctx.broker.groups.describeGroups(request.groups, ctx.apiVersion) };
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
