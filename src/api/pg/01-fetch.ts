// Fetch (key 1), v0-17, on postgres:// storage: record batches read from the database by any live
// broker (every one is a replica of every partition, since the data is shared: consumers' Fetch
// v11+ may go to any; older versions and followers must go to the leader). Sessionless: the
// answer's session id is 0, so clients send full requests (KIP-227 allows it). A long poll reads
// the database again when an append by any broker is notified (LISTEN/NOTIFY), or every
// PG_FETCH_POLL_MS where notifications do not arrive, until min_bytes arrived or max_wait_ms
// passed. read_committed (isolation_level 1) reads stop at the last stable offset (the oldest open
// transaction's first offset) and carry the aborted transactions of the batches answered. With replica.selector.class = RackAwareReplicaSelector
// (KIP-392) the leader sends a consumer whose client.rack names a rack without the leader to a live
// broker in that rack (preferred_read_replica; the lowest node id, since every broker holds the data).
// A broker that leads the partition reads what it appended last from its cache (pg/batch-cache.ts).
// v0-3 get the stored batches down-converted to magic 0 (v0-1) or 1 (v2-3), markers left out, as on one node.

import { ErrorCode, type FetchRequest, type FetchResponse, type FetchResponsePartitionData, ZERO_UUID } from '../../codec/index.js';
import {
  downConvert, isTransactional, LOG_OVERHEAD, readBaseOffset, readBatchLength, readLastOffsetDelta, UnsupportedCompressionError,
} from '../../codec/records/index.js';
import type { PgTopic } from '../../pg/leadership.js';
import { preferredReadBroker } from '../../pg/replica-selector.js';
import { authorizedNames, Op, ResourceType } from '../authorize.js';
import { followerFetchRack, leaderEndpoints } from '../cluster-view.js';
import { localNodeId, type RequestContext } from '../context.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

/** How often a waiting Fetch reads the database again. */
export const PG_FETCH_POLL_MS = 100;

type PartitionData = Omit<FetchResponsePartitionData, '_unknownTaggedFields'>;
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

const NO_RECORDS = Buffer.alloc(0);

/**
 * A partition answered without records, as the one-node path answers (api/01-fetch.ts, which the
 * differential test holds to Kafka): empty records, no offsets; refused before any read (unknown
 * topic or partition, no access, another leader), with an empty aborted-transaction list.
 */
function partitionError(partitionIndex: number, errorCode: number, currentLeader = NO_LEADER, refusedBeforeRead = true): PartitionData {
  return {
    partitionIndex, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader, snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: refusedBeforeRead ? [] : null, preferredReadReplica: -1, records: NO_RECORDS,
  };
}

export const pgFetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  ...schemaVersions(1),

  async handle(request, ctx) {
    const m = ctx.broker.pg!.membership;
    const byName = ctx.apiVersion < 13;
    const topicOf = (t: FetchRequest['topics'][number]) => (byName ? m.topic(t.topic) : m.topics().find((x) => x.id === t.topicId));
    // A topic made through another broker since this one's last heartbeat: read the database once more.
    if (request.topics.some((t) => topicOf(t) === undefined)) await m.catchUp();
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.map((t) => topicOf(t)?.name ?? t.topic));
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    const readerRack = followerFetchRack(ctx, request);
    const { notifier } = ctx.broker.pg!.store;
    for (;;) {
      const seen = notifier.generation; // an append notified while we read is not missed
      let budget = ctx.apiVersion >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
      let bytes = 0;
      const responses: { topic: string; topicId: string; partitions: PartitionData[] }[] = [];
      for (const t of request.topics) {
        const topic = topicOf(t);
        const partitions: PartitionData[] = [];
        for (const p of t.partitions) {
          const r = await readPartition(topic, p, readable, { budget, first: bytes === 0, replicaId: request.replicaId, isolationLevel: request.isolationLevel, readerRack }, ctx);
          partitions.push(r.data);
          budget = Math.max(0, budget - r.bytes);
          bytes += r.bytes;
        }
        responses.push({ topic: t.topic, topicId: t.topicId ?? ZERO_UUID, partitions });
      }
      // An error or a redirect to another broker (KIP-392) is answered at once.
      const failed = responses.some((r) => r.partitions.some((p) => p.errorCode !== ErrorCode.NONE || p.preferredReadReplica >= 0));
      // KIP-951 (v16+): the endpoints of the leaders a partition's answer names; only a failed partition
      // names one, so a long poll's reads of data skip the collection.
      const nodeEndpoints = failed ? leaderEndpoints(ctx, () => responses.flatMap((r) => r.partitions.map((x) => x.currentLeader.leaderId))) : [];
      const response = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints };
      if (bytes >= request.minBytes || failed || Date.now() >= deadline) return response;
      // Woken by an append (NOTIFY), else read again after PG_FETCH_POLL_MS when nothing listens. A broker
      // shutting down answers its long polls at once (with what it has), before its pool closes.
      const waitMs = notifier.listening ? deadline - Date.now() : Math.min(PG_FETCH_POLL_MS, deadline - Date.now());
      await notifier.wait(waitMs, ctx.broker.shutdown, seen);
      if (ctx.broker.shutdown.aborted) return response;
    }
  },

  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0, errorCode, sessionId: 0, nodeEndpoints: [],
      responses: request.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => partitionError(p.partition, errorCode)) })),
    };
  },
};

