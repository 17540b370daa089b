// Offsets a transactional producer sent with TxnOffsetCommit, kept in the database by producer id and
// group until its transaction ends: the group's coordinator stores them, the transaction coordinator
// (maybe another broker: txn/pg-transactions.ts) takes them when the transaction completes.

import type { Pool } from './connection.js';

/** One partition's offset in a transaction (the txn layer's PendingOffset, without its timestamp). */
export interface TxnOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
}

/** Offsets of open transactions (TxnOffsetCommit), by producer id and group, until the transaction ends. */
export class PgTxnOffsets {
  constructor(private readonly pool: Pool) {}

  async store(producerId: number, groupId: string, offsets: readonly TxnOffset[]): Promise<void> {
    await this.pool.query(
      `insert into tributary_txn_offsets (producer_id, group_id, topic, partition, committed_offset, leader_epoch, metadata)
       select $1, $2, * from unnest($3::text[], $4::int[], $5::bigint[], $6::int[], $7::text[])
       on conflict (producer_id, group_id, topic, partition) do update
         set committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch, metadata = excluded.metadata`,
      [
        String(producerId), groupId, offsets.map((o) => o.topic), offsets.map((o) => o.partition), offsets.map((o) => String(o.offset)),
        offsets.map((o) => o.leaderEpoch), offsets.map((o) => o.metadata),
      ],
    );
  }

  async pending(producerId: number, groupId: string): Promise<(TxnOffset & { commitTimestamp: number })[]> {
    const { rows } = await this.pool.query<{ topic: string; partition: number; committed_offset: string; leader_epoch: number; metadata: string }>(
      'select topic, partition, committed_offset, leader_epoch, metadata from tributary_txn_offsets where producer_id = $1 and group_id = $2',
      [String(producerId), groupId],
    );
    const now = Date.now();
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: Number(r.committed_offset), leaderEpoch: r.leader_epoch, metadata: r.metadata, commitTimestamp: now }));
  }

  /**
   * The partitions of `groupId` with offsets of a transaction not ended yet (topic and partition
   * joined by a NUL), and the end offset of `offsetsPartition` (the group's __consumer_offsets
   * partition) read in the same statement: a transaction's end writes the offsets there before it
   * deletes them here, so whatever is no longer pending is below that end.
   */
  async pendingPartitions(groupId: string, offsetsTopicId: string, offsetsPartition: number): Promise<{ pending: Set<string>; offsetsEnd: number }> {
    const { rows } = await this.pool.query<{ next_offset: string; topic: string | null; partition: number | null }>(
      `select p.next_offset, t.topic, t.partition from tributary_partitions p
         left join tributary_txn_offsets t on t.group_id = $3
       where p.topic_id = $1 and p.partition = $2`,
      [offsetsTopicId, offsetsPartition, groupId],
    );
    const pending = new Set<string>();
    for (const r of rows) if (r.topic !== null) pending.add(`${r.topic}\0${r.partition}`);
    return { pending, offsetsEnd: rows.length === 0 ? 0 : Number(rows[0].next_offset) };
  }

  /** Every group's offsets of the producer's transaction, once it ended (groups it never added included). */
  async clear(producerId: number): Promise<void> {
    await this.pool.query('delete from tributary_txn_offsets where producer_id = $1', [String(producerId)]);
  }
}
