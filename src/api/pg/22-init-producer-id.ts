// InitProducerId (key 22), v0-5, on postgres:// storage: an idempotent producer (null transactional
// id) gets a new producer id from the database, unique over every broker, at epoch 0 — also when it
// sends its current id and epoch (v3+), as Kafka's coordinator answers a null transactional id.
// A transactional id goes to the broker's own handler: the transaction coordinator of this storage
// (txn/pg-transactions.ts) answers it, on the broker that coordinates transactions (others answer
// NOT_COORDINATOR: api/coordinator-gate.ts).

import { ErrorCode, type InitProducerIdRequest, type InitProducerIdResponse } from '../../codec/index.js';
import { authorizeByResourceType, authorizeCluster, Op, ResourceType } from '../authorize.js';
import { type ApiHandler } from '../registry.js';

export const pgInitProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,

  async handle(request, ctx) {
    if (request.transactionalId !== null) return (await import('../22-init-producer-id.js')).initProducerIdHandler.handle(request, ctx);
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
