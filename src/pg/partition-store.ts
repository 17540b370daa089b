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
import type { ProducerEntry } from '../log/index.js';
import type { Pool } from './connection.js';
import { AppendNotifier } from './append-notifier.js';
import { BatchCache } from './batch-cache.js';
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
  /** The first offset of the oldest open transaction, else the high watermark (read_committed reads stop there). */
  lastStableOffset: number;
}

/** An aborted transaction a read_committed consumer skips (Kafka's FetchResponse aborted_transactions). */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
}

export interface PartitionOffsets {
  logStartOffset: number;
  highWatermark: number;
  lastStableOffset: number;
}

export class PgPartitionStore {
  /** Concurrent appends share transactions (group-commit.ts). */
  readonly committer: GroupCommitter;

  /** Long polls wait on it; appends of this broker and (with LISTEN) of the others wake them. */
  readonly notifier = new AppendNotifier();

  /** The batches this broker appended last, for reads of the partitions it leads (batch-cache.ts). */
  readonly cache = new BatchCache();

  constructor(private readonly pool: Pool) {
    this.committer = new GroupCommitter(pool, () => this.notifier.wake());
    this.notifier.onForeignAppend((a) => this.cache.invalidate(a.topicId, a.partition));
    // A marker another broker appended while this one was not listening would be missing from a cached run.
    this.notifier.onRelisten(() => this.cache.clear());
  }

  /**
   * Appends whole v2 batches (each buffer exactly one batch, validated by the caller) as leader
   * `nodeId` at `leaderEpoch`; patches their offsets and epoch in place. Throws FencedLeaderError
   * when the database names another leader or epoch.
   */
  async append(topicId: Uuid, partition: number, nodeId: number, leaderEpoch: number, batches: Buffer[], checkProducer?: AppendRequest['checkProducer']): Promise<AppendResult> {
    const r = await this.committer.append({ topicId, partition, nodeId, leaderEpoch, batches, ...(checkProducer && { checkProducer }) });
    if ('baseOffset' in r) {
      if (r.duplicate !== true) this.cache.appended(topicId, partition, leaderEpoch, batches, r);
      return r;
    }
    if (r.kind === 'fenced') throw new FencedLeaderError(topicId, partition, r.leader, r.leaderEpoch);
    if (r.kind === 'producer') throw new ProducerStateError(r.errorCode, r.message);
    throw new UnknownPartitionError(topicId, partition);
  }

  /**
   * Appends a batch for the transaction coordinator, which need not lead the partition: a commit or
   * abort marker (a control batch), or a committed transaction's offsets. The leader's cache forgets
   * the partition (here, and on the other brokers when they hear of it). Answers the batch's offset;
   * throws UnknownPartitionError for a partition that no longer exists.
   */
  async appendAsCoordinator(topicId: Uuid, partition: number, batch: Buffer): Promise<number> {
    const r = await this.committer.append({ topicId, partition, nodeId: -1, leaderEpoch: -1, batches: [batch], marker: true });
    this.cache.invalidate(topicId, partition);
    if (!('baseOffset' in r)) throw new UnknownPartitionError(topicId, partition);
    // The other brokers hear of it by notification; this one may not listen (no LISTEN on the engine).
    this.notifier.foreignAppends([`${topicId}/${partition}@${r.baseOffset}`]);
    return r.baseOffset;
  }

  /** The aborted transactions of a partition that end at or after `fromOffset` and begin before `upTo`. */
  async abortedTransactions(topicId: Uuid, partition: number, fromOffset: number, upTo: number): Promise<AbortedTxn[]> {
    const { rows } = await this.pool.query<{ producer_id: string; first_offset: string }>(
      `select producer_id, first_offset from tributary_aborted_txns
        where topic_id = $1 and partition = $2 and last_offset >= $3 and first_offset < $4 order by first_offset`,
      [topicId, partition, fromOffset, upTo],
    );
    return rows.map((r) => ({ producerId: Number(r.producer_id), firstOffset: Number(r.first_offset) }));
  }

  /**
   * Bytes stored per partition (the batches' sizes; 0 for a partition without any), of the topics
   * named, or of every topic when `topics` is null (DescribeLogDirs). One scan of the batch index.
   */
  async sizes(topics: readonly string[] | null): Promise<{ topic: string; partition: number; size: number }[]> {
    const { rows } = await this.pool.query<{ name: string; partition: number; size: string }>(
      `select t.name, p.partition, coalesce((select sum(octet_length(b.data)) from tributary_batches b
                                              where b.topic_id = p.topic_id and b.partition = p.partition), 0) as size
         from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id
        where $1::text[] is null or t.name = any($1::text[])
        order by t.name, p.partition`,
      [topics],
    );
    return rows.map((r) => ({ topic: r.name, partition: r.partition, size: Number(r.size) }));
  }

