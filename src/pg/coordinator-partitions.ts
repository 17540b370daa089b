// The partitions of an internal topic (__consumer_offsets) kept in the database, as a coordinator
// uses them: the broker that leads partition p coordinates the keys hashed to p, as in Kafka. After
// each refresh of the membership snapshot this broker loads the partitions it now leads (replaying
// their records, Kafka's onElection) and gives up those it lost (onResignation). Its writes are
// appends fenced by the leader epoch it loaded at, so a coordinator that was replaced (paused past
// its lease, cut off) can no longer write: its append fails and it gives the partition up. Knows
// nothing of groups: the coordinator plugs in through `load`, `unload` and the record codec.

import { ErrorCode } from '../codec/index.js';
import { buildRecordBatch, readBaseOffset, readLastOffset } from '../codec/records/index.js';
import { replayKeyedRecords } from '../cluster/internal-topic.js';
import type { Logger } from '../util/logger.js';
import { TopicExistsError, type PgTopic } from './leadership.js';
import { compactPartition, partitionSpan } from './coordinator-compaction.js';
import { FencedLeaderError, type PgPartitionStore } from './partition-store.js';
import type { PgMembership } from './pg-membership.js';

export type Replay = (onRecord: (key: Buffer, value: Buffer | null) => void) => Promise<void>;

export interface CoordinatorHandlers {
  /** This broker now leads `partition`: take over its keys from its records. */
  load(partition: number, replay: Replay): Promise<void>;
  /** This broker no longer leads `partition`: drop what it held of it. */
  unload(partition: number): void;
  /**
   * Records another broker's transaction coordinator appended to a partition this broker leads (a
   * committed transaction's offsets): apply them as if replayed.
   */
  applyForeign?(partition: number, replay: Replay): Promise<void>;
}

/** A write the coordinator must answer with `kafkaErrorCode` (the group coordinator maps it). */
export class CoordinatorWriteError extends Error {
  constructor(readonly kafkaErrorCode: number, message: string) {
    super(message);
    this.name = 'CoordinatorWriteError';
  }
}

interface Led {
  /** The leader epoch this broker loaded the partition at: its appends are fenced by it. */
  readonly epoch: number;
  loaded: boolean;
  /** Foreign batches (their offsets) heard of while loading: applied once loaded. */
  waiting: number[];
  /** What of the partition's log the coordinator holds in memory: see OffsetCoverage. */
  coverage: OffsetCoverage;
  /**
   * Applying other brokers' batches and compacting run one at a time: a compaction's kept batch is
   * marked applied before anything reads past it (applying it again would undo later commits).
   */
  serial: Promise<unknown>;
}

/**
 * Which offsets of a partition the coordinator has applied: everything below `end` (its replay at
 * load, then its own appends and other brokers' batches as they come), and batches past a gap (a
 * batch notified but not applied yet) by base offset until the gap closes. So a reader can tell
 * whether a batch another broker appended has reached memory, and each batch is applied once.
 */
class OffsetCoverage {
  private readonly ahead = new Map<number, number>();
  constructor(public end: number) {}

  covers(baseOffset: number): boolean {
    return baseOffset < this.end || this.ahead.has(baseOffset);
  }

  /** The batch [baseOffset, endOffset) is applied. */
  add(baseOffset: number, endOffset: number): void {
    if (endOffset <= this.end) return;
    if (baseOffset > this.end) {
      this.ahead.set(baseOffset, endOffset);
      return;
    }
    this.end = endOffset;
    for (let next = this.ahead.get(this.end); next !== undefined; next = this.ahead.get(this.end)) {
      this.ahead.delete(this.end);
      this.end = next;
    }
  }

  /** Everything below `offset` is applied or gone (read through in order). */
  skipTo(offset: number): void {
    for (const base of this.ahead.keys()) if (base < offset) this.ahead.delete(base);
    this.add(this.end, offset);
  }
}

/** How often the leader looks for partitions to compact, and how many records make one worth it. */
const COMPACTION_CHECK_MS = 30_000;
const COMPACTION_MIN_RECORDS = 1000;

export class PgCoordinatorPartitions {
  private readonly led = new Map<number, Led>();
  private handlers: CoordinatorHandlers | null = null;
  private compactionTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<unknown> | undefined;
  private catchingUp: Promise<unknown> | undefined;

