// LeaveGroup (key 13), v0-5. v0-2 carry one member id and answer with a top-level error; v3+ carry
// a batch of member identities (KIP-345: static members may be removed by group.instance.id) and
// answer per member.

import type { LeaveGroupRequest, LeaveGroupResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  ...schemaVersions(13),
  handle(request, ctx) {
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    if (ctx.apiVersion < 3) {
      const r = ctx.broker.groups.leaveGroup(request.groupId, [{ memberId: request.memberId, groupInstanceId: null }]);
      const errorCode = r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0]?.errorCode ?? ErrorCode.NONE);
      return { throttleTimeMs: 0, errorCode, members: [] };
    }
    const r = ctx.broker.groups.leaveGroup(request.groupId, request.members);
    return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, members: [] };
  },
};
