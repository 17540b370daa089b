// Per-partition producer state, the hook for idempotence and transactions: producer id → epoch, the
// last five batches' sequence ranges with their offsets, and the first offset of an ongoing
// transaction. Updated on every append and on recovery replay; snapshotted with the log checkpoint.

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  /** Up to NUM_BATCHES_TO_RETAIN, oldest first. */
  batches: BatchMetadata[];
  /** First offset of the ongoing transaction, or -1. */
  currentTxnFirstOffset: number;
  /** Coordinator epoch of the last marker written (from the txn engineer), or -1. */
  coordinatorEpoch: number;
  lastTimestamp: number;
}

/** A transaction closed by a marker that is not yet below the high watermark. */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  isAborted: boolean;
}

/** What one appended batch tells the producer state (read from its header). */
export interface BatchInfo {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  isTransactional: boolean;
  isControl: boolean;
  /** For control batches: 0 = ABORT, 1 = COMMIT; -1 for data batches and other control records. */
  controlType: number;
  /** Coordinator epoch carried by a marker, else -1. */
  coordinatorEpoch: number;
}

export const NUM_BATCHES_TO_RETAIN = 5;

export interface ProducerSnapshot {
  entries: ProducerEntry[];
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();
  /** producerId → first offset of its ongoing transaction (kept small: only open transactions). */
  private readonly ongoing = new Map<number, number>();
  /** Transactions ended by a marker at or above the high watermark, in marker order. */
  private unstable: CompletedTxn[] = [];

  get size(): number {
    return this.producers.size;
  }

  get(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /**
   * The batch of this producer/epoch with exactly this sequence range, if it is among the retained
   * ones: a retried produce that must be answered with the original offsets, not appended again.
   */
  findDuplicate(producerId: number, producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    const e = this.producers.get(producerId);
    if (!e || e.producerEpoch !== producerEpoch) return undefined;
    return e.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
  }

  /** Applies one appended batch. Returns the completed transaction when the batch is a marker. */
  update(b: BatchInfo): CompletedTxn | undefined {
    if (b.producerId < 0) return undefined;
    let e = this.producers.get(b.producerId);
    if (!e) {
      e = { producerId: b.producerId, producerEpoch: b.producerEpoch, batches: [], currentTxnFirstOffset: -1, coordinatorEpoch: -1, lastTimestamp: -1 };
      this.producers.set(b.producerId, e);
    }
    if (b.producerEpoch > e.producerEpoch) {
      e.producerEpoch = b.producerEpoch;
      e.batches = [];
    }
    e.lastTimestamp = b.maxTimestamp;
    if (b.isControl) {
      if (b.controlType < 0) return undefined;
      if (b.coordinatorEpoch >= 0) e.coordinatorEpoch = b.coordinatorEpoch;
      const first = e.currentTxnFirstOffset;
      e.currentTxnFirstOffset = -1;
      this.ongoing.delete(b.producerId);
      if (first < 0) return undefined;
      const done: CompletedTxn = { producerId: b.producerId, firstOffset: first, lastOffset: b.lastOffset, isAborted: b.controlType === 0 };
      this.unstable.push(done);
      return done;
    }
    if (b.baseSequence >= 0) {
      e.batches.push({ firstSeq: b.baseSequence, lastSeq: b.lastSequence, firstOffset: b.baseOffset, lastOffset: b.lastOffset, timestamp: b.maxTimestamp });
      if (e.batches.length > NUM_BATCHES_TO_RETAIN) e.batches.shift();
    }
    if (b.isTransactional && e.currentTxnFirstOffset < 0) {
      e.currentTxnFirstOffset = b.baseOffset;
      this.ongoing.set(b.producerId, b.baseOffset);
    }
    return undefined;
  }

  /** Records the coordinator epoch of a producer's last marker (txn engineer's hook). */
  setCoordinatorEpoch(producerId: number, coordinatorEpoch: number): void {
    const e = this.producers.get(producerId);
    if (e) e.coordinatorEpoch = coordinatorEpoch;
  }

  /** Forgets completed transactions whose marker is now below the high watermark. */
  onHighWatermark(hw: number): void {
    if (this.unstable.length === 0) return;
    this.unstable = this.unstable.filter((t) => t.lastOffset >= hw);
  }

  /** Smallest first offset of a transaction that is open or whose marker is not yet stable; -1 if none. */
  firstUnstableOffset(): number {
    let min = -1;
    for (const off of this.ongoing.values()) if (min < 0 || off < min) min = off;
    for (const t of this.unstable) if (min < 0 || t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  /** Drops state above a truncation point: batches at or past endOffset, and transactions opened there. */
  truncateTo(endOffset: number): void {
    // The epoch is kept even when no batch remains: fencing must survive truncation.
    for (const [pid, e] of this.producers) {
      e.batches = e.batches.filter((b) => b.lastOffset < endOffset);
      if (e.currentTxnFirstOffset >= endOffset) {
        e.currentTxnFirstOffset = -1;
        this.ongoing.delete(pid);
      }
    }
    this.unstable = this.unstable.filter((t) => t.lastOffset < endOffset);
  }

  /** Removes producers with no batch at or after the log start offset and no open transaction (Kafka does the same). */
  onLogStartOffset(logStartOffset: number): void {
    for (const [pid, e] of this.producers) {
      const last = e.batches.length > 0 ? e.batches[e.batches.length - 1].lastOffset : -1;
      if (e.currentTxnFirstOffset < 0 && last >= 0 && last < logStartOffset) this.producers.delete(pid);
    }
  }

  /**
   * Removes producers idle for expirationMs (by their last batch's timestamp) with no open transaction,
   * as Kafka's producer.id.expiration.ms does. Returns how many were removed. (Added for src/txn.)
   */
  removeExpired(now: number, expirationMs: number): number {
    let n = 0;
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= expirationMs) {
        this.producers.delete(pid);
        n++;
      }
    }
    return n;
  }

  /** A deep copy for a checkpoint, taken synchronously so it matches the log end offset at that instant. */
  snapshot(): ProducerSnapshot {
    return { entries: [...this.producers.values()].map((e) => ({ ...e, batches: e.batches.map((b) => ({ ...b })) })) };
  }

  static restore(s: ProducerSnapshot | undefined): ProducerStateManager {
    const m = new ProducerStateManager();
    for (const e of s?.entries ?? []) {
      m.producers.set(e.producerId, { ...e, batches: e.batches.map((b) => ({ ...b })) });
      if (e.currentTxnFirstOffset >= 0) m.ongoing.set(e.producerId, e.currentTxnFirstOffset);
    }
    return m;
  }
}
