// Record batches of the partitions in the database. The leader appends in a transaction that first
// locks the partition row and checks that it is still the leader at its epoch: a leader that was
// replaced (its lease expired while it was paused or cut off, and another broker bumped the epoch)
// is refused, so it can never append, and offsets are assigned only under that lock: no split
// brain, no duplicate offsets. Concurrent appends share transactions (group-commit.ts). Batches
// are stored as the producer sent them with the base offset and the partition leader epoch patched
// in place (the CRC-32C covers neither). An append is durable once its transaction committed; the
// caller acknowledges only then. Any broker reads.

import { LOG_OVERHEAD, readBatchLength } from '../codec/records/index.js';
import type { Uuid } from '../codec/uuid.js';
import type { Pool } from './connection.js';
import { AppendNotifier } from './append-notifier.js';
import { GroupCommitter, type AppendRequest } from './group-commit.js';

/** The appender is not (or no longer) the partition's leader at its epoch: NOT_LEADER_OR_FOLLOWER. */
export class FencedLeaderError extends Error {
  constructor(readonly topicId: Uuid, readonly partition: number, readonly leader: number, readonly leaderEpoch: number) {
    super(`partition ${topicId}/${partition} is led by broker ${leader} at epoch ${leaderEpoch}`);
    this.name = 'FencedLeaderError';
  }
}

/** The producer-id checks refused the batch (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, …). */
export class ProducerStateError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
    this.name = 'ProducerStateError';
  }
}

export class UnknownPartitionError extends Error {
  constructor(readonly topicId: Uuid, readonly partition: number) {
    super(`no partition ${topicId}/${partition}`);
    this.name = 'UnknownPartitionError';
  }
}

export interface AppendResult {
  /** Offset of the first record of the first batch. */
  baseOffset: number;
  /** The partition's end offset after the append (the high watermark: every stored batch is committed). */
  highWatermark: number;
  logStartOffset: number;
}

export interface ReadResult {
  /** Whole batches from the one holding `fromOffset`, in offset order. */
  batches: Buffer[];
  highWatermark: number;
  logStartOffset: number;
}

export interface PartitionOffsets {
  logStartOffset: number;
  highWatermark: number;
}

export class PgPartitionStore {
  /** Concurrent appends share transactions (group-commit.ts). */
  readonly committer: GroupCommitter;

  /** Long polls wait on it; appends of this broker and (with LISTEN) of the others wake them. */
  readonly notifier = new AppendNotifier();

  constructor(private readonly pool: Pool) {
    this.committer = new GroupCommitter(pool, () => this.notifier.wake());
  }

  /**
   * Appends whole v2 batches (each buffer exactly one batch, validated by the caller) as leader
   * `nodeId` at `leaderEpoch`; patches their offsets and epoch in place. Throws FencedLeaderError
   * when the database names another leader or epoch.
   */
  async append(topicId: Uuid, partition: number, nodeId: number, leaderEpoch: number, batches: Buffer[], checkProducer?: AppendRequest['checkProducer']): Promise<AppendResult> {
    const r = await this.committer.append({ topicId, partition, nodeId, leaderEpoch, batches, ...(checkProducer && { checkProducer }) });
    if ('baseOffset' in r) return r;
    if (r.kind === 'fenced') throw new FencedLeaderError(topicId, partition, r.leader, r.leaderEpoch);
    if (r.kind === 'producer') throw new ProducerStateError(r.errorCode, r.message);
    throw new UnknownPartitionError(topicId, partition);
  }

  /** A producer id for an idempotent producer, unique over every broker of the cluster. */
  async allocateProducerId(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>('update tributary_producer_ids set next_id = next_id + 1 where id = 1 returning next_id - 1 as id');
    return Number(rows[0].id);
  }

  async offsets(topicId: Uuid, partition: number): Promise<PartitionOffsets> {
    const { rows } = await this.pool.query<{ next_offset: string; log_start_offset: string }>(
      'select next_offset, log_start_offset from tributary_partitions where topic_id = $1 and partition = $2',
      [topicId, partition],
    );
    if (rows[0] === undefined) throw new UnknownPartitionError(topicId, partition);
    return { highWatermark: Number(rows[0].next_offset), logStartOffset: Number(rows[0].log_start_offset) };
  }

  /**
   * Batches from the one holding fromOffset, up to maxBytes (at least one whole batch when there is
   * one, as Kafka answers a batch larger than the limit), with the offsets of the same snapshot.
   */
  async read(topicId: Uuid, partition: number, fromOffset: number, maxBytes: number): Promise<ReadResult> {
    // One statement: the offsets and the batches come from the same snapshot.
    const { rows } = await this.pool.query<{ next_offset: string; log_start_offset: string; data: Buffer | null }>(
      `select p.next_offset, p.log_start_offset, b.data
         from tributary_partitions p
         left join lateral (
           select base_offset, data from tributary_batches
            where topic_id = p.topic_id and partition = p.partition and last_offset >= $3
            order by base_offset limit $4) b on true
        where p.topic_id = $1 and p.partition = $2
        order by b.base_offset`,
      [topicId, partition, fromOffset, Math.max(1, Math.min(1000, Math.ceil(maxBytes / 64)))],
    );
    if (rows[0] === undefined) throw new UnknownPartitionError(topicId, partition);
    const batches: Buffer[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (r.data === null) break;
      const size = readBatchLength(r.data, 0) + LOG_OVERHEAD;
      if (batches.length > 0 && bytes + size > maxBytes) break;
      batches.push(r.data);
      bytes += size;
    }
    return { batches, highWatermark: Number(rows[0].next_offset), logStartOffset: Number(rows[0].log_start_offset) };
  }
}

/** The batch to search for a ListOffsets timestamp: the first whose max timestamp reaches `timestamp`, or the one with the largest. */
export async function batchForTimestamp(pool: Pool, topicId: Uuid, partition: number, timestamp: number | 'max'): Promise<Buffer | undefined> {
  const { rows } = timestamp === 'max'
    ? await pool.query<{ data: Buffer }>(
      'select data from tributary_batches where topic_id = $1 and partition = $2 order by max_timestamp desc, base_offset limit 1',
      [topicId, partition],
    )
    : await pool.query<{ data: Buffer }>(
      'select data from tributary_batches where topic_id = $1 and partition = $2 and max_timestamp >= $3 order by base_offset limit 1',
      [topicId, partition, timestamp],
    );
  return rows[0]?.data;
}
