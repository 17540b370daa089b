// JoinGroup (key 11), v0-9. The classic rebalance's first phase: the coordinator parks the request
// until the group's next generation forms (see src/group/coordinator.ts). v4+ first answers an
// unknown member with MEMBER_ID_REQUIRED; v9 can tell a rejoining static leader to skip assignment.

import { ErrorCode, type JoinGroupRequest, type JoinGroupResponse } from '../codec/index.js';
import { clientInfo } from '../group/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  ...schemaVersions(11),
  handle(request, ctx) {
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return this.errorResponse!(request, ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
    return ctx.broker.groups.joinGroup(request, clientInfo(ctx.clientId, ctx.connection.remoteAddress, ctx.apiVersion));
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '',
      skipAssignment: false, memberId: request.memberId, members: [],
    };
  },
};
