// Wakes waiting long polls when records are appended, by any broker: every append transaction
// sends NOTIFY on one channel (delivered at COMMIT), and each broker LISTENs on one connection kept
// for it. The same connection hears the metadata channel: a topic created, deleted, grown or
// reconfigured, or a leadership moved, by any broker (onMetadata: the broker reads its snapshot again,
// so a change shows everywhere within milliseconds instead of a heartbeat). An engine without LISTEN/NOTIFY, or a listening connection that broke, leaves the
// fetches to bounded polling (`listening` is then false) until it listens again. Other modules
// hear their own channels on the same connection (onChannel: the calls between brokers, broker-calls.ts).

import type { Pool, PoolClient } from './connection.js';

export const APPEND_CHANNEL = 'tributary_appends';
export const METADATA_CHANNEL = 'tributary_metadata';

/** Tells every listening broker that topics or leaders changed (delivered when `db`'s transaction commits). */
export async function notifyMetadataChange(db: Pool | PoolClient): Promise<void> {
  await db.query(`select pg_notify('${METADATA_CHANNEL}', '')`);
}
/** A batch appended by a broker that need not lead the partition (group-commit.ts, `marker`). */
export interface ForeignAppend {
  topicId: string;
  partition: number;
  baseOffset: number;
}

/** How soon a broken listening connection is replaced. */
const RELISTEN_MS = 1000;

export class AppendNotifier {
  private readonly waiters = new Set<() => void>();
  private client: PoolClient | undefined;
  private pool: Pool | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** Counts wake-ups: a waiter that read at generation g returns at once if a wake-up came since. */
  generation = 0;
  /** Called on a metadata notification (another broker changed topics or leaders). */
  onMetadata: (() => void) | undefined;
  /** Told of batches a transaction coordinator wrote to partitions it need not lead: markers, committed offsets. */
  private readonly foreignAppendListeners: ((batch: ForeignAppend) => void)[] = [];
  /** Told when listening again after the connection broke: notifications sent meanwhile were lost. */
  private readonly relistenListeners: (() => void)[] = [];
  private listenedBefore = false;
  /** Further channels heard on the listening connection, with what hears each. */
  private readonly channels = new Map<string, (payload: string) => void>();

  /** Hears `channel` on the listening connection from the next listen() on (register before listening). */
  onChannel(channel: string, listener: (payload: string) => void): void {
    this.channels.set(channel, listener);
  }

  onForeignAppend(listener: (batch: ForeignAppend) => void): void {
    this.foreignAppendListeners.push(listener);
  }

  /**
   * Called each time this broker listens again after its listening connection broke (a database
   * restart, a network cut): what was notified meanwhile (foreign appends, metadata changes) never
   * arrives, so listeners read again what they keep of it. Metadata is read again (onMetadata) too.
   */
  onRelisten(listener: () => void): void {
    this.relistenListeners.push(listener);
  }

  /** The database backend (process id) of the listening connection, if any: for diagnostics and tests. */
  get backendPid(): number | undefined {
    return (this.client as { processID?: number } | undefined)?.processID ?? undefined;
  }

  /** Batches ("topicId/partition@baseOffset") written so by any broker, this one included. */
  foreignAppends(batches: readonly string[]): void {
    for (const b of batches) {
      const at = b.lastIndexOf('@');
      const slash = b.lastIndexOf('/', at);
      if (at < 0 || slash < 0) continue;
      const append = { topicId: b.slice(0, slash), partition: Number(b.slice(slash + 1, at)), baseOffset: Number(b.slice(at + 1)) };
      for (const l of this.foreignAppendListeners) l(append);
    }
  }

  /** Whether wake-ups from other brokers arrive (else: poll). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Takes one connection of the pool for LISTEN; false (and polling) when the engine refuses it. */
  async listen(pool: Pool): Promise<boolean> {
    this.pool = pool;
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      const mine = client;
      client.on('notification', (n: { channel: string; payload?: string }) => {
        if (n.channel === METADATA_CHANNEL) return this.onMetadata?.();
        const other = this.channels.get(n.channel);
        if (other !== undefined) return other(n.payload ?? '');
        if (n.payload) this.foreignAppends(n.payload.split(','));
        this.wake();
      });
      // The connection broke (a database restart): poll meanwhile, and listen again once it is back.
      client.on('error', () => {
        if (this.client !== mine) return;
        this.client = undefined;
        mine.release(true);
        this.wake(); // appends during the outage were not notified: waiters read again
        this.relistenSoon();
      });
      await client.query([APPEND_CHANNEL, METADATA_CHANNEL, ...this.channels.keys()].map((c) => `LISTEN ${c}`).join('; '));
      if (this.closed) {
        client.release(true);
        return false;
      }
      this.client = client;
      if (this.listenedBefore) {
        this.onMetadata?.();
        for (const l of this.relistenListeners) l();
      }
      this.listenedBefore = true;
      return true;
    } catch {
      client?.release(true);
      return false;
    }
  }

  private relistenSoon(): void {
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.closed || this.pool === undefined) return;
      void this.listen(this.pool).then((ok) => {
        if (!ok) this.relistenSoon();
      });
    }, RELISTEN_MS);
    this.retry.unref();
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
    this.closed = true;
    clearTimeout(this.retry);
    this.client?.release(true);
    this.client = undefined;
    this.wake();
  }
}
