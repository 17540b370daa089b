// ListOffsets (key 2), v0-11. Sentinel timestamps: -2 earliest (log start offset), -1 latest (high
// watermark, or the last stable offset with read_committed), -3 the record with the largest
// timestamp (KIP-734), -4 earliest local (= earliest without tiered storage, KIP-1005), -5 latest
// tiered and -6 earliest pending upload (no tiered storage here: offset -1, as Kafka answers for a
// topic without remote storage). Any other timestamp finds the first offset whose record timestamp
// is at or after it (the log's rule). v0 answers the old list-of-offsets form. ACLs: DESCRIBE on
// each topic (TOPIC_AUTHORIZATION_FAILED for its partitions).

import { ErrorCode, type ListOffsetsPartitionResponse, type ListOffsetsRequest, type ListOffsetsResponse } from '../codec/index.js';
import type { PartitionLog } from '../log/index.js';
import type { RequestContext } from './context.js';
import { logErrorCode } from './log-errors.js';
import { misdirected } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizedNames, Op, ResourceType } from './authorize.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;
export const EARLIEST_PENDING_UPLOAD_TIMESTAMP = -6;
const READ_COMMITTED = 1;

type PartitionResult = Omit<ListOffsetsPartitionResponse, '_unknownTaggedFields'>;

function result(partitionIndex: number, errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1): PartitionResult {
  return { partitionIndex, errorCode, oldStyleOffsets: offset >= 0 ? [offset] : [], timestamp, offset, leaderEpoch };
}

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  ...schemaVersions(2),

  async handle(request, ctx) {
    const isolation = ctx.apiVersion >= 2 ? request.isolationLevel : 0;
    const describable = authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const topics = await Promise.all(
      request.topics.map(async (t) => {
        if (!describable.has(t.name)) return { name: t.name, partitions: t.partitions.map((p) => result(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) };
        const seen = new Set<number>();
        const partitions = await Promise.all(
          t.partitions.map((p) => {
            // v1+: a partition asked twice is an invalid request for that partition (Kafka).
            if (ctx.apiVersion >= 1 && seen.has(p.partitionIndex)) return result(p.partitionIndex, ErrorCode.INVALID_REQUEST);
            seen.add(p.partitionIndex);
            return listOffset(t.name, p.partitionIndex, p.timestamp, p.currentLeaderEpoch, isolation, ctx);
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },

  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => result(p.partitionIndex, errorCode)) })),
    };
  },
};

async function listOffset(topic: string, partition: number, timestamp: number, currentLeaderEpoch: number, isolation: number, ctx: RequestContext): Promise<PartitionResult> {
  const log = await ctx.broker.topics.partitionLog(topic, partition);
  if (log === undefined) return result(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (ctx.apiVersion >= 4 && currentLeaderEpoch >= 0 && currentLeaderEpoch !== log.leaderEpoch) {
    return result(partition, currentLeaderEpoch < log.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
  }
  if (misdirected(ctx, topic, partition) !== undefined) return result(partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  try {
    return await lookup(log, partition, timestamp, isolation);
  } catch (err) {
    return result(partition, logErrorCode(err));
  }
}

async function lookup(log: PartitionLog, partition: number, timestamp: number, isolation: number): Promise<PartitionResult> {
  const epochAt = (offset: number) => (offset < 0 ? -1 : epochOf(log, offset));
  switch (timestamp) {
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return result(partition, ErrorCode.NONE, log.logStartOffset, -1, epochAt(log.logStartOffset));
    case LATEST_TIMESTAMP: {
      const offset = isolation === READ_COMMITTED ? log.lastStableOffset : log.highWatermark;
      return result(partition, ErrorCode.NONE, offset, -1, log.leaderEpoch);
    }
    case LATEST_TIERED_TIMESTAMP:
    case EARLIEST_PENDING_UPLOAD_TIMESTAMP:
      return result(partition, ErrorCode.NONE, -1, -1, -1);
    case MAX_TIMESTAMP: {
      const found = await log.maxTimestampOffset();
      return result(partition, ErrorCode.NONE, found.offset, found.timestamp, found.offset >= 0 ? found.leaderEpoch : -1);
    }
    default: {
      const upperBound = isolation === READ_COMMITTED ? log.lastStableOffset : log.highWatermark;
      const found = await log.offsetForTimestamp(timestamp, { upperBound });
      if (found === null) return result(partition, ErrorCode.NONE, -1, -1, -1);
      return result(partition, ErrorCode.NONE, found.offset, found.timestamp, found.leaderEpoch);
    }
  }
}

/** The leader epoch in force at an offset (the latest epoch whose start offset is at or before it). */
function epochOf(log: PartitionLog, offset: number): number {
  let epoch = -1;
  for (const e of log.leaderEpochEntries()) {
    if (e.startOffset <= offset) epoch = e.epoch;
  }
  return epoch === -1 ? log.leaderEpoch : epoch;
}
