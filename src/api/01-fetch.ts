// Fetch (key 1), v0-18. Serves stored batches as they are (a list of Buffers written with writev),
// with Kafka's byte limits: each partition up to its partition_max_bytes and the response up to
// max_bytes (v3+), except that the first batch found is always returned whole so a consumer can make
// progress. Long polling waits until min_bytes are available or max_wait_ms passes, woken by appends
// to the partitions asked for, never by polling timers. v7+ has incremental fetch sessions (KIP-227,
// see fetch-sessions.ts), v4+ read_committed (stops at the last stable offset and lists aborted
// transactions), v9+ leader-epoch fencing, v12+ diverging-epoch detection, v13+ topic ids. v0-3
// clients get magic 0/1 message sets, down-converted from the stored v2 batches.

import {
  type AbortedTransaction,
  ErrorCode,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  ZERO_UUID,
} from '../codec/index.js';
import { downConvert, LOG_OVERHEAD, MAGIC_OFFSET, readBatchLength, readRecordCount, UnsupportedCompressionError } from '../codec/records/index.js';
import type { PartitionLog } from '../log/index.js';
import { INT32_MAX } from '../config/types.js';
import { onAbort } from '../util/abort.js';
import { type RequestContext } from './context.js';
import { authorizedNames, Op, principalOf, ResourceType } from './authorize.js';
import { FetchSession, FINAL_EPOCH, INITIAL_EPOCH, partitionKey, type SessionPartition } from './fetch-sessions.js';
import { logErrorCode } from './log-errors.js';
import { followerFetchRack, leaderEndpoints, misdirected, preferredReplicaFor } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { systemClock } from '../util/clock.js';

const READ_COMMITTED = 1;

type PartitionData = Omit<FetchResponsePartitionData, '_unknownTaggedFields'>;

interface WantedPartition extends SessionPartition {
  /** Error found while resolving (unknown topic, ...), answered without reading. */
  resolveError?: number;
}

interface ReadOutcome {
  data: PartitionData;
  bytes: number;
  log?: PartitionLog;
}

const NO_DIVERGENCE = { epoch: -1, endOffset: -1 };
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_SNAPSHOT = { endOffset: -1, epoch: -1 };
/** Kafka sends an empty record set, never a null one; librdkafka rejects null ("MessageSetSize -1"). */
const NO_RECORDS = Buffer.alloc(0);

