// One topic partition's log: segments of raw record batches, offsets assigned on append by patching
// batch headers in place, reads of whole batches, durability with group commit, recovery, retention,
// the high watermark / last stable offset, producer state, leader epochs and aborted transactions.
//
// State changes happen synchronously on append (one logical writer); the bytes then go through a
// per-partition write queue (coalesced writev) and, for durability 'fsync', a sync loop in which
// many appends share one fdatasync. Nothing awaits in the middle of a state change.
//
// The high watermark follows the write, not the fsync: a record is visible to Fetch and ListOffsets
// once its bytes are in the page cache, as on a one-replica Kafka (whose high watermark moves on the
// append itself). What survives a crash of the process is what was written, so nothing a consumer
// saw is lost to one; an OS crash or power cut can lose what was written but not yet fsynced, which
// is why acks=all (durability 'fsync') is answered only after the fsync.

import {
  LOG_OVERHEAD,
  RECORD_BATCH_HEADER_SIZE,
  RECORD_BATCH_MAGIC,
  isControl,
  isTransactional,
  readBaseOffset,
  readBaseSequence,
  readBatchLength,
  readLastOffsetDelta,
  readLastSequence,
  readMaxTimestamp,
  readPartitionLeaderEpoch,
  readProducerEpoch,
  readProducerId,
  readRecordCount,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  validateBatch,
} from '../codec/records/record-batch.js';
import { readBatchRecords } from '../codec/records/record.js';
import { readControlRecord } from '../codec/records/control.js';
import type { Storage } from '../storage/types.js';
import { isNotFound } from '../storage/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { AbortedTxnIndex, type AbortedTxn } from './aborted-txns.js';
import { type Batches, BatchHeaders, firstBytes } from './batch-parts.js';
import { type Durability, type LogConfig, type LogConfigInput, parseLogConfig } from './config.js';
import { InvalidRecordsError, KafkaStorageError, LogClosedError, LogError, OffsetOutOfRangeError } from './errors.js';
import { Fifo } from './fifo.js';
import type { HandlePool } from './handle-pool.js';
import { LeaderEpochCache, type EpochEntry } from './leader-epoch.js';
import { type BatchInfo, ProducerStateManager, type ProducerSnapshot } from './producer-state.js';
import type { PartitionSummary } from './partition-checkpoint.js';
import { HeaderScanner, Segment, type HeaderInfo } from './segment.js';
import type { BufferPool } from '../util/buffer-pool.js';

/** What a partition log needs from its manager. */
export interface LogContext {
  storage: Storage;
  pool: HandlePool;
  /** Where fetch reads borrow their buffers (none: fresh buffers). */
  readBuffers?: BufferPool;
  clock: Clock;
  logger: Logger;
  /** Told of each group-commit fsync: how long it took and how many waiting appends it completed (metrics). */
  onSync?: (ms: number, appends: number) => void;
}

