// A broker-wide budget of request bytes held in memory. A connection reserves a frame's size
// before handing it to a handler and releases it when the response has been written; when the
// budget is spent, connections wait (their sockets paused) instead of the broker running out of
// memory. A single frame larger than the whole budget is admitted when nothing else is held, so
// one big (but allowed) request can never deadlock.

export class MemoryBudget {
  private used = 0;
  private waiters: { bytes: number; grant: () => void }[] = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Reserves bytes now if they fit; returns false (reserving nothing) if they don't. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0) return false; // first come, first served
    return this.grantIfFits(bytes);
  }

  /** Calls grant once the bytes have been reserved (immediately if they fit now). */
  reserve(bytes: number, grant: () => void): void {
    if (this.tryReserve(bytes)) {
      grant();
      return;
    }
    this.waiters.push({ bytes, grant });
  }

  /** Drops a waiting reservation (its connection closed). */
  cancel(grant: () => void): void {
    this.waiters = this.waiters.filter((w) => w.grant !== grant);
  }

  release(bytes: number): void {
    this.used -= bytes;
    if (this.used < 0) this.used = 0;
    while (this.waiters.length > 0 && this.grantIfFits(this.waiters[0].bytes)) {
      this.waiters.shift()!.grant();
    }
  }

  private grantIfFits(bytes: number): boolean {
    if (this.used + bytes <= this.capacity || this.used === 0) {
      this.used += bytes;
      return true;
    }
    return false;
  }
}
