// Compaction of a coordinator's partition in the database (__consumer_offsets): every offset commit
// adds a record, and a broker taking the partition over replays them all, so the leader rewrites the
// partition from time to time as the last record of each key, tombstones dropped, in one batch
// appended at the log end, and deletes everything before it. Done in one transaction holding the
// partition row, as appends hold it, and only as the partition's leader at its epoch (fenced): what
// a replay reads is the same before and after. Unlike Kafka's log cleaner it renumbers the kept
// records, which no one reads by offset in this internal topic. The coordinator compacts only a log
// it holds whole in memory (expectedEnd), so the kept batch holds nothing it has not applied.

import { buildRecordBatch, readBatchRecords, readLastOffsetDelta, readMaxTimestamp, setBaseOffset, setPartitionLeaderEpoch } from '../codec/records/index.js';
import type { Uuid } from '../codec/uuid.js';
import { inTransaction, type Pool } from './connection.js';
import { lockAsLeader } from './log-start.js';

export interface CompactionResult {
  /** Records in the partition before and after. */
  before: number;
  after: number;
  /** The partition's end offset after: the kept batch (if any) ends there. */
  end: number;
}

/** Records in the partition between its log start and end (the trigger's measure). */
export async function partitionSpan(pool: Pool, topicId: Uuid, partition: number): Promise<number> {
  const { rows } = await pool.query<{ span: string }>('select next_offset - log_start_offset as span from tributary_partitions where topic_id = $1 and partition = $2', [topicId, partition]);
  return rows[0] === undefined ? 0 : Number(rows[0].span);
}

/**
 * Compacts the partition if its end is `expectedEnd` (everything the caller has applied); else
 * leaves it and answers null (another broker appended what the caller has not applied yet).
 */
export async function compactPartition(pool: Pool, topicId: Uuid, partition: number, nodeId: number, leaderEpoch: number, now: number, expectedEnd: number): Promise<CompactionResult | null> {
  return inTransaction(pool, async (c) => {
    const row = await lockAsLeader(c, topicId, partition, nodeId, leaderEpoch);
    const next = Number(row.next_offset);
    if (next !== expectedEnd) return null;
    const before = next - Number(row.log_start_offset);
    const { rows: batches } = await c.query<{ data: Buffer }>('select data from tributary_batches where topic_id = $1 and partition = $2 order by base_offset', [topicId, partition]);
    // The last record of each key, in the order of those last writes.
    const latest = new Map<string, { key: Buffer; value: Buffer | null; timestamp: number }>();
    for (const { data } of batches) {
      const { header, records } = readBatchRecords(data);
      if (header.isControl) continue;
      for (const r of records) {
        if (r.key === null) continue;
        const k = r.key.toString('base64');
        latest.delete(k);
        latest.set(k, { key: r.key, value: r.value, timestamp: r.timestamp });
      }
    }
    const kept = [...latest.values()].filter((r) => r.value !== null);
    await c.query('delete from tributary_batches where topic_id = $1 and partition = $2', [topicId, partition]);
    if (kept.length === 0) {
      await c.query('update tributary_partitions set log_start_offset = next_offset where topic_id = $1 and partition = $2', [topicId, partition]);
      return { before, after: 0, end: next };
    }
    const batch = buildRecordBatch({ now, records: kept });
    setBaseOffset(batch, 0, next);
    setPartitionLeaderEpoch(batch, 0, leaderEpoch);
    const last = next + readLastOffsetDelta(batch, 0);
    await c.query(
      'insert into tributary_batches (topic_id, partition, base_offset, last_offset, leader_epoch, max_timestamp, data) values ($1, $2, $3, $4, $5, $6, $7)',
      [topicId, partition, String(next), String(last), leaderEpoch, String(readMaxTimestamp(batch, 0)), batch],
    );
    await c.query('update tributary_partitions set log_start_offset = $3, next_offset = $4 where topic_id = $1 and partition = $2', [topicId, partition, String(next), String(last + 1)]);
    return { before, after: kept.length, end: last + 1 };
  });
}
