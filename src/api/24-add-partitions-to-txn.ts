// AddPartitionsToTxn (key 24), v0-5. v0-3: one transaction from the producer; v4+ (KIP-890): a batch of
// transactions, each either added or, with verify_only, checked (which partitions are already in the
// ongoing transaction). Unknown partitions fail with UNKNOWN_TOPIC_OR_PARTITION and the rest of that
// transaction with OPERATION_NOT_ATTEMPTED, as in Kafka. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.

import {
  ErrorCode,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnTopic,
  type AddPartitionsToTxnTopicResult,
} from '../codec/index.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

function results(topics: readonly AddPartitionsToTxnTopic[], code: (topic: string, partition: number) => number): AddPartitionsToTxnTopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
}

async function addOne(
  id: string,
  producerId: number,
  producerEpoch: number,
  topics: readonly AddPartitionsToTxnTopic[],
  verifyOnly: boolean,
  ctx: RequestContext,
): Promise<AddPartitionsToTxnTopicResult[]> {
  const { txn, cluster } = ctx.broker;
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  if (verifyOnly) {
    const codes = txn.verifyPartitions(id, producerId, producerEpoch, partitions);
    let i = 0;
    return results(topics, () => codes[i++]);
  }
  const unknown = new Set<string>();
  for (const p of partitions) {
    const t = cluster.topic(p.topic);
    if (t === undefined || p.partition < 0 || p.partition >= t.partitions) unknown.add(`${p.topic}\0${p.partition}`);
  }
  if (unknown.size > 0) {
    return results(topics, (t, p) => (unknown.has(`${t}\0${p}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
  let code = await txn.addPartitions(id, producerId, producerEpoch, partitions);
  if (code === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2) code = ErrorCode.INVALID_PRODUCER_EPOCH;
  return results(topics, () => code);
}

export const addPartitionsToTxnHandler: ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  ...schemaVersions(24),

  async handle(request, ctx) {
    if (ctx.apiVersion < 4) {
      const r = await addOne(request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, request.v3AndBelowTopics, false, ctx);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: r };
    }
    const resultsByTransaction = await Promise.all(
      request.transactions.map(async (t) => ({
        transactionalId: t.transactionalId,
        topicResults: await addOne(t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly, ctx),
      })),
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },

  errorResponse(request, errorCode, ctx) {
    if (ctx.apiVersion < 4) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: results(request.v3AndBelowTopics, () => errorCode) };
    }
    return { throttleTimeMs: 0, errorCode, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
  },
};
