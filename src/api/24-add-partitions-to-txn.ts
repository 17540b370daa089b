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
import { authorize, authorizeCluster, authorizedNames, Op, ResourceType } from './authorize.js';

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
  // ACLs (clients, v0-3): WRITE on the transactional id, WRITE on each topic (internal ones never).
  const fromClient = ctx.apiVersion < 4;
  if (fromClient && !authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, id)) return results(topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const writable = fromClient ? authorizedNames(ctx, Op.WRITE, ResourceType.TOPIC, topics.filter((t) => !cluster.topic(t.name)?.internal).map((t) => t.name)) : null;
  const refused = new Map<string, number>();
  for (const p of partitions) {
    const t = cluster.topic(p.topic);
    if (writable !== null && !writable.has(p.topic)) refused.set(`${p.topic}\0${p.partition}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    else if (t === undefined || p.partition < 0 || p.partition >= t.partitions) refused.set(`${p.topic}\0${p.partition}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (refused.size > 0) {
    return results(topics, (t, p) => refused.get(`${t}\0${p}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
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
    // v4+ come from brokers (KIP-890): CLUSTER_ACTION.
    if (!authorizeCluster(ctx, Op.CLUSTER_ACTION)) return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
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
