// Fetch (key 1), v4+, on postgres:// storage: record batches read from the database by any live
// broker (every one is a replica of every partition, since the data is shared: consumers' Fetch
// v11+ may go to any; older versions and followers must go to the leader). Sessionless: the
// answer's session id is 0, so clients send full requests (KIP-227 allows it). A long poll reads
// the database again when an append by any broker is notified (LISTEN/NOTIFY), or every
// PG_FETCH_POLL_MS where notifications do not arrive, until min_bytes arrived or max_wait_ms
// passed. No transactions on this storage yet: the last stable offset is the high watermark and
// there are no aborted transactions.

import { ErrorCode, type FetchRequest, type FetchResponse, type FetchResponsePartitionData, ZERO_UUID } from '../../codec/index.js';
import { LOG_OVERHEAD, readBatchLength } from '../../codec/records/index.js';
import type { PgTopic } from '../../pg/leadership.js';
import { authorizedNames, Op, ResourceType } from '../authorize.js';
import { localNodeId, type RequestContext } from '../context.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

/** How often a waiting Fetch reads the database again. */
export const PG_FETCH_POLL_MS = 100;

type PartitionData = Omit<FetchResponsePartitionData, '_unknownTaggedFields'>;
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

function partitionError(partitionIndex: number, errorCode: number, currentLeader = NO_LEADER): PartitionData {
  return {
    partitionIndex, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader, snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null, preferredReadReplica: -1, records: null,
  };
}

export const pgFetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  ...schemaVersions(1),
  minVersion: 4,

  async handle(request, ctx) {
    const m = ctx.broker.pg!.membership;
    const byName = ctx.apiVersion < 13;
    const topicOf = (t: FetchRequest['topics'][number]) => (byName ? m.topic(t.topic) : m.topics().find((x) => x.id === t.topicId));
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.map((t) => topicOf(t)?.name ?? t.topic));
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    const { notifier } = ctx.broker.pg!.store;
    for (;;) {
      const seen = notifier.generation; // an append notified while we read is not missed
      let budget = ctx.apiVersion >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
      let bytes = 0;
      const responses = [];
      for (const t of request.topics) {
        const topic = topicOf(t);
        const partitions: PartitionData[] = [];
        for (const p of t.partitions) {
          const r = await readPartition(topic, p, readable, { budget, first: bytes === 0, replicaId: request.replicaId, isolationLevel: request.isolationLevel }, ctx);
          partitions.push(r.data);
          budget = Math.max(0, budget - r.bytes);
          bytes += r.bytes;
        }
        responses.push({ topic: t.topic, topicId: t.topicId ?? ZERO_UUID, partitions });
      }
      const failed = responses.some((r) => r.partitions.some((p) => p.errorCode !== ErrorCode.NONE));
      const response = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
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
  { budget, first, replicaId, isolationLevel }: { budget: number; first: boolean; replicaId: number; isolationLevel: number },
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
  if (ctx.apiVersion >= 9 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== leader.leaderEpoch) {
    return none(p.currentLeaderEpoch < leader.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH, current);
  }
  let read;
  try {
    read = await pg.store.read(topic.id, p.partition, p.fetchOffset, Math.max(1, Math.min(p.partitionMaxBytes, budget)));
  } catch (err) {
    ctx.broker.logger.warn('fetch from the database failed', { topic: topic.name, partition: p.partition, error: String(err) });
    return none(ErrorCode.KAFKA_STORAGE_ERROR, current);
  }
  const base = { ...partitionError(p.partition, ErrorCode.NONE, current), highWatermark: read.highWatermark, lastStableOffset: read.highWatermark, logStartOffset: read.logStartOffset };
  if (p.fetchOffset < read.logStartOffset || p.fetchOffset > read.highWatermark) {
    return { data: { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }, bytes: 0 };
  }
  // A batch larger than what is left of the request's max_bytes is sent only as the first data (KIP-74).
  const size = (b: Buffer) => readBatchLength(b, 0) + LOG_OVERHEAD;
  const batches = budget === 0 || (!first && read.batches.length > 0 && size(read.batches[0]) > budget) ? [] : read.batches;
  const bytes = batches.reduce((n, b) => n + size(b), 0);
  return { data: { ...base, abortedTransactions: isolationLevel === 1 ? [] : null, records: batches }, bytes };
}