  constructor(
    private readonly membership: PgMembership,
    private readonly store: PgPartitionStore,
    readonly topicName: string,
    private readonly defaultPartitions: number,
    private readonly logger: Logger,
  ) {
    store.notifier.onForeignAppend((a) => {
      const topic = this.membership.topic(this.topicName);
      if (topic === undefined || a.topicId !== topic.id) return;
      const led = this.led.get(a.partition);
      if (led === undefined) return; // the leader applies it (a broker loading later replays it)
      if (!led.loaded) led.waiting.push(a.baseOffset);
      else void this.applyForeign(topic, a.partition, a.baseOffset);
    });
    store.notifier.onRelisten(() => this.catchUpLoadedSoon());
  }

  /**
   * Notifications were lost while this broker's listening connection was down (a database restart),
   * or never come (an engine without LISTEN): a committed transaction's offsets another broker wrote
   * would not reach this coordinator's memory (the database has them). So every loaded partition is
   * read from where the coordinator's knowledge of it ends to the partition's end, and what other
   * brokers appended is applied. The groups stay loaded: their members notice nothing.
   */
  async catchUpLoaded(): Promise<void> {
    const topic = this.membership.topic(this.topicName);
    const loaded = [...this.led].filter(([, led]) => led.loaded).map(([p]) => p);
    if (this.handlers?.applyForeign === undefined || topic === undefined || loaded.length === 0) return;
    const { rows } = await this.membership.pool.query<{ partition: number; next_offset: string }>(
      'select partition, next_offset from tributary_partitions where topic_id = $1 and partition = any($2::int[])', [topic.id, loaded],
    );
    for (const r of rows) await this.catchUp(r.partition, Number(r.next_offset));
  }

  private catchUpLoadedSoon(): void {
    this.catchingUp ??= this.catchUpLoaded()
      .catch((err: unknown) => this.logger.warn('reading what other brokers appended to coordinator partitions failed', { topic: this.topicName, error: String(err) }))
      .finally(() => (this.catchingUp = undefined));
  }

  /** Runs `work` after the partition's other applies and compactions (Led.serial). */
  private serially<T>(led: Led, work: () => Promise<T>): Promise<T> {
    const run = led.serial.then(work);
    led.serial = run.catch(() => {});
    return run;
  }

  /** Reads the batch at baseOffset and hands its records to the coordinator. */
  private applyForeign(topic: PgTopic, partition: number, baseOffset: number): Promise<void> {
    const led = this.led.get(partition);
    if (this.handlers?.applyForeign === undefined || led === undefined) return Promise.resolve();
    return this.serially(led, () => this.readAndApply(topic, partition, led, baseOffset));
  }

  private async readAndApply(topic: PgTopic, partition: number, led: Led, baseOffset: number): Promise<void> {
    if (led.coverage.covers(baseOffset)) return;
    try {
      const read = await this.store.read(topic.id, partition, baseOffset, 1 << 20);
      const batch = read.batches.find((b) => readBaseOffset(b, 0) === baseOffset);
      if (batch === undefined) return; // compacted or deleted since: catchUp skips it
      await this.applyBatch(partition, led, batch);
    } catch (err) {
      this.logger.warn('applying records another broker appended failed', { topic: this.topicName, partition, baseOffset, error: String(err) });
    }
  }

  /** Hands a batch another broker appended to the coordinator, once (the notification and catchUp may both bring it). */
  private async applyBatch(partition: number, led: Led, batch: Buffer): Promise<void> {
    const apply = this.handlers?.applyForeign;
    const baseOffset = readBaseOffset(batch, 0);
    if (apply === undefined || this.led.get(partition) !== led || led.coverage.covers(baseOffset)) return;
    led.coverage.add(baseOffset, readLastOffset(batch, 0) + 1);
    await apply(partition, async (onRecord) => {
      replayKeyedRecords(batch, baseOffset, onRecord);
    });
  }

  /**
   * Makes sure the coordinator of `partition` holds every batch below `endOffset` (the partition's
   * end as read from the database): batches other brokers appended whose notification has not been
   * applied yet are read and applied now. A reader that must not see an older state than the
   * database's (OffsetFetch with require_stable after a transaction's commit) calls it first.
   */
  async catchUp(partition: number, endOffset: number): Promise<void> {
    const led = this.led.get(partition);
    const topic = this.membership.topic(this.topicName);
    if (led === undefined || !led.loaded || topic === undefined) return;
    await this.serially(led, () => this.readThrough(topic, partition, led, endOffset));
  }

  private async readThrough(topic: PgTopic, partition: number, led: Led, endOffset: number): Promise<void> {
    while (led.coverage.end < endOffset && this.led.get(partition) === led) {
      const read = await this.store.read(topic.id, partition, led.coverage.end, 1 << 20);
      if (read.batches.length === 0) break;
      for (const batch of read.batches) {
        await this.applyBatch(partition, led, batch);
        led.coverage.skipTo(readLastOffset(batch, 0) + 1);
      }
    }
    // Nothing more to read below endOffset: deleted or compacted away.
    if (this.led.get(partition) === led) led.coverage.skipTo(endOffset);
  }

