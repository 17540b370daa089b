// Produce (key 0), v0-13, on postgres:// storage: each partition's batches are appended by its leader
// in one database transaction conditional on the leader's epoch (pg/partition-store.ts) and
// answered once it committed, for acks=1 and acks=-1 alike (acks=0: no answer, as always). A broker
// that is not the leader, or was replaced since its last heartbeat, answers NOT_LEADER_OR_FOLLOWER
// with the leader it knows; a database error answers KAFKA_STORAGE_ERROR (retriable). Idempotent
// batches get the one-node path's producer checks (txn/produce-check.ts) against the producer state
// kept in the database, in the append's transaction. A transactional batch opens the producer's
// transaction on the partition (the last stable offset stays at its first offset until the
// coordinator's marker). Transactions V2 (Produce v12+, KIP-890 part 2): when the producer has no
// transaction open on the partition, the append is refused in its transaction, the leader adds the
// partition at the id's coordinator (maybe another broker: txn/pg-transactions.ts) and appends again.
// Before v12 the leader does not ask the coordinator whether the partition was added (Kafka's
// transaction.partition.verification.enable=false): V1 clients sent AddPartitionsToTxn first. Produce v0-2's
// magic 0/1 message sets become one v2 batch, as on one node (api/produce-input.ts); zstd needs v7+.
// The topic's rules are the one-node path's (produce-topic-rules.ts: compression.type, keys on compacted
// topics, timestamp bounds), and LogAppendTime is stamped by the leader's clock. Not on this storage:
// min.insync.replicas (the database is the replication). A connection's next Produce starts once this
// one's appends are queued in their partitions' order, not after its COMMIT (as one node releases the
// connection before its fsync): a pipelining producer's requests share the database transactions.

import {
  ErrorCode,
  type PartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  ZERO_UUID,
} from '../../codec/index.js';
import { isTransactional, readProducerEpoch, readProducerId, setLogAppendTime } from '../../codec/records/index.js';
import { hasTransactionalRecords, incomingBatch } from '../produce-input.js';
import { applyTopicRules } from '../produce-topic-rules.js';
import type { ProducerStateManager } from '../../log/index.js';
import { checkProducerBatch } from '../../txn/produce-check.js';
import { FencedLeaderError, ProducerStateError } from '../../pg/partition-store.js';
import type { PgTopic } from '../../pg/leadership.js';
import { OpenTransactions } from '../../pg/open-transactions.js';
import { PartitionPlacements } from '../produce-placement.js';
import { INTERNAL_TOPICS } from '../../cluster/topic-names.js';
import { authorize, authorizedNames, Op, ResourceType } from '../authorize.js';
import { leaderEndpoints } from '../cluster-view.js';
import { CLOSE_CONNECTION, localNodeId, NO_RESPONSE, type RequestContext } from '../context.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

type PartitionResult = Omit<PartitionProduceResponse, '_unknownTaggedFields'>;
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

function failed(index: number, errorCode: number, errorMessage: string | null = null, currentLeader = NO_LEADER): PartitionResult {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage, currentLeader };
}

