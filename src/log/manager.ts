// The log manager: knows every partition log under a storage root, opens each on first use (a clean
// start reads one checkpoint instead of opening them all), creates and deletes them by topic and
// partition, bounds open file descriptors (one LRU pool for all logs), runs the background work on a
// Clock (flush.ms, recovery checkpoints, retention, the compaction cleaner) and closes them all in
// bounded parallel batches, writing the clean-shutdown checkpoint last.

import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { repeat, systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { LogCleaner } from './cleaner.js';
import { type LogConfig, type LogConfigInput, DEFAULT_LOG_CONFIG, parseLogConfig } from './config.js';
import { LogClosedError } from './errors.js';
import { HandlePool } from './handle-pool.js';
import type { BufferPool } from '../util/buffer-pool.js';
import { PartitionLog, type LogContext } from './partition-log.js';
import { type CheckpointEntry, type PartitionSummary, decodeCheckpoint, encodeCheckpoint } from './partition-checkpoint.js';

export interface LogManagerOptions {
  /** Storage URL: file://DIR (default file://./data) or memory://. Ignored when storage is given. */
  url?: string;
  /** A ready storage engine (tests share one MemoryStorage across restarts). */
  storage?: Storage;
  clock?: Clock;
  logger?: Logger;
  /** Broker-wide defaults with Kafka key names (log.* broker keys are mapped by the config layer). */
  defaults?: LogConfigInput;
  /** Topic overrides, consulted when a log is opened at start-up or created without a config. */
  configFor?: (topic: string) => LogConfigInput | undefined;
  /** Open file descriptors shared by all logs (default 1024). */
  maxOpenFiles?: number;
  /** How often flush.ms and checkpoints are checked (default 1000 ms). */
  flushCheckIntervalMs?: number;
  /** How often each log moves its recovery point (default 10000 ms). */
  checkpointIntervalMs?: number;
  /** log.retention.check.interval.ms (default 300000). */
  retentionCheckIntervalMs?: number;
  /** How often the cleaner looks for compactable logs (default 15000 ms). */
  cleanerIntervalMs?: number;
  /** Memory for the cleaner's key-hash map (default 16 MiB). */
  cleanerDedupeBufferBytes?: number;
  /** Start the background timers (default true; tests drive runRetention/runCleaner directly). */
  background?: boolean;
  /** Logs opened (or closed) concurrently when many are (default 16 to open, 64 to close). */
  openConcurrency?: number;
  closeConcurrency?: number;
  /** Buffers that reads borrow (see src/util/buffer-pool.ts); default: fresh buffers. */
  readBuffers?: BufferPool;
  /** Told of each group-commit fsync (metrics): its duration and the appends it completed. */
  onSync?: (ms: number, appends: number) => void;
}

/** Written at a clean close, removed at the next open: holds the partition checkpoint (partition-checkpoint.ts). */
const CLEAN_SHUTDOWN = '.clean_shutdown';

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function parseDir(name: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  return match ? { topic: match[1], partition: Number(match[2]) } : null;
}

/** A partition whose directory exists but whose log is not open yet (opened by getOrCreate). */
interface Dormant {
  topic: string;
  partition: number;
  summary: PartitionSummary | null;
  /** Open it as after a crash: validate past its recovery point and make the result durable. */
  recover: boolean;
}

/** Runs fn over items, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  /** The open logs again, by topic then partition: get() on every Metadata and Fetch partition makes no key string. */
  private readonly openByTopic = new Map<string, (PartitionLog | undefined)[]>();
  private readonly dormant = new Map<string, Dormant>();
  private readonly opening = new Map<string, Promise<PartitionLog>>();
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly timers: TimerHandle[] = [];
  private readonly lastCheckpoint = new Map<PartitionLog, number>();
  private closed = false;
  readonly defaults: LogConfig;
  readonly cleaner: LogCleaner;
  private readonly ctx: LogContext;
  private deleteSeq = 0;

  private constructor(
    readonly storage: Storage,
    private readonly opts: LogManagerOptions,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly pool: HandlePool,
  ) {
    this.defaults = parseLogConfig(opts.defaults, DEFAULT_LOG_CONFIG);
    this.ctx = { storage, pool, clock, logger, readBuffers: opts.readBuffers, onSync: opts.onSync };
    this.cleaner = new LogCleaner(clock, logger.child('log-cleaner'), opts.cleanerDedupeBufferBytes ?? 16 * 1024 * 1024);
  }

  /**
   * Opens the storage and finds its partition logs. After a clean shutdown whose checkpoint matches
   * the directories, none is opened: each waits, dormant, for its first use. After a crash each is
   * likewise opened on first use, as after a crash (validated past its own recovery point, so a
   * partition with nothing written since its last checkpoint is not scanned). A stale or unreadable
   * checkpoint opens and validates every log now; an empty marker (older versions) opens every log now.
   */
  static async open(opts: LogManagerOptions = {}): Promise<LogManager> {
    const storage = opts.storage ?? (await openStorage(opts.url));
    const logger = (opts.logger ?? silentLogger).child('log-manager');
    const m = new LogManager(storage, opts, opts.clock ?? systemClock, opts.logger ?? silentLogger, new HandlePool(storage, opts.maxOpenFiles ?? 1024));
    const started = Date.now(); // wall time: how long recovery took, for the log line (not broker time)
    const marker = await storage.readMeta(CLEAN_SHUTDOWN);
    const dirs: string[] = [];
    for (const name of await storage.list('')) {
      if (name.endsWith('.deleting')) {
        void storage.removeDir(name).catch(() => {});
        continue;
      }
      if (parseDir(name)) dirs.push(name);
    }
    let clean = marker !== null;
    let checkpoint: CheckpointEntry[] | null = null;
    if (marker !== null && marker.length > 0) {
      try {
        checkpoint = decodeCheckpoint(marker);
        const listed = new Set(dirs);
        const stale = checkpoint.length !== listed.size || checkpoint.some((e) => !listed.has(e.dir));
        if (stale) throw new Error(`it lists ${checkpoint.length} partitions, the directory holds ${listed.size} others or more`);
      } catch (err) {
        logger.warn('clean-shutdown checkpoint is stale or unreadable, recovering every partition', { error: (err as Error).message });
        checkpoint = null;
        clean = false;
      }
    }
    let opened = 0;
    if (checkpoint !== null) {
      for (const e of checkpoint) {
        const d = parseDir(e.dir)!;
        m.dormant.set(e.dir, { ...d, summary: e.summary, recover: e.recover });
      }
    } else if (marker === null) {
      // A crash (or a new directory): every log waits for its first use, to be recovered then.
      for (const name of dirs) m.dormant.set(name, { ...parseDir(name)!, summary: null, recover: true });
    } else {
      // An older marker without a checkpoint, or one that does not match: open everything now.
      await inParallel(dirs, opts.openConcurrency ?? 16, async (name) => {
        const d = parseDir(name)!;
        m.addOpen(name, await m.openLog(d.topic, d.partition, undefined, clean, true));
      });
      opened = dirs.length;
    }
    // From now on a crash is not a clean shutdown.
    if (marker !== null) await storage.remove(CLEAN_SHUTDOWN);
    // A new directory has nothing to recover: "cleanShutdown=false" would read like a crash.
    logger.info('opened logs', { partitions: dirs.length, opened, ...(marker !== null || dirs.length > 0 ? { cleanShutdown: clean } : {}), ms: Date.now() - started });
    if (opts.background !== false) m.startTimers();
    return m;
  }

  private configOf(topic: string, input?: LogConfigInput): LogConfig {
    return parseLogConfig(input ?? this.opts.configFor?.(topic), this.defaults);
  }

  private async openLog(topic: string, partition: number, input: LogConfigInput | undefined, clean: boolean, exists: boolean): Promise<PartitionLog> {
    const config = this.configOf(topic, input);
    try {
      return await PartitionLog.open(this.ctx, topic, partition, key(topic, partition), config, clean, exists);
    } catch (err) {
      // A storage fault on one partition must not stop the broker: keep it, offline.
      const log = PartitionLog.offline(this.ctx, topic, partition, key(topic, partition), config, err);
      return log;
    }
  }

  /** The open log of a partition, if it exists and is open (see getOrCreate). */
  get(topic: string, partition: number): PartitionLog | undefined {
    return this.openByTopic.get(topic)?.[partition];
  }

  private addOpen(k: string, log: PartitionLog): void {
    this.logs.set(k, log);
    let byPartition = this.openByTopic.get(log.topic);
    if (byPartition === undefined) this.openByTopic.set(log.topic, (byPartition = []));
    byPartition[log.partition] = log;
  }

  private removeOpen(k: string, log: PartitionLog): void {
    this.logs.delete(k);
    const byPartition = this.openByTopic.get(log.topic);
    if (byPartition === undefined) return;
    byPartition[log.partition] = undefined;
    if (byPartition.every((l) => l === undefined)) this.openByTopic.delete(log.topic);
  }

  /** True when the partition has a log here, open or not. */
  has(topic: string, partition: number): boolean {
    const k = key(topic, partition);
    return this.logs.has(k) || this.dormant.has(k);
  }

  /** Opens the log, creating it when missing; an existing log takes the given config. */
  async getOrCreate(topic: string, partition: number, config?: LogConfigInput): Promise<PartitionLog> {
    if (this.closed) throw new LogClosedError(topic, partition);
    const k = key(topic, partition);
    const existing = this.logs.get(k);
    if (existing) {
      if (config) existing.updateConfig(config);
      return existing;
    }
    const pending = this.deleting.get(k);
    if (pending) await pending;
    const again = this.logs.get(k);
    if (again) return again;
    let opening = this.opening.get(k);
    if (opening === undefined) {
      const d = this.dormant.get(k);
      opening = this.openLog(topic, partition, config, d !== undefined && !d.recover, d !== undefined)
        .then((log) => {
          this.dormant.delete(k);
          this.addOpen(k, log);
          return log;
        })
        .finally(() => this.opening.delete(k));
      this.opening.set(k, opening);
      return opening;
    }
    const log = await opening;
    if (config) log.updateConfig(config);
    return log;
  }

  /** All open logs (dormant ones are in summaries()). */
  all(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /** Offsets and size of the partitions not opened yet, as of their checkpoint (ones it does not know are left out). */
  *dormantSummaries(): Iterable<{ topic: string; partition: number } & PartitionSummary> {
    for (const d of this.dormant.values()) if (d.summary !== null) yield { topic: d.topic, partition: d.partition, ...d.summary };
  }

  /**
   * Size in bytes of each partition log whose topic passes the filter, open or dormant (a dormant
   * one's from its checkpoint, or opened when the checkpoint does not know); offline logs left out.
   */
  async sizes(wanted: (topic: string) => boolean): Promise<{ topic: string; partition: number; size: number }[]> {
    const out: { topic: string; partition: number; size: number }[] = [];
    for (const d of [...this.dormant.values()]) {
      if (!wanted(d.topic)) continue;
      if (d.summary?.size != null) out.push({ topic: d.topic, partition: d.partition, size: d.summary.size });
      else await this.getOrCreate(d.topic, d.partition).catch(() => undefined);
    }
    for (const l of this.logs.values()) if (wanted(l.topic) && !l.isOffline) out.push({ topic: l.topic, partition: l.partition, size: l.size });
    return out;
  }

  /** Partitions of a topic that have a log here, open or not. */
  partitionsOf(topic: string): number[] {
    const out = new Set<number>();
    for (const l of this.logs.values()) if (l.topic === topic) out.add(l.partition);
    for (const d of this.dormant.values()) if (d.topic === topic) out.add(d.partition);
    return [...out].sort((a, b) => a - b);
  }

  /**
   * Changes topic config keys (Kafka names) on every partition of the topic, live. Incremental by
   * default; with replace the topic's config becomes broker defaults + config.
   */
  updateTopicConfig(topic: string, config: LogConfigInput, replace = false): void {
    for (const l of this.logs.values()) if (l.topic === topic) l.updateConfig(config, replace ? this.defaults : undefined);
  }

  /**
   * Deletes a partition's log: it stops at once (pending calls fail), its directory is renamed aside and
   * removed in the background. The returned promise resolves when the files are gone.
   */
  deleteLog(topic: string, partition: number): Promise<void> {
    const k = key(topic, partition);
    const opening = this.opening.get(k);
    if (opening) return opening.then(() => this.deleteLog(topic, partition), () => this.deleteLog(topic, partition));
    const log = this.logs.get(k);
    const wasDormant = this.dormant.delete(k);
    if (!log && !wasDormant) return this.deleting.get(k) ?? Promise.resolve();
    if (log) this.removeOpen(k, log);
    if (log) this.lastCheckpoint.delete(log);
    const p = (async () => {
      const aside = `${k}.${Date.now()}-${this.deleteSeq++}.deleting`; // a unique name only: nothing reads the time back
      await log?.detach();
      try {
        await this.storage.rename(k, aside);
      } catch {
        await this.storage.removeDir(k);
        return;
      }
      await this.storage.removeDir(aside);
    })().finally(() => this.deleting.delete(k));
    this.deleting.set(k, p);
    return p;
  }

  /** Deletes every partition of a topic (without blocking appends to other topics). */
  async deleteTopic(topic: string): Promise<void> {
    await Promise.all(this.partitionsOf(topic).map((p) => this.deleteLog(topic, p)));
  }

  // ---- Background work -----------------------------------------------------------------------------

  private startTimers(): void {
    this.every(this.opts.flushCheckIntervalMs ?? 1000, () => this.runFlush());
    this.every(this.opts.retentionCheckIntervalMs ?? 300_000, () => this.runRetention());
    this.every(this.opts.cleanerIntervalMs ?? 15_000, () => this.runCleaner());
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    // After completion: a slow flush or cleaner pass is never run twice at once.
    this.timers.push(repeat(this.clock, ms, () => this.closed || fn().catch((err) => this.logger.error('background log task failed', { error: String(err) })), { afterCompletion: true }));
  }


  /** flush.ms for 'os' logs and periodic recovery checkpoints. */
  async runFlush(): Promise<void> {
    const now = this.clock.now();
    const every = this.opts.checkpointIntervalMs ?? 10_000;
    const work: Promise<unknown>[] = [];
    for (const log of this.logs.values()) {
      if (log.isOffline || log.isClosed) continue;
      if (log.config.durability === 'os' && log.hasUnflushed && now - log.lastFlushTime >= log.config.flushMs) {
        work.push(log.flush().catch(() => {}));
      }
      const last = this.lastCheckpoint.get(log) ?? 0;
      if (log.needsCheckpoint && now - last >= every) {
        this.lastCheckpoint.set(log, now);
        work.push(log.checkpoint().catch(() => {}));
      }
    }
    await Promise.all(work);
  }

  /** Applies retention to every log; returns the number of segments deleted. */
  async runRetention(): Promise<number> {
    await this.wakeWhere((d, c) => c.cleanupPolicy.delete && mayNeedRetention(d.summary, c, this.clock.now()));
    let n = 0;
    for (const log of [...this.logs.values()]) {
      try {
        n += await log.applyRetention(this.clock.now());
      } catch (err) {
        log.fail('retention failed', err);
      }
    }
    return n;
  }

  /** One pass of the cleaner over logs with cleanup.policy=compact; returns the logs cleaned. */
  async runCleaner(): Promise<number> {
    // Only sealed segments are cleaned: a dormant log with one segment has nothing to clean.
    await this.wakeWhere((d, c) => c.cleanupPolicy.compact && (d.summary === null || d.summary.segments > 1));
    let n = 0;
    for (const log of [...this.logs.values()]) {
      if (!log.config.cleanupPolicy.compact || log.isOffline || log.isClosed) continue;
      try {
        if (await this.cleaner.clean(log)) n++;
      } catch (err) {
        this.logger.error('cleaning failed', { topic: log.topic, partition: log.partition, error: String(err) });
      }
    }
    return n;
  }

  /** Opens the dormant logs the background work has to look at (one at a time: it is background work). */
  private async wakeWhere(needs: (d: Dormant, config: LogConfig) => boolean): Promise<void> {
    for (const d of [...this.dormant.values()]) {
      if (this.closed) return;
      if (!needs(d, this.configOf(d.topic))) continue;
      try {
        await this.getOrCreate(d.topic, d.partition);
      } catch {
        // Closed meanwhile, or offline (openLog logged it).
      }
    }
  }

  /**
   * Flushes and checkpoints every open log and closes them, in bounded parallel batches (a log with
   * nothing new since its last checkpoint costs no I/O), then writes the clean-shutdown checkpoint of
   * all partitions, open or dormant, unless some log is offline.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) t.cancel();
    await Promise.allSettled([...this.deleting.values(), ...this.opening.values()]);
    const logs = [...this.logs.values()];
    await inParallel(logs, this.opts.closeConcurrency ?? 64, (l) => l.close());
    await this.pool.closeAll();
    if (logs.every((l) => !l.isOffline)) {
      const entries: CheckpointEntry[] = logs.map((l) => ({ dir: l.dir, summary: l.summary(), recover: false }));
      for (const [dir, d] of this.dormant) entries.push({ dir, summary: d.summary, recover: d.recover });
      await this.storage.writeMeta(CLEAN_SHUTDOWN, encodeCheckpoint(entries));
    }
    this.logs.clear();
    this.openByTopic.clear();
    this.dormant.clear();
    await this.storage.close();
  }
}

/** False only when the summary shows retention has nothing to delete (an unknown summary: true). */
function mayNeedRetention(s: PartitionSummary | null, c: LogConfig, now: number): boolean {
  if (s === null) return true;
  if (c.retentionBytes >= 0 && (s.size === null || s.size > c.retentionBytes)) return true;
  if (c.retentionMs >= 0 && (s.oldestMaxTimestamp === null || (s.oldestMaxTimestamp >= 0 && now - s.oldestMaxTimestamp > c.retentionMs))) return true;
  return false;
}