  /** The coordinator to load into and unload from; partitions are taken over only once it is set. */
  attach(handlers: CoordinatorHandlers): void {
    this.handlers = handlers;
    this.sync();
  }

  /** The topic's partition count once it exists in the database (the first broker's setting wins, as in Kafka). */
  get partitions(): number {
    return this.membership.topic(this.topicName)?.partitions ?? this.defaultPartitions;
  }

  /** Creates the topic in the database unless a broker did; its partitions are led like any other's. */
  async ensureTopic(): Promise<void> {
    if (this.membership.topic(this.topicName) !== undefined) return;
    try {
      await this.membership.createTopic(this.topicName, this.defaultPartitions, { 'cleanup.policy': 'compact' });
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err;
      await this.membership.refresh();
    }
  }

  /** The node leading `partition` as of the last refresh, if it is live; else -1. */
  leaderOf(partition: number): number {
    const topic = this.membership.topic(this.topicName);
    const leader = topic && this.membership.leaderOf(topic.id, partition)?.leader;
    if (leader === undefined || !this.membership.liveBrokers().some((b) => b.nodeId === leader)) return -1;
    return leader;
  }

  /** NONE when this broker coordinates `partition` now, COORDINATOR_LOAD_IN_PROGRESS while loading it, else NOT_COORDINATOR. */
  status(partition: number): number {
    const led = this.led.get(partition);
    if (led === undefined) return ErrorCode.NOT_COORDINATOR;
    return led.loaded ? ErrorCode.NONE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  }

  /** Loads the partitions this broker leads now and gives up the others; call after every refresh. */
  sync(): void {
    const topic = this.membership.topic(this.topicName);
    if (this.handlers === null || topic === undefined) return;
    const started = Date.now();
    const loading: Promise<number | undefined>[] = [];
    const loadingPartitions: number[] = [];
    const givenUp: number[] = [];
    for (let p = 0; p < topic.partitions; p++) {
      const leader = this.membership.leaderOf(topic.id, p);
      const current = this.led.get(p);
      if (leader !== undefined && leader.leader === this.membership.nodeId) {
        if (current?.epoch === leader.leaderEpoch) continue;
        if (current !== undefined) this.resign(p);
        loadingPartitions.push(p);
        loading.push(this.elect(topic, p, leader.leaderEpoch));
      } else if (current !== undefined) {
        this.resign(p);
        givenUp.push(p);
      }
    }
    // One line per change of leaderships, not one per partition (50 each by default).
    if (givenUp.length > 0) this.logger.info('coordinator partitions given up', { topic: this.topicName, partitions: givenUp.join(',') });
    if (loading.length > 0) {
      void Promise.all(loading).then((records) => {
        const loaded = loadingPartitions.filter((_, i) => records[i] !== undefined);
        if (loaded.length === 0) return;
        this.logger.info('coordinator partitions loaded', {
          topic: this.topicName, partitions: loaded.join(','), records: records.reduce<number>((a, r) => a + (r ?? 0), 0), ms: Date.now() - started,
        });
      });
    }
    // Not hearing of other brokers' appends (no LISTEN, or reconnecting): read them at each refresh.
    if (!this.store.notifier.listening) this.catchUpLoadedSoon();
  }

  /** Gives up every partition (shutdown). */
  resignAll(): void {
    for (const p of [...this.led.keys()]) this.resign(p);
  }

  /** Shutting down: no partition is taken over or loaded any more (the coordinator is closing too). */
  detach(): void {
    this.handlers = null;
    this.led.clear();
  }

  /** Compacts, every check interval, the loaded partitions holding more than COMPACTION_MIN_RECORDS records. */
  startCompaction(intervalMs = COMPACTION_CHECK_MS): void {
    this.compactionTimer = setInterval(() => {
      this.compacting ??= this.compactLedPartitions(COMPACTION_MIN_RECORDS)
        .catch((err: unknown) => this.logger.warn('compacting a coordinator partition failed', { topic: this.topicName, error: String(err) }))
        .finally(() => (this.compacting = undefined));
    }, intervalMs);
    this.compactionTimer.unref();
  }

  async stopCompaction(): Promise<void> {
    clearInterval(this.compactionTimer);
    await this.compacting;
  }

