// ListOffsets (key 2), v0-11, on postgres:// storage (v0: the old list-of-offsets form, one offset), served by any live broker from the database:
// -2 (and -4) the log start offset, -1 the high watermark (read_committed: the last stable offset), -3 the record with the largest timestamp, any other timestamp
// the first record at or after it (the batch found by its max timestamp, then its records decoded).

import { ErrorCode, type ListOffsetsPartitionResponse, type ListOffsetsRequest, type ListOffsetsResponse } from '../../codec/index.js';
import { readBatchRecords, readPartitionLeaderEpoch } from '../../codec/records/index.js';
import { batchForTimestamp } from '../../pg/partition-store.js';
import { EARLIEST_LOCAL_TIMESTAMP, EARLIEST_PENDING_UPLOAD_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIERED_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from '../02-list-offsets.js';
import { authorizedNames, Op, ResourceType } from '../authorize.js';
import type { RequestContext } from '../context.js';
import { type ApiHandler, schemaVersions } from '../registry.js';

type PartitionResult = Omit<ListOffsetsPartitionResponse, '_unknownTaggedFields'>;

function result(partitionIndex: number, errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1): PartitionResult {
  return { partitionIndex, errorCode, oldStyleOffsets: offset >= 0 ? [offset] : [], timestamp, offset, leaderEpoch };
}

export const pgListOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  ...schemaVersions(2),

  async handle(request, ctx) {
    const m = ctx.broker.pg!.membership;
    // A topic made through another broker since this one's last heartbeat: read the database once more.
    if (request.topics.some((t) => m.topic(t.name) === undefined)) await m.catchUp();
    const describable = authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const topics = await Promise.all(request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map((p) =>
        describable.has(t.name) ? listOffset(t.name, p.partitionIndex, p.timestamp, request.isolationLevel === 1, ctx) : result(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED))),
    })));
    return { throttleTimeMs: 0, topics };
  },

  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => result(p.partitionIndex, errorCode)) })) };
  },
};

async function listOffset(topicName: string, partition: number, timestamp: number, readCommitted: boolean, ctx: RequestContext): Promise<PartitionResult> {
  const pg = ctx.broker.pg!;
  const topic = pg.membership.topic(topicName);
  const leader = topic && pg.membership.leaderOf(topic.id, partition);
  if (topic === undefined || leader === undefined) return result(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    switch (timestamp) {
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return result(partition, ErrorCode.NONE, (await pg.store.offsets(topic.id, partition)).logStartOffset, -1, leader.leaderEpoch);
      case LATEST_TIMESTAMP: {
        const offsets = await pg.store.offsets(topic.id, partition);
        return result(partition, ErrorCode.NONE, readCommitted ? offsets.lastStableOffset : offsets.highWatermark, -1, leader.leaderEpoch);
      }
      case LATEST_TIERED_TIMESTAMP:
      case EARLIEST_PENDING_UPLOAD_TIMESTAMP:
        return result(partition, ErrorCode.NONE); // no tiered storage: -1, as Kafka answers
      default: {
        const max = timestamp === MAX_TIMESTAMP;
        const batch = await batchForTimestamp(pg.pool, topic.id, partition, max ? 'max' : timestamp);
        if (batch === undefined) return result(partition, ErrorCode.NONE);
        const { records } = readBatchRecords(batch);
        const epoch = readPartitionLeaderEpoch(batch, 0);
        const found = max
          ? records.reduce((a, r) => (r.timestamp > a.timestamp ? r : a), records[0])
          : records.find((r) => r.timestamp >= timestamp);
        return found === undefined ? result(partition, ErrorCode.NONE) : result(partition, ErrorCode.NONE, found.offset, found.timestamp, epoch);
      }
    }
  } catch (err) {
    ctx.broker.logger.warn('offset lookup in the database failed', { topic: topicName, partition, error: String(err) });
    return result(partition, ErrorCode.KAFKA_STORAGE_ERROR);
  }
}
