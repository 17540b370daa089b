// EndTxn (key 26), v0-5: commits or aborts the ongoing transaction. The coordinator writes the decision
// to __transaction_state, the markers to every partition of the transaction, hands committed offsets to
// the group coordinator, then answers. v5 is transactions V2 (KIP-890 part 2, the `transaction.version`
// feature we finalise at 2): every EndTxn bumps the producer epoch and the answer carries the producer
// id and epoch for the next transaction. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.

import { ErrorCode, type EndTxnRequest, type EndTxnResponse } from '../codec/index.js';
import { TRANSACTION_VERSION_1, TRANSACTION_VERSION_2 } from '../txn/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const endTxnHandler: ApiHandler<EndTxnRequest, EndTxnResponse> = {
  ...schemaVersions(26),

  async handle(request, ctx) {
    if (!authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return this.errorResponse!(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ctx);
    const transactionVersion = ctx.apiVersion >= 5 ? TRANSACTION_VERSION_2 : TRANSACTION_VERSION_1;
    const result = await ctx.broker.txn.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed, transactionVersion);
    let errorCode = result.errorCode;
    if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
  },

  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};
