// ConsumerGroupDescribe (key 69), v0-1: KIP-848 groups with epochs, assignor, and each member's
// current and target assignment (GROUP_ID_NOT_FOUND for unknown or classic groups).

import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const consumerGroupDescribeHandler: ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = {
  ...schemaVersions(69),
  handle(request, ctx) {
    return { throttleTimeMs: 0, groups: ctx.broker.groups.consumerGroupDescribe(request.groupIds, ctx.apiVersion) };
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