export interface AppendOptions {
  /** Partition leader epoch stamped into each batch (default: the log's current leader epoch, if set). */
  leaderEpoch?: number;
  /** Overrides the topic's durability for this append (e.g. 'os' for acks=1). */
  durability?: Durability;
  /**
   * Called once the appended records are visible (the high watermark passed them), or once they never
   * will be (the append failed or was truncated). With durability 'fsync' that is before the promise
   * resolves; with 'os' at the same moment.
   */
  onVisible?: () => void;
  /** Re-check each batch's CRC-32C and client rules before appending (the API layer normally did). */
  validate?: boolean;
  /**
   * The append resolves once written, and asks for no fsync of its own even under durability 'fsync':
   * its bytes become durable with the log's next fsync (the next append that waits for one, a flush,
   * close). For records whose loss in an OS crash or power cut is recovered from others already
   * durable (a transaction's Complete* record: recovery completes it again from its Prepare*).
   */
  deferSync?: boolean;
  /**
   * The caller never changes `records` after this call, and its memory holds no one else's bytes (a
   * Produce batch in a request frame that owns its memory): the memory engine may keep it as it is
   * instead of copying it.
   */
  handedOver?: boolean;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The LogAppendTime stamped into the batches, or -1 under CreateTime. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface ReadOptions {
  /** Return the first batch whole even when it is larger than maxBytes (Kafka does for the first partition). */
  minOneBatch: boolean;
  /** Do not return batches at or past this offset (high watermark or LSO); default the high watermark. */
  upperBound?: number;
}

export interface ReadResult {
  /** Whole stored batches, ready for writev. */
  buffers: Buffer[];
  bytes: number;
  /** Offset after the last batch returned (fetchOffset when nothing was returned). */
  nextOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface TimestampOffset {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

/** Persisted per-partition metadata (partition.meta, JSON, replaced atomically). */
interface PartitionMeta {
  version: 1;
  logStartOffset: number;
  /** Everything before this point is durable and was validated: recovery scans only after it. */
  recovery: { offset: number; segment: number; position: number } | null;
  producers: ProducerSnapshot | null;
  epochs: EpochEntry[];
  aborted: AbortedTxn[];
  /** First offset not yet compacted. */
  cleanerCheckpoint?: number;
}

type QueueItem =
  | { kind: 'data'; seg: Segment; buf: Buffer; end: number; endOffset: number; handedOver: boolean }
  | { kind: 'task'; run: () => Promise<void>; resolve: () => void; reject: (err: unknown) => void };

interface Waiter {
  endOffset: number;
  result: AppendResult | undefined;
  resolve: (r: AppendResult | undefined) => void;
  reject: (err: unknown) => void;
}

const META_FILE = 'partition.meta';
const POSITION_CACHE_SIZE = 32;
/**
 * A read is taken to be of bytes still in the page cache (StorageFile.read's `recent`) when it is of
 * the active segment's last RECENT_TAIL_BYTES and the partition was appended to within RECENT_APPEND_MS:
 * a tailing consumer's read. A partition idle longer (or not written since the broker started) may have
 * been evicted, and is read on the thread pool.
 */
const RECENT_TAIL_BYTES = 4 * 1024 * 1024;
const RECENT_APPEND_MS = 10_000;
const MAX_RELATIVE_OFFSET = 0x7fffffff - 1;
/** close() checkpoints a log only when more than this lies past its recovery point (else it just fsyncs). */
const CLOSE_CHECKPOINT_BYTES = 1024 * 1024;

export class PartitionLog {
  config: LogConfig;
  private segments: Segment[] = [];
  private active!: Segment;
  private _logStartOffset = 0;
  private _logEndOffset = 0;
  private _highWatermark = 0;
  private writtenOffset = 0;
  private syncedOffset = 0;
  /** End of the last append that wants a prompt fsync under durability 'fsync' (any append without deferSync). */
  private promptSyncOffset = 0;
  private _leaderEpoch = -1;
  readonly producers: ProducerStateManager;
  private readonly epochs: LeaderEpochCache;
  private readonly aborted: AbortedTxnIndex;
  private recoveryPoint: PartitionMeta['recovery'] = null;
  /** A leader epoch assigned to the empty log is not in partition.meta yet (setLeaderEpoch). */
  private epochsUnpersisted = false;
  private producerSnapshot: ProducerSnapshot | null = null;

  private readonly queue = new Fifo<QueueItem>();
  private writing = false;
  private syncing = false;
  private readonly osWaiters = new Fifo<Waiter>();
  private readonly syncWaiters = new Fifo<Waiter>();
  private readonly dirty = new Set<Segment>();
  private unflushedMessages = 0;
  private writesSinceSyncStart = 0;
  private lastSyncTime: number;
  /** Clock time of the last append (-Infinity: none since the log was opened): see RECENT_APPEND_MS. */
  private lastAppendMs = -Infinity;
  private metaChain: Promise<void> = Promise.resolve();
  private readonly background = new Set<Promise<unknown>>();
  private readonly positionCache = new Map<number, { seg: Segment; pos: number }>();
  private readonly listeners = new Set<() => void>();
  private offlineError: KafkaStorageError | null = null;
  private closed = false;
  /** close() in progress: no new appends, pending ones are flushed. */
  private closing = false;
  private readonly logger: Logger;
  /** Cleaner bookkeeping: offset below which the log was compacted. */
  cleanerCheckpoint = 0;

  private constructor(
    private readonly ctx: LogContext,
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    config: LogConfig,
    meta: PartitionMeta | null,
  ) {
    this.config = config;
    this.logger = ctx.logger.child('log', { topic, partition });
    this.producers = ProducerStateManager.restore(meta?.producers ?? undefined);
    this.epochs = new LeaderEpochCache(meta?.epochs ?? []);
    this.aborted = new AbortedTxnIndex(meta?.aborted ?? []);
    this.cleanerCheckpoint = meta?.cleanerCheckpoint ?? 0;
    this.lastSyncTime = ctx.clock.now();
  }

  // ---- Opening and recovery ----------------------------------------------------------------------

  /**
   * Opens (or creates) the log in dir. After a clean shutdown it reads only metadata and the active
   * segment's index; after a crash it validates batches after the recovery point (length, CRC-32C,
   * offsets) and truncates a torn or corrupt tail with a log line.
   */
  static async open(ctx: LogContext, topic: string, partition: number, dir: string, config: LogConfig, cleanShutdown: boolean, dirExists = false): Promise<PartitionLog> {
    // A directory this call created is empty: nothing to list or read (creating 1,000 partitions).
    const created = !dirExists && (await ctx.storage.mkdir(dir));
    const names = created ? [] : await ctx.storage.list(dir);
    let meta: PartitionMeta | null = null;
    const raw = created ? null : await ctx.storage.readMeta(`${dir}/${META_FILE}`);
    if (raw) {
      try {
        meta = JSON.parse(raw.toString('utf8')) as PartitionMeta;
      } catch {
        ctx.logger.warn('partition metadata unreadable, recovering from the segments', { topic, partition });
      }
    }
    const log = new PartitionLog(ctx, topic, partition, dir, config, meta);
    await log.cleanLeftovers(names);
    const bases = names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    const now = ctx.clock.now();
    if (bases.length === 0) {
      const start = meta?.logStartOffset ?? 0;
      log.segments = [new Segment(dir, start, { isNew: true, created: now })];
      log.active = log.segments[0];
      log._logStartOffset = start;
      log.setOffsets(start);
      log.producerSnapshot = log.producers.snapshot();
      log.recoveryPoint = { offset: start, segment: start, position: 0 };
      return log;
    }
    log.segments = bases.map((b) => new Segment(dir, b, { isNew: false, created: now }));
    log.active = log.segments[log.segments.length - 1];
    for (let i = 0; i < log.segments.length - 1; i++) {
      log.segments[i].sealed = true;
      log.segments[i].nextOffset = log.segments[i + 1].base;
    }
    await log.recover(meta, cleanShutdown);
    return log;
  }

  /** A log that failed to open: every call fails with KafkaStorageError. */
  static offline(ctx: LogContext, topic: string, partition: number, dir: string, config: LogConfig, err: unknown): PartitionLog {
    const log = new PartitionLog(ctx, topic, partition, dir, config, null);
    log.active = new Segment(dir, 0, { isNew: true, created: ctx.clock.now() });
    log.segments = [log.active];
    log.fail('opening the log failed', err);
    return log;
  }

  private async recover(meta: PartitionMeta | null, cleanShutdown: boolean): Promise<void> {
    const rp = meta?.recovery ?? null;
    let startIdx = rp ? this.segments.findIndex((s) => s.base === rp.segment) : -1;
    let startPos = 0;
    let expectedNext = this.segments[0].base;
    let replayFrom = this.segments[0].base;
    if (startIdx >= 0 && rp) {
      startPos = rp.position;
      expectedNext = rp.offset;
      replayFrom = rp.offset;
    } else {
      startIdx = 0;
      if (rp) this.logger.warn('recovery point segment is missing, validating the whole log', { segment: rp.segment });
      // Producer state must be rebuilt from the start: drop the snapshot.
      this.resetProducerState();
    }
    const last = this.segments.length - 1;
    let scanned = 0;
    let indexesRebuilt = false;
    let truncatedAt: { segment: number; position: number; reason: string; bytes: number } | null = null;
    for (let i = startIdx; i <= last; i++) {
      const seg = this.segments[i];
      const fileSize = await this.ctx.pool.use(seg.logPath, false, (f) => f.size());
      seg.size = fileSize;
      seg.written = fileSize;
      if (i === startIdx && startPos > fileSize) {
        // Bytes once known durable are gone (the file was cut outside our control): validate it all.
        this.logger.warn('segment is shorter than its recovery point, validating it whole', { segment: seg.base, recoveryPosition: startPos, size: fileSize });
        startPos = 0;
        expectedNext = seg.base;
        replayFrom = seg.base;
        this.resetProducerState();
      }
      const from = i === startIdx ? startPos : 0;
      const fast = cleanShutdown && i === last && from === fileSize && i === startIdx;
      const [idx, ts] = await Promise.all([this.readIndexFile(seg.indexPath), this.readIndexFile(seg.timeIndexPath)]);
      let scanFrom = from;
      if (!seg.parseIndexes(idx, ts, from, i === startIdx ? expectedNext : seg.base, fileSize)) {
        indexesRebuilt = true;
        if (idx || ts) this.logger.warn('index files corrupt, rebuilding', { segment: seg.base });
        seg.resetIndexes();
        scanFrom = 0;
      }
      seg.nextOffset = i === startIdx && scanFrom === from ? expectedNext : seg.base;
      seg.loaded = true;
      if (fast) break;
      // Validate batch by batch from scanFrom; CRC is checked only past the recovery point.
      const scanner = new HeaderScanner(this.ctx.pool, seg.logPath, 1024 * 1024);
      let pos = scanFrom;
      let next = scanFrom === from ? seg.nextOffset : seg.base;
      while (pos < fileSize) {
        const verify = pos >= from;
        const problem = await this.checkBatchAt(scanner, pos, fileSize, next, verify);
        if (typeof problem === 'string') {
          truncatedAt = { segment: seg.base, position: pos, reason: problem, bytes: fileSize - pos };
          break;
        }
        const h = problem.header;
        seg.onBatch(h, pos, h.size, this.config.indexIntervalBytes);
        if (h.baseOffset >= replayFrom) this.replayBatch(problem.batch);
        // As Kafka's segment recovery does: an epoch first seen in a validated batch starts there (the
        // metadata may predate it: an empty log's first epoch and a close that only fsyncs).
        if (problem.batch) this.epochs.assign(readPartitionLeaderEpoch(problem.batch, 0), h.baseOffset);
        next = h.lastOffset + 1;
        pos += h.size;
        scanned += h.size;
      }
      seg.nextOffset = Math.max(seg.nextOffset, next);
      if (truncatedAt) {
        await this.ctx.pool.use(seg.logPath, false, async (f) => {
          await f.truncate(pos);
          await f.sync();
        });
        seg.size = pos;
        seg.written = pos;
        seg.truncateIndexes(pos, seg.nextOffset);
        this.logger.warn('truncated a torn or corrupt log tail', {
          segment: seg.base,
          position: pos,
          bytesCut: truncatedAt.bytes,
          reason: truncatedAt.reason,
          logEndOffset: seg.nextOffset,
        });
        // Segments after a corrupt one cannot be trusted to continue its offsets.
        for (const later of this.segments.slice(i + 1)) {
          this.logger.warn('deleting segment after a truncated one', { segment: later.base });
          await this.removeSegmentFiles(later);
        }
        this.segments = this.segments.slice(0, i + 1);
        break;
      }
    }
    this.active = this.segments[this.segments.length - 1];
    this.active.sealed = false;
    if (!this.active.loaded) await this.ensureLoaded(this.active);
    const leo = this.active.nextOffset;
    this._logStartOffset = Math.max(meta?.logStartOffset ?? 0, this.segments[0].base);
    if (this._logStartOffset > leo) this._logStartOffset = leo;
    this.setOffsets(leo);
    this.epochs.truncateFromEnd(leo + 1); // epochs starting past the end never got a record
    this.aborted.truncateFromEnd(leo);
    this.producers.truncateTo(leo);
    if (!cleanShutdown) {
      this.logger.info('recovered partition log', { logEndOffset: leo, bytesValidated: scanned, truncated: truncatedAt !== null });
    }
    this.producerSnapshot = this.producers.snapshot();
    this.recoveryPoint = { offset: leo, segment: this.active.base, position: this.active.size };
    if (truncatedAt) {
      // Make the cut durable with what was recovered, and checkpoint it so the next start does not scan it again.
      await this.ctx.pool.use(this.active.logPath, false, (f) => f.sync());
      // Indexes rebuilt or cut during the scan replace whatever the files held.
      for (const seg of this.segments.slice(Math.max(0, startIdx))) {
        if (seg.loaded && !seg.deleted) await this.persistIndexes(seg, Infinity, true);
      }
      await this.writeMeta();
    } else if (scanned > 0 || indexesRebuilt) {
      // After a crash, validated bytes may be only in the page cache: fsync them before serving them
      // (one fsync; a log with nothing past its recovery point costs none). Indexes, recovery point
      // and producer snapshot stay as on disk until the next checkpoint, which moves them together:
      // a first request after a crash is not held up by four more fsyncs.
      if (!cleanShutdown) {
        for (const seg of this.segments.slice(Math.max(0, startIdx))) await this.ctx.pool.use(seg.logPath, false, (f) => f.sync());
      }
      this.recoveryPoint = rp;
      this.producerSnapshot = meta?.producers ?? null;
    }
  }

  private resetProducerState(): void {
    const fresh = new ProducerStateManager();
    (this as { producers: ProducerStateManager }).producers = fresh;
  }

  private async readIndexFile(path: string): Promise<Buffer | null> {
    try {
      return await this.ctx.pool.use(path, false, async (f) => f.read(0, await f.size()));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Validates the batch at pos: a reason string when it is torn or corrupt, else its header (and bytes when verified). */
  private async checkBatchAt(
    scanner: HeaderScanner,
    pos: number,
    fileSize: number,
    expectedNext: number,
    verify: boolean,
  ): Promise<string | { header: HeaderInfo; batch: Buffer | null }> {
    if (fileSize - pos < RECORD_BATCH_HEADER_SIZE) return `only ${fileSize - pos} bytes left, less than a batch header`;
    const h = await scanner.headerAt(pos, fileSize);
    if (!h) return 'short header';
    if (h.magic !== RECORD_BATCH_MAGIC) return `magic ${h.magic}`;
    if (h.size < RECORD_BATCH_HEADER_SIZE) return `batch length ${h.size - LOG_OVERHEAD} too small`;
    if (pos + h.size > fileSize) return `batch of ${h.size} bytes runs past the end of the file`;
    if (h.baseOffset < expectedNext || h.lastOffset < h.baseOffset) return `offset ${h.baseOffset} does not follow ${expectedNext - 1}`;
    if (!verify) return { header: h, batch: null };
    const batch = await scanner.batchAt(pos, h.size);
    const v = validateBatch(batch, 0, h.size);
    if (!v.ok) return v.message;
    return { header: h, batch };
  }

  /** Feeds a recovered batch (or its header when unverified bytes were not read) to producer state. */
  private replayBatch(batch: Buffer | null): void {
    if (!batch) return;
    const info = batchInfo(batch, 0);
    if (info.producerId < 0) return;
    const done = this.producers.update(info);
    if (done?.isAborted) this.aborted.add({ producerId: done.producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset });
  }

  private async cleanLeftovers(names: string[]): Promise<void> {
    for (const n of names) {
      // Compaction output never swapped in, deletions never finished, metadata temp files.
      if (n.endsWith('.cleaned') || n.endsWith('.deleted') || n.endsWith('.tmp')) {
        await this.ctx.storage.remove(`${this.dir}/${n}`);
      } else if (n.endsWith('.swap')) {
        // A swap file is complete (it is renamed into .swap only when fully written and synced):
        // finish the swap Kafka-style by renaming it over the segment it replaces.
        const target = n.slice(0, -'.swap'.length);
        const base = target.slice(0, -'.log'.length);
        await this.ctx.storage.remove(`${this.dir}/${base}.index`);
        await this.ctx.storage.remove(`${this.dir}/${base}.timeindex`);
        await this.ctx.storage.rename(`${this.dir}/${n}`, `${this.dir}/${target}`);
        this.logger.info('completed an interrupted compaction swap', { segment: base });
      }
    }
  }

  private setOffsets(leo: number): void {
    this._logEndOffset = leo;
    this.writtenOffset = leo;
    this.syncedOffset = leo;
    this._highWatermark = leo;
    this.producers.onHighWatermark(leo);
  }

  // ---- Offsets -------------------------------------------------------------------------------------

  get logStartOffset(): number {
    return this._logStartOffset;
  }
  get logEndOffset(): number {
    return this._logEndOffset;
  }
  /** Offsets below it are written (in the page cache) and visible to consumers, whatever the durability policy. */
  get highWatermark(): number {
    return this._highWatermark;
  }
  /** High watermark, or the first offset of the oldest transaction not yet decided and stable. */
  get lastStableOffset(): number {
    const fu = this.producers.firstUnstableOffset();
    return fu >= 0 && fu < this._highWatermark ? fu : this._highWatermark;
  }
  get leaderEpoch(): number {
    return this._leaderEpoch;
  }
  get isOffline(): boolean {
    return this.offlineError !== null;
  }
  get offlineReason(): KafkaStorageError | null {
    return this.offlineError;
  }
  /** Bytes in all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }
  get segmentCount(): number {
    return this.segments.length;
  }
  /** What the manager keeps of this log once closed (partition-checkpoint.ts). */
  summary(): PartitionSummary {
    const oldest = this.segments[0];
    return {
      logStartOffset: this._logStartOffset,
      logEndOffset: this._logEndOffset,
      size: this.segments.every((s) => s.loaded) ? this.size : null,
      segments: this.segments.length,
      oldestMaxTimestamp: oldest.loaded ? oldest.maxTimestamp : null,
    };
  }

  /** Base offsets of the segments, oldest first. */
  segmentBases(): number[] {
    return this.segments.map((s) => s.base);
  }

  /** Becomes leader in epoch: records its start offset (persisted) and stamps it on appends. */
  setLeaderEpoch(epoch: number): void {
    this.check();
    this._leaderEpoch = epoch;
    if (!this.epochs.assign(epoch, this._logEndOffset)) return;
    // An empty log (a partition just created) writes its first epoch with its first checkpoint: lost
    // to a crash before that, it is assigned again at the same offset when the log is reopened, and
    // one metadata write (two fsyncs) per created partition is what made creating many of them slow.
    if (this._logEndOffset === this._logStartOffset && this.active.size === 0) {
      this.epochsUnpersisted = true;
      return;
    }
    void this.writeMeta().catch((e) => this.fail('writing metadata failed', e));
  }

  /** OffsetForLeaderEpoch. */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: number } {
    this.check();
    return this.epochs.endOffsetForEpoch(epoch, this._logEndOffset);
  }

  leaderEpochEntries(): EpochEntry[] {
    return this.epochs.entries();
  }

  // ---- Append ----------------------------------------------------------------------------------------

  /**
   * Appends one or more v2 batches (as the client sent them). Offsets, leader epoch and LogAppendTime are
   * patched into `records` in place, synchronously and in call order; the promise resolves at the
   * durability point (after fsync with group commit, or after the write for 'os').
   */
  append(records: Buffer, opts: AppendOptions = {}): Promise<AppendResult> {
    try {
      this.check();
      if (this.closing) throw new LogClosedError(this.topic, this.partition);
      return this.appendChecked(records, opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private appendChecked(records: Buffer, opts: AppendOptions): Promise<AppendResult> {
    // Cheap structural walk (the API layer validated; a bad input must not corrupt the segment).
    let pos = 0;
    let batches = 0;
    let totalDelta = 0;
    while (pos < records.length) {
      const remaining = records.length - pos;
      if (remaining < RECORD_BATCH_HEADER_SIZE) throw new InvalidRecordsError(`trailing ${remaining} bytes are not a batch`);
      if (records[pos + 16] !== RECORD_BATCH_MAGIC) throw new InvalidRecordsError(`magic ${records[pos + 16]} at byte ${pos}`);
      const size = readBatchLength(records, pos) + LOG_OVERHEAD;
      if (size < RECORD_BATCH_HEADER_SIZE || size > remaining) throw new InvalidRecordsError(`batch at byte ${pos} has size ${size} of ${remaining} bytes`);
      const delta = readLastOffsetDelta(records, pos);
      if (delta < 0) throw new InvalidRecordsError(`lastOffsetDelta ${delta}`);
      if (opts.validate) {
        const v = validateBatch(records, pos, size);
        if (!v.ok) throw new InvalidRecordsError(v.message);
      }
      totalDelta += delta + 1;
      pos += size;
      batches++;
    }
    if (batches === 0) throw new InvalidRecordsError('no record batch to append');

    const now = this.ctx.clock.now();
    this.lastAppendMs = now;
    this.maybeRoll(records.length, totalDelta, now);
    const seg = this.active;
    if (seg.size === 0) seg.created = now;
    const baseOffset = this._logEndOffset;
    const epoch = opts.leaderEpoch ?? this._leaderEpoch;
    if (epoch >= 0 && epoch > this.epochs.latestEpoch()) {
      this.epochs.assign(epoch, baseOffset);
      void this.writeMeta().catch((e) => this.fail('writing metadata failed', e));
    }
    const appendTime = this.config.timestampType === 'LogAppendTime' ? now : -1;
    let next = baseOffset;
    let position = seg.size;
    let messages = 0;
    for (let p = 0; p < records.length; ) {
      const size = readBatchLength(records, p) + LOG_OVERHEAD;
      setBaseOffset(records, p, next);
      if (epoch >= 0) setPartitionLeaderEpoch(records, p, epoch);
      if (appendTime >= 0) setLogAppendTime(records, p, appendTime);
      const last = next + readLastOffsetDelta(records, p);
      seg.onBatch({ baseOffset: next, lastOffset: last, maxTimestamp: readMaxTimestamp(records, p) }, position, size, this.config.indexIntervalBytes);
      if (readProducerId(records, p) >= 0) {
        const done = this.producers.update(batchInfo(records, p));
        if (done?.isAborted) this.aborted.add({ producerId: done.producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset });
      }
      messages += readRecordCount(records, p);
      next = last + 1;
      position += size;
      p += size;
    }
    seg.size = position;
    seg.nextOffset = next;
    this._logEndOffset = next;
    this.unflushedMessages += messages;
    const result: AppendResult = { baseOffset, lastOffset: next - 1, logAppendTime: appendTime, logStartOffset: this._logStartOffset };
    const promise = new Promise<AppendResult>((resolve, reject) => {
      const w: Waiter = { endOffset: next, result, resolve: resolve as (r: AppendResult | undefined) => void, reject };
      if (opts.deferSync !== true && (opts.durability ?? this.config.durability) === 'fsync') this.syncWaiters.push(w);
      else this.osWaiters.push(w);
    });
    if (opts.deferSync !== true) this.promptSyncOffset = next;
    const onVisible = opts.onVisible;
    // osWaiters are released once the bytes are written, i.e. once the high watermark passed them.
    if (onVisible !== undefined) this.osWaiters.push({ endOffset: next, result, resolve: () => onVisible(), reject: () => onVisible() });
    this.queue.push({ kind: 'data', seg, buf: records, end: position, endOffset: next, handedOver: opts.handedOver === true });
    this.kickWrite();
    return promise;
  }

  private maybeRoll(bytes: number, offsets: number, now: number): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const full = seg.size + bytes > this.config.segmentBytes;
    const old = now - seg.created > this.config.segmentMs;
    const overflow = this._logEndOffset + offsets - seg.base > MAX_RELATIVE_OFFSET;
    if (full || old || overflow) this.roll(now);
  }

  /** Starts a new active segment at the log end offset (sync); the old one is sealed in the write queue. */
  roll(now = this.ctx.clock.now()): void {
    const old = this.active;
    if (old.size === 0 && old.base === this._logEndOffset) return;
    old.addTimeEntry();
    old.sealed = true;
    const seg = new Segment(this.dir, this._logEndOffset, { isNew: true, created: now });
    this.segments.push(seg);
    this.active = seg;
    this.enqueueTask(async () => {
      await this.persistIndexes(old, Infinity, this.config.durability === 'fsync');
    }).catch(() => {});
  }

  // ---- Write queue, group commit -------------------------------------------------------------------

  private enqueueTask(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.offlineError) return reject(this.offlineError);
      this.queue.push({ kind: 'task', run, resolve, reject });
      this.kickWrite();
    });
  }

  private kickWrite(): void {
    if (this.writing || this.offlineError) return;
    this.writing = true;
    // Start once this tick's promise jobs have run (a nextTick queued from a microtask runs after the
    // microtask queue drains): appends made in the same tick (appenders woken together by one fsync,
    // pipelined Produce requests handed the connection one after the other) go out in one writev and
    // one fsync.
    queueMicrotask(() => process.nextTick(() => void this.writeLoop()));
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.offlineError) {
        const first = this.queue.peek() as QueueItem;
        if (first.kind === 'task') {
          this.queue.shift();
          try {
            await first.run();
            first.resolve();
          } catch (err) {
            first.reject(err);
            throw err;
          }
          continue;
        }
        const seg = first.seg;
        // Handed over only when every buffer of the write is (a marker among batches makes it a copy).
        let handedOver = true;
        const bufs: Buffer[] = [];
        let endOffset = 0;
        let end = 0;
        for (;;) {
          const item = this.queue.peek();
          if (!item || item.kind !== 'data' || item.seg !== seg || bufs.length >= 1024) break;
          this.queue.shift();
          handedOver &&= item.handedOver;
          bufs.push(item.buf);
          endOffset = item.endOffset;
          end = item.end;
        }
        // A segment deleted meanwhile (retention after a roll) no longer needs its bytes.
        if (!seg.deleted) {
          const create = !seg.fileCreated;
          try {
            await this.ctx.pool.use(seg.logPath, create, (f) => f.write(bufs, seg.written, { handedOver }));
          } catch (err) {
            if (!seg.deleted) throw err;
          }
          if (create) {
            seg.fileCreated = true;
            seg.needsDirSync = true;
          }
        }
        if (!seg.deleted) {
          seg.written = end;
          this.dirty.add(seg);
        }
        if (endOffset > this.writtenOffset) this.writtenOffset = endOffset;
        this.onWritten();
      }
    } catch (err) {
      this.fail('write failed', err);
    } finally {
      this.writing = false;
    }
  }

