// The start of a partition's log in the database and its leader epochs: DeleteRecords moves the log
// start offset forward (as the partition's leader at its epoch, under the partition row's lock, as
// appends are made) and drops the batches wholly below it; OffsetForLeaderEpoch reads where each
// leader epoch starts from the stored batches, plus the current leader epoch starting at the log
// end when no batch has it yet (Kafka's leader assigns its epoch the log end offset when elected).

import type { Uuid } from '../codec/uuid.js';
import { LeaderEpochCache } from '../log/leader-epoch.js';
import { inTransaction, type Pool, type PoolClient } from './connection.js';
import { FencedLeaderError, UnknownPartitionError } from './partition-store.js';

/** The offset asked for is past the high watermark: OFFSET_OUT_OF_RANGE. */
export class BeyondHighWatermarkError extends Error {
  constructor(readonly offset: number, readonly highWatermark: number) {
    super(`offset ${offset} is beyond the high watermark ${highWatermark}`);
    this.name = 'BeyondHighWatermarkError';
  }
}

/**
 * Locks a partition's row (as appends do) in `c`'s transaction, as its leader `nodeId` at
 * `leaderEpoch`: throws FencedLeaderError when the database names another, UnknownPartitionError
 * when there is no such partition. Answers its log start and end offsets.
 */
export async function lockAsLeader(c: PoolClient, topicId: Uuid, partition: number, nodeId: number, leaderEpoch: number): Promise<{ log_start_offset: string; next_offset: string }> {
  const { rows } = await c.query<{ leader: number; leader_epoch: number; log_start_offset: string; next_offset: string }>(
    'select leader, leader_epoch, log_start_offset, next_offset from tributary_partitions where topic_id = $1 and partition = $2 for update',
    [topicId, partition],
  );
  const row = rows[0];
  if (row === undefined) throw new UnknownPartitionError(topicId, partition);
  if (row.leader !== nodeId || row.leader_epoch !== leaderEpoch) throw new FencedLeaderError(topicId, partition, row.leader, row.leader_epoch);
  return row;
}

/**
 * Deletes the records before `offset` (-1: the high watermark) as leader `nodeId` at `leaderEpoch`;
 * answers the new log start offset (the low watermark). A log start already past `offset` stays.
 */
export async function deleteRecordsBefore(pool: Pool, topicId: Uuid, partition: number, nodeId: number, leaderEpoch: number, offset: number): Promise<number> {
  return inTransaction(pool, async (c) => {
    const row = await lockAsLeader(c, topicId, partition, nodeId, leaderEpoch);
    const highWatermark = Number(row.next_offset);
    const target = offset === -1 ? highWatermark : offset;
    if (target > highWatermark) throw new BeyondHighWatermarkError(target, highWatermark);
    const logStart = Number(row.log_start_offset);
    if (target <= logStart) return logStart;
    await c.query('update tributary_partitions set log_start_offset = $3 where topic_id = $1 and partition = $2', [topicId, partition, target]);
    await c.query('delete from tributary_batches where topic_id = $1 and partition = $2 and last_offset < $3', [topicId, partition, target]);
    // Aborted transactions wholly below the log start no longer concern any read (Kafka's .txnindex goes with its segment).
    await c.query('delete from tributary_aborted_txns where topic_id = $1 and partition = $2 and last_offset < $3', [topicId, partition, target]);
    return target;
  });
}

/** The partition's leader epochs and where each starts, with its log end offset, for endOffsetForEpoch. */
export async function leaderEpochs(pool: Pool, topicId: Uuid, partition: number, currentEpoch: number): Promise<{ cache: LeaderEpochCache; logEndOffset: number }> {
  const { rows } = await pool.query<{ leader_epoch: number | null; start: string | null; next_offset: string }>(
    `select b.leader_epoch, b.start, p.next_offset
       from tributary_partitions p
       left join (select leader_epoch, min(base_offset) as start from tributary_batches
                   where topic_id = $1 and partition = $2 group by leader_epoch) b on true
      where p.topic_id = $1 and p.partition = $2`,
    [topicId, partition],
  );
  if (rows[0] === undefined) throw new UnknownPartitionError(topicId, partition);
  const logEndOffset = Number(rows[0].next_offset);
  const cache = new LeaderEpochCache(rows.flatMap((r) => (r.leader_epoch === null ? [] : [{ epoch: r.leader_epoch, startOffset: Number(r.start) }])));
  cache.assign(currentEpoch, logEndOffset);
  return { cache, logEndOffset };
}