async function readPartition(
  topic: PgTopic | undefined,
  p: FetchRequest['topics'][number]['partitions'][number],
  readable: Set<string>,
  { budget, first, replicaId, isolationLevel, readerRack }: { budget: number; first: boolean; replicaId: number; isolationLevel: number; readerRack: string | undefined },
  ctx: RequestContext,
): Promise<{ data: PartitionData; bytes: number }> {
  const none = (code: number, leader = NO_LEADER) => ({ data: partitionError(p.partition, code, leader), bytes: 0 });
  if (topic === undefined) return none(ctx.apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (!readable.has(topic.name)) return none(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const pg = ctx.broker.pg!;
  const leader = pg.membership.leaderOf(topic.id, p.partition);
  if (leader === undefined) return none(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const current = { leaderId: leader.leader, leaderEpoch: leader.leaderEpoch };
  // Kafka serves a consumer from a follower only from v11 (it then knows the client's rack); else the leader.
  const leaderOnly = ctx.apiVersion < 11 || replicaId >= 0;
  if (leaderOnly && leader.leader !== localNodeId(ctx)) return none(ErrorCode.NOT_LEADER_OR_FOLLOWER, current);
  // A read refused for its leader epoch, or failed: no offsets (Kafka's createLogReadResult(e)); the
  // leader is told only with FENCED_LEADER_EPOCH (KIP-951: the client's leader is stale).
  const failedRead = (code: number, leaderHint = NO_LEADER) => ({ data: partitionError(p.partition, code, leaderHint, false), bytes: 0 });
  if (ctx.apiVersion >= 9 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== leader.leaderEpoch) {
    return p.currentLeaderEpoch < leader.leaderEpoch ? failedRead(ErrorCode.FENCED_LEADER_EPOCH, current) : failedRead(ErrorCode.UNKNOWN_LEADER_EPOCH);
  }
  const leads = leader.leader === localNodeId(ctx);
  let read;
  try {
    read = await pg.store.read(topic.id, p.partition, p.fetchOffset, Math.max(1, Math.min(p.partitionMaxBytes, budget)), leads ? { leaderEpoch: leader.leaderEpoch } : {});
  } catch (err) {
    ctx.broker.logger.warn('fetch from the database failed', { topic: topic.name, partition: p.partition, error: String(err) });
    return failedRead(ErrorCode.KAFKA_STORAGE_ERROR);
  }
  const base = { ...partitionError(p.partition, ErrorCode.NONE, NO_LEADER, false), highWatermark: read.highWatermark, lastStableOffset: read.lastStableOffset, logStartOffset: read.logStartOffset };
  if (p.fetchOffset < read.logStartOffset || p.fetchOffset > read.highWatermark) return failedRead(ErrorCode.OFFSET_OUT_OF_RANGE);
  if (readerRack !== undefined && leads) {
    const preferred = preferredReadBroker(pg.membership.liveBrokers(), leader.leader, readerRack);
    if (preferred >= 0) return { data: { ...base, preferredReadReplica: preferred }, bytes: 0 };
  }
  // A batch larger than what is left of the request's max_bytes is sent only as the first data (KIP-74).
  const size = (b: Buffer) => readBatchLength(b, 0) + LOG_OVERHEAD;
  const readCommitted = isolationLevel === 1;
  // read_committed: nothing at or past the last stable offset (a transaction still open).
  const visible = readCommitted ? read.batches.filter((b) => readBaseOffset(b, 0) < read.lastStableOffset) : read.batches;
  const batches = budget === 0 || (!first && visible.length > 0 && size(visible[0]) > budget) ? [] : visible;
  const bytes = batches.reduce((n, b) => n + size(b), 0);
  let abortedTransactions: { producerId: number; firstOffset: number }[] | null = readCommitted ? [] : null;
  if (readCommitted && batches.some((b) => isTransactional(b, 0))) {
    const last = batches.at(-1)!;
    try {
      abortedTransactions = await pg.store.abortedTransactions(topic.id, p.partition, p.fetchOffset, readBaseOffset(last, 0) + readLastOffsetDelta(last, 0) + 1);
    } catch (err) {
      ctx.broker.logger.warn('fetch from the database failed', { topic: topic.name, partition: p.partition, error: String(err) });
      return failedRead(ErrorCode.KAFKA_STORAGE_ERROR);
    }
  }
  if (ctx.apiVersion <= 3 && batches.length > 0) {
    try {
      const converted = downConvert(Buffer.concat(batches), ctx.apiVersion <= 1 ? 0 : 1);
      return { data: { ...base, records: converted.records }, bytes: converted.records.length };
    } catch (err) {
      if (err instanceof UnsupportedCompressionError) return { data: { ...base, errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE }, bytes: 0 };
      throw err;
    }
  }
  return { data: { ...base, abortedTransactions, records: batches }, bytes };
}
