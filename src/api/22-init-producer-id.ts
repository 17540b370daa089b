// InitProducerId (key 22), v0-5 (v6, KIP-939 keep_prepared_txn, is not advertised: Kafka 4.x does not
// either). A null transactional id gets a fresh producer id (idempotence); a transactional id gets its
// producer id with a bumped epoch, fencing older instances, after aborting any ongoing transaction
// (answered CONCURRENT_TRANSACTIONS, the client retries). v3+ carry the producer's current id and
// epoch for KIP-360 recovery. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v4, as in Kafka.

import { ErrorCode, type InitProducerIdRequest, type InitProducerIdResponse } from '../codec/index.js';
import { type ApiHandler } from './registry.js';
import { authorize, authorizeByResourceType, authorizeCluster, Op, ResourceType } from './authorize.js';

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,

  async handle(request, ctx) {
    // ACLs: WRITE on the transactional id; an idempotent producer needs IDEMPOTENT_WRITE on the
    // cluster or WRITE on some topic (Kafka 2.8+).
    if (request.transactionalId !== null) {
      if (!authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return this.errorResponse!(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ctx);
    } else if (!authorizeCluster(ctx, Op.IDEMPOTENT_WRITE, { logIfDenied: false }) && !authorizeByResourceType(ctx, Op.WRITE, ResourceType.TOPIC)) {
      return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    }
    const expected = ctx.apiVersion >= 3 ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : undefined;
    const r = await ctx.broker.txn.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
    const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 4 ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch, ongoingTxnProducerId: -1, ongoingTxnProducerEpoch: -1 };
  },

  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1, ongoingTxnProducerId: -1, ongoingTxnProducerEpoch: -1 };
  },
};