  private onWritten(): void {
    // Visible first, then answered: an acks=1 producer told "written" finds its records at once.
    this.advanceHighWatermark(this.writtenOffset);
    while (this.osWaiters.length > 0 && (this.osWaiters.peek() as Waiter).endOffset <= this.writtenOffset) {
      const w = this.osWaiters.shift() as Waiter;
      w.resolve(w.result);
    }
    if (this.config.durability === 'os' && this.unflushedMessages >= this.config.flushMessages) this.requestSync().catch(() => {});
    // Group commit: while more writes are queued, write them first so one fsync covers them all — but
    // not forever: under a continuous stream of writes, sync after the next round anyway.
    this.writesSinceSyncStart++;
    if (this.queue.length === 0 || (this.queue.peek() as QueueItem).kind === 'task' || this.writesSinceSyncStart > 1) this.kickSync();
  }

  private kickSync(): void {
    if (this.syncing || this.offlineError) return;
    if (this.syncedOffset >= this.writtenOffset && this.dirty.size === 0) return;
    // Under durability 'fsync' every write is synced at once, but for appends that deferred theirs;
    // otherwise a sync waits until an append or a flush waits for it.
    const prompt = this.config.durability === 'fsync' && this.promptSyncOffset > this.syncedOffset;
    const waited = this.syncWaiters.length > 0 && (this.syncWaiters.peek() as Waiter).endOffset <= this.writtenOffset;
    if (!prompt && !waited) return;
    this.syncing = true;
    this.writesSinceSyncStart = 0;
    const target = this.writtenOffset;
    const segs = [...this.dirty];
    this.dirty.clear();
    const messages = this.unflushedMessages;
    const started = this.ctx.onSync !== undefined ? performance.now() : 0;
    Promise.all(
      segs.map(async (seg) => {
        if (seg.deleted) return;
        try {
          await this.ctx.pool.use(seg.logPath, false, (f) => f.sync());
          if (seg.needsDirSync) {
            seg.needsDirSync = false;
            await this.ctx.storage.syncDir(this.dir);
          }
        } catch (err) {
          if (!seg.deleted) throw err;
        }
      }),
    ).then(
      () => {
        this.syncing = false;
        this.lastSyncTime = this.ctx.clock.now();
        this.unflushedMessages = Math.max(0, this.unflushedMessages - messages);
        if (target > this.syncedOffset) this.syncedOffset = target;
        let appends = 0;
        while (this.syncWaiters.length > 0 && (this.syncWaiters.peek() as Waiter).endOffset <= this.syncedOffset) {
          const w = this.syncWaiters.shift() as Waiter;
          w.resolve(w.result);
          appends++;
        }
        this.ctx.onSync?.(performance.now() - started, appends);
        this.kickSync();
      },
      (err) => {
        this.syncing = false;
        this.fail('fsync failed', err);
      },
    );
  }

