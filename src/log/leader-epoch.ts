// Leader epoch cache: epoch → first offset written in it. Persisted with the partition metadata;
// answers OffsetForLeaderEpoch (endOffsetForEpoch) with Kafka's LeaderEpochFileCache rules.

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  private list: EpochEntry[];

  constructor(entries: EpochEntry[] = []) {
    this.list = entries.map((e) => ({ ...e })).sort((a, b) => a.epoch - b.epoch);
  }

  entries(): EpochEntry[] {
    return this.list.map((e) => ({ ...e }));
  }

  latestEpoch(): number {
    return this.list.length === 0 ? -1 : this.list[this.list.length - 1].epoch;
  }

  /** Records that epoch starts at startOffset; true when the cache changed. Older epochs are ignored. */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const last = this.list[this.list.length - 1];
    if (last && epoch <= last.epoch) return false;
    // A later epoch starting at the same offset replaces earlier ones that never got a record.
    while (this.list.length > 0 && this.list[this.list.length - 1].startOffset >= startOffset) this.list.pop();
    this.list.push({ epoch, startOffset });
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch ≤ requested and the start offset of the first epoch after
   * it (the log end offset when requested is the latest epoch). {-1, -1} when unknown.
   */
  endOffsetForEpoch(requested: number, logEndOffset: number): { leaderEpoch: number; endOffset: number } {
    if (requested < 0 || this.list.length === 0) return { leaderEpoch: -1, endOffset: -1 };
    if (requested === this.latestEpoch()) return { leaderEpoch: requested, endOffset: logEndOffset };
    const higher = this.list.find((e) => e.epoch > requested);
    if (!higher) return { leaderEpoch: -1, endOffset: -1 };
    let floor: EpochEntry | undefined;
    for (const e of this.list) if (e.epoch <= requested) floor = e;
    if (!floor) return { leaderEpoch: requested, endOffset: higher.startOffset };
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** Epoch of the record at offset (largest entry with startOffset ≤ offset), or -1. */
  epochForOffset(offset: number): number {
    let epoch = -1;
    for (const e of this.list) if (e.startOffset <= offset) epoch = e.epoch;
    return epoch;
  }

  /** Drops entries starting at or after endOffset (log truncated). */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.list.length;
    this.list = this.list.filter((e) => e.startOffset < endOffset);
    return this.list.length !== before;
  }

  /** Moves the first entry up to the new log start offset (Kafka's truncateFromStart). */
  truncateFromStart(startOffset: number): boolean {
    let changed = false;
    while (this.list.length > 1 && this.list[1].startOffset <= startOffset) {
      this.list.shift();
      changed = true;
    }
    if (this.list.length > 0 && this.list[0].startOffset < startOffset) {
      this.list[0].startOffset = startOffset;
      changed = true;
    }
    return changed;
  }
}