export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  ...schemaVersions(1),

  async handle(request, ctx) {
    const v = ctx.apiVersion;
    const sessions = ctx.broker.fetchSessions;
    // --- which partitions this fetch covers, and the session it belongs to
    let session: FetchSession | undefined;
    let incremental = false;
    let responseSessionId = 0;
    const requested = resolvePartitions(request, ctx);
    let wanted: WantedPartition[];
    if (v >= 7 && request.sessionId !== 0 && request.sessionEpoch !== INITIAL_EPOCH && request.sessionEpoch !== FINAL_EPOCH) {
      session = sessions.get(request.sessionId);
      if (session === undefined) return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, request.sessionId);
      if (request.sessionEpoch !== session.nextEpoch) return topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH, request.sessionId);
      for (const p of requested) session.partitions.set(partitionKey(p.topic, p.partition), mergeIntoSession(session, p));
      for (const forgotten of request.forgottenTopicsData) {
        const name = v >= 13 ? (ctx.broker.topics.topicById(forgotten.topicId)?.name ?? '') : forgotten.topic;
        for (const p of forgotten.partitions) session.partitions.delete(partitionKey(name, p));
      }
      session.nextEpoch = session.nextEpoch === INT32_MAX ? 1 : session.nextEpoch + 1;
      incremental = true;
      responseSessionId = session.id;
      wanted = [...session.partitions.values()];
    } else {
      if (v >= 7 && request.sessionId !== 0) sessions.remove(request.sessionId);
      if (v >= 7 && request.sessionEpoch === INITIAL_EPOCH) {
        session = sessions.create();
        if (session !== undefined) {
          for (const p of requested) session.partitions.set(partitionKey(p.topic, p.partition), p);
          responseSessionId = session.id;
        }
      }
      wanted = requested;
    }

    // --- read, and long-poll until min_bytes or max_wait_ms
    const isolation = v >= 4 ? request.isolationLevel : 0;
    const quotas = ctx.broker.cluster.quotas;
    const clientId = ctx.clientId ?? '';
    // Quotas of the user entity follow the authenticated principal (SASL user, or a certificate's mapped name).
    const user = principalOf(ctx.connection).name;
    const maxBytes = Math.min(v >= 3 ? request.maxBytes : INT32_MAX, quotas.maxValueInQuotaWindow('fetch', user, clientId));
    // max_wait_ms is request pacing between the client and us, on the wall clock: under virtual time
    // (clock: 'manual') a long poll must still end, or the client's request timeout would fire first.
    const deadline = systemClock.now() + Math.max(0, request.maxWaitMs);
    // READ on each topic of the session (the session keeps the partitions, not the verdict).
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, wanted.filter((p) => p.resolveError === undefined).map((p) => p.topic));
    const toRead = wanted.map((p) => (p.resolveError !== undefined || readable.has(p.topic) ? p : { ...p, resolveError: ErrorCode.TOPIC_AUTHORIZATION_FAILED }));
    const readerRack = followerFetchRack(ctx, request);
    let outcomes: ReadOutcome[];
    let waitStartedMs = -1;
    let expired = false;
    for (;;) {
      outcomes = await readPartitions(toRead, maxBytes, isolation, readerRack, ctx);
      const bytes = outcomes.reduce((n, o) => n + o.bytes, 0);
      const anyError = outcomes.some((o) => o.data.errorCode !== ErrorCode.NONE);
      // A reader sent to another replica is told at once, as Kafka answers without waiting then.
      const redirected = outcomes.some((o) => o.data.preferredReadReplica >= 0);
      const remaining = deadline - systemClock.now();
      if (bytes >= request.minBytes || anyError || redirected || expired || remaining <= 0 || ctx.broker.shutdown.aborted) break;
      const logs = outcomes.map((o) => o.log).filter((l): l is PartitionLog => l !== undefined);
      if (logs.length === 0) break;
      if (waitStartedMs < 0 && ctx.broker.metrics) waitStartedMs = ctx.broker.metrics.now();
      // The wait's timer ends it: the event loop's clock can be a little behind the wall clock the
      // deadline was taken on, and waiting out the last millisecond again would cost a second wake-up.
      expired = (await waitForAppend(logs, remaining, ctx)) === 'expired';
    }
    ctx.broker.metrics?.fetchWaited(waitStartedMs < 0 ? 0 : ctx.broker.metrics.now() - waitStartedMs);

    // --- byte-rate quota (KIP-13): over it, the answer carries no records and the throttle time
    const responseBytes = outcomes.reduce((n, o) => n + o.bytes, 0);
    const throttleTimeMs = quotas.throttleTimeMs('fetch', user, clientId, responseBytes);
    if (throttleTimeMs > 0) {
      quotas.unrecord('fetch', user, clientId, responseBytes);
      for (const o of outcomes) {
        o.data.records = NO_RECORDS;
        o.bytes = 0;
      }
    }

    // --- answer: every partition, or for an incremental fetch only those with news (records, an error,
    // new offsets, a preferred read replica or a diverging epoch: Kafka's maybeUpdateResponseData)
    const byTopic = new Map<string, { topic: string; topicId: string; partitions: PartitionData[] }>();
    outcomes.forEach((o, i) => {
      const p = wanted[i];
      const changed =
        o.bytes > 0 ||
        o.data.errorCode !== ErrorCode.NONE ||
        o.data.preferredReadReplica >= 0 ||
        o.data.divergingEpoch.epoch >= 0 ||
        o.data.highWatermark !== p.sentHighWatermark ||
        o.data.lastStableOffset !== p.sentLastStableOffset ||
        o.data.logStartOffset !== p.sentLogStartOffset;
      p.sentHighWatermark = o.data.highWatermark;
      p.sentLastStableOffset = o.data.lastStableOffset;
      p.sentLogStartOffset = o.data.logStartOffset;
      if (o.bytes > 0 && ctx.broker.metrics) ctx.broker.metrics.fetched(p.topic, o.bytes, countRecords(o.data.records));
      if (incremental && !changed) return;
      const key = v >= 13 ? p.topicId : p.topic;
      let t = byTopic.get(key);
      if (t === undefined) {
        t = { topic: p.topic, topicId: p.topicId, partitions: [] };
        byTopic.set(key, t);
      }
      t.partitions.push(o.data);
    });
    const response: FetchResponse = {
      throttleTimeMs,
      errorCode: ErrorCode.NONE,
      sessionId: responseSessionId,
      responses: [...byTopic.values()],
      nodeEndpoints: leaderEndpoints(ctx, () => outcomes.map((o) => o.data.currentLeader.leaderId)),
    };
    // v8+ clients back off by themselves; older ones get the answer late, as Kafka does.
    if (throttleTimeMs > 0 && v < 8) {
      // Wall time, as quotas measure byte rates in it (cluster/quotas.ts).
      return new Promise<FetchResponse>((resolve) => systemClock.setTimeout(() => resolve(response), throttleTimeMs));
    }
    return response;
  },

  errorResponse(request, errorCode) {
    return {
      ...topLevelError(errorCode, 0),
      responses: request.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => errorPartition(p.partition, errorCode)),
      })),
    };
  },
};

