// What a broker knows of transactions V2 open on the partitions it leads: a producer's batch seen
// to pass the checks inside its transaction marks that transaction (producer, epoch) open on the
// partition. A later batch of the same transaction will then not be refused to add the partition,
// so the Produce handler lets it take its place in the partition's order at once (pipelined
// requests share database transactions). Transactions V2 bump the epoch when a transaction ends,
// so an entry never speaks for a later transaction; an entry a failed append left stale costs only
// the early start: its batch is refused and goes again, as without it.

/** Entries kept before the table starts afresh (a bound, not a cache policy: losing one is harmless). */
const MAX_KNOWN = 10_000;

export class OpenTransactions {
  /** "topicId/partition/producerId" → the producer epoch of the transaction seen open there. */
  private readonly known = new Map<string, number>();

  /** The key of a producer's transaction on a partition (built only for transactional V2 batches). */
  static key(topicId: string, partition: number, producerId: number): string {
    return `${topicId}/${partition}/${producerId}`;
  }

  isOpen(key: string, producerEpoch: number): boolean {
    return this.known.get(key) === producerEpoch;
  }

  /** A batch of this transaction passed the checks on the partition. */
  remember(key: string, producerEpoch: number): void {
    if (this.known.size >= MAX_KNOWN && !this.known.has(key)) this.known.clear();
    this.known.set(key, producerEpoch);
  }
}
