// AddOffsetsToTxn (key 25), v0-4: adds a group's __consumer_offsets partition to the transaction, so
// TxnOffsetCommit may follow. The offsets ride with the transaction (see src/txn) and reach the group
// coordinator when it commits. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.

import { ErrorCode, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const addOffsetsToTxnHandler: ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  ...schemaVersions(25),

  async handle(request, ctx) {
    if (!authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    if (request.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    let errorCode = await ctx.broker.txn.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, [], [request.groupId]);
    if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },

  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};
