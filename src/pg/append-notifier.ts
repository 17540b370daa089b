// Wakes waiting long polls when records are appended, by any broker: every append transaction
// sends NOTIFY on one channel (delivered at COMMIT), and each broker LISTENs on one connection kept
// for it. An engine without LISTEN/NOTIFY, or a listening connection that broke, leaves the
// fetches to bounded polling (`listening` is then false).

import type { Pool, PoolClient } from './connection.js';

export const APPEND_CHANNEL = 'tributary_appends';

export class AppendNotifier {
  private readonly waiters = new Set<() => void>();
  private client: PoolClient | undefined;
  private broken = false;
  /** Counts wake-ups: a waiter that read at generation g returns at once if a wake-up came since. */
  generation = 0;

  /** Whether wake-ups from other brokers arrive (else: poll). */
  get listening(): boolean {
    return this.client !== undefined && !this.broken;
  }

  /** Takes one connection of the pool for LISTEN; false (and polling) when the engine refuses it. */
  async listen(pool: Pool): Promise<boolean> {
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      client.on('notification', () => this.wake());
      client.on('error', () => (this.broken = true));
      await client.query(`LISTEN ${APPEND_CHANNEL}`);
      this.client = client;
      return true;
    } catch {
      client?.release(true);
      return false;
    }
  }

  /** Wakes every waiter (a notification, or an append committed by this broker). */
  wake(): void {
    this.generation++;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const w of waiting) w();
  }

  /** Resolves true on a wake-up (or one since generation `since`), false after ms or when the signal aborts. */
  wait(ms: number, signal: AbortSignal, since = this.generation): Promise<boolean> {
    if (this.generation !== since) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(onWake);
        resolve(woken);
      };
      const onWake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(1, ms));
      signal.addEventListener('abort', onAbort);
      this.waiters.add(onWake);
    });
  }

  close(): void {
    this.client?.release(true);
    this.client = undefined;
    this.wake();
  }
}
