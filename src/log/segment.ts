// One segment: a file of raw record batches named by its base offset, plus its sparse offset index
// (relative offset → position) and time index (max timestamp so far → offset), kept in memory and
// persisted next to it (.index: int32 relOffset, int32 position; .timeindex: int64 ts, int32 relOffset).

import {
  LOG_OVERHEAD,
  RECORD_BATCH_HEADER_SIZE,
  readBaseOffset,
  readBatchLength,
  readLastOffsetDelta,
  readMaxTimestamp,
  readMagic,
} from '../codec/records/record-batch.js';
import { readInt64, writeInt64 } from '../codec/records/int64.js';
import type { HandlePool } from './handle-pool.js';

export function segmentName(base: number): string {
  return String(base).padStart(20, '0');
}

/** A batch header as the log needs it while walking a segment. */
export interface HeaderInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  magic: number;
}

export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes appended (assigned positions). */
  size = 0;
  /** Bytes that reached the file. */
  written = 0;
  /** Offset after the last batch (known for the active segment and loaded segments). */
  nextOffset: number;
  // Offset index, relative offsets and positions.
  idxRel: number[] = [];
  idxPos: number[] = [];
  idxPersisted = 0;
  /** Entries the index file holds (may exceed idxPersisted after truncation: then the file is cut first). */
  idxFileEntries = 0;
  // Time index.
  tsTime: number[] = [];
  tsRel: number[] = [];
  tsPersisted = 0;
  tsFileEntries = 0;
  private bytesSinceIndex = 0;
  /** Largest batch max timestamp seen in this segment and the base offset of its batch. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Clock time the segment was created or first written (segment.ms). */
  created: number;
  /** Index and size loaded from storage (sealed segments load lazily). */
  loaded: boolean;
  loading: Promise<void> | null = null;
  fileCreated: boolean;
  /** The .index/.timeindex files exist (new segments create them on first persist). */
  indexFilesExist: boolean;
  /** Earliest tombstone delete horizon in this segment (cleaner bookkeeping), or -1. */
  deleteHorizon = -1;
  needsDirSync = false;
  dirty = false;
  deleted = false;
  sealed = false;

  constructor(readonly dir: string, readonly base: number, opts: { isNew: boolean; created: number }) {
    const name = segmentName(base);
    this.logPath = `${dir}/${name}.log`;
    this.indexPath = `${dir}/${name}.index`;
    this.timeIndexPath = `${dir}/${name}.timeindex`;
    this.nextOffset = base;
    this.created = opts.created;
    this.loaded = opts.isNew;
    this.fileCreated = !opts.isNew;
    this.indexFilesExist = !opts.isNew;
  }

  /** Accounts one appended batch at position (sync; index entries every indexInterval bytes). */
  onBatch(h: { baseOffset: number; lastOffset: number; maxTimestamp: number }, position: number, size: number, indexInterval: number): void {
    if (this.bytesSinceIndex > indexInterval) {
      this.addIndexEntry(h.baseOffset, position);
      this.bytesSinceIndex = 0;
    }
    this.bytesSinceIndex += size;
    if (h.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = h.maxTimestamp;
      this.offsetOfMaxTimestamp = h.baseOffset;
    }
    if (h.lastOffset + 1 > this.nextOffset) this.nextOffset = h.lastOffset + 1;
  }

  private addIndexEntry(baseOffset: number, position: number): void {
    const rel = baseOffset - this.base;
    const n = this.idxRel.length;
    if (n === 0 || (rel > this.idxRel[n - 1] && position > this.idxPos[n - 1])) {
      this.idxRel.push(rel);
      this.idxPos.push(position);
    }
    this.addTimeEntry();
  }

  /** Adds a time index entry for the max timestamp so far when it grew (also used at seal/checkpoint). */
  addTimeEntry(): void {
    if (this.maxTimestamp < 0) return;
    const n = this.tsTime.length;
    if (n === 0 || this.maxTimestamp > this.tsTime[n - 1]) {
      this.tsTime.push(this.maxTimestamp);
      this.tsRel.push(this.offsetOfMaxTimestamp - this.base);
    }
  }

  /** Position of the last indexed batch whose base offset ≤ offset (0 when none). */
  floorPosition(offset: number): number {
    const rel = offset - this.base;
    let lo = 0;
    let hi = this.idxRel.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.idxRel[mid] <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.idxPos[found];
  }

  /** A position from which the first batch with max timestamp ≥ ts can be found by scanning forward. */
  timeFloorPosition(ts: number): number {
    let lo = 0;
    let hi = this.tsTime.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tsTime[mid] < ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.floorPosition(this.base + this.tsRel[found]);
  }

  /** Drops index entries at or past position (truncation). */
  truncateIndexes(position: number, endOffset: number): void {
    while (this.idxPos.length > 0 && this.idxPos[this.idxPos.length - 1] >= position) {
      this.idxPos.pop();
      this.idxRel.pop();
    }
    while (this.tsRel.length > 0 && this.base + this.tsRel[this.tsRel.length - 1] >= endOffset) {
      this.tsRel.pop();
      this.tsTime.pop();
    }
    this.idxPersisted = Math.min(this.idxPersisted, this.idxRel.length);
    this.tsPersisted = Math.min(this.tsPersisted, this.tsRel.length);
    this.bytesSinceIndex = 0;
  }

  /** Resets all in-memory state before a rebuild by scanning. */
  resetIndexes(): void {
    this.idxRel = [];
    this.idxPos = [];
    this.tsTime = [];
    this.tsRel = [];
    this.idxPersisted = 0;
    this.tsPersisted = 0;
    this.bytesSinceIndex = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.base;
  }

  /** Index entries not yet persisted, encoded, with where they go (offset-index entries below maxPosition only). */
  unpersistedIndexBytes(maxPosition = Infinity): { idx: Buffer | null; idxAt: number; idxCount: number; ts: Buffer | null; tsAt: number; tsCount: number } {
    let idxEnd = this.idxPersisted;
    while (idxEnd < this.idxRel.length && this.idxPos[idxEnd] < maxPosition) idxEnd++;
    let idx: Buffer | null = null;
    if (idxEnd > this.idxPersisted) {
      idx = Buffer.allocUnsafe((idxEnd - this.idxPersisted) * 8);
      for (let i = this.idxPersisted, p = 0; i < idxEnd; i++, p += 8) {
        idx.writeInt32BE(this.idxRel[i], p);
        idx.writeInt32BE(this.idxPos[i], p + 4);
      }
    }
    const tsEnd = this.tsRel.length;
    let ts: Buffer | null = null;
    if (tsEnd > this.tsPersisted) {
      ts = Buffer.allocUnsafe((tsEnd - this.tsPersisted) * 12);
      for (let i = this.tsPersisted, p = 0; i < tsEnd; i++, p += 12) {
        writeInt64(ts, p, this.tsTime[i]);
        ts.writeInt32BE(this.tsRel[i], p + 8);
      }
    }
    return { idx, idxAt: this.idxPersisted * 8, idxCount: idxEnd, ts, tsAt: this.tsPersisted * 12, tsCount: tsEnd };
  }

  /**
   * Loads index files written earlier. Returns false when they are missing or inconsistent (then the
   * caller rebuilds by scanning). Entries at or past maxPosition / maxOffset are dropped (not known durable).
   */
  parseIndexes(idx: Buffer | null, ts: Buffer | null, maxPosition: number, maxOffset: number, fileSize: number): boolean {
    if (!idx || !ts || idx.length % 8 !== 0 || ts.length % 12 !== 0) return false;
    const rel: number[] = [];
    const pos: number[] = [];
    for (let p = 0; p < idx.length; p += 8) {
      const r = idx.readInt32BE(p);
      const q = idx.readInt32BE(p + 4);
      if (r < 0 || q < 0) return false;
      if (rel.length > 0 && (r <= rel[rel.length - 1] || q <= pos[pos.length - 1])) return false;
      if (q >= maxPosition || q >= fileSize || this.base + r >= maxOffset) break;
      rel.push(r);
      pos.push(q);
    }
    const tt: number[] = [];
    const tr: number[] = [];
    for (let p = 0; p < ts.length; p += 12) {
      const t = readInt64(ts, p);
      const r = ts.readInt32BE(p + 8);
      if (r < 0) return false;
      if (tt.length > 0 && t < tt[tt.length - 1]) return false;
      if (this.base + r >= maxOffset) break;
      tt.push(t);
      tr.push(r);
    }
    this.idxRel = rel;
    this.idxPos = pos;
    this.idxPersisted = rel.length;
    this.idxFileEntries = idx.length / 8;
    this.tsTime = tt;
    this.tsRel = tr;
    this.tsPersisted = tt.length;
    this.tsFileEntries = ts.length / 12;
    if (tt.length > 0) {
      this.maxTimestamp = tt[tt.length - 1];
      this.offsetOfMaxTimestamp = this.base + tr[tr.length - 1];
    }
    return true;
  }
}

