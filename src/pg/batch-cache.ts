// The leader's cache of the batches it appended last, per partition, so that consumers tailing a
// partition it leads are answered without a database round trip (issue 17: "the leader keeps recent
// batches in memory"). Only this broker appends to a partition while it leads it at an epoch, and it
// adds each batch here after its transaction committed, so a contiguous run of cached batches ending
// at the cached high watermark is exactly what the database holds there: a read served from it
// returns the same batches, offsets and high watermark (never ahead of what is committed). A read
// outside the run, by a broker that does not lead the partition, or at another epoch goes to the
// database. Anything that moves the log start (DeleteRecords, retention) or replaces the data
// (compaction, deletion) invalidates the partition. Bounded in bytes: the oldest batches go first.

import { LOG_OVERHEAD, readBatchLength, readBaseOffset, readLastOffsetDelta } from '../codec/records/index.js';
import type { Uuid } from '../codec/uuid.js';
import type { ReadResult } from './partition-store.js';

/** Bytes of batches one broker keeps (over all the partitions it leads). */
export const BATCH_CACHE_BYTES = 64 * 1024 * 1024;

interface Run {
  leaderEpoch: number;
  /** Batches in offset order, contiguous; the last one ends just before highWatermark. */
  batches: Buffer[];
  /** Index of the first live batch in `batches` (evicted ones are dropped lazily). */
  head: number;
  highWatermark: number;
  logStartOffset: number;
  /** As of the last append (a marker by another broker invalidates the run: append-notifier.ts). */
  lastStableOffset: number;
  bytes: number;
}

export class BatchCache {
  private readonly runs = new Map<string, Run>();
  private bytes = 0;
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly maxBytes = BATCH_CACHE_BYTES) {}

  /**
   * After a commit: `batches` (offsets patched) start at baseOffset and the partition ends at
   * highWatermark. A run that does not end at baseOffset (another epoch, a gap, other appends in the
   * same transaction not seen) starts again from these batches. A batch that is a view of a much
   * larger buffer (a network chunk holding other frames) is copied, so the cache does not keep the
   * rest alive; a large batch, whose request frame was assembled in a buffer of its own, is kept as is.
   */
  appended(
    topicId: Uuid, partition: number, leaderEpoch: number, batches: readonly Buffer[],
    { baseOffset, highWatermark, logStartOffset, lastStableOffset }: { baseOffset: number; highWatermark: number; logStartOffset: number; lastStableOffset: number },
  ): void {
    if (this.maxBytes <= 0) return;
    const key = `${topicId}/${partition}`;
    const size = batches.reduce((n, b) => n + b.length, 0);
    const end = batches.length === 0 ? baseOffset : readBaseOffset(batches.at(-1)!, 0) + readLastOffsetDelta(batches.at(-1)!, 0) + 1;
    let run = this.runs.get(key);
    if (run === undefined || run.leaderEpoch !== leaderEpoch || run.highWatermark !== baseOffset || end !== highWatermark) {
      this.drop(key);
      // Batches of this append alone only if they end at the high watermark (no later append in the same transaction).
      if (end !== highWatermark) return;
      run = { leaderEpoch, batches: [], head: 0, highWatermark: baseOffset, logStartOffset, lastStableOffset, bytes: 0 };
      this.runs.set(key, run);
    }
    for (const b of batches) run.batches.push(ownedOrCopy(b));
    run.highWatermark = highWatermark;
    run.logStartOffset = logStartOffset;
    run.lastStableOffset = lastStableOffset;
    run.bytes += size;
    this.bytes += size;
    this.evict();
  }

  /**
   * The batches from the one holding fromOffset (up to maxBytes, at least one), as the database would
   * answer, when the cache holds that offset for this leader epoch; else undefined.
   */
  read(topicId: Uuid, partition: number, leaderEpoch: number, fromOffset: number, maxBytes: number): ReadResult | undefined {
    const run = this.runs.get(`${topicId}/${partition}`);
    if (run === undefined || run.leaderEpoch !== leaderEpoch || run.head >= run.batches.length && fromOffset !== run.highWatermark) return this.miss();
    const first = run.head < run.batches.length ? readBaseOffset(run.batches[run.head], 0) : run.highWatermark;
    if (fromOffset < first || fromOffset > run.highWatermark || fromOffset < run.logStartOffset) return this.miss();
    const batches: Buffer[] = [];
    let bytes = 0;
    for (let i = run.head; i < run.batches.length; i++) {
      const b = run.batches[i];
      if (readBaseOffset(b, 0) + readLastOffsetDelta(b, 0) < fromOffset) continue;
      const size = readBatchLength(b, 0) + LOG_OVERHEAD;
      if (batches.length > 0 && bytes + size > maxBytes) break;
      batches.push(b);
      bytes += size;
    }
    this.stats.hits++;
    return { batches, highWatermark: run.highWatermark, logStartOffset: run.logStartOffset, lastStableOffset: run.lastStableOffset };
  }

  /** Forgets a partition (its log start moved, its data was rewritten or deleted, or its leadership changed). */
  invalidate(topicId: Uuid, partition: number): void {
    this.drop(`${topicId}/${partition}`);
  }

  /** Forgets every partition (notifications of other brokers' appends may have been missed). */
  clear(): void {
    for (const key of [...this.runs.keys()]) this.drop(key);
  }

  get size(): number {
    return this.bytes;
  }

  private miss(): undefined {
    this.stats.misses++;
    return undefined;
  }

  private drop(key: string): void {
    const run = this.runs.get(key);
    if (run === undefined) return;
    this.bytes -= run.bytes;
    this.runs.delete(key);
  }

  /** Drops the oldest batches of the largest runs until the cache fits. */
  private evict(): void {
    while (this.bytes > this.maxBytes) {
      let largest: Run | undefined;
      for (const r of this.runs.values()) if (largest === undefined || r.bytes > largest.bytes) largest = r;
      if (largest === undefined || largest.head >= largest.batches.length) return;
      const b = largest.batches[largest.head++];
      largest.bytes -= b.length;
      this.bytes -= b.length;
      if (largest.head > 64 && largest.head * 2 > largest.batches.length) {
        largest.batches = largest.batches.slice(largest.head);
        largest.head = 0;
      }
    }
  }
}

/** How many bytes around a batch the cache may keep alive with it instead of copying it. */
const SHARED_SLACK = 16 * 1024;

/** The batch itself when its backing buffer is about its size (the request frame's), else a copy. */
function ownedOrCopy(b: Buffer): Buffer {
  return b.buffer.byteLength <= b.length + SHARED_SLACK ? b : Buffer.from(b);
}