  /** Resolves once everything appended before the call is fsynced (whatever the durability policy). */
  flush(): Promise<void> {
    return this.requestSync();
  }

  private requestSync(): Promise<void> {
    if (this.offlineError) return Promise.reject(this.offlineError);
    const target = this._logEndOffset;
    if (this.syncedOffset >= target && this.dirty.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // A waiter past every append waiter already queued (syncWaiters stay in offset order).
      this.syncWaiters.push({ endOffset: target, result: undefined, resolve: () => resolve(), reject });
      this.kickSync();
    });
  }

  private advanceHighWatermark(hw: number): void {
    if (hw <= this._highWatermark) return;
    this._highWatermark = hw;
    this.producers.onHighWatermark(hw);
    this.notify();
  }

  /** Time of the last completed fsync (flush.ms bookkeeping). */
  get lastFlushTime(): number {
    return this.lastSyncTime;
  }
  /** True when bytes were written but not yet fsynced. */
  get hasUnflushed(): boolean {
    return this.syncedOffset < this._logEndOffset;
  }

  // ---- Long-poll notification --------------------------------------------------------------------

  /**
   * Calls listener whenever the high watermark or last stable offset moves, the log is truncated or goes
   * offline. Returns a function that removes it.
   */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves true as soon as the high watermark passes offset (data at offset is readable), false after
   * timeoutMs (one timer on the log's clock, no polling); rejects if the log goes offline.
   */
  waitForData(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.offlineError) return Promise.reject(this.offlineError);
    if (this._highWatermark > offset) return Promise.resolve(true);
    return new Promise<boolean>((resolve, reject) => {
      const done = (v: boolean | Error) => {
        off();
        timer.cancel();
        if (v instanceof Error) reject(v);
        else resolve(v);
      };
      const off = this.onAppend(() => {
        if (this.offlineError) done(this.offlineError);
        else if (this.closed) done(false);
        else if (this._highWatermark > offset || offset > this._logEndOffset) done(true);
      });
      const timer = this.ctx.clock.setTimeout(() => done(false), timeoutMs);
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.logger.error('append listener threw', { error: String(err) });
      }
    }
  }