/**
 * Walks batch headers in a file from a position, reading in chunks (one read serves many headers).
 * Stops at `end`, at a header that does not fit, or when the caller stops iterating.
 */
export class HeaderScanner {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkAt = 0;

  /** recentFrom: reads at or after this position are of bytes written lately (StorageFile.read's hint). */
  constructor(private readonly pool: HandlePool, private readonly path: string, private readonly chunkSize = 64 * 1024, private readonly recentFrom = Infinity) {}

  /** Reads the header at position; null when fewer than 61 bytes remain before end. */
  async headerAt(position: number, end: number): Promise<HeaderInfo | null> {
    if (position + RECORD_BATCH_HEADER_SIZE > end) return null;
    if (position < this.chunkAt || position + RECORD_BATCH_HEADER_SIZE > this.chunkAt + this.chunk.length) {
      const len = Math.min(this.chunkSize, end - position);
      this.chunk = await this.pool.use(this.path, false, (f) => f.read(position, len, undefined, { recent: position >= this.recentFrom }));
      this.chunkAt = position;
      if (this.chunk.length < RECORD_BATCH_HEADER_SIZE) return null;
    }
    const p = position - this.chunkAt;
    const c = this.chunk;
    const baseOffset = readBaseOffset(c, p);
    const size = readBatchLength(c, p) + LOG_OVERHEAD;
    return {
      position,
      size,
      baseOffset,
      lastOffset: baseOffset + readLastOffsetDelta(c, p),
      maxTimestamp: readMaxTimestamp(c, p),
      magic: readMagic(c, p),
    };
  }

  /** The whole batch at position (may reuse the chunk). */
  async batchAt(position: number, size: number): Promise<Buffer> {
    if (position >= this.chunkAt && position + size <= this.chunkAt + this.chunk.length) {
      return this.chunk.subarray(position - this.chunkAt, position - this.chunkAt + size);
    }
    if (size <= this.chunkSize) {
      this.chunk = await this.pool.use(this.path, false, (f) => f.read(position, this.chunkSize));
      this.chunkAt = position;
      return this.chunk.subarray(0, Math.min(size, this.chunk.length));
    }
    return this.pool.use(this.path, false, (f) => f.read(position, size));
  }
}
