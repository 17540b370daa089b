// Compaction of topics with cleanup.policy=compact on postgres:// storage, run by each partition's
// leader with retention (retention.ts). The cleanable range ends where Kafka's does: before the last
// batch (the database has no segments; the newest batch stands for the active one), before the
// first offset of an open transaction (the last stable offset), and before the first batch younger
// than min.compaction.lag.ms. The range's batches are read, each key's latest offset over them found,
// and every batch rewritten by the rule both engines follow (log/compact-batch.ts): offsets kept,
// markers kept, aborted records, superseded records and tombstones past delete.retention.ms dropped.
// All of that happens without a lock (appends only add past the range, and only its leader removes
// from it); then one transaction fenced by the leader's epoch (log-start.ts), holding the partition
// row as appends do, checks that the log start has not moved meanwhile (DeleteRecords, retention)
// and replaces the range's batches with the kept ones. A partition is cleaned again only when its
// cleanable range grew or a tombstone's horizon passed. The range is read into memory whole: fine
// for the preview's sizes, unlike Kafka's cleaner with its bounded offset map.

import { readBaseOffset, readBatchRecords, readLastOffsetDelta, readMaxTimestamp, readPartitionLeaderEpoch } from '../codec/records/index.js';
import type { Uuid } from '../codec/uuid.js';
import { compactBatch } from '../log/compact-batch.js';
import type { ProducerEntry } from '../log/index.js';
import { inTransaction, type Pool } from './connection.js';
import { lockAsLeader } from './log-start.js';
import { FencedLeaderError } from './partition-store.js';
import { BATCH_COLUMNS, batchRowsSql } from './batch-rows.js';

/** Kept batches per insert statement (7 parameters each, well under PostgreSQL's 65,535). */
const INSERT_ROWS = 500;

export interface CompactionConfig {
  deleteRetentionMs: number;
  minCompactionLagMs: number;
}

export interface CompactionResult {
  /** Where the cleaned range ended (exclusive). */
  end: number;
  batchesBefore: number;
  batchesAfter: number;
  recordsRemoved: number;
  /** The earliest delete horizon of a tombstone kept, or -1: the partition is due again then. */
  nextHorizon: number;
}

/**
 * Compacts one partition as its leader `nodeId` at `leaderEpoch` (FencedLeaderError otherwise);
 * undefined when its cleanable range is empty or has not grown past `cleanedEnd` and no horizon is due.
 */
