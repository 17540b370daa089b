// TxnOffsetCommit (key 28), v0-5: offsets of a consume-transform-produce loop, committed with the
// producer's transaction. They are kept (durably, in __transaction_state) with the transaction and
// handed to the group coordinator only when it commits; until then OffsetFetch with require_stable
// answers UNSTABLE_OFFSET_COMMIT for them. v3+ carry the member and generation, checked as Kafka does
// for classic groups. Partitions of unknown topics answer UNKNOWN_TOPIC_OR_PARTITION. v5 is transactions
// V2 (KIP-890 part 2): the group joins the transaction here, with no AddOffsetsToTxn before. On
// postgres:// storage the offsets are stored in the database by producer id and group until the
// transaction coordinator (txn/pg-transactions.ts) ends the transaction; with v5 the group is added
// at the coordinator first, maybe another broker.

import { ErrorCode, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../codec/index.js';
import { ClassicGroup, type GroupCoordinator } from '../group/index.js';
import { TRANSACTION_VERSION_1, TRANSACTION_VERSION_2 } from '../txn/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';

function all(request: TxnOffsetCommitRequest, code: number): TxnOffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
  };
}

/** Kafka's member checks of a transactional commit against a classic group (v3+ requests). */
function memberError(groups: GroupCoordinator, request: TxnOffsetCommitRequest): number {
  const group = groups.groups.get(request.groupId);
  if (!(group instanceof ClassicGroup)) return ErrorCode.NONE;
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (request.generationId < 0 && request.memberId === '' && request.groupInstanceId === null) return ErrorCode.NONE;
  const invalid = groups.validateMember(group, request.memberId, request.groupInstanceId);
  if (invalid !== ErrorCode.NONE) return invalid;
  if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

export const txnOffsetCommitHandler: ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  ...schemaVersions(28),

  async handle(request, ctx) {
    const { groups, txn, cluster } = ctx.broker;
    // ACLs: WRITE on the transactional id, READ on the group, READ on each topic.
    if (!authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return all(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return all(request, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const active = groups.checkActive(request.groupId);
    if (active !== ErrorCode.NONE) return all(request, active);
    if (request.groupId === '') return all(request, ErrorCode.INVALID_GROUP_ID);
    if (ctx.apiVersion >= 3) {
      const invalid = memberError(groups, request);
      if (invalid !== ErrorCode.NONE) return all(request, invalid);
    }
    const codes = new Map<string, number>();
    const offsets = [];
    for (const t of request.topics) {
      const info = cluster.topic(t.name);
      for (const p of t.partitions) {
        if (!readable.has(t.name)) {
          codes.set(`${t.name}\0${p.partitionIndex}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        } else if (info === undefined || p.partitionIndex < 0 || p.partitionIndex >= info.partitions) {
          codes.set(`${t.name}\0${p.partitionIndex}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        } else if (p.committedMetadata !== null && p.committedMetadata.length > groups.config.offsetMetadataMaxSize) {
          codes.set(`${t.name}\0${p.partitionIndex}`, ErrorCode.OFFSET_METADATA_TOO_LARGE);
        } else {
          offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata ?? '' });
        }
      }
    }
    const transactionVersion = ctx.apiVersion >= 5 ? TRANSACTION_VERSION_2 : TRANSACTION_VERSION_1;
    // postgres:// storage: the transaction's coordinator may be another broker (txn/pg-transactions.ts).
    const pgTransactions = ctx.broker.pg?.transactions;
    const code = offsets.length === 0 ? ErrorCode.NONE : pgTransactions !== undefined
      ? await pgTransactions.commitOffsets(request.transactionalId, request.groupId, request.producerId, request.producerEpoch, offsets, transactionVersion)
      : await txn.txnOffsetCommit(request.transactionalId, request.groupId, request.producerId, request.producerEpoch, offsets, transactionVersion);
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(`${t.name}\0${p.partitionIndex}`) ?? code })),
      })),
    };
  },

  errorResponse(request, errorCode) {
    return all(request, errorCode);
  },
};
