// EndTxn (key 26), v0-4: commits or aborts the ongoing transaction. The coordinator writes the decision
// to __transaction_state, the markers to every partition of the transaction, hands committed offsets to
// the group coordinator, then answers. v5 (KIP-890 transactions V2, epoch bump per transaction) is not
// served: we do not advertise transaction.version 2. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.

import { ErrorCode, type EndTxnRequest, type EndTxnResponse } from '../codec/index.js';
import { type ApiHandler } from './registry.js';

export const endTxnHandler: ApiHandler<EndTxnRequest, EndTxnResponse> = {
  apiKey: 26,
  minVersion: 0,
  maxVersion: 4,

  async handle(request, ctx) {
    let errorCode = await ctx.broker.txn.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },

  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};