/**
 * Records in a fetched record set, from each batch's header (v2: its record count; a v0/v1 message
 * counts once): for the records-out metric, never decoding records. Batches are whole in each buffer.
 */
function countRecords(records: Buffer | Buffer[] | null): number {
  if (records === null) return 0;
  let n = 0;
  for (const buf of Array.isArray(records) ? records : [records]) {
    // A batch (or legacy message) counts once all of it is in the buffer: its length at 8, magic at 16.
    for (let off = 0; off + MAGIC_OFFSET < buf.length; ) {
      const end = off + readBatchLength(buf, off) + LOG_OVERHEAD;
      if (end > buf.length) break;
      n += buf[off + MAGIC_OFFSET] >= 2 ? readRecordCount(buf, off) : 1;
      off = end;
    }
  }
  return n;
}

function topLevelError(errorCode: number, sessionId: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId, responses: [], nodeEndpoints: [] };
}

function emptyPartition(partitionIndex: number, errorCode: number): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: NO_DIVERGENCE,
    currentLeader: NO_LEADER,
    snapshotId: NO_SNAPSHOT,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: NO_RECORDS,
  };
}

/**
 * A partition refused before any read (unknown topic, id or partition): Kafka's
 * FetchResponse.partitionResponse, whose aborted-transaction list is empty rather than null.
 */
function errorPartition(partitionIndex: number, errorCode: number): PartitionData {
  return { ...emptyPartition(partitionIndex, errorCode), abortedTransactions: [] };
}

/**
 * A read that failed (offset out of range, leader epoch mismatch, storage error): Kafka's
 * createLogReadResult(e) reports no offsets, so the log's offsets read so far are dropped.
 */
function failedRead(data: PartitionData, errorCode: number): PartitionData {
  return { ...data, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 };
}

/** The request's partitions, with topic names resolved (topic ids in v13+). */
function resolvePartitions(request: FetchRequest, ctx: RequestContext): WantedPartition[] {
  const out: WantedPartition[] = [];
  for (const t of request.topics) {
    let name = t.topic;
    let topicId = t.topicId;
    let resolveError: number | undefined;
    if (ctx.apiVersion >= 13) {
      const topic = ctx.broker.topics.topicById(t.topicId);
      if (topic === undefined) resolveError = ErrorCode.UNKNOWN_TOPIC_ID;
      else name = topic.name;
    } else {
      const topic = ctx.broker.topics.topic(name);
      topicId = topic?.id ?? ZERO_UUID;
    }
    for (const p of t.partitions) {
      out.push({
        topic: name,
        topicId,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastFetchedEpoch: p.lastFetchedEpoch,
        sentHighWatermark: -1,
        sentLastStableOffset: -1,
        sentLogStartOffset: -1,
        resolveError,
      });
    }
  }
  return out;
}

/** An incremental request's update of a session partition: new position, same "sent" state. */
function mergeIntoSession(session: FetchSession, p: WantedPartition): WantedPartition {
  const existing = session.partitions.get(partitionKey(p.topic, p.partition));
  if (existing === undefined) return p;
  return {
    ...p,
    sentHighWatermark: existing.sentHighWatermark,
    sentLastStableOffset: existing.sentLastStableOffset,
    sentLogStartOffset: existing.sentLogStartOffset,
  };
}

/** Reads every partition in order under the response byte budget (Kafka's readFromLog). */
async function readPartitions(wanted: WantedPartition[], maxBytes: number, isolation: number, readerRack: string | undefined, ctx: RequestContext): Promise<ReadOutcome[]> {
  let budget = maxBytes;
  // v3+: the first batch found is returned whole even beyond the limits (minOneMessage).
  let minOneBatch = ctx.apiVersion >= 3;
  const out: ReadOutcome[] = [];
  for (const p of wanted) {
    const o = await readPartition(p, Math.min(p.maxBytes, budget), minOneBatch, isolation, readerRack, ctx);
    if (o.bytes > 0) minOneBatch = false;
    budget = Math.max(0, budget - o.bytes);
    out.push(o);
  }
  return out;
}

