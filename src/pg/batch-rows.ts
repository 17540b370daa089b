// Rows of tributary_batches as one INSERT's VALUES list, one row of parameters per batch: the driver
// sends a Buffer parameter in binary, but a bytea[] as hex text (twice the bytes, and most of the
// broker's CPU under load: bench/pg.ts). Used by appends (group-commit.ts) and compaction.

/** One batch's row: topic_id, partition, base_offset, last_offset, leader_epoch, max_timestamp, data. */
export type BatchRow = readonly [topicId: string, partition: number, baseOffset: number | string, lastOffset: number | string, leaderEpoch: number, maxTimestamp: number | string, data: Buffer];

export const BATCH_COLUMNS = '(topic_id, partition, base_offset, last_offset, leader_epoch, max_timestamp, data)';

/** `values` for the statement's first parameters and the VALUES list naming them ($1 …). */
export function batchRowsSql(rows: readonly BatchRow[]): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const sql = rows.map((row, i) => {
    values.push(...row);
    const k = i * 7;
    return `($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5}, $${k + 6}, $${k + 7})`;
  }).join(', ');
  return { sql, values };
}
