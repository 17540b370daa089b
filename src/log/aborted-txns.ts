// The aborted-transaction index: which producers' records between two offsets belong to aborted
// transactions, for READ_COMMITTED fetches. Fed automatically by ABORT markers (also on recovery
// replay) and by recordAbortedTxn from the transaction coordinator; persisted with the partition metadata.

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

export class AbortedTxnIndex {
  private list: AbortedTxn[];

  constructor(entries: AbortedTxn[] = []) {
    this.list = entries.map((e) => ({ ...e })).sort((a, b) => a.lastOffset - b.lastOffset);
  }

  entries(): AbortedTxn[] {
    return this.list.map((e) => ({ ...e }));
  }

  /** Adds an aborted transaction; a duplicate (same producer and first offset) is ignored. */
  add(t: AbortedTxn): boolean {
    if (this.list.some((e) => e.producerId === t.producerId && e.firstOffset === t.firstOffset)) return false;
    this.list.push({ ...t });
    if (this.list.length > 1 && this.list[this.list.length - 2].lastOffset > t.lastOffset) {
      this.list.sort((a, b) => a.lastOffset - b.lastOffset);
    }
    return true;
  }

  /** Aborted transactions overlapping [fromOffset, upToOffset): lastOffset ≥ from and firstOffset < upTo. */
  collect(fromOffset: number, upToOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (const e of this.list) {
      if (e.lastOffset >= fromOffset && e.firstOffset < upToOffset) out.push({ ...e });
    }
    return out;
  }

  truncateFromEnd(endOffset: number): boolean {
    const n = this.list.length;
    this.list = this.list.filter((e) => e.lastOffset < endOffset);
    return n !== this.list.length;
  }

  truncateFromStart(startOffset: number): boolean {
    const n = this.list.length;
    this.list = this.list.filter((e) => e.lastOffset >= startOffset);
    return n !== this.list.length;
  }
}