export async function compactTopicPartition(
  pool: Pool, topicId: Uuid, partition: number, nodeId: number, leaderEpoch: number,
  config: CompactionConfig, now: number, since: { cleanedEnd: number; horizon: number } = { cleanedEnd: -1, horizon: -1 },
): Promise<CompactionResult | undefined> {
  const { rows: bounds } = await pool.query<{ log_start: string; leader: number; leader_epoch: number; stable: string; last_base: string | null; young: string | null }>(
    `select p.log_start_offset as log_start, p.leader, p.leader_epoch,
            case when p.first_unstable_offset >= 0 then p.first_unstable_offset else p.next_offset end as stable,
            (select max(base_offset) from tributary_batches where topic_id = $1 and partition = $2) as last_base,
            (select min(base_offset) from tributary_batches where topic_id = $1 and partition = $2 and max_timestamp > $3) as young
       from tributary_partitions p where p.topic_id = $1 and p.partition = $2`,
    [topicId, partition, now - config.minCompactionLagMs],
  );
  const b = bounds[0];
  if (b === undefined || b.last_base === null) return undefined;
  if (b.leader !== nodeId || b.leader_epoch !== leaderEpoch) throw new FencedLeaderError(topicId, partition, b.leader, b.leader_epoch);
  const end = Math.min(Number(b.stable), Number(b.last_base), b.young === null ? Number.MAX_SAFE_INTEGER : Number(b.young));
  const horizonDue = since.horizon >= 0 && since.horizon <= now;
  if (end <= since.cleanedEnd && !horizonDue) return undefined;
  const { rows } = await pool.query<{ data: Buffer }>(
    'select data from tributary_batches where topic_id = $1 and partition = $2 and base_offset < $3 order by base_offset',
    [topicId, partition, end],
  );
  if (rows.length === 0) return undefined;
  const aborted = await pool.query<{ producer_id: string; first_offset: string; last_offset: string }>(
    'select producer_id, first_offset, last_offset from tributary_aborted_txns where topic_id = $1 and partition = $2 and first_offset < $3',
    [topicId, partition, end],
  );
  const abortedRanges = aborted.rows.map((r) => ({ producerId: Number(r.producer_id), first: Number(r.first_offset), last: Number(r.last_offset) }));
  const isAborted = (h: { isTransactional: boolean; producerId: number; baseOffset: number }) =>
    h.isTransactional && abortedRanges.some((a) => a.producerId === h.producerId && a.first <= h.baseOffset && h.baseOffset <= a.last);
  const producers = await pool.query<{ producer_id: string; entry: string }>('select producer_id, entry from tributary_producers where topic_id = $1 and partition = $2', [topicId, partition]);
  const lastOffsetOf = new Map(producers.rows.map((r) => [Number(r.producer_id), (JSON.parse(r.entry) as ProducerEntry).batches.at(-1)?.lastOffset]));

  // Each key's latest offset over the range (records of aborted transactions do not count).
  const latest = new Map<string, number>();
  for (const { data } of rows) {
    let parsed;
    try {
      parsed = readBatchRecords(data, 0);
    } catch {
      continue; // a codec this Node lacks: the batch is kept whole below
    }
    if (parsed.header.isControl || isAborted(parsed.header)) continue;
    for (const record of parsed.records) if (record.key !== null) latest.set(record.key.toString('base64'), record.offset);
  }
  let removed = 0;
  let nextHorizon = -1;
  let changed = false;
  const kept: Buffer[] = [];
  for (const { data } of rows) {
    const r = compactBatch(data, {
      latestOffset: (key) => latest.get(key.toString('base64')) ?? -1,
      isAborted,
      isProducersLast: (h) => lastOffsetOf.get(h.producerId) === h.lastOffset,
      now,
      deleteRetentionMs: config.deleteRetentionMs,
    });
    if ('undecodable' in r) {
      kept.push(data);
      continue;
    }
    removed += r.removed;
    if (r.horizon >= 0) nextHorizon = nextHorizon < 0 ? r.horizon : Math.min(nextHorizon, r.horizon);
    if (r.batch !== data) changed = true;
    if (r.batch !== null) kept.push(r.batch);
  }
  const result = { end, batchesBefore: rows.length, batchesAfter: kept.length, recordsRemoved: removed, nextHorizon };
  if (!changed) return result;
  return inTransaction(pool, async (t) => {
    const locked = await lockAsLeader(t, topicId, partition, nodeId, leaderEpoch);
    // Records deleted since the read must not come back with the kept batches: try again next pass.
    if (locked.log_start_offset !== b.log_start) return undefined;
    await t.query('delete from tributary_batches where topic_id = $1 and partition = $2 and base_offset < $3', [topicId, partition, end]);
    // The kept batches in few statements (batch-rows.ts, as appends insert them):
    // appends to the partition wait on its row lock meanwhile.
    for (let from = 0; from < kept.length; from += INSERT_ROWS) {
      const { sql, values } = batchRowsSql(kept.slice(from, from + INSERT_ROWS).map((batch) => {
        const base = readBaseOffset(batch, 0);
        return [topicId, partition, base, base + readLastOffsetDelta(batch, 0), readPartitionLeaderEpoch(batch, 0), readMaxTimestamp(batch, 0), batch] as const;
      }));
      await t.query(`insert into tributary_batches ${BATCH_COLUMNS} values ${sql}`, values);
    }
    return result;
  });
}