async function readPartition(
  p: WantedPartition,
  limit: number,
  minOneBatch: boolean,
  isolation: number,
  readerRack: string | undefined,
  ctx: RequestContext,
): Promise<ReadOutcome> {
  if (p.resolveError !== undefined) return { data: errorPartition(p.partition, p.resolveError), bytes: 0 };
  const log = await ctx.broker.topics.partitionLog(p.topic, p.partition);
  if (log === undefined) return { data: errorPartition(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), bytes: 0 };
  const data = emptyPartition(p.partition, ErrorCode.NONE);
  data.highWatermark = log.highWatermark;
  data.lastStableOffset = log.lastStableOffset;
  data.logStartOffset = log.logStartOffset;
  if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== log.leaderEpoch) {
    return { data: failedRead(data, p.currentLeaderEpoch < log.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH), bytes: 0, log };
  }
  // Another identity of the cluster leads it (checked after the epoch, as Kafka's Partition does);
  // consumers of v11+ may read from any in-sync replica (KIP-392).
  const leader = misdirected(ctx, p.topic, p.partition, ctx.apiVersion >= 11);
  if (leader !== undefined) return { data: { ...errorPartition(p.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER), currentLeader: leader }, bytes: 0 };
  // KIP-392: the leader sends a consumer of another rack to a replica there, with the offsets and no records.
  if (readerRack !== undefined) {
    const offsetInLog = p.fetchOffset >= log.logStartOffset && p.fetchOffset <= log.logEndOffset;
    const preferred = preferredReplicaFor(ctx, p.topic, p.partition, readerRack, offsetInLog);
    if (preferred >= 0) return { data: { ...data, preferredReadReplica: preferred }, bytes: 0, log };
  }
  if (ctx.apiVersion >= 12 && p.lastFetchedEpoch >= 0) {
    const end = log.endOffsetForEpoch(p.lastFetchedEpoch);
    if (end.leaderEpoch !== p.lastFetchedEpoch || end.endOffset < p.fetchOffset) {
      data.divergingEpoch = { epoch: end.leaderEpoch, endOffset: end.endOffset };
      return { data, bytes: 0, log };
    }
  }
  const upperBound = isolation === READ_COMMITTED ? log.lastStableOffset : log.highWatermark;
  try {
    if (limit <= 0 && !minOneBatch) return { data, bytes: 0, log };
    const read = await log.read(p.fetchOffset, limit, { minOneBatch, upperBound });
    data.highWatermark = read.highWatermark;
    data.lastStableOffset = read.lastStableOffset;
    data.logStartOffset = read.logStartOffset;
    if (isolation === READ_COMMITTED && ctx.apiVersion >= 4) {
      const aborted = read.bytes > 0 ? log.abortedTransactions(p.fetchOffset, read.nextOffset) : [];
      data.abortedTransactions = aborted.map((a): AbortedTransaction => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
    }
    if (read.bytes === 0) return { data, bytes: 0, log };
    if (ctx.apiVersion <= 3) {
      const converted = downConvert(Buffer.concat(read.buffers, read.bytes), ctx.apiVersion <= 1 ? 0 : 1);
      data.records = converted.records;
      return { data, bytes: converted.records.length, log };
    }
    data.records = read.buffers;
    return { data, bytes: read.bytes, log };
  } catch (err) {
    if (err instanceof UnsupportedCompressionError) {
      data.errorCode = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
      return { data, bytes: 0, log };
    }
    return { data: failedRead(data, logErrorCode(err)), bytes: 0, log };
  }
}

/** Resolves on the first append to any of the logs ('woken'), after timeoutMs ('expired'), or at broker shutdown. */
function waitForAppend(logs: PartitionLog[], timeoutMs: number, ctx: RequestContext): Promise<'woken' | 'expired'> {
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    let timer: { cancel(): void } | undefined;
    const done = (how: 'woken' | 'expired') => {
      for (const u of unsubscribes) u();
      timer?.cancel();
      resolve(how);
    };
    const woken = () => done('woken');
    for (const log of logs) unsubscribes.push(log.onAppend(woken));
    timer = systemClock.setTimeout(() => done('expired'), timeoutMs);
    // One listener on the signal for every waiting fetch (many would pass Node's limit of 10).
    unsubscribes.push(onAbort(ctx.broker.shutdown, woken));
  });
}
