// ConsumerGroupHeartbeat (key 68), v0-1: the KIP-848 consumer protocol (group.protocol=consumer).
// Joining, subscription changes, reconciliation and leaving are all heartbeats; the broker computes
// assignments (src/group/consumer-protocol.ts). v1 requires the client to choose its member id.

import { type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse, ErrorCode } from '../codec/index.js';
import { clientInfo } from '../group/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';

export const consumerGroupHeartbeatHandler: ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = {
  ...schemaVersions(68),
  handle(request, ctx) {
    // READ on the group; DESCRIBE on every subscribed topic named (Kafka 4: TOPIC_AUTHORIZATION_FAILED otherwise).
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return this.errorResponse!(request, ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
    const subscribed = request.subscribedTopicNames ?? [];
    if (subscribed.length > 0 && authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, subscribed).size < new Set(subscribed).size) {
      return this.errorResponse!(request, ErrorCode.TOPIC_AUTHORIZATION_FAILED, ctx);
    }
    return ctx.broker.groups.consumerGroupHeartbeat(request, clientInfo(ctx.clientId, ctx.connection.remoteAddress, ctx.apiVersion));
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  },
};
