// ConsumerGroupDescribe (key 69), v0-1: KIP-848 groups with epochs, assignor, and each member's
// current and target assignment (GROUP_ID_NOT_FOUND for unknown or classic groups).

import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '../codec/index.js';
import { GROUP_OPERATIONS } from './acl-operations.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const consumerGroupDescribeHandler: ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = {
  ...schemaVersions(69),
  handle(request, ctx) {
    const groups = ctx.broker.groups.consumerGroupDescribe(request.groupIds, ctx.apiVersion);
    // KIP-430: without ACLs every group operation is allowed.
    if (request.includeAuthorizedOperations) {
      for (const g of groups) if (g.errorCode === 0) g.authorizedOperations = GROUP_OPERATIONS;
    }
    return { throttleTimeMs: 0, groups };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      groups: request.groupIds.map((groupId) => ({
        errorCode, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [],
        authorizedOperations: -2147483648,
      })),
    };
  },
};
