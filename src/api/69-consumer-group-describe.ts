// ConsumerGroupDescribe (key 69), v0-1: KIP-848 groups with epochs, assignor, and each member's
// current and target assignment (GROUP_ID_NOT_FOUND for unknown or classic groups).

import { type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponse, ErrorCode } from '../codec/index.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './acl-operations.js';
import { authorize, authorizedOperations, Op, ResourceType } from './authorize.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const consumerGroupDescribeHandler: ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = {
  ...schemaVersions(69),
  handle(request, ctx) {
    // DESCRIBE on each group; as Kafka, the refused ones come first.
    const allowed = request.groupIds.filter((g) => authorize(ctx, Op.DESCRIBE, ResourceType.GROUP, g));
    const refused = request.groupIds.filter((g) => !allowed.includes(g)).map((groupId) => ({
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [],
      authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    }));
    const groups = ctx.broker.groups.consumerGroupDescribe(allowed, ctx.apiVersion);
    // KIP-430: without ACLs every group operation is allowed.
    if (request.includeAuthorizedOperations) {
      for (const g of groups) if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(ctx, ResourceType.GROUP, g.groupId);
    }
    return { throttleTimeMs: 0, groups: [...refused, ...groups] };
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
