// Log compaction (cleanup.policy=compact, or compact,delete): keeps the latest record per key in the
// sealed, stable part of a log. A fixed-memory key-hash map (MD5 of the key → last offset, like Kafka's
// SkimpyOffsetMap) is built over the dirty range; then each cleanable segment is rewritten into a
// .cleaned file and swapped in atomically. Offsets are preserved (gaps allowed); transaction markers are
// kept; records of aborted transactions are dropped; tombstones get a delete horizon on their first
// cleaning and are removed by a cleaning after it (delete.retention.ms); the last batch of each producer
// is kept (possibly empty) so producer state survives. Batches in a codec we cannot decompress are
// kept whole with a log line.

import { createHash } from 'node:crypto';
import { readBatchRecords } from '../codec/records/record.js';
import { compactBatch } from './compact-batch.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { PartitionLog } from './partition-log.js';
import { HeaderScanner, Segment } from './segment.js';

const SLOT = 24; // 16-byte MD5 + 8-byte offset (stored +1 so 0 means empty)
const LOAD_FACTOR = 0.9;

/** Open-addressing map from key hash to the latest offset, in a fixed Buffer. */
export class KeyOffsetMap {
  private readonly buf: Buffer;
  readonly slots: number;
  private entries = 0;
  readonly maxEntries: number;

  constructor(bytes: number) {
    this.slots = Math.max(16, Math.floor(bytes / SLOT));
    this.buf = Buffer.alloc(this.slots * SLOT);
    this.maxEntries = Math.floor(this.slots * LOAD_FACTOR);
  }

  get size(): number {
    return this.entries;
  }

  clear(): void {
    this.buf.fill(0);
    this.entries = 0;
  }

  private find(hash: Buffer): number {
    let i = hash.readUInt32BE(0) % this.slots;
    for (;;) {
      const at = i * SLOT;
      if (this.buf.readDoubleBE(at + 16) === 0 || this.buf.compare(hash, 0, 16, at, at + 16) === 0) return at;
      i = (i + 1) % this.slots;
    }
  }

  static hash(key: Buffer): Buffer {
    return createHash('md5').update(key).digest();
  }

  /** Records offset for key; false when the map is full and the key is new. */
  put(key: Buffer, offset: number): boolean {
    const h = KeyOffsetMap.hash(key);
    const at = this.find(h);
    if (this.buf.readDoubleBE(at + 16) === 0) {
      if (this.entries >= this.maxEntries) return false;
      h.copy(this.buf, at);
      this.entries++;
    }
    this.buf.writeDoubleBE(offset + 1, at + 16);
    return true;
  }

  /** Latest offset recorded for key, or -1. */
  get(key: Buffer): number {
    const at = this.find(KeyOffsetMap.hash(key));
    const v = this.buf.readDoubleBE(at + 16);
    return v === 0 ? -1 : v - 1;
  }
}

export interface CleanStats {
  segments: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  endOffset: number;
}

export class LogCleaner {
  private map: KeyOffsetMap | null = null;
  /** Stats of the last cleaning (for tests and logs). */
  lastStats: CleanStats | null = null;

  constructor(readonly clock: Clock, readonly logger: Logger, readonly dedupeBufferBytes: number) {}

