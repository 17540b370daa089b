// Produce (key 0), v0-13. Per partition: resolve the topic (by id in v13), refuse internal topics,
// validate the records without decoding them (batch header, size against max.message.bytes,
// CRC-32C, Kafka's client-batch rules, CreateTime bounds from the header's base and max
// timestamps), then append. v0-2 carry magic 0/1 message sets, which are validated and
// up-converted to one v2 batch; v3+ must carry exactly one v2 batch. Records are decoded (and
// decompressed) only where a feature needs them: compacted topics need a key on every record, a batch
// whose header timestamps are out of bounds is searched for the offending records (both reported per
// record, see produce-record-errors.ts), and a topic whose compression.type names a codec recompresses
// batches in another one. acks=-1 is answered at the
// log's durability point (fsync with group commit by default), acks=1 once written, acks=0 never —
// and a failed acks=0 produce closes the connection, as Kafka does. Batches with a producer id pass
// the idempotence/transaction checks of src/txn right before the append (no await in between): a
// retried batch among the producer's last five is answered with its original offsets, not appended.
// Produce v12+ from a transactional producer adds the partition to its transaction first (KIP-890
// transactions V2), where older versions need an AddPartitionsToTxn before. Once every partition has
// appended, the request releases its connection (src/server/dispatcher.ts): the next request starts
// while this one waits for the write or the fsync — except after a failed acks=0 produce, which
// closes the connection before anything behind it runs.

import {
  ErrorCode,
  type PartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type TopicProduceResponse,
} from '../codec/index.js';
import {
  isTransactional,
  readProducerEpoch,
  readProducerId,
  readRecordCount,
} from '../codec/records/index.js';
import type { TopicInfo } from '../cluster/cluster-state.js';
import { checkProducerBatch } from '../txn/index.js';
import { applyTopicRules } from './produce-topic-rules.js';
import { hasTransactionalRecords, incomingBatch } from './produce-input.js';
import { PartitionPlacements } from './produce-placement.js';
import { CLOSE_CONNECTION, NO_RESPONSE, type RequestContext } from './context.js';
import { logErrorCode } from './log-errors.js';
import { authorize, authorizedNames, Op, principalOf, ResourceType } from './authorize.js';
import { type CurrentLeader, insufficientIsr, leaderEndpoints, misdirected } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { systemClock } from '../util/clock.js';

type PartitionResult = Omit<PartitionProduceResponse, '_unknownTaggedFields' | 'currentLeader'> & { currentLeader?: CurrentLeader };

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

/** A partition's append is made; `visible` resolves once its records are under the high watermark. */
interface Appended {
  visible: Promise<void>;
}

