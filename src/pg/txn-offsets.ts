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

  /** Every group's offsets of the producer's transaction, once it ended (groups it never added included). */
  async clear(producerId: number): Promise<void> {
    await this.pool.query('delete from tributary_txn_offsets where producer_id = $1', [String(producerId)]);
  }
}