  /** Cleans log if it is compacted and dirty enough (or has tombstones past their horizon). */
  async clean(log: PartitionLog): Promise<boolean> {
    const c = log.config;
    if (!c.cleanupPolicy.compact) return false;
    const now = this.clock.now();
    const segs = await log.sealedSegments();
    const upper = Math.min(log.highWatermark, log.lastStableOffset);
    const cleanable: Segment[] = [];
    for (const s of segs) {
      if (s.nextOffset > upper) break;
      if (c.minCompactionLagMs > 0 && s.maxTimestamp > now - c.minCompactionLagMs) break;
      cleanable.push(s);
    }
    if (cleanable.length === 0) return false;
    const firstDirty = Math.max(log.cleanerCheckpoint, log.logStartOffset, cleanable[0].base);
    let dirtyBytes = 0;
    let total = 0;
    for (const s of cleanable) {
      total += s.size;
      if (s.nextOffset > firstDirty) dirtyBytes += s.size;
    }
    const horizonDue = cleanable.some((s) => s.deleteHorizon >= 0 && s.deleteHorizon <= now);
    // max.compaction.lag.ms: dirty records older than this are cleaned whatever the dirty ratio.
    const lagDue =
      c.maxCompactionLagMs < Number.MAX_SAFE_INTEGER &&
      cleanable.some((s) => s.nextOffset > firstDirty && s.maxTimestamp >= 0 && now - s.maxTimestamp > c.maxCompactionLagMs);
    if (total === 0 || (dirtyBytes / total < c.minCleanableDirtyRatio && !horizonDue && !lagDue)) return false;
    if (dirtyBytes === 0 && !horizonDue) return false;

    // 1. Key → latest offset over the dirty range.
    if (!this.map) this.map = new KeyOffsetMap(this.dedupeBufferBytes);
    const map = this.map;
    map.clear();
    const pool = log.context.pool;
    let endOffset = firstDirty;
    let full = false;
    for (const s of cleanable) {
      if (s.nextOffset <= firstDirty) continue;
      const scanner = new HeaderScanner(pool, s.logPath, 256 * 1024);
      for (let pos = 0; pos < s.size && !full; ) {
        const h = await scanner.headerAt(pos, s.size);
        if (!h) break;
        const bytes = await scanner.batchAt(pos, h.size);
        pos += h.size;
        if (h.lastOffset < firstDirty) continue;
        let parsed;
        try {
          parsed = readBatchRecords(bytes, 0);
        } catch {
          endOffset = h.lastOffset + 1;
          continue;
        }
        if (parsed.header.isControl || this.isAborted(log, parsed.header)) {
          endOffset = h.lastOffset + 1;
          continue;
        }
        for (const r of parsed.records) {
          if (r.key === null || r.offset < firstDirty) continue;
          if (!map.put(r.key, r.offset)) {
            full = true;
            endOffset = r.offset;
            break;
          }
        }
        if (!full) endOffset = h.lastOffset + 1;
      }
      if (full) break;
      endOffset = Math.max(endOffset, s.nextOffset);
    }

    // 2. Rewrite every cleanable segment that starts below endOffset.
    const olds = cleanable.filter((s) => s.base < endOffset);
    const news: Segment[] = [];
    const stats: CleanStats = { segments: olds.length, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0, endOffset };
    const storage = log.context.storage;
    const skippedCodecs = new Set<number>();
    try {
      for (const old of olds) {
        const seg = new Segment(log.dir, old.base, { isNew: true, created: old.created });
        const out: Buffer[] = [];
        let pending = 0;
        let position = 0;
        const file = await storage.open(old.logPath + '.cleaned', true);
        try {
          await file.truncate(0);
          const scanner = new HeaderScanner(pool, old.logPath, 256 * 1024);
          for (let pos = 0; pos < old.size; ) {
            const h = await scanner.headerAt(pos, old.size);
            if (!h) break;
            const bytes = await scanner.batchAt(pos, h.size);
            pos += h.size;
            stats.bytesBefore += h.size;
            const kept = this.filterBatch(log, bytes, map, now, stats, skippedCodecs, seg);
            if (!kept) continue;
            const copy = kept === bytes ? Buffer.from(bytes) : kept; // scanner chunks are reused
            seg.onBatch(h, position, copy.length, log.config.indexIntervalBytes);
            out.push(copy);
            position += copy.length;
            pending += copy.length;
            if (pending >= 1024 * 1024) {
              await file.write(out.splice(0), position - pending);
              pending = 0;
            }
          }
          if (out.length > 0) await file.write(out.splice(0), position - pending);
          await file.sync();
        } finally {
          await file.close();
        }
        seg.size = position;
        seg.written = position;
        seg.nextOffset = old.nextOffset;
        seg.addTimeEntry();
        stats.bytesAfter += position;
        news.push(seg);
      }
      for (const codec of skippedCodecs) {
        this.logger.warn('batches left uncompacted: codec cannot be decompressed here', { topic: log.topic, partition: log.partition, compression: codec });
      }
      await log.swapSegments(olds, news, endOffset);
    } catch (err) {
      for (const n of news) await storage.remove(n.logPath + '.cleaned').catch(() => {});
      for (const o of olds) await storage.remove(o.logPath + '.cleaned').catch(() => {});
      throw err;
    }
    this.lastStats = stats;
    this.logger.info('cleaned log', { topic: log.topic, partition: log.partition, ...stats });
    return true;
  }

  private isAborted(log: PartitionLog, h: { isTransactional: boolean; producerId: number; baseOffset: number; lastOffset: number }): boolean {
    if (!h.isTransactional) return false;
    return log.abortedTransactions(h.baseOffset, h.lastOffset + 1).some((t) => t.producerId === h.producerId && t.firstOffset <= h.baseOffset && h.baseOffset <= t.lastOffset);
  }

  /** The batch to keep (the same Buffer when unchanged, a rebuilt one, or null to drop it). */
  private filterBatch(log: PartitionLog, bytes: Buffer, map: KeyOffsetMap, now: number, stats: CleanStats, skipped: Set<number>, seg: Segment): Buffer | null {
    const r = compactBatch(bytes, {
      latestOffset: (key) => map.get(key),
      isAborted: (h) => this.isAborted(log, h),
      isProducersLast: (h) => log.producers.get(h.producerId)?.batches.at(-1)?.lastOffset === h.lastOffset,
      now,
      deleteRetentionMs: log.config.deleteRetentionMs,
    });
    if ('undecodable' in r) {
      skipped.add(r.undecodable);
      return bytes;
    }
    stats.recordsRemoved += r.removed;
    if (r.horizon >= 0) seg.deleteHorizon = seg.deleteHorizon < 0 ? r.horizon : Math.min(seg.deleteHorizon, r.horizon);
    return r.batch;
  }
}
