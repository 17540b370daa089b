// Heartbeat (key 12), v0-4: keeps a classic member's session alive and tells it when to rejoin
// (REBALANCE_IN_PROGRESS).

import type { HeartbeatRequest, HeartbeatResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  ...schemaVersions(12),
  handle(request, ctx) {
    return { throttleTimeMs: 0, errorCode: ctx.broker.groups.heartbeat(request) };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};