  /** Compacts each partition this broker has loaded that holds more than `minRecords` records; answers how many. */
  async compactLedPartitions(minRecords: number, now = Date.now()): Promise<number> {
    const topic = this.membership.topic(this.topicName);
    if (topic === undefined) return 0;
    let n = 0;
    for (const [partition, led] of [...this.led]) {
      if (!led.loaded || (await partitionSpan(this.membership.pool, topic.id, partition)) <= minRecords) continue;
      try {
        const r = await this.serially(led, async () => {
          // Only a log this coordinator holds whole (nothing another broker appended is waiting to be applied).
          const done = await compactPartition(this.membership.pool, topic.id, partition, this.membership.nodeId, led.epoch, now, led.coverage.end);
          if (done !== null) led.coverage.skipTo(done.end);
          return done;
        });
        if (r === null) {
          this.catchUpLoadedSoon(); // a batch it has not applied (its notification lost?): read it, compact next time
          continue;
        }
        this.store.cache.invalidate(topic.id, partition);
        n++;
        this.logger.info('coordinator partition compacted', { topic: this.topicName, partition, records: r.before, kept: r.after });
      } catch (err) {
        if (!(err instanceof FencedLeaderError)) throw err;
        if (this.led.get(partition) === led) this.resign(partition); // replaced: as a fenced append
      }
    }
    return n;
  }

  /** Appends records to `partition` as its leader at the loaded epoch; resolves once committed. */
  async append(partition: number, records: readonly { key: Buffer; value: Buffer | null }[], now: number): Promise<void> {
    const led = this.led.get(partition);
    const topic = this.membership.topic(this.topicName);
    if (led === undefined || !led.loaded || topic === undefined) {
      throw new CoordinatorWriteError(ErrorCode.NOT_COORDINATOR, `broker ${this.membership.nodeId} does not coordinate ${this.topicName}-${partition}`);
    }
    const batch = buildRecordBatch({ now, records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
    try {
      const r = await this.store.append(topic.id, partition, this.membership.nodeId, led.epoch, [batch]);
      led.coverage.add(r.baseOffset, r.baseOffset + records.length);
    } catch (err) {
      if (err instanceof FencedLeaderError) {
        // Replaced meanwhile (this broker was paused or cut off past its lease): never write again at this epoch.
        if (this.led.get(partition) === led) this.resign(partition);
        this.logger.warn('coordinator fenced: another broker leads its partition now', { topic: this.topicName, partition, leader: err.leader, leaderEpoch: err.leaderEpoch });
        throw new CoordinatorWriteError(ErrorCode.NOT_COORDINATOR, err.message);
      }
      // The database is unreachable or failed: retriable for the client, which finds the coordinator again.
      throw new CoordinatorWriteError(ErrorCode.REQUEST_TIMED_OUT, `writing ${this.topicName}-${partition} failed: ${String(err)}`);
    }
  }

  /** Loads the partition as its leader at `epoch`; resolves with the records replayed, or undefined when not loaded. */
  private elect(topic: PgTopic, partition: number, epoch: number): Promise<number | undefined> {
    const led: Led = { epoch, loaded: false, waiting: [], coverage: new OffsetCoverage(0), serial: Promise.resolve() };
    this.led.set(partition, led);
    const started = Date.now();
    let records = 0;
    const replay: Replay = async (onRecord) => {
      let offset = 0;
      for (;;) {
        const read = await this.store.read(topic.id, partition, offset, 1 << 20);
        if (offset === 0) offset = read.logStartOffset;
        if (read.batches.length === 0 || offset >= read.highWatermark) return;
        for (const batch of read.batches) {
          offset = replayKeyedRecords(batch, offset, (k, v) => {
            records++;
            onRecord(k, v);
          });
        }
        led.coverage.skipTo(offset);
      }
    };
    return this.handlers!.load(partition, replay).then(
      () => {
        if (this.led.get(partition) !== led) {
          this.handlers?.unload(partition); // lost while loading
          return undefined;
        }
        led.loaded = true;
        for (const offset of led.waiting.splice(0)) void this.applyForeign(topic, partition, offset);
        this.logger.debug('coordinator partition loaded', { topic: this.topicName, partition, leaderEpoch: epoch, records, ms: Date.now() - started });
        return records;
      },
      (err: unknown) => {
        // Not loaded: give it up here; the next refresh tries again while this broker still leads it.
        if (this.led.get(partition) === led) this.led.delete(partition);
        if (this.handlers === null) return undefined; // shutting down
        this.handlers.unload(partition);
        this.logger.warn('loading a coordinator partition failed', { topic: this.topicName, partition, error: String(err) });
        return undefined;
      },
    );
  }

  private resign(partition: number): void {
    this.led.delete(partition);
    this.handlers?.unload(partition);
  }
}
