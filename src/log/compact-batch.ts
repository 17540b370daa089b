// One batch through compaction, the rule both log engines follow (the file engine's cleaner.ts, the
// database's pg/topic-compaction.ts): transaction markers are kept; records of aborted transactions
// are dropped; a record superseded by a later one with the same key is dropped; a tombstone gets a
// delete horizon (now + delete.retention.ms, in the batch header) on its first cleaning and is
// dropped by a cleaning after it; the last batch of a producer is kept, empty if need be, so its
// producer state survives. Offsets are preserved: the batch keeps its base and last offsets.

import { readBatchRecords, rebuildBatch } from '../codec/records/record.js';
import { hasDeleteHorizon, readBaseTimestamp, type RecordBatchHeader } from '../codec/records/record-batch.js';

export interface CompactionRules {
  /** The latest offset of a key over the range being cleaned, or -1. */
  latestOffset(key: Buffer): number;
  /** The batch belongs to an aborted transaction. */
  isAborted(header: RecordBatchHeader): boolean;
  /** The batch is its producer's last: kept, possibly empty. */
  isProducersLast(header: RecordBatchHeader): boolean;
  now: number;
  deleteRetentionMs: number;
}

export type CompactedBatch =
  /** `batch`: the same Buffer when unchanged, a rebuilt one, or null to drop it; `horizon`: its tombstones' delete horizon, or -1. */
  | { batch: Buffer | null; removed: number; horizon: number }
  /** Its records could not be decoded (a codec this Node lacks): kept whole. */
  | { undecodable: number };

export function compactBatch(bytes: Buffer, rules: CompactionRules): CompactedBatch {
  let parsed;
  try {
    parsed = readBatchRecords(bytes, 0);
  } catch (err) {
    return { undecodable: (err as { compression?: number }).compression ?? -1 };
  }
  const { header, records } = parsed;
  if (header.isControl) return { batch: bytes, removed: 0, horizon: -1 };
  const keepEmpty = header.producerId >= 0 && rules.isProducersLast(header);
  if (rules.isAborted(header)) return { batch: keepEmpty ? rebuildBatch(header, []) : null, removed: records.length, horizon: -1 };
  const horizon = hasDeleteHorizon(bytes, 0) ? readBaseTimestamp(bytes, 0) : -1;
  const kept = [];
  let tombstones = 0;
  for (const r of records) {
    if (r.key !== null) {
      if (rules.latestOffset(r.key) > r.offset) continue; // superseded by a later record with the same key
      if (r.value === null) {
        if (horizon >= 0 && rules.now >= horizon) continue; // tombstone past delete.retention.ms
        tombstones++;
      }
    }
    kept.push(r);
  }
  const removed = records.length - kept.length;
  const newHorizon = tombstones > 0 && horizon < 0 ? rules.now + rules.deleteRetentionMs : horizon;
  const tombstoneHorizon = tombstones > 0 ? newHorizon : -1;
  if (kept.length === records.length && newHorizon === horizon) return { batch: bytes, removed, horizon: tombstoneHorizon };
  if (kept.length === 0 && !keepEmpty) return { batch: null, removed, horizon: -1 };
  return { batch: rebuildBatch(header, kept, { deleteHorizonMs: tombstoneHorizon }), removed, horizon: tombstoneHorizon };
}
