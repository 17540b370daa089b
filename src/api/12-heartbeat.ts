// Heartbeat (key 12), v0-4: keeps a classic member's session alive and tells it when to rejoin
// (REBALANCE_IN_PROGRESS).

import { ErrorCode, type HeartbeatRequest, type HeartbeatResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  ...schemaVersions(12),
  handle(request, ctx) {
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    return { throttleTimeMs: 0, errorCode: ctx.broker.groups.heartbeat(request) };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};