/** How long a retried batch waits for its original append to become visible. */
const DUPLICATE_WAIT_MS = 30_000;

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionResult {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage,
  };
}

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  ...schemaVersions(0),
  startsBeforeEarlierAppendsVisible: true,

  async handle(request, ctx) {
    // ACLs (Kafka's order): WRITE on the transactional id for transactional batches, WRITE on each topic.
    if (hasTransactionalRecords(request) && (request.transactionalId == null || !authorize(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId))) {
      return this.errorResponse!(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ctx);
    }
    const topicOf = (t: ProduceRequest['topicData'][number]) => (ctx.apiVersion >= 13 ? ctx.broker.topics.topicById(t.topicId) : ctx.broker.topics.topic(t.name));
    const writable = authorizedNames(ctx, Op.WRITE, ResourceType.TOPIC, request.topicData.map((t) => (ctx.apiVersion >= 13 ? topicOf(t)?.name ?? '' : t.name)));
    const validAcks = request.acks === 0 || request.acks === 1 || request.acks === -1;
    const pending: Promise<PartitionResult>[][] = [];
    /** Per partition: once it appended, when those records are visible; or its result when it appended nothing. */
    const placements = new PartitionPlacements<Appended, PartitionResult>();
    const topicsOut: { name: string; topicId: string }[] = [];
    for (const topicData of request.topicData) {
      const topic = topicOf(topicData);
      const denied = (ctx.apiVersion < 13 || topic !== undefined) && !writable.has(topic?.name ?? topicData.name);
      topicsOut.push({ name: topicData.name, topicId: topicData.topicId });
      pending.push(
        topicData.partitionData.map((p) => {
          if (denied) return placements.track(() => failed(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          if (!validAcks) return placements.track(() => failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS));
          if (topic === undefined) {
            return placements.track(() => failed(p.index, ctx.apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          }
          return placements.track((appended) => produceToPartition(topic, p.index, p.records, request.acks, request.transactionalId ?? null, ctx, appended));
        }),
      );
    }
    void placements.all().then((done) => {
      // A failed acks=0 produce closes the connection: nothing behind it may run first.
      if (request.acks === 0 && done.some((d) => 'errorCode' in d && d.errorCode !== ErrorCode.NONE)) return;
      ctx.releaseConnection(Promise.all(done.map((d) => ('visible' in d ? d.visible : undefined))));
    }, () => {}); // a partition that threw fails the request: the connection is released with its answer
    const results = await Promise.all(pending.map((ps) => Promise.all(ps)));
    const throttleTimeMs = recordQuota(request, ctx);
    if (request.acks === 0) {
      const anyError = results.some((ps) => ps.some((r) => r.errorCode !== ErrorCode.NONE));
      if (anyError) {
        ctx.broker.logger.info('closing connection after a failed acks=0 produce', { conn: ctx.connection.id });
        return CLOSE_CONNECTION;
      }
      return NO_RESPONSE;
    }
    const responses: TopicProduceResponse[] = results.map((partitionResponses, i) => ({
      name: topicsOut[i].name,
      topicId: topicsOut[i].topicId,
      partitionResponses: partitionResponses.map((r) => ({ ...r, currentLeader: r.currentLeader ?? NO_LEADER })),
    }));
    const redirected = () => results.flatMap((ps) => ps.map((r) => r.currentLeader?.leaderId ?? -1));
    const response = { responses, throttleTimeMs, nodeEndpoints: leaderEndpoints(ctx, redirected) };
    // v6+ clients back off by themselves; older ones are held back, as Kafka does.
    if (throttleTimeMs > 0 && ctx.apiVersion < 6) {
      // Wall time, as quotas measure byte rates in it (cluster/quotas.ts), also under virtual time.
      return new Promise<ProduceResponse>((resolve) => systemClock.setTimeout(() => resolve(response), throttleTimeMs));
    }
    return response;
  },

  errorResponse(request, errorCode) {
    return {
      responses: request.topicData.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitionResponses: t.partitionData.map((p) => ({ ...failed(p.index, errorCode), currentLeader: NO_LEADER })),
      })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    };
  },
};

/** Records the produced bytes against the client's byte-rate quota (KIP-13); returns the throttle time. */
function recordQuota(request: ProduceRequest, ctx: RequestContext): number {
  let bytes = 0;
  for (const t of request.topicData) for (const p of t.partitionData) bytes += p.records?.length ?? 0;
  return ctx.broker.cluster.quotas.throttleTimeMs('produce', principalOf(ctx.connection).name, ctx.clientId ?? '', bytes);
}


