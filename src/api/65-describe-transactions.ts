// DescribeTransactions (key 65), v0: state, producer id and epoch, timeout, start time and partitions
// of each transactional id (with the __consumer_offsets partition of every group added by
// AddOffsetsToTxn, as Kafka lists it); TRANSACTIONAL_ID_NOT_FOUND for ids the coordinator does not know.

import { ErrorCode, type DescribeTransactionsRequest, type DescribeTransactionsResponse } from '../codec/index.js';
import { OFFSETS_TOPIC, offsetsPartitionFor } from '../group/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';

/** An id without state: the schema's defaults (zeros), as Kafka leaves them. */
const UNKNOWN = { transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: 0, producerId: 0, producerEpoch: 0, topics: [] };

export const describeTransactionsHandler: ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse> = {
  ...schemaVersions(65),

  handle(request, ctx) {
    const { txn } = ctx.broker;
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((id) => {
        if (!authorize(ctx, Op.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, ...UNKNOWN };
        // Per id: on postgres:// each id has its partition's coordinator, maybe another broker (NOT_COORDINATOR).
        const active = txn.statusOf(id);
        if (active !== ErrorCode.NONE) return { errorCode: active, transactionalId: id, ...UNKNOWN };
        const d = txn.describe(id);
        if (d === undefined) return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: id, ...UNKNOWN };
        return {
          errorCode: ErrorCode.NONE,
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: d.startTimestamp,
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          topics: withOffsetsPartitions(d.partitions, d.groups, ctx.broker.groups.config.offsetsTopicPartitions)
            .filter(([topic]) => authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, [topic]).size > 0) // only topics the client may DESCRIBE
            .map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) })),
        };
      }),
    };
  },

  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, transactionStates: request.transactionalIds.map((id) => ({ errorCode, transactionalId: id, ...UNKNOWN })) };
  },
};

function withOffsetsPartitions(partitions: Map<string, Set<number>>, groups: Set<string>, offsetsPartitions: number): [string, Set<number>][] {
  const out = [...partitions];
  if (groups.size > 0) out.push([OFFSETS_TOPIC, new Set([...groups].map((g) => offsetsPartitionFor(g, offsetsPartitions)))]);
  return out;
}
