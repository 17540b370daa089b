// When a Produce may let the next request on its connection start: once every partition's append
// holds its place in that partition's order (the dispatcher's startsBeforeEarlierAppendsVisible),
// not once it is answered. The next Produce's appends then go after these and share their fsync or
// database transaction. Both engines' Produce handlers (00-produce.ts, pg/00-produce.ts) track
// their partitions with this.

export class PartitionPlacements<Placed, Result> {
  /** Per partition: settles once its append holds its place (with what it told), or with its result. */
  private readonly places: Promise<Placed | Result>[] = [];

  /**
   * Runs one partition's produce. `run` calls `placed` once its append holds its place; a partition
   * that ends without appending (an error, a duplicate) counts as placed when it ends.
   */
  track(run: (placed: (p: Placed) => void) => Promise<Result> | Result): Promise<Result> {
    let placed!: (p: Placed) => void;
    const placedAt = new Promise<Placed>((resolve) => (placed = resolve));
    const result = Promise.resolve(run(placed));
    this.places.push(Promise.race([placedAt, result]));
    return result;
  }

  /** Settles once every partition tracked so far is placed or ended; rejects when one threw. */
  all(): Promise<(Placed | Result)[]> {
    return Promise.all(this.places);
  }
}
