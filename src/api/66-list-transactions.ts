// ListTransactions (key 66), v0-2: transactional ids with their producer id and state, filtered by
// state (unknown state names are echoed in unknown_state_filters), producer id, v1+ minimum running
// duration (KIP-994) and v2+ a regular expression on the id (KIP-1152, whole-id match).

import { ErrorCode, type ListTransactionsRequest, type ListTransactionsResponse } from '../codec/index.js';
import { TXN_STATES, type TxnState } from '../txn/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

export const listTransactionsHandler: ApiHandler<ListTransactionsRequest, ListTransactionsResponse> = {
  ...schemaVersions(66),

  handle(request, ctx) {
    const { txn, clock } = ctx.broker;
    const active = txn.loadError;
    if (active !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: active, unknownStateFilters: [], transactionStates: [] };
    const known = request.stateFilters.filter((s): s is TxnState => (TXN_STATES as readonly string[]).includes(s));
    const unknownStateFilters = request.stateFilters.filter((s) => !(TXN_STATES as readonly string[]).includes(s));
    // Only unknown states asked for: nothing can match.
    if (request.stateFilters.length > 0 && known.length === 0) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates: [] };
    let pattern: RegExp | null = null;
    const source = ctx.apiVersion >= 2 ? request.transactionalIdPattern : null;
    if (source !== null && source !== '') {
      try {
        pattern = new RegExp(`^(?:${source})$`);
      } catch {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStateFilters, transactionStates: [] };
      }
    }
    const duration = ctx.apiVersion >= 1 ? request.durationFilter : -1;
    const now = clock.now();
    const pids = new Set(request.producerIdFilters);
    const transactionStates = txn
      .list()
      .filter((d) => known.length === 0 || known.includes(d.state))
      .filter((d) => pids.size === 0 || pids.has(d.producerId))
      .filter((d) => duration < 0 || now - d.startTimestamp > duration)
      .filter((d) => pattern === null || pattern.test(d.transactionalId))
      .filter((d) => authorize(ctx, Op.DESCRIBE, ResourceType.TRANSACTIONAL_ID, d.transactionalId, { logIfDenied: false }))
      .map((d) => ({ transactionalId: d.transactionalId, producerId: d.producerId, transactionState: d.state }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  },

  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, unknownStateFilters: [], transactionStates: [] };
  },
};