export const pgProduceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  ...schemaVersions(0),
  startsBeforeEarlierAppendsVisible: true,

  async handle(request, ctx) {
    // ACLs (Kafka's order): WRITE on the transactional id for transactional batches, WRITE on each topic.
    if (hasTransactionalRecords(request) && (request.transactionalId == null || !authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId))) {
      return this.errorResponse!(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ctx);
    }
    const m = ctx.broker.pg!.membership;
    const topicOf = (t: ProduceRequest['topicData'][number]) => (ctx.apiVersion >= 13 ? m.topics().find((x) => x.id === t.topicId) : m.topic(t.name));
    // A topic made through another broker since this one's last heartbeat: read the database once more.
    if (request.topicData.some((t) => topicOf(t) === undefined)) await m.catchUp();
    const writable = authorizedNames(ctx, Op.WRITE, ResourceType.TOPIC, request.topicData.map((t) => topicOf(t)?.name ?? t.name));
    const validAcks = request.acks === 0 || request.acks === 1 || request.acks === -1;
    /** Per partition: settles once its append holds its place in the partition's order, or has its result. */
    const placements = new PartitionPlacements<void, PartitionResult>();
    const pending = request.topicData.map((td) => {
      const topic = topicOf(td);
      return Promise.all(td.partitionData.map((p) => placements.track(async (queued): Promise<PartitionResult> => {
        if (!validAcks) return failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
        if (topic === undefined) return failed(p.index, ctx.apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (!writable.has(topic.name)) return failed(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (INTERNAL_TOPICS.has(topic.name)) return failed(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`);
        return appendToPartition(topic, p.index, p.records, request.transactionalId ?? null, ctx, queued);
      })));
    });
    // Once every append is queued behind the earlier ones of its partition (group-commit.ts keeps a
    // partition's appends in arrival order), the connection's next Produce may start: it joins the
    // next transaction instead of waiting for this one's COMMIT, as the file engine's group commit
    // shares one fsync. Other requests still wait for the commit (read-your-writes). Not after acks=0:
    // a failure there closes the connection before anything behind it runs.
    if (request.acks !== 0) {
      const answered = Promise.all(pending);
      void placements.all().then(() => ctx.releaseConnection(answered), () => {});
    }
    const results = await Promise.all(pending);
    if (request.acks === 0) {
      // Kafka closes the connection after a failed acks=0 produce: the client has no other way to learn.
      return results.some((ps) => ps.some((r) => r.errorCode !== ErrorCode.NONE)) ? CLOSE_CONNECTION : NO_RESPONSE;
    }
    const redirected = () => results.flatMap((ps) => ps.map((r) => r.currentLeader.leaderId));
    return {
      responses: request.topicData.map((td, i) => ({ name: td.name, topicId: td.topicId ?? ZERO_UUID, partitionResponses: results[i] })),
      throttleTimeMs: 0,
      nodeEndpoints: leaderEndpoints(ctx, redirected),
    };
  },

  errorResponse(request, errorCode) {
    return {
      responses: request.topicData.map((t) => ({ name: t.name, topicId: t.topicId, partitionResponses: t.partitionData.map((p) => failed(p.index, errorCode)) })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    };
  },
};

/**
 * `queued` is called once the append's place in its partition's order is taken: when it is in the
 * group committer's queue — or, for a transactions V2 batch, which may have to go again after adding
 * its partition (a later append could pass it then), once the check in its transaction passed it.
 */
async function appendToPartition(
  topic: PgTopic, partition: number, records: Buffer | null, transactionalId: string | null, ctx: RequestContext, queued: () => void,
): Promise<PartitionResult> {
  const pg = ctx.broker.pg!;
  const me = localNodeId(ctx);
  const leader = pg.membership.leaderOf(topic.id, partition);
  if (leader === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (leader.leader !== me) return failed(partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, null, { leaderId: leader.leader, leaderEpoch: leader.leaderEpoch });
  const config = ctx.broker.topics.topicConfig(topic.name);
  const maxBatchBytes = config['max.message.bytes'] as number;
  const input = incomingBatch(records, ctx.apiVersion, maxBatchBytes);
  if ('errorCode' in input) return failed(partition, input.errorCode, input.message);
  let batch = input.batch;
  // compression.type, keys on compacted topics, timestamp bounds: as on one node (produce-topic-rules.ts).
  const now = Date.now();
  const ruled = applyTopicRules(batch, {
    config, topicPartition: `${topic.name}-${partition}`, maxDecompressedBytes: ctx.broker.config.int('socket.request.max.bytes'), now,
  });
  if ('errorCode' in ruled) return { ...failed(partition, ruled.errorCode, ruled.errorMessage), recordErrors: ruled.recordErrors };
  batch = ruled.batch;
  // message.timestamp.type=LogAppendTime: the leader's clock stamps the batch, as Kafka's leader does.
  const logAppendTimeMs = config['message.timestamp.type'] === 'LogAppendTime' ? now : -1;
  if (logAppendTimeMs >= 0) setLogAppendTime(batch, 0, logAppendTimeMs);
  // Transactions V2: a transactional batch of a producer with no transaction open on the partition
  // is refused in the append's transaction (notInTransaction); the partition is added at the
  // coordinator, and the append goes again (the check then passes it, as V1 does).
  const addsToTransaction = ctx.apiVersion >= 12 && transactionalId !== null && isTransactional(batch, 0);
  // A V2 batch whose producer's transaction (this epoch) is already known open on the partition here
  // will not be refused to add the partition: it may take its place at once, as any other batch.
  // (The key is built for those batches only: every other produce skips it.)
  const producerKey = addsToTransaction ? OpenTransactions.key(topic.id, partition, readProducerId(batch, 0)) : '';
  const knownOpen = addsToTransaction && pg.openTransactions.isOpen(producerKey, readProducerEpoch(batch, 0));
  let notInTransaction = false;
  let added = false;
  for (;;) {
    try {
      // Idempotent producers: the checks of the one-node path, against the producer state in the database.
      const check = readProducerId(batch, 0) >= 0
        ? (producers: ProducerStateManager, b: Buffer) => {
          let mustAdd = false;
          const verdict = checkProducerBatch(producers, b, () => {
            if (!addsToTransaction || added) return ErrorCode.NONE;
            mustAdd = notInTransaction = true;
            return ErrorCode.INVALID_TXN_STATE;
          });
          // Checked under the partition's lock in its transaction: unless it must go again, its place is taken.
          if (!mustAdd) queued();
          if (addsToTransaction && verdict.kind === 'append') pg.openTransactions.remember(producerKey, readProducerEpoch(b, 0));
          return verdict;
        }
        : undefined;
      const appending = pg.store.append(topic.id, partition, me, leader.leaderEpoch, [batch], check);
      if (!addsToTransaction || knownOpen) queued();
      const r = await appending;
      return { index: partition, errorCode: ErrorCode.NONE, baseOffset: r.baseOffset, logAppendTimeMs, logStartOffset: r.logStartOffset, recordErrors: [], errorMessage: null, currentLeader: NO_LEADER };
    } catch (err) {
      if (err instanceof ProducerStateError && notInTransaction && !added && pg.transactions !== undefined) {
        const code = await pg.transactions.addPartitionForProduce(transactionalId!, readProducerId(batch, 0), readProducerEpoch(batch, 0), topic.name, partition);
        if (code !== ErrorCode.NONE) return failed(partition, code, `the partition could not be added to the transaction of ${transactionalId}`);
        added = true;
        continue;
      }
      return appendFailed(err, topic, partition, ctx);
    }
  }
}

function appendFailed(err: unknown, topic: PgTopic, partition: number, ctx: RequestContext): PartitionResult {
  if (err instanceof ProducerStateError) return failed(partition, err.errorCode, err.message);
  if (err instanceof FencedLeaderError) {
    void ctx.broker.pg!.membership.refresh().catch(() => {}); // the snapshot is stale: learn the new leader now
    return failed(partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, null, { leaderId: err.leader, leaderEpoch: err.leaderEpoch });
  }
  ctx.broker.logger.warn('append to the database failed', { topic: topic.name, partition, error: String(err) });
  return failed(partition, ErrorCode.KAFKA_STORAGE_ERROR, 'the database did not commit the append');
}
