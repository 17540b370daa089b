// ConsumerGroupHeartbeat (key 68), v0-1: the KIP-848 consumer protocol (group.protocol=consumer).
// Joining, subscription changes, reconciliation and leaving are all heartbeats; the broker computes
// assignments (src/group/consumer-protocol.ts). v1 requires the client to choose its member id.

import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../codec/index.js';
import { clientInfo } from '../group/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const consumerGroupHeartbeatHandler: ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = {
  ...schemaVersions(68),
  handle(request, ctx) {
    return ctx.broker.groups.consumerGroupHeartbeat(request, clientInfo(ctx.clientId, ctx.connection.remoteAddress, ctx.apiVersion));
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  },
};
