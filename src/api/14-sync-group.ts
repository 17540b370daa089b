// SyncGroup (key 14), v0-5. The leader hands in the assignment; every member's request is parked
// until it is durable, then answered with that member's bytes (passed through whole). v5 checks the
// protocol type and name against the group's.

import { ErrorCode, type SyncGroupRequest, type SyncGroupResponse } from '../codec/index.js';
import { clientInfo } from '../group/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponse> = {
  ...schemaVersions(14),
  handle(request, ctx) {
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return this.errorResponse!(request, ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
    return ctx.broker.groups.syncGroup(request, clientInfo(ctx.clientId, ctx.connection.remoteAddress, ctx.apiVersion));
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  },
};
