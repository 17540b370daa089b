// The transaction coordinator (Kafka's TransactionCoordinator + TransactionStateManager): producer ids
// for idempotent and transactional producers, the per-transactional-id state machine, durable in
// __transaction_state, the commit/abort markers written to every partition of a transaction, the
// transactional offsets handed to the group coordinator on commit, proactive abort of transactions
// that outlive their timeout, expiry of idle transactional ids, and recovery of half-completed
// transactions after a restart. Every change is written to the log first and applied once durable;
// operations on one transactional id are serialised.

import { ErrorCode } from '../codec/index.js';
import { type Clock, repeat, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import {
  canTransition,
  cloneTxn,
  decodeTxnValue,
  encodeTxnValue,
  hasPartition,
  isEpochExhausted,
  LAST_PRODUCER_EPOCH,
  MAX_PRODUCER_EPOCH,
  newTxnMetadata,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  type PendingOffset,
  type TxnMetadata,
  type TxnState,
  TRANSACTION_VERSION_1,
  TRANSACTION_VERSION_2,
} from './metadata.js';
import { decodeTxnKey, encodeTxnKey, type TxnAppendOptions, type TxnLog } from './txn-log.js';

/** Writes one commit/abort marker to a partition; resolves once durable. False: the partition is gone. */
export type MarkerWriter = (topic: string, partition: number, producerId: number, producerEpoch: number, commit: boolean) => Promise<boolean>;

/**
 * Makes a committed transaction's offsets visible in the group coordinator (durably). keepLaterCommits:
 * the transaction is being completed again after a restart (its Complete* record was lost), so its
 * offsets may have been applied before and overwritten by later commits, which must stay.
 */
export type OffsetsSink = (groupId: string, offsets: readonly PendingOffset[], opts?: { keepLaterCommits: boolean }) => Promise<void>;

export interface TxnCoordinatorConfig {
  /** transaction.max.timeout.ms */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms (Kafka: 10 s) */
  abortCheckIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms (Kafka: 1 h) */
  expiredIdCheckIntervalMs: number;
  /** Backoff before retrying a marker write that failed. */
  markerRetryBackoffMs: number;
  /** Producer ids reserved per producer-id-block record. */
  producerIdBlockSize: number;
}

export const DEFAULT_TXN_CONFIG: TxnCoordinatorConfig = {
  maxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortCheckIntervalMs: 10_000,
  expiredIdCheckIntervalMs: 3_600_000,
  markerRetryBackoffMs: 100,
  producerIdBlockSize: 1000,
};

/**
 * Transactional offsets kept outside the coordinator (postgres:// storage: the group's coordinator,
 * maybe another broker, stores what TxnOffsetCommit sent): read for each group of a transaction when
 * it completes, handed to the OffsetsSink on commit, then cleared, committed or aborted.
 */
export interface ExternalOffsets {
  pending(producerId: number, groupId: string): Promise<PendingOffset[]>;
  /** Forgets every offset the producer sent, for any group: its transaction ended. */
  clear(producerId: number): Promise<void>;
}

export interface TxnCoordinatorOptions {
  clock: Clock;
  logger: Logger;
  log: TxnLog;
  markers: MarkerWriter;
  offsets?: OffsetsSink;
  externalOffsets?: ExternalOffsets;
  /** Producer ids from elsewhere (postgres:// storage: the database's, shared with idempotent producers) instead of blocks in the log. */
  allocateProducerId?: () => Promise<number>;
  config?: Partial<TxnCoordinatorConfig>;
  /** Timers for timeouts and expiry (default true). */
  background?: boolean;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

/** EndTxn's answer: with transactions V2, the producer id and (bumped) epoch for the next transaction. */
export interface EndTxnResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The view DescribeTransactions and ListTransactions answer from. */
export interface TxnDescription {
  transactionalId: string;
  state: TxnState;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  startTimestamp: number;
  partitions: Map<string, Set<number>>;
  /** Groups added with AddOffsetsToTxn (Kafka lists their __consumer_offsets partitions). */
  groups: Set<string>;
}

export class TxnError extends Error {
  constructor(readonly kafkaErrorCode: number, message: string) {
    super(message);
    this.name = 'TxnError';
  }
}

const PARTITION_KEY_PRODUCER_IDS = '';

/**
 * What the request handlers ask of transaction coordination: one TransactionCoordinator on one node, or
 * several (one per __transaction_state partition this broker leads, postgres:// storage) behind a router.
 */
export interface TransactionCoordination {
  /** NONE, or why no request can be served now (loading, not the coordinator). */
  readonly loadError: number;
  /** NONE, or why this transactional id's requests cannot be served here now. */
  statusOf(transactionalId: string): number;
  initProducerId(transactionalId: string | null, transactionTimeoutMs: number, expected?: { producerId: number; producerEpoch: number }): Promise<InitProducerIdResult>;
  addPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[], groups?: readonly string[], transactionVersion?: number): Promise<number>;
  addPartitionForProduce(id: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number>;
  verifyPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[];
  verifyTransactionalProduce(producerId: number, producerEpoch: number, topic: string, partition: number): number;
  endTxn(id: string, producerId: number, producerEpoch: number, commit: boolean, transactionVersion?: number): Promise<EndTxnResult>;
  txnOffsetCommit(id: string, groupId: string, producerId: number, producerEpoch: number, offsets: readonly Omit<PendingOffset, 'commitTimestamp'>[], transactionVersion?: number): Promise<number>;
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean;
  describe(id: string): TxnDescription | undefined;
  list(): TxnDescription[];
  /** Resolves once loaded (state replayed). */
  load(): Promise<void>;
  /** Resolves when no completion is in flight (tests and shutdown). */
  idle(): Promise<void>;
}

/**
 * A transactions V2 add's answer in Produce's terms, as Kafka's verification answers: a fenced
 * producer has an invalid epoch, and coordinator trouble is the retriable NOT_ENOUGH_REPLICAS (it
 * does not make clients refresh metadata).
 */
export function asProduceError(addPartitionsCode: number): number {
  switch (addPartitionsCode) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default:
      return addPartitionsCode;
  }
}

export class TransactionCoordinator implements TransactionCoordination {
  readonly config: TxnCoordinatorConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly log: TxnLog;
  private readonly markers: MarkerWriter;
  private readonly offsetsSink: OffsetsSink | null;
  private readonly externalOffsets: ExternalOffsets | null;
  private readonly allocateProducerId: (() => Promise<number>) | null;
  private readonly background: boolean;
  private readonly txns = new Map<string, TxnMetadata>();
  /** producer id → transactional id, for the produce path's checks. */
  private readonly byProducerId = new Map<number, string>();
  /** See indexPending: OffsetFetch require_stable asks per partition. */
  private readonly pendingIndex = new Map<string, number>();
  /** Per transactional id, the tail of its operation chain. */
  private readonly locks = new Map<string, Promise<void>>();
  /** Completions (markers then Complete*) in flight, by transactional id. */
  private readonly completions = new Map<string, Promise<void>>();
  private nextProducerId = 0;
  private blockEnd = 0;
  private idChain: Promise<unknown> = Promise.resolve();
  private loading = false;
  private loaded: Promise<void> | null = null;
  private closed = false;
  private abortTimer: TimerHandle | null = null;
  private expiryTimer: TimerHandle | null = null;
  /** Marker retries waiting for their backoff: woken (to give up) on close. */
  private readonly wakers = new Set<() => void>();
  /** Test hook: awaited after a Prepare* record is durable and before markers are written. */
  beforeMarkers: ((transactionalId: string) => Promise<void>) | null = null;

  constructor(opts: TxnCoordinatorOptions) {
    this.config = { ...DEFAULT_TXN_CONFIG, ...opts.config };
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.log = opts.log;
    this.markers = opts.markers;
    this.offsetsSink = opts.offsets ?? null;
    this.externalOffsets = opts.externalOffsets ?? null;
    this.allocateProducerId = opts.allocateProducerId ?? null;
    this.background = opts.background ?? true;
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Replays __transaction_state, then completes transactions found half-way through commit/abort. */
  load(): Promise<void> {
    this.loaded ??= this.doLoad();
    return this.loaded;
  }

  private async doLoad(): Promise<void> {
    this.loading = true;
    const found = new Map<string, TxnMetadata | null>();
    try {
      await this.log.replay((k, v) => {
        const key = decodeTxnKey(k);
        if (key === null) return;
        if (key.type === 'producer-id-block') {
          if (v !== null) {
            const { blockEnd } = JSON.parse(v.toString('utf8')) as { blockEnd: number };
            // Ids below a reserved block's end may have been handed out: start after it.
            if (blockEnd > this.nextProducerId) this.nextProducerId = this.blockEnd = blockEnd;
          }
          return;
        }
        found.set(key.transactionalId, v === null ? null : decodeTxnValue(key.transactionalId, v));
      });
      for (const [id, m] of found) {
        if (m === null) continue;
        this.txns.set(id, m);
        this.indexPending(m, 1);
        if (m.producerId >= 0) this.byProducerId.set(m.producerId, id);
      }
    } finally {
      this.loading = false;
    }
    // Quiet when there were none: postgres:// storage loads a coordinator per __transaction_state partition.
    this.logger.log(this.txns.size > 0 ? 'info' : 'debug', 'transactions loaded', { transactionalIds: this.txns.size });
    for (const m of this.txns.values()) {
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') {
        void this.startCompletion(m.transactionalId, { again: true });
      }
    }
    if (this.background && !this.closed) {
      // Fixed rate: a check is due one interval after the previous one started, whatever that one awaits.
      this.abortTimer = repeat(this.clock, this.config.abortCheckIntervalMs, () => this.closed || void this.abortTimedOutTransactions());
      this.expiryTimer = repeat(this.clock, this.config.expiredIdCheckIntervalMs, () => this.closed || void this.expireTransactionalIds());
    }
  }

  get isLoading(): boolean {
    return this.loading || this.loaded === null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abortTimer?.cancel();
    this.expiryTimer?.cancel();
    for (const w of [...this.wakers]) w();
    this.wakers.clear();
    if (this.loaded) await this.loaded.catch(() => {});
    await Promise.allSettled([...this.locks.values(), ...this.completions.values()]);
  }

  private checkActive(): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (this.isLoading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** Runs fn after every earlier operation on the same transactional id. */
  private withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(() => {}, () => {});
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  // ---- producer ids -----------------------------------------------------------------------------

  /** A fresh producer id; a new block is reserved durably before any id of it is handed out. */
  generateProducerId(): Promise<number> {
    if (this.allocateProducerId !== null) return this.allocateProducerId();
    const next = this.idChain.then(async () => {
      // Ids of blocks reserved before a restart are known only once the log has been replayed.
      if (this.loaded !== null) await this.loaded.catch(() => {});
      if (this.nextProducerId >= this.blockEnd) {
        const blockEnd = this.nextProducerId + this.config.producerIdBlockSize;
        await this.log.append(PARTITION_KEY_PRODUCER_IDS, {
          key: encodeTxnKey({ type: 'producer-id-block' }),
          value: Buffer.from(JSON.stringify({ blockEnd }), 'utf8'),
        });
        this.blockEnd = blockEnd;
      }
      return this.nextProducerId++;
    });
    this.idChain = next.catch(() => {});
    return next;
  }

  private async persist(m: TxnMetadata, opts?: TxnAppendOptions): Promise<void> {
    await this.log.append(m.transactionalId, { key: encodeTxnKey({ type: 'txn', transactionalId: m.transactionalId }), value: encodeTxnValue(m) }, opts);
  }

  /** Counts, per "group\0topic\0partition", the undecided transactions holding an offset for it. */
  private indexPending(m: TxnMetadata | undefined, delta: 1 | -1): void {
    if (m === undefined || (m.state !== 'Ongoing' && m.state !== 'PrepareCommit')) return;
    for (const [group, os] of m.pendingOffsets) {
      for (const k of os.keys()) {
        const key = `${group}\0${k}`;
        const n = (this.pendingIndex.get(key) ?? 0) + delta;
        if (n <= 0) this.pendingIndex.delete(key);
        else this.pendingIndex.set(key, n);
      }
    }
  }

  /** Writes the new state, then makes it current (`deferSync`: once written; see complete()). */
  private async commitState(next: TxnMetadata, opts?: TxnAppendOptions): Promise<void> {
    next.updateTimestamp = this.clock.now();
    await this.persist(next, opts);
    const prev = this.txns.get(next.transactionalId);
    this.indexPending(prev, -1);
    this.indexPending(next, 1);
    if (prev && prev.producerId !== next.producerId && this.byProducerId.get(prev.producerId) === next.transactionalId) {
      this.byProducerId.delete(prev.producerId);
    }
    this.txns.set(next.transactionalId, next);
    if (next.producerId >= 0) this.byProducerId.set(next.producerId, next.transactionalId);
  }

  // ---- InitProducerId ---------------------------------------------------------------------------

  async initProducerId(
    transactionalId: string | null,
    transactionTimeoutMs: number,
    expected: { producerId: number; producerEpoch: number } = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH },
  ): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId === null) {
      // Idempotent producer: a new id each time (Kafka does not track non-transactional producers here).
      try {
        return { errorCode: ErrorCode.NONE, producerId: await this.generateProducerId(), producerEpoch: 0 };
      } catch (err) {
        this.logger.warn('producer id allocation failed', { error: String(err) });
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (transactionTimeoutMs <= 0 || transactionTimeoutMs > this.config.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const active = this.checkActive();
    if (active !== ErrorCode.NONE) return fail(active);
    return this.withLock(transactionalId, async () => {
      try {
        return await this.doInitProducerId(transactionalId, transactionTimeoutMs, expected);
      } catch (err) {
        if (err instanceof TxnError) return fail(err.kafkaErrorCode);
        this.logger.warn('InitProducerId failed', { transactionalId, error: String(err) });
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    });
  }

  private async doInitProducerId(
    id: string,
    timeoutMs: number,
    expected: { producerId: number; producerEpoch: number },
  ): Promise<InitProducerIdResult> {
    const now = this.clock.now();
    let m = this.txns.get(id);
    if (m === undefined || m.state === 'Dead') {
      m = newTxnMetadata(id, await this.generateProducerId(), timeoutMs, now);
    }
    const hasExpected = expected.producerId !== NO_PRODUCER_ID;
    if (hasExpected && !this.isValidProducerId(m, expected)) {
      return { errorCode: ErrorCode.PRODUCER_FENCED, producerId: -1, producerEpoch: -1 };
    }
    switch (m.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
      case 'PrepareEpochFence':
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: -1, producerEpoch: -1 };
      case 'Ongoing': {
        // Fence the current producer and abort its transaction; the client retries and gets a new epoch.
        await this.fenceAndAbort(m);
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: -1, producerEpoch: -1 };
      }
      default:
        break;
    }
    const next = cloneTxn(m);
    next.timeoutMs = timeoutMs;
    if (hasExpected && expected.producerId === m.producerId && m.producerEpoch !== NO_PRODUCER_EPOCH && expected.producerEpoch !== m.producerEpoch) {
      // KIP-360: a retry of a bump whose response was lost gets the current epoch back.
      if (expected.producerEpoch === m.lastProducerEpoch) {
        return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
      }
      return { errorCode: ErrorCode.PRODUCER_FENCED, producerId: -1, producerEpoch: -1 };
    }
    if (hasExpected && expected.producerId === m.previousProducerId && expected.producerId !== m.producerId) {
      // Retry after an exhausted epoch moved the id on: answer with the current id.
      return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
    }
    if (isEpochExhausted(m.producerEpoch)) {
      next.previousProducerId = m.producerId;
      next.producerId = await this.generateProducerId();
      next.producerEpoch = 0;
      next.lastProducerEpoch = NO_PRODUCER_EPOCH;
    } else {
      next.lastProducerEpoch = m.producerEpoch;
      next.producerEpoch = m.producerEpoch + 1;
    }
    next.state = 'Empty';
    next.partitions = new Map();
    next.groups = new Set();
    next.pendingOffsets = new Map();
    next.startTimestamp = -1;
    await this.commitState(next);
    return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  }

  /** Kafka's isValidProducerId: fence unless the metadata is new, the id matches, or it is a retry across an exhausted epoch. */
  private isValidProducerId(m: TxnMetadata, expected: { producerId: number; producerEpoch: number }): boolean {
    return (
      m.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === m.producerId ||
      (expected.producerId === m.previousProducerId && isEpochExhausted(expected.producerEpoch))
    );
  }

  /**
   * Bumps the epoch (fencing the producer) and aborts the ongoing transaction with it. One bump, also
   * for transactions V2 (KAFKA-19367): a fenced V2 producer's own abort then looks like a retry and is
   * answered as done, its commit is fenced (see endTxn), and its writes carry a stale epoch.
   */
  private async fenceAndAbort(m: TxnMetadata): Promise<void> {
    const next = cloneTxn(m);
    if (!isEpochExhausted(m.producerEpoch)) next.producerEpoch = m.producerEpoch + 1;
    next.lastProducerEpoch = NO_PRODUCER_EPOCH;
    next.state = 'PrepareAbort';
    await this.commitState(next);
    this.startCompletion(m.transactionalId);
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn -------------------------------------------------------

  /** The common producer checks of AddPartitions, AddOffsets, EndTxn and TxnOffsetCommit. */
  private checkProducer(id: string, producerId: number, producerEpoch: number): TxnMetadata {
    const m = this.txns.get(id);
    if (m === undefined || m.state === 'Dead') throw new TxnError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `no producer id for transactional id ${id}`);
    if (m.producerId !== producerId) throw new TxnError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `producer id ${producerId} is not the one of ${id}`);
    if (m.producerEpoch !== producerEpoch) throw new TxnError(ErrorCode.PRODUCER_FENCED, `epoch ${producerEpoch} is not the current epoch ${m.producerEpoch}`);
    return m;
  }

  /**
   * Adds partitions (and groups) to the transaction, starting it when none is ongoing. transactionVersion
   * says which protocol asked: AddPartitionsToTxn/AddOffsetsToTxn from a client (V1), or a Produce v12+
   * / TxnOffsetCommit v5+ adding implicitly (V2, KIP-890 part 2).
   */
  async addPartitions(
    id: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
    groups: readonly string[] = [],
    transactionVersion = TRANSACTION_VERSION_1,
  ): Promise<number> {
    const active = this.checkActive();
    if (active !== ErrorCode.NONE) return active;
    return this.withLock(id, async () => {
      try {
        const m = this.checkProducer(id, producerId, producerEpoch);
        if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') return ErrorCode.CONCURRENT_TRANSACTIONS;
        if (m.state === 'Ongoing' && partitions.every((p) => hasPartition(m, p.topic, p.partition)) && groups.every((g) => m.groups.has(g))) {
          return ErrorCode.NONE;
        }
        if (!canTransition(m.state, 'Ongoing')) return ErrorCode.INVALID_TXN_STATE;
        const next = cloneTxn(m);
        if (m.state !== 'Ongoing') {
          next.partitions = new Map();
          next.groups = new Set();
          next.pendingOffsets = new Map();
          next.startTimestamp = this.clock.now();
        }
        next.state = 'Ongoing';
        if (m.state !== 'Ongoing' || transactionVersion === TRANSACTION_VERSION_2) next.transactionVersion = transactionVersion;
        next.nextProducerId = NO_PRODUCER_ID;
        for (const p of partitions) {
          let set = next.partitions.get(p.topic);
          if (!set) next.partitions.set(p.topic, (set = new Set()));
          set.add(p.partition);
        }
        for (const g of groups) next.groups.add(g);
        await this.commitState(next);
        return ErrorCode.NONE;
      } catch (err) {
        return this.errorCode(err, 'AddPartitionsToTxn', id);
      }
    });
  }

  /**
   * Produce v12+ from a transactional producer (transactions V2): the partition joins the producer's
   * transaction, starting one if none is ongoing. Answers in produce's terms, as Kafka's verification
   * does: a fenced producer has an invalid epoch, and coordinator trouble is the retriable
   * NOT_ENOUGH_REPLICAS (it does not make clients refresh metadata).
   */
  async addPartitionForProduce(id: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number> {
    return asProduceError(await this.addPartitions(id, producerId, producerEpoch, [{ topic, partition }], [], TRANSACTION_VERSION_2));
  }

  /** AddPartitionsToTxn v4+ verify-only: which partitions are part of the ongoing transaction. */
  verifyPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const active = this.checkActive();
    if (active !== ErrorCode.NONE) return partitions.map(() => active);
    let m: TxnMetadata;
    try {
      m = this.checkProducer(id, producerId, producerEpoch);
    } catch (err) {
      const code = err instanceof TxnError ? err.kafkaErrorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
      return partitions.map(() => code);
    }
    return partitions.map((p) => (m.state === 'Ongoing' && hasPartition(m, p.topic, p.partition) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE));
  }

  /**
   * The produce path's check for a transactional batch of a producer with no transaction open on the
   * partition (KIP-890 part 1 verification): the partition must be in the producer's ongoing transaction.
   */
  verifyTransactionalProduce(producerId: number, producerEpoch: number, topic: string, partition: number): number {
    // Kafka answers coordinator trouble during verification with a retriable produce error.
    if (this.checkActive() !== ErrorCode.NONE) return ErrorCode.NOT_ENOUGH_REPLICAS;
    const id = this.byProducerId.get(producerId);
    const m = id === undefined ? undefined : this.txns.get(id);
    if (m === undefined || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch < m.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (producerEpoch > m.producerEpoch) return ErrorCode.INVALID_TXN_STATE;
    if (m.state !== 'Ongoing' || !hasPartition(m, topic, partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  // ---- EndTxn -----------------------------------------------------------------------------------

  /**
   * Commits or aborts: writes Prepare*, then the markers, then Complete*. Answers once complete (or once
   * the decision is durable if markers must be retried). With transactions V2 (EndTxn v5) every EndTxn
   * bumps the producer epoch: the markers carry the new epoch, which fences the transaction's own late
   * writes, and the answer hands it to the producer; a producer whose epoch is exhausted moves to a new
   * producer id. A retried V2 EndTxn is recognised by its epoch being one behind.
   */
  async endTxn(id: string, producerId: number, producerEpoch: number, commit: boolean, transactionVersion = TRANSACTION_VERSION_1): Promise<EndTxnResult> {
    const fail = (errorCode: number): EndTxnResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    const active = this.checkActive();
    if (active !== ErrorCode.NONE) return fail(active);
    if (id === '') return fail(ErrorCode.INVALID_REQUEST);
    let completion: Promise<void> | undefined;
    const code = await this.withLock(id, async () => {
      try {
        const m = this.txns.get(id);
        if (m === undefined || m.state === 'Dead') return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        const requestV2 = transactionVersion === TRANSACTION_VERSION_2;
        const v2 = requestV2 || m.transactionVersion === TRANSACTION_VERSION_2;
        // A V2 retry carries the epoch before the bump (or, across an exhausted epoch, the old id).
        const retryOnEpochBump = v2 && m.producerEpoch === producerEpoch + 1;
        const retryOnOverflow = v2 && m.previousProducerId === producerId && producerEpoch === MAX_PRODUCER_EPOCH && m.producerEpoch === 0;
        const isRetry = retryOnEpochBump || retryOnOverflow;
        let validEpoch = producerEpoch === m.producerEpoch;
        if (v2 && (m.state === 'PrepareCommit' || m.state === 'PrepareAbort')) validEpoch = isRetry;
        else if (v2 && (m.state === 'CompleteCommit' || m.state === 'CompleteAbort')) validEpoch ||= isRetry;
        if (m.producerId !== producerId && !retryOnOverflow) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        // A retry after the coordinator fenced the producer (timeout, newer instance) is fenced.
        if (!validEpoch) return ErrorCode.PRODUCER_FENCED;
        const prepare = async (emptyAbort: boolean): Promise<number> => {
          const next = cloneTxn(m);
          next.state = commit ? 'PrepareCommit' : 'PrepareAbort';
          next.transactionVersion = transactionVersion;
          if (emptyAbort) {
            // Transactions V2 lets a producer abort a transaction it added nothing to (its produce may have failed before the implicit add).
            next.partitions = new Map();
            next.groups = new Set();
            next.pendingOffsets = new Map();
            next.startTimestamp = this.clock.now();
          }
          if (requestV2) {
            if (isEpochExhausted(m.producerEpoch)) next.nextProducerId = await this.generateProducerId();
            next.lastProducerEpoch = m.producerEpoch;
            next.producerEpoch = Math.min(m.producerEpoch + 1, LAST_PRODUCER_EPOCH);
          }
          await this.commitState(next);
          completion = this.startCompletion(id);
          return ErrorCode.NONE;
        };
        switch (m.state) {
          case 'Ongoing':
            return prepare(false);
          case 'Empty':
            return !commit && requestV2 ? prepare(true) : ErrorCode.INVALID_TXN_STATE;
          case 'CompleteCommit':
            if (isRetry) return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
            if (!commit && requestV2) return prepare(true);
            return commit && !v2 ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
          case 'CompleteAbort':
            // A commit at a retry epoch raced with the coordinator's own abort (timeout, fencing): the
            // producer is fenced, not in a fatal state (KAFKA-20785).
            if (isRetry) return commit ? ErrorCode.PRODUCER_FENCED : ErrorCode.NONE;
            if (!commit && requestV2) return prepare(true);
            return !commit && !v2 ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
          case 'PrepareCommit':
            return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
          case 'PrepareAbort':
            return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
          default:
            return ErrorCode.CONCURRENT_TRANSACTIONS;
        }
      } catch (err) {
        return this.errorCode(err, 'EndTxn', id);
      }
    });
    if (completion) await completion;
    if (code !== ErrorCode.NONE) return fail(code);
    const m = this.txns.get(id);
    if (m === undefined) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    // Markers still being retried: the producer continues with the id it will have once they are written.
    if (m.nextProducerId !== NO_PRODUCER_ID) return { errorCode: code, producerId: m.nextProducerId, producerEpoch: 0 };
    return { errorCode: code, producerId: m.producerId, producerEpoch: m.producerEpoch };
  }

  /**
   * Writes markers and Complete* in the background; the returned promise settles after the first
   * attempt. again: a transaction found in Prepare* at load, which may have been completed before.
   */
  private startCompletion(id: string, opts = { again: false }): Promise<void> {
    const existing = this.completions.get(id);
    if (existing) return existing;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((r) => (firstAttempt = r));
    const run = (async () => {
      for (;;) {
        try {
          await this.withLock(id, () => this.complete(id, opts.again));
          firstAttempt();
          return;
        } catch (err) {
          firstAttempt();
          if (this.closed) return;
          this.logger.warn('completing a transaction failed; retrying', { transactionalId: id, error: String(err) });
          await new Promise<void>((r) => {
            const t = this.clock.setTimeout(() => {
              this.wakers.delete(wake);
              r();
            }, this.config.markerRetryBackoffMs);
            const wake = (): void => {
              t.cancel();
              r();
            };
            this.wakers.add(wake);
          });
          if (this.closed) return;
        }
      }
    })();
    this.completions.set(id, run);
    void run.finally(() => {
      if (this.completions.get(id) === run) this.completions.delete(id);
    });
    return attempted;
  }

  /** From Prepare*: markers to every partition and, on commit, offsets to the group coordinator; then Complete*. */
  private async complete(id: string, again: boolean): Promise<void> {
    const m = this.txns.get(id);
    if (m === undefined || (m.state !== 'PrepareCommit' && m.state !== 'PrepareAbort')) return;
    const commit = m.state === 'PrepareCommit';
    if (this.beforeMarkers) await this.beforeMarkers(id);
    if (this.closed) throw new Error('coordinator closed');
    // The markers and the offsets are written at once, each awaiting its own fsync, as Kafka sends the
    // markers of every partition, __consumer_offsets' included, together. Every write is settled before
    // a failure is thrown, so a retry never overlaps a write of the attempt before it.
    const writes: Promise<unknown>[] = [];
    for (const [topic, ps] of m.partitions) {
      for (const p of ps) writes.push(this.markers(topic, p, m.producerId, m.producerEpoch, commit));
    }
    if (commit && this.offsetsSink) {
      for (const [group, os] of m.pendingOffsets) {
        if (os.size > 0) writes.push(this.offsetsSink(group, [...os.values()], { keepLaterCommits: again }));
      }
    }
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (this.externalOffsets !== null) {
      for (const group of m.groups) {
        const os = await this.externalOffsets.pending(m.producerId, group);
        if (commit && this.offsetsSink && os.length > 0) await this.offsetsSink(group, os, { keepLaterCommits: again });
      }
      // Groups never added to the transaction (TxnOffsetCommit without AddOffsetsToTxn) included: their offsets are not applied.
      await this.externalOffsets.clear(m.producerId);
    }
    const next = cloneTxn(m);
    next.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    if (m.nextProducerId !== NO_PRODUCER_ID) {
      // Transactions V2 exhausted the epoch: the markers carried the last one, the producer moves on.
      next.previousProducerId = m.producerId;
      next.producerId = m.nextProducerId;
      next.producerEpoch = 0;
      next.lastProducerEpoch = NO_PRODUCER_EPOCH;
      next.nextProducerId = NO_PRODUCER_ID;
    }
    next.partitions = new Map();
    next.groups = new Set();
    next.pendingOffsets = new Map();
    // The start time stays: Kafka's DescribeTransactions (kafka-transactions describe) shows the
    // last transaction's start and duration in the Complete* states too.
    // Complete* is written once the markers and offsets are durable, and needs no fsync of its own: if
    // an OS crash or power cut loses it, the load finds Prepare* and completes the transaction again (a
    // second marker is a no-op; offsets committed since are kept: keepLaterCommits). The id's next
    // record, fsynced, covers it, as does a flush or close. So a transaction costs one fsync of
    // __transaction_state fewer, and EndTxn is answered without waiting for one.
    await this.commitState(next, { deferSync: true });
  }

  // ---- transactional offsets ---------------------------------------------------------------------

  /**
   * TxnOffsetCommit: keeps the offsets with the transaction (durably); they become visible on commit.
   * With transactions V2 (v5+) the group joins the transaction here, as AddOffsetsToTxn would have.
   */
  async txnOffsetCommit(
    id: string,
    groupId: string,
    producerId: number,
    producerEpoch: number,
    offsets: readonly Omit<PendingOffset, 'commitTimestamp'>[],
    transactionVersion = TRANSACTION_VERSION_1,
  ): Promise<number> {
    const active = this.checkActive();
    if (active !== ErrorCode.NONE) return active;
    if (transactionVersion === TRANSACTION_VERSION_2) {
      const added = await this.addPartitions(id, producerId, producerEpoch, [], [groupId], TRANSACTION_VERSION_2);
      // Kafka's verification answers for TxnOffsetCommit: a fenced producer has an old epoch.
      if (added === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
      if (added !== ErrorCode.NONE) return added;
    }
    return this.withLock(id, async () => {
      try {
        const m = this.txns.get(id);
        if (m === undefined || m.state === 'Dead' || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        if (m.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
        if (m.state !== 'Ongoing' || !m.groups.has(groupId)) return ErrorCode.INVALID_TXN_STATE;
        const next = cloneTxn(m);
        let byKey = next.pendingOffsets.get(groupId);
        if (!byKey) next.pendingOffsets.set(groupId, (byKey = new Map()));
        const now = this.clock.now();
        for (const o of offsets) byKey.set(`${o.topic}\0${o.partition}`, { ...o, commitTimestamp: now });
        await this.commitState(next);
        return ErrorCode.NONE;
      } catch (err) {
        return this.errorCode(err, 'TxnOffsetCommit', id);
      }
    });
  }

  /** Whether an undecided transaction holds offsets for this partition of the group (OffsetFetch require_stable). */
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    return this.pendingIndex.has(`${groupId}\0${topic}\0${partition}`);
  }

  // ---- timeouts and expiry ----------------------------------------------------------------------

  /** Aborts every ongoing transaction older than its timeout, fencing its producer (Kafka's proactive abort). */
  async abortTimedOutTransactions(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.txns.values()].filter((m) => m.state === 'Ongoing' && m.startTimestamp >= 0 && m.startTimestamp + m.timeoutMs < now);
    await Promise.all(
      due.map((d) =>
        this.withLock(d.transactionalId, async () => {
          const m = this.txns.get(d.transactionalId);
          if (m === undefined || m.state !== 'Ongoing' || m.producerEpoch !== d.producerEpoch) return;
          this.logger.info('aborting a timed-out transaction', { transactionalId: m.transactionalId, producerId: m.producerId, timeoutMs: m.timeoutMs });
          await this.fenceAndAbort(m);
        }).catch((err: unknown) => this.logger.warn('aborting a timed-out transaction failed', { transactionalId: d.transactionalId, error: String(err) })),
      ),
    );
  }

  /** Removes transactional ids idle (Empty or Complete*) for transactional.id.expiration.ms, with a tombstone. */
  async expireTransactionalIds(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.txns.values()].filter(
      (m) => (m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort') && now - m.updateTimestamp >= this.config.transactionalIdExpirationMs,
    );
    for (const d of due) {
      await this.withLock(d.transactionalId, async () => {
        const m = this.txns.get(d.transactionalId);
        if (m !== d) return;
        await this.log.append(m.transactionalId, { key: encodeTxnKey({ type: 'txn', transactionalId: m.transactionalId }), value: null });
        this.indexPending(m, -1);
        this.txns.delete(m.transactionalId);
        if (this.byProducerId.get(m.producerId) === m.transactionalId) this.byProducerId.delete(m.producerId);
      }).catch((err: unknown) => this.logger.warn('expiring a transactional id failed', { transactionalId: d.transactionalId, error: String(err) }));
    }
  }

  // ---- introspection ----------------------------------------------------------------------------

  describe(id: string): TxnDescription | undefined {
    const m = this.txns.get(id);
    if (m === undefined || m.state === 'Dead') return undefined;
    return { transactionalId: id, state: m.state, producerId: m.producerId, producerEpoch: m.producerEpoch, timeoutMs: m.timeoutMs, startTimestamp: m.startTimestamp, partitions: m.partitions, groups: m.groups };
  }

  list(): TxnDescription[] {
    return [...this.txns.keys()].map((id) => this.describe(id)).filter((d): d is TxnDescription => d !== undefined);
  }

  get loadError(): number {
    return this.checkActive();
  }

  statusOf(_transactionalId: string): number {
    return this.checkActive();
  }

  /** Resolves when no completion is in flight (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.completions.size > 0 || this.locks.size > 0) {
      await Promise.allSettled([...this.completions.values(), ...this.locks.values()]);
    }
  }

  private errorCode(err: unknown, what: string, id: string): number {
    if (err instanceof TxnError) return err.kafkaErrorCode;
    this.logger.warn(`${what} failed`, { transactionalId: id, error: String(err) });
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}