  /** The partition's producer state as the database holds it (DescribeProducers). */
  async producers(topicId: Uuid, partition: number): Promise<ProducerEntry[]> {
    const { rows } = await this.pool.query<{ entry: string }>('select entry from tributary_producers where topic_id = $1 and partition = $2 order by producer_id', [topicId, partition]);
    return rows.map((r) => JSON.parse(r.entry) as ProducerEntry);
  }

  /** A producer id for an idempotent producer, unique over every broker of the cluster. */
  async allocateProducerId(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>('update tributary_producer_ids set next_id = next_id + 1 where id = 1 returning next_id - 1 as id');
    return Number(rows[0].id);
  }

  async offsets(topicId: Uuid, partition: number): Promise<PartitionOffsets> {
    const { rows } = await this.pool.query<{ next_offset: string; log_start_offset: string; first_unstable_offset: string }>(
      'select next_offset, log_start_offset, first_unstable_offset from tributary_partitions where topic_id = $1 and partition = $2',
      [topicId, partition],
    );
    if (rows[0] === undefined) throw new UnknownPartitionError(topicId, partition);
    const highWatermark = Number(rows[0].next_offset);
    const unstable = Number(rows[0].first_unstable_offset);
    return { highWatermark, logStartOffset: Number(rows[0].log_start_offset), lastStableOffset: unstable >= 0 ? unstable : highWatermark };
  }

  /**
   * Batches from the one holding fromOffset, up to maxBytes (`leaderEpoch`: this broker leads the
   * partition at that epoch, so its cache may answer) (at least one whole batch when there is
   * one, as Kafka answers a batch larger than the limit), with the offsets of the same snapshot.
   */
  async read(topicId: Uuid, partition: number, fromOffset: number, maxBytes: number, options: { leaderEpoch?: number } = {}): Promise<ReadResult> {
    // This broker leads the partition at leaderEpoch: the cache answers what it holds (a tailing consumer).
    if (options.leaderEpoch !== undefined) {
      const cached = this.cache.read(topicId, partition, options.leaderEpoch, fromOffset, maxBytes);
      if (cached !== undefined) return cached;
    }
    // One statement: the offsets and the batches come from the same snapshot. The bytes come as
    // base64 text: the driver reads results as text only, and hex (bytea's text form) is twice the
    // size, its decoding most of the broker's CPU when consumers read (bench/pg.ts).
    const { rows } = await this.pool.query<{ next_offset: string; log_start_offset: string; first_unstable_offset: string; data: string | null }>(
      // Only the batches that fit in maxBytes (the first one always) leave the database: their sizes
      // summed in order (octet_length reads a stored value's size without fetching it).
      `select p.next_offset, p.log_start_offset, p.first_unstable_offset, encode(b.data, 'base64') as data
         from tributary_partitions p
         left join lateral (
           select base_offset, data from (
             select base_offset, data, sum(octet_length(data)) over (order by base_offset) - octet_length(data) as before
               from tributary_batches
              where topic_id = p.topic_id and partition = p.partition and last_offset >= $3
              order by base_offset limit $4) sized
            where before < $5) b on true
        where p.topic_id = $1 and p.partition = $2
        order by b.base_offset`,
      [topicId, partition, fromOffset, Math.max(1, Math.min(1000, Math.ceil(maxBytes / 64))), maxBytes],
    );
    if (rows[0] === undefined) throw new UnknownPartitionError(topicId, partition);
    const batches: Buffer[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (r.data === null) break;
      const data = Buffer.from(r.data, 'base64'); // PostgreSQL breaks lines every 76 characters: Node skips them
      const size = readBatchLength(data, 0) + LOG_OVERHEAD;
      if (batches.length > 0 && bytes + size > maxBytes) break;
      batches.push(data);
      bytes += size;
    }
    const highWatermark = Number(rows[0].next_offset);
    const unstable = Number(rows[0].first_unstable_offset);
    return { batches, highWatermark, logStartOffset: Number(rows[0].log_start_offset), lastStableOffset: unstable >= 0 ? unstable : highWatermark };
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
