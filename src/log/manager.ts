// The log manager: opens every partition log under a storage root at start-up, creates and deletes
// them by topic and partition, bounds open file descriptors (one LRU pool for all logs), and runs the
// background work on a Clock: flush.ms, recovery checkpoints, retention and the compaction cleaner.

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
  /** Logs opened concurrently at start-up (default 16). */
  openConcurrency?: number;
  /** Buffers that reads borrow (see src/util/buffer-pool.ts); default: fresh buffers. */
  readBuffers?: BufferPool;
  /** Told of each group-commit fsync (metrics): its duration and the appends it completed. */
  onSync?: (ms: number, appends: number) => void;
}

const CLEAN_SHUTDOWN = '.clean_shutdown';

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
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

  /** Opens the storage and every partition log in it (recovering those not shut down cleanly). */
  static async open(opts: LogManagerOptions = {}): Promise<LogManager> {
    const storage = opts.storage ?? (await openStorage(opts.url));
    const logger = (opts.logger ?? silentLogger).child('log-manager');
    const m = new LogManager(storage, opts, opts.clock ?? systemClock, opts.logger ?? silentLogger, new HandlePool(storage, opts.maxOpenFiles ?? 1024));
    const started = Date.now(); // wall time: how long recovery took, for the log line (not broker time)
    const clean = (await storage.readMeta(CLEAN_SHUTDOWN)) !== null;
    const names = await storage.list('');
    const dirs: { name: string; topic: string; partition: number }[] = [];
    for (const name of names) {
      if (name.endsWith('.deleting')) {
        void storage.removeDir(name).catch(() => {});
        continue;
      }
      const match = /^(.+)-(\d+)$/.exec(name);
      if (match) dirs.push({ name, topic: match[1], partition: Number(match[2]) });
    }
    let next = 0;
    const worker = async () => {
      while (next < dirs.length) {
        const d = dirs[next++];
        m.logs.set(key(d.topic, d.partition), await m.openLog(d.topic, d.partition, undefined, clean));
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.openConcurrency ?? 16, dirs.length) }, worker));
    // From now on a crash is not a clean shutdown.
    if (clean) await storage.remove(CLEAN_SHUTDOWN);
    // A new directory has nothing to recover: "cleanShutdown=false" would read like a crash.
    logger.info('opened logs', { partitions: dirs.length, ...(clean || dirs.length > 0 ? { cleanShutdown: clean } : {}), ms: Date.now() - started });
    if (opts.background !== false) m.startTimers();
    return m;
  }

  private configOf(topic: string, input?: LogConfigInput): LogConfig {
    return parseLogConfig(input ?? this.opts.configFor?.(topic), this.defaults);
  }

  private async openLog(topic: string, partition: number, input: LogConfigInput | undefined, clean: boolean): Promise<PartitionLog> {
    const config = this.configOf(topic, input);
    try {
      return await PartitionLog.open(this.ctx, topic, partition, key(topic, partition), config, clean);
    } catch (err) {
      // A storage fault on one partition must not stop the broker: keep it, offline.
      const log = PartitionLog.offline(this.ctx, topic, partition, key(topic, partition), config, err);
      return log;
    }
  }

  /** The open log of a partition, if it exists. */
  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition));
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
    const log = await this.openLog(topic, partition, config, false);
    const raced = this.logs.get(k);
    if (raced) {
      await log.close();
      return raced;
    }
    this.logs.set(k, log);
    return log;
  }

  /** All open logs. */
  all(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /** Partitions of a topic that have a log here. */
  partitionsOf(topic: string): number[] {
    return this.all()
      .filter((l) => l.topic === topic)
      .map((l) => l.partition)
      .sort((a, b) => a - b);
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
    const log = this.logs.get(k);
    if (!log) return this.deleting.get(k) ?? Promise.resolve();
    this.logs.delete(k);
    this.lastCheckpoint.delete(log);
    const p = (async () => {
      const aside = `${k}.${Date.now()}-${this.deleteSeq++}.deleting`; // a unique name only: nothing reads the time back
      await log.detach();
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

  /** Flushes and checkpoints every log, closes them and writes the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) t.cancel();
    await Promise.allSettled([...this.deleting.values()]);
    const logs = [...this.logs.values()];
    await Promise.all(logs.map((l) => l.close()));
    await this.pool.closeAll();
    if (logs.every((l) => !l.isOffline)) await this.storage.writeMeta(CLEAN_SHUTDOWN, Buffer.alloc(0));
    this.logs.clear();
    await this.storage.close();
  }
}