  // ---- Read ------------------------------------------------------------------------------------------

  /**
   * Stored bytes of whole batches from the one containing fetchOffset, up to maxBytes (at least one
   * whole batch with minOneBatch), never past upperBound. Reads positionally: at most a scan of the
   * index interval plus maxBytes, never a whole segment. OffsetOutOfRangeError outside [start, end].
   */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions): Promise<ReadResult> {
    return this.withRead(() => this.readUnlocked(fetchOffset, maxBytes, opts));
  }

  private async readUnlocked(fetchOffset: number, maxBytes: number, opts: ReadOptions): Promise<ReadResult> {
    this.check();
    const start = this._logStartOffset;
    const leo = this._logEndOffset;
    if (fetchOffset < start || fetchOffset > leo) throw new OffsetOutOfRangeError(fetchOffset, start, leo);
    const upper = Math.min(opts.upperBound ?? this._highWatermark, this.writtenOffset);
    try {
      const found = fetchOffset < upper ? await this.readFrom(fetchOffset, maxBytes, opts.minOneBatch, upper) : null;
      return {
        buffers: found ? found.buffers : [],
        bytes: found ? found.bytes : 0,
        nextOffset: found ? found.nextOffset : fetchOffset,
        highWatermark: this._highWatermark,
        lastStableOffset: this.lastStableOffset,
        logStartOffset: this._logStartOffset,
        logEndOffset: this._logEndOffset,
      };
    } catch (err) {
      throw this.readFailure(err, fetchOffset);
    }
  }

  private readFailure(err: unknown, offset: number): unknown {
    if (err instanceof LogError) return err;
    if (this.offlineError) return this.offlineError;
    if (isNotFound(err) && offset < this._logStartOffset) {
      // The segment was deleted by retention while we read it.
      return new OffsetOutOfRangeError(offset, this._logStartOffset, this._logEndOffset);
    }
    this.fail('read failed', err);
    return this.offlineError ?? err;
  }

  private async readFrom(fetchOffset: number, maxBytes: number, minOneBatch: boolean, upper: number): Promise<Batches | null> {
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (!seg.loaded) await this.ensureLoaded(seg);
      const end = seg.written;
      // A consumer reading on from its last fetch starts where that one stopped: no header scan.
      const cached = this.positionCache.get(fetchOffset);
      const pos = cached && cached.seg === seg ? cached.pos : await this.scanToBatch(seg, fetchOffset, end);
      if (pos < 0 || pos + RECORD_BATCH_HEADER_SIZE > end) continue; // nothing at or after fetchOffset here
      const found = await this.readBatchesAt(seg, pos, end, maxBytes, minOneBatch, upper);
      if (found === null) return null;
      this.cachePosition(found.nextOffset, seg, pos + found.bytes);
      return found;
    }
    return null;
  }

  /**
   * Where the bytes written lately begin in seg (its end is `end`): the tail of the active segment,
   * which a tailing consumer reads and the page cache holds, if the partition was appended to lately;
   * never in an older segment.
   */
  private recentFrom(seg: Segment, end: number): number {
    const active = seg === this.segments[this.segments.length - 1];
    return active && this.ctx.clock.now() - this.lastAppendMs <= RECENT_APPEND_MS ? end - RECENT_TAIL_BYTES : Infinity;
  }

  /** Position of the first batch in seg whose last offset is at or after offset (from the sparse index), or -1. */
  private async scanToBatch(seg: Segment, offset: number, end: number): Promise<number> {
    const scanner = new HeaderScanner(this.ctx.pool, seg.logPath, 16 * 1024, this.recentFrom(seg, end));
    let pos = seg.floorPosition(offset);
    while (pos < end) {
      const h = await scanner.headerAt(pos, end);
      if (!h) return -1;
      if (h.lastOffset >= offset) return pos;
      pos += h.size;
    }
    return -1;
  }

  /**
   * Whole batches from pos, below upper, within maxBytes (or the first batch whatever its size, with
   * minOneBatch), read with one positional read into a buffer lent by the read-buffer pool (the
   * fetch's connection returns it once written; other readers let the GC have it) — or, from an
   * engine that lends views of what it holds (memory://), as those views: no copy.
   */
  private async readBatchesAt(seg: Segment, pos: number, end: number, maxBytes: number, minOneBatch: boolean, upper: number): Promise<Batches | null> {
    const recent = pos >= this.recentFrom(seg, end);
    const readParts = (length: number): Promise<Buffer[]> =>
      this.ctx.pool.use(seg.logPath, false, async (f) => {
        if (f.views !== undefined) return f.views(pos, length);
        const into = this.ctx.readBuffers?.acquire(length);
        return [await f.read(pos, length, into?.subarray(0, length), { recent })];
      });
    const release = (parts: Buffer[]): void => {
      for (const b of parts) this.ctx.readBuffers?.release(b);
    };
    // At least the first header, to learn the first batch's size.
    let parts = await readParts(Math.min(end - pos, Math.max(maxBytes, RECORD_BATCH_HEADER_SIZE)));
    let headers = new BatchHeaders(parts);
    if (!headers.seek(0) || readBaseOffset(headers.buf, headers.at) >= upper) {
      release(parts);
      return null;
    }
    const firstSize = readBatchLength(headers.buf, headers.at) + LOG_OVERHEAD;
    if (firstSize > headers.length) {
      release(parts);
      if (!minOneBatch || firstSize > end - pos) return null;
      parts = await readParts(firstSize);
      headers = new BatchHeaders(parts);
    }
    let p = 0;
    let lastOffset = -1;
    while (headers.seek(p)) {
      const size = readBatchLength(headers.buf, headers.at) + LOG_OVERHEAD;
      const base = readBaseOffset(headers.buf, headers.at);
      if (base >= upper || p + size > headers.length) break;
      lastOffset = base + readLastOffsetDelta(headers.buf, headers.at);
      p += size;
    }
    if (p === 0) {
      release(parts);
      return null;
    }
    return { buffers: firstBytes(parts, p), bytes: p, nextOffset: lastOffset + 1 };
  }

  private cachePosition(offset: number, seg: Segment, pos: number): void {
    if (this.positionCache.size >= POSITION_CACHE_SIZE) {
      const oldest = this.positionCache.keys().next().value as number;
      this.positionCache.delete(oldest);
    }
    this.positionCache.set(offset, { seg, pos });
  }

  /** Index of the segment whose base is the largest ≤ offset (0 when before all). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].base <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Loads a sealed segment's size and indexes on first use (rebuilding them by a header scan if bad). */
  private ensureLoaded(seg: Segment): Promise<void> {
    if (seg.loaded) return Promise.resolve();
    if (!seg.loading) {
      seg.loading = (async () => {
        const size = await this.ctx.pool.use(seg.logPath, false, (f) => f.size());
        const [idx, ts] = await Promise.all([this.readIndexFile(seg.indexPath), this.readIndexFile(seg.timeIndexPath)]);
        seg.size = size;
        seg.written = size;
        if (!seg.parseIndexes(idx, ts, Infinity, Infinity, size)) {
          this.logger.warn('index files missing or corrupt, rebuilding', { segment: seg.base });
          seg.resetIndexes();
          const scanner = new HeaderScanner(this.ctx.pool, seg.logPath);
          for (let pos = 0; pos < size; ) {
            const h = await scanner.headerAt(pos, size);
            if (!h || h.size < RECORD_BATCH_HEADER_SIZE) break;
            seg.onBatch(h, pos, h.size, this.config.indexIntervalBytes);
            pos += h.size;
          }
          seg.addTimeEntry();
          await this.persistIndexes(seg, Infinity, false);
        }
        const i = this.segments.indexOf(seg);
        if (i >= 0 && i < this.segments.length - 1) seg.nextOffset = Math.max(seg.nextOffset, this.segments[i + 1].base);
        seg.loaded = true;
      })().catch((err) => {
        seg.loading = null;
        throw err;
      });
    }
    return seg.loading;
  }

  private async persistIndexes(seg: Segment, maxPosition: number, sync: boolean): Promise<void> {
    if (seg.deleted) return;
    const u = seg.unpersistedIndexBytes(maxPosition);
    const needIdx = u.idx !== null || seg.idxFileEntries !== seg.idxPersisted || !seg.indexFilesExist || sync;
    const needTs = u.ts !== null || seg.tsFileEntries !== seg.tsPersisted || !seg.indexFilesExist || sync;
    if (needIdx) {
      await this.ctx.pool.use(seg.indexPath, true, async (f) => {
        if (seg.idxFileEntries > seg.idxPersisted) await f.truncate(seg.idxPersisted * 8);
        if (u.idx) await f.write([u.idx], u.idxAt);
        if (sync) await f.sync();
      });
      seg.idxPersisted = u.idxCount;
      seg.idxFileEntries = u.idxCount;
    }
    if (needTs) {
      await this.ctx.pool.use(seg.timeIndexPath, true, async (f) => {
        if (seg.tsFileEntries > seg.tsPersisted) await f.truncate(seg.tsPersisted * 12);
        if (u.ts) await f.write([u.ts], u.tsAt);
        if (sync) await f.sync();
      });
      seg.tsPersisted = u.tsCount;
      seg.tsFileEntries = u.tsCount;
    }
    seg.indexFilesExist = true;
  }

  // ---- Timestamps ------------------------------------------------------------------------------------

  /**
   * ListOffsets by timestamp, Kafka's rule: the first batch in offset order whose max timestamp ≥ ts,
   * then the first record in it with timestamp ≥ ts (records decoded for that one batch). null when none.
   */
  offsetForTimestamp(ts: number, opts: { upperBound?: number } = {}): Promise<TimestampOffset | null> {
    return this.withRead(() => this.offsetForTimestampUnlocked(ts, opts));
  }

  private async offsetForTimestampUnlocked(ts: number, opts: { upperBound?: number }): Promise<TimestampOffset | null> {
    this.check();
    const upper = Math.min(opts.upperBound ?? this._highWatermark, this.writtenOffset);
    try {
      for (let i = this.segmentIndexFor(this._logStartOffset); i < this.segments.length; i++) {
        const seg = this.segments[i];
        if (!seg.loaded) await this.ensureLoaded(seg);
        if (seg.maxTimestamp < ts) continue;
        const end = seg.written;
        const scanner = new HeaderScanner(this.ctx.pool, seg.logPath);
        for (let pos = seg.timeFloorPosition(ts); pos < end; ) {
          const h = await scanner.headerAt(pos, end);
          if (!h) break;
          if (h.baseOffset >= upper) return null;
          if (h.maxTimestamp >= ts && h.lastOffset >= this._logStartOffset) {
            const batch = await scanner.batchAt(pos, h.size);
            const found = this.recordAtOrAfter(batch, (t) => t >= ts);
            if (found) return found;
          }
          pos += h.size;
        }
      }
      return null;
    } catch (err) {
      throw this.readFailure(err, this._logStartOffset);
    }
  }

  private recordAtOrAfter(batch: Buffer, match: (ts: number) => boolean): TimestampOffset | null {
    const { header, records } = readBatchRecords(batch, 0);
    if (header.isControl) return null;
    for (const r of records) {
      if (r.offset >= this._logStartOffset && match(r.timestamp)) {
        return { offset: r.offset, timestamp: r.timestamp, leaderEpoch: header.partitionLeaderEpoch };
      }
    }
    return null;
  }

  /** ListOffsets -3 (MAX_TIMESTAMP): the first record carrying the largest timestamp; {-1,-1,-1} when empty. */
  maxTimestampOffset(): Promise<TimestampOffset> {
    return this.withRead(() => this.maxTimestampOffsetUnlocked());
  }

  private async maxTimestampOffsetUnlocked(): Promise<TimestampOffset> {
    this.check();
    try {
      let best: Segment | null = null;
      for (let i = this.segmentIndexFor(this._logStartOffset); i < this.segments.length; i++) {
        const seg = this.segments[i];
        if (!seg.loaded) await this.ensureLoaded(seg);
        if (seg.maxTimestamp >= 0 && (!best || seg.maxTimestamp > best.maxTimestamp)) best = seg;
      }
      if (best && best.offsetOfMaxTimestamp >= this._logStartOffset) {
        const target = best.offsetOfMaxTimestamp;
        const max = best.maxTimestamp;
        const scanner = new HeaderScanner(this.ctx.pool, best.logPath);
        for (let pos = best.floorPosition(target); pos < best.written; ) {
          const h = await scanner.headerAt(pos, best.written);
          if (!h) break;
          if (h.baseOffset >= target) {
            const found = this.recordAtOrAfter(await scanner.batchAt(pos, h.size), (t) => t === max);
            if (found) return found;
            break;
          }
          pos += h.size;
        }
      }
      return { offset: -1, timestamp: -1, leaderEpoch: -1 };
    } catch (err) {
      throw this.readFailure(err, this._logStartOffset);
    }
  }

  // ---- Log start, truncation, retention ---------------------------------------------------------

  /** DeleteRecords: moves the log start offset to offset (≤ high watermark; -1 means the high watermark). */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.withExclusive(() => this.deleteRecordsBeforeUnlocked(offset));
  }

  private async deleteRecordsBeforeUnlocked(offset: number): Promise<number> {
    this.check();
    const target = offset === -1 ? this._highWatermark : offset;
    if (target < 0 || target > this._highWatermark) throw new OffsetOutOfRangeError(target, this._logStartOffset, this._highWatermark);
    this.advanceLogStartOffset(target);
    await this.writeMeta();
    return this._logStartOffset;
  }

  /** Moves the log start offset up (sync) and deletes segments wholly below it in the background. */
  private advanceLogStartOffset(offset: number): void {
    if (offset <= this._logStartOffset) return;
    this._logStartOffset = offset;
    this.producers.onLogStartOffset(offset);
    this.epochs.truncateFromStart(offset);
    this.aborted.truncateFromStart(offset);
    this.positionCache.clear();
    const doomed: Segment[] = [];
    while (this.segments.length > 1 && this.segments[1].base <= offset) doomed.push(this.segments.shift() as Segment);
    if (doomed.length > 0) this.deleteSegmentsInBackground(doomed, 'log start offset');
  }

  private deleteSegmentsInBackground(doomed: Segment[], reason: string): void {
    for (const s of doomed) {
      s.deleted = true;
      this.dirty.delete(s);
    }
    const p = (async () => {
      for (const s of doomed) {
        await this.removeSegmentFiles(s);
        this.logger.info('deleted segment', { segment: s.base, reason });
      }
    })().catch((err) => this.fail('deleting segment failed', err));
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private async removeSegmentFiles(s: Segment): Promise<void> {
    s.deleted = true;
    for (const path of [s.logPath, s.indexPath, s.timeIndexPath]) {
      await this.ctx.pool.close(path);
      await this.ctx.storage.remove(path);
    }
  }

  /**
   * Removes whole segments by retention.ms / retention.bytes (cleanup.policy includes delete) and below
   * the log start offset. Returns the number of segments deleted.
   */
  applyRetention(now = this.ctx.clock.now()): Promise<number> {
    return this.withExclusive(() => this.applyRetentionUnlocked(now));
  }

  private async applyRetentionUnlocked(now: number): Promise<number> {
    if (this.offlineError || this.closed) return 0;
    const c = this.config;
    if (!c.cleanupPolicy.delete) return 0;
    for (const s of this.segments) if (!s.loaded) await this.ensureLoaded(s);
    if (this.offlineError || this.closed) return 0;
    // Decide synchronously from here on.
    let count = 0;
    const segs = this.segments;
    if (c.retentionMs >= 0) {
      while (count < segs.length && segs[count].size > 0 && segs[count].maxTimestamp >= 0 && now - segs[count].maxTimestamp > c.retentionMs) count++;
      // A segment with no timestamps (all -1) counts as expired only with its neighbours.
    }
    if (c.retentionBytes >= 0) {
      let excess = this.size - c.retentionBytes;
      let n = 0;
      while (n < segs.length && excess - segs[n].size >= 0 && segs[n].size > 0) {
        excess -= segs[n].size;
        n++;
      }
      count = Math.max(count, n);
    }
    // Never delete data consumers cannot have seen yet: stop at the high watermark.
    while (count > 0 && (count < segs.length ? segs[count].base : this._logEndOffset) > this._highWatermark) count--;
    if (count === 0) return 0;
    if (count === segs.length) this.roll(now);
    const newStart = this.segments[count].base;
    const doomed = this.segments.splice(0, count);
    this._logStartOffset = Math.max(this._logStartOffset, newStart);
    this.producers.onLogStartOffset(this._logStartOffset);
    this.epochs.truncateFromStart(this._logStartOffset);
    this.aborted.truncateFromStart(this._logStartOffset);
    this.positionCache.clear();
    this.deleteSegmentsInBackground(doomed, 'retention');
    await this.writeMeta();
    return doomed.length;
  }

  /**
   * Truncates the log to end before offset (whole batches: a batch containing offset is removed too).
   * Waits for pending writes first.
   */
  truncate(offset: number): Promise<void> {
    return this.withExclusive(() => this.truncateUnlocked(offset));
  }

  private async truncateUnlocked(offset: number): Promise<void> {
    this.check();
    for (;;) {
      await this.drainWrites();
      if (offset >= this._logEndOffset) return;
      const leo = this._logEndOffset;
      if (offset <= this.segments[0].base || offset <= this._logStartOffset) {
        // Truncate fully and start at offset.
        const doomed = this.segments.splice(0);
        const seg = new Segment(this.dir, Math.max(offset, 0), { isNew: true, created: this.ctx.clock.now() });
        this.segments = [seg];
        this.active = seg;
        this._logStartOffset = seg.base;
        this.afterTruncate(seg.base);
        this.deleteSegmentsInBackground(doomed, 'truncation');
        break;
      }
      const i = this.segmentIndexFor(offset);
      const seg = this.segments[i];
      if (!seg.loaded) await this.ensureLoaded(seg);
      const scanner = new HeaderScanner(this.ctx.pool, seg.logPath, 1024 * 1024);
      let pos = seg.floorPosition(offset);
      let cutOffset = -1;
      while (pos < seg.written) {
        const h = await scanner.headerAt(pos, seg.written);
        if (!h) break;
        if (h.lastOffset >= offset) {
          cutOffset = h.baseOffset;
          break;
        }
        pos += h.size;
      }
      if (leo !== this._logEndOffset || this.queue.length > 0 || this.writing) continue; // appended meanwhile: redo
      if (cutOffset < 0) cutOffset = offset;
      const doomed = this.segments.splice(i + 1);
      seg.size = pos;
      seg.written = pos;
      seg.nextOffset = cutOffset;
      seg.truncateIndexes(pos, cutOffset);
      seg.sealed = false;
      this.active = seg;
      this.afterTruncate(cutOffset);
      this.deleteSegmentsInBackground(doomed, 'truncation');
      await this.enqueueTask(async () => {
        await this.ctx.pool.use(seg.logPath, false, async (f) => {
          await f.truncate(pos);
          await f.sync();
        });
        await this.persistIndexes(seg, Infinity, true);
      });
      break;
    }
    this.recoveryPoint = { offset: this._logEndOffset, segment: this.active.base, position: this.active.size };
    this.producerSnapshot = this.producers.snapshot();
    await this.writeMeta();
  }

  private afterTruncate(leo: number): void {
    // Appends past the new end were truncated before they became durable: fail them.
    const lost = new LogError('NOT_LEADER_OR_FOLLOWER', `records past offset ${leo} were truncated before they became durable`);
    for (const q of [this.osWaiters, this.syncWaiters]) {
      for (const w of q.drain()) {
        if (w.endOffset > leo && w.result) {
          w.reject(lost);
          continue;
        }
        if (w.endOffset > leo) w.endOffset = leo; // a flush() waiter: what remains is what it waits for
        q.push(w);
      }
    }
    this._logEndOffset = leo;
    this.writtenOffset = Math.min(this.writtenOffset, leo);
    this.syncedOffset = Math.min(this.syncedOffset, leo);
    this.promptSyncOffset = Math.min(this.promptSyncOffset, leo);
    if (this._highWatermark > leo) this._highWatermark = leo;
    this.producers.truncateTo(leo);
    this.epochs.truncateFromEnd(leo);
    this.aborted.truncateFromEnd(leo);
    this.positionCache.clear();
    this.notify();
  }

  private async drainWrites(): Promise<void> {
    while (this.queue.length > 0 || this.writing) {
      await this.enqueueTask(async () => {});
    }
  }

  // ---- Producer state and transactions hooks ------------------------------------------------------

  /** Aborted transactions overlapping [fromOffset, upToOffset), for READ_COMMITTED fetch responses. */
  abortedTransactions(fromOffset: number, upToOffset: number): AbortedTxn[] {
    this.check();
    return this.aborted.collect(fromOffset, upToOffset);
  }

  /** Adds an aborted transaction (the ABORT markers this log writes are recorded automatically). */
  recordAbortedTxn(producerId: number, firstOffset: number, lastOffset: number): void {
    this.check();
    if (this.aborted.add({ producerId, firstOffset, lastOffset })) void this.writeMeta().catch((e) => this.fail('writing metadata failed', e));
  }

  // ---- Checkpoint, config, close, delete --------------------------------------------------------

  /**
   * Makes everything appended so far durable, persists indexes and moves the recovery point (and the
   * producer-state snapshot) to the current end: a crash afterwards scans only what follows.
   */
  async checkpoint(): Promise<void> {
    if (this.offlineError || this.closed) return;
    const active = this.active;
    active.addTimeEntry();
    const target = { offset: this._logEndOffset, segment: active.base, position: active.size };
    const producers = this.producers.snapshot();
    await this.requestSync();
    await this.enqueueTask(async () => {
      for (const seg of this.segments) {
        if (!seg.loaded || seg.deleted) continue;
        if (seg === active) await this.persistIndexes(seg, target.position, true);
        else if (seg.idxPersisted !== seg.idxRel.length || seg.tsPersisted !== seg.tsRel.length) await this.persistIndexes(seg, Infinity, true);
      }
    });
    // A truncation or a later checkpoint overtook this one: keep theirs.
    if (target.offset > this._logEndOffset || (this.recoveryPoint && this.recoveryPoint.offset > target.offset)) return;
    this.recoveryPoint = target;
    this.producerSnapshot = producers;
    await this.writeMeta();
  }

  /** True when everything appended is fsynced, indexed on disk and behind the recovery point: a checkpoint would write nothing new. */
  private get checkpointed(): boolean {
    const rp = this.recoveryPoint;
    if (rp === null || rp.offset !== this._logEndOffset || rp.segment !== this.active.base || rp.position !== this.active.size) return false;
    if (this.epochsUnpersisted && this._logEndOffset > this._logStartOffset) return false;
    if (this.hasUnflushed || this.dirty.size > 0 || this.queue.length > 0 || this.writing || this.syncing) return false;
    for (const s of this.segments) {
      if (s.loaded && !s.deleted && (s.idxPersisted !== s.idxRel.length || s.tsPersisted !== s.tsRel.length)) return false;
    }
    return true;
  }

  /** Bytes appended after the recovery point (what a crash, or the next open, validates). */
  private bytesPastRecoveryPoint(): number {
    const rp = this.recoveryPoint;
    let n = 0;
    for (const s of this.segments) {
      if (rp === null || s.base > rp.segment) n += s.size;
      else if (s.base === rp.segment) n += Math.max(0, s.size - rp.position);
    }
    return n;
  }

  /** True when a checkpoint would move the recovery point. */
  get needsCheckpoint(): boolean {
    // Not for an empty log's unpersisted epoch (setLeaderEpoch): checkpointing every new partition
    // would cost the four fsyncs per partition that deferring it saves.
    return !this.recoveryPoint || this.recoveryPoint.offset !== this._logEndOffset;
  }

  private writeMeta(): Promise<void> {
    const run = async () => {
      if (this.offlineError) return;
      this.epochsUnpersisted = false;
      const meta: PartitionMeta = {
        version: 1,
        logStartOffset: this._logStartOffset,
        recovery: this.recoveryPoint,
        producers: this.producerSnapshot,
        epochs: this.epochs.entries(),
        aborted: this.aborted.entries(),
        cleanerCheckpoint: this.cleanerCheckpoint,
      };
      await this.ctx.storage.writeMeta(`${this.dir}/${META_FILE}`, Buffer.from(JSON.stringify(meta)));
    };
    const p = this.metaChain.then(run, run);
    this.metaChain = p.catch(() => {});
    return p;
  }

  /**
   * Applies the given config keys on top of the current ones (incremental, like IncrementalAlterConfigs;
   * pass base to start from other values, e.g. broker defaults for a full replacement). Takes effect for
   * the next append, flush or background pass.
   */
  updateConfig(input: LogConfigInput, base?: LogConfig): void {
    const before = this.config.durability;
    this.config = parseLogConfig(input, base ?? this.config);
    if (before !== this.config.durability) this.kickSync();
  }

  /** Flushes, checkpoints and closes; later calls fail with LogClosedError. */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    // A log untouched since its last checkpoint closes without I/O (no fsync, no metadata write). One
    // with a short tail past its recovery point only fsyncs it: the next open validates that tail, as
    // after a crash (the periodic checkpoint keeps it short), instead of this close paying four fsyncs
    // (two indexes, metadata and its directory) per partition written since then.
    if (!this.offlineError && !this.checkpointed) {
      try {
        if (this.bytesPastRecoveryPoint() > CLOSE_CHECKPOINT_BYTES) await this.checkpoint();
        else await this.flush();
      } catch {
        // fail() already logged; close anyway.
      }
    }
    this.closed = true;
    await Promise.allSettled([...this.background]);
    await this.metaChain;
    this.rejectAll(new LogClosedError(this.topic, this.partition));
    await this.ctx.pool.closeDir(this.dir);
    this.notify();
  }

  /** Stops the log without flushing (pending calls fail) and releases its files; used before deletion. */
  async detach(): Promise<void> {
    this.closed = true;
    this.rejectAll(new LogClosedError(this.topic, this.partition));
    this.notify();
    await Promise.allSettled([...this.background]);
    await this.metaChain;
    while (this.writing || this.syncing) await new Promise((r) => setImmediate(r));
    await this.ctx.pool.closeDir(this.dir);
  }

  /** Closes and removes every file of the log. */
  async delete(): Promise<void> {
    await this.detach();
    await this.ctx.storage.removeDir(this.dir);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private check(): void {
    if (this.offlineError) throw this.offlineError;
    if (this.closed) throw new LogClosedError(this.topic, this.partition);
  }

  /** Takes the partition offline after a storage fault: its calls fail, the others keep working. */
  fail(reason: string, err: unknown): void {
    if (this.offlineError || this.closed) return;
    const code = (err as { code?: string })?.code;
    const detail = `${reason}: ${code ? code + ' ' : ''}${err instanceof Error ? err.message : String(err)}`;
    this.offlineError = new KafkaStorageError(this.topic, this.partition, detail, err);
    this.logger.error('partition offline after a storage fault', { reason: detail });
    this.rejectAll(this.offlineError);
    this.notify();
  }

  private rejectAll(err: unknown): void {
    for (const w of this.osWaiters.drain()) w.reject(err);
    for (const w of this.syncWaiters.drain()) w.reject(err);
    for (const item of this.queue.drain()) if (item.kind === 'task') item.reject(err);
  }

  // ---- Compaction hooks (used by the cleaner) ---------------------------------------------------

  /** Sealed segments (all loaded), oldest first, for the cleaner. */
  async sealedSegments(): Promise<Segment[]> {
    const out: Segment[] = [];
    for (const s of this.segments) {
      if (s === this.active) break;
      if (!s.loaded) await this.ensureLoaded(s);
      out.push(s);
    }
    return out;
  }

  /** The context the cleaner needs for file work. */
  get context(): LogContext {
    return this.ctx;
  }

  /**
   * Replaces consecutive sealed segments `olds` with `news` (written as <name>.log.cleaned and synced),
   * Kafka-style: .cleaned → .swap (from then on a crash completes the swap at start-up), old indexes
   * removed, .swap renamed over the old file (atomic replace), new indexes written. Reads are held off
   * for the swap itself.
   */
  async swapSegments(olds: Segment[], news: Segment[], cleanedUpTo: number): Promise<void> {
    await this.withExclusive(async () => {
      this.check();
      const first = this.segments.indexOf(olds[0]);
      if (first < 0 || olds.some((s, k) => this.segments[first + k] !== s) || first + olds.length >= this.segments.length) {
        throw new Error('segments changed during cleaning');
      }
      const storage = this.ctx.storage;
      for (const n of news) await storage.rename(n.logPath + '.cleaned', n.logPath + '.swap');
      await storage.syncDir(this.dir);
      for (const o of olds) {
        o.deleted = true;
        for (const path of [o.logPath, o.indexPath, o.timeIndexPath]) await this.ctx.pool.close(path);
        await storage.remove(o.indexPath);
        await storage.remove(o.timeIndexPath);
      }
      for (const n of news) {
        await storage.rename(n.logPath + '.swap', n.logPath);
        n.fileCreated = true;
        n.sealed = true;
        n.loaded = true;
        await this.persistIndexes(n, Infinity, true);
      }
      await storage.syncDir(this.dir);
      this.segments.splice(first, olds.length, ...news);
      this.positionCache.clear();
      this.cleanerCheckpoint = Math.max(this.cleanerCheckpoint, cleanedUpTo);
    });
    await this.writeMeta();
  }

  // ---- Reader/exclusive gate: segment-list changes that swap or delete files wait for reads --------

  private readers = 0;
  private gate: Promise<void> | null = null;
  private drainWaiters: (() => void)[] = [];

  private async withRead<T>(fn: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    this.readers++;
    try {
      return await fn();
    } finally {
      if (--this.readers === 0) for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  private async withExclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    try {
      if (this.readers > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
      return await fn();
    } finally {
      this.gate = null;
      open();
    }
  }
}

/** Header fields producer state needs, plus the control record type for markers. */
export function batchInfo(buf: Buffer, p: number): BatchInfo {
  const baseOffset = readBaseOffset(buf, p);
  const control = isControl(buf, p) ? controlRecordType(buf, p) : null;
  return {
    producerId: readProducerId(buf, p),
    producerEpoch: readProducerEpoch(buf, p),
    baseSequence: readBaseSequence(buf, p),
    lastSequence: readLastSequence(buf, p),
    baseOffset,
    lastOffset: baseOffset + readLastOffsetDelta(buf, p),
    maxTimestamp: readMaxTimestamp(buf, p),
    isTransactional: isTransactional(buf, p),
    isControl: control !== null,
    controlType: control ? control.type : -1,
    coordinatorEpoch: control ? control.coordinatorEpoch : -1,
  };
}

/** Type of a marker (0 ABORT, 1 COMMIT) via the records module; -1 for other or unreadable control records. */
function controlRecordType(buf: Buffer, p: number): { type: number; coordinatorEpoch: number } {
  try {
    const c = readControlRecord(buf, p);
    if (!c || c.kind === 'other') return { type: -1, coordinatorEpoch: -1 };
    return { type: c.kind === 'abort' ? 0 : 1, coordinatorEpoch: c.marker?.coordinatorEpoch ?? -1 };
  } catch {
    return { type: -1, coordinatorEpoch: -1 };
  }
}