async function produceToPartition(
  topic: TopicInfo,
  partition: number,
  records: Buffer | null,
  acks: number,
  transactionalId: string | null,
  ctx: RequestContext,
  appended: (a: Appended) => void,
): Promise<PartitionResult> {
  const { topics, clock } = ctx.broker;
  if (topic.internal) {
    return failed(partition, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`);
  }
  const log = await topics.partitionLog(topic.name, partition);
  if (log === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // Another identity of the cluster leads it: the client is told which (KIP-951, v10+).
  const leader = misdirected(ctx, topic.name, partition);
  if (leader !== undefined) return { ...failed(partition, ErrorCode.NOT_LEADER_OR_FOLLOWER), currentLeader: leader };
  const config = topics.topicConfig(topic.name);
  const minIsr = config['min.insync.replicas'] as number;
  const isr = acks === -1 ? insufficientIsr(ctx, topic, partition, minIsr) : undefined;
  if (isr !== undefined) {
    return failed(partition, ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR Set(${isr.join(', ')}) is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${topic.name}-${partition}`);
  }
  const maxBatchBytes = config['max.message.bytes'] as number;

  const input = incomingBatch(records, ctx.apiVersion, maxBatchBytes);
  if ('errorCode' in input) return failed(partition, input.errorCode, input.message);
  let batch = input.batch;

  // compression.type, keys on compacted topics, timestamp bounds (produce-topic-rules.ts).
  const ruled = applyTopicRules(batch, {
    config, topicPartition: `${topic.name}-${partition}`, maxDecompressedBytes: ctx.broker.config.int('socket.request.max.bytes'), now: clock.now(),
  });
  if ('errorCode' in ruled) {
    return { ...failed(partition, ruled.errorCode, ruled.errorMessage), logStartOffset: ruled.recordLevel ? log.logStartOffset : -1, recordErrors: ruled.recordErrors };
  }
  batch = ruled.batch;

  if (ctx.apiVersion >= 12 && transactionalId !== null && isTransactional(batch, 0)) {
    // Transactions V2: the first write of a transaction to a partition adds it (no AddPartitionsToTxn).
    const producerId = readProducerId(batch, 0);
    const producerEpoch = readProducerEpoch(batch, 0);
    const entry = log.producers.get(producerId);
    if (!(entry !== undefined && entry.currentTxnFirstOffset >= 0 && entry.producerEpoch === producerEpoch)) {
      const code = await ctx.broker.txn.addPartitionForProduce(transactionalId, producerId, producerEpoch, topic.name, partition);
      if (code !== ErrorCode.NONE) return failed(partition, code, `the partition could not be added to the transaction of ${transactionalId}`);
    }
  }
  if (readProducerId(batch, 0) >= 0) {
    const check = checkProducerBatch(log.producers, batch, (producerId, producerEpoch) =>
      ctx.broker.txn.verifyTransactionalProduce(producerId, producerEpoch, topic.name, partition),
    );
    if (check.kind === 'error') return failed(partition, check.errorCode, check.message);
    if (check.kind === 'duplicate') {
      // The original may still be on its way to disk: answer once it is visible, as its own produce will.
      if (check.lastOffset >= log.highWatermark && !(await log.waitForData(check.lastOffset, DUPLICATE_WAIT_MS))) {
        return failed(partition, ErrorCode.REQUEST_TIMED_OUT, 'the original of this retried batch is not yet durable');
      }
      return { index: partition, errorCode: ErrorCode.NONE, baseOffset: check.firstOffset, logAppendTimeMs: -1, logStartOffset: log.logStartOffset, recordErrors: [], errorMessage: null };
    }
  }

  try {
    let onVisible!: () => void;
    const visible = new Promise<void>((resolve) => (onVisible = resolve));
    const appending = log.append(batch, { durability: acks === -1 ? undefined : 'os', onVisible, handedOver: ctx.frameOwnsMemory === true });
    appending.then(onVisible, onVisible); // a failed append will never be visible: nothing to wait for
    appended({ visible });
    const result = await appending;
    ctx.broker.metrics?.produced(topic.name, batch.length, readRecordCount(batch, 0));
    return {
      index: partition,
      errorCode: ErrorCode.NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: result.logAppendTime,
      logStartOffset: result.logStartOffset,
      recordErrors: [],
      errorMessage: null,
    };
  } catch (err) {
    const code = logErrorCode(err);
    ctx.broker.logger.warn('produce failed', { topic: topic.name, partition, errorCode: code, error: (err as Error).message });
    return failed(partition, code, (err as Error).message);
  }
}
