// InitProducerId (key 22), v0-5, on postgres:// storage: an idempotent producer (null transactional
// id) gets a new producer id from the database, unique over every broker, at epoch 0 — also when it
// sends its current id and epoch (v3+), as Kafka's coordinator answers a null transactional id.
// Transactional ids are not supported on this storage yet: INVALID_REQUEST.

import { ErrorCode, type InitProducerIdRequest, type InitProducerIdResponse } from '../../codec/index.js';
import { authorizeByResourceType, authorizeCluster, Op, ResourceType } from '../authorize.js';
import { type ApiHandler } from '../registry.js';

export const pgInitProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,

  async handle(request, ctx) {
    if (request.transactionalId !== null) return this.errorResponse!(request, ErrorCode.INVALID_REQUEST, ctx);
    // An idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic (Kafka 2.8+).
    if (!authorizeCluster(ctx, Op.IDEMPOTENT_WRITE, { logIfDenied: false }) && !authorizeByResourceType(ctx, Op.WRITE, ResourceType.TOPIC)) {
      return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    }
    const producerId = await ctx.broker.pg!.store.allocateProducerId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0, ongoingTxnProducerId: -1, ongoingTxnProducerEpoch: -1 };
  },

  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1, ongoingTxnProducerId: -1, ongoingTxnProducerEpoch: -1 };
  },
};
