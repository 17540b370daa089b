// One client connection: cuts frames, admits them against the per-connection in-flight bound and
// the broker-wide memory budget, hands them to the dispatcher, and writes responses strictly in
// request order even when handlers finish out of order. Reading pauses while either bound is
// full or while the socket's write buffer is above its high-water mark; it resumes on its own.

import type { Socket } from 'node:net';
import { FrameError, FrameSplitter } from '../codec/frames.js';
import type { Logger } from '../util/logger.js';
import type { MemoryBudget } from './memory-budget.js';
import type { BufferPool } from '../util/buffer-pool.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { CLOSE, type ConnectionInfo, type DispatchResult, type RequestDispatcher, RespondThenClose } from './types.js';

export interface ConnectionOptions {
  /** socket.request.max.bytes: a larger frame closes the connection before it is buffered. */
  maxFrameBytes: number;
  /** Requests of this connection being handled or waiting to be written, at most. */
  maxInFlight: number;
  /** connections.max.idle.ms: a connection with nothing in flight this long is closed. */
  idleTimeoutMs: number;
  budget: MemoryBudget;
  dispatcher: RequestDispatcher;
  /** The pool fetch reads borrow record buffers from: such chunks go back to it once written. */
  readBuffers?: BufferPool;
  logger: Logger;
  listenerName: string;
  /** Request counts and latency; absent when metrics are off. */
  metrics?: BrokerMetrics;
  /**
   * sasl.server.max.receive.size on a SASL listener: the largest frame until the connection is
   * authenticated (its 'principal' attribute is set); then maxFrameBytes.
   */
  maxFrameBytesBeforeAuth?: number;
}

/** One request from arrival to its response being written. */
interface Slot {
  done: boolean;
  result: DispatchResult;
}

type PauseReason = 'budget' | 'inflight' | 'drain' | 'closing';

export class Connection implements ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly listenerName: string;
  readonly attributes = new Map<string, unknown>();

  private readonly splitter: FrameSplitter;
  /** Frames received but not yet admitted (waiting for budget or an in-flight place). */
  private readonly waiting: Buffer[] = [];
  /** For each waiting frame: its memory holds nothing but it (FrameSplitter), so a handler may keep it. */
  private readonly waitingOwnMemory: boolean[] = [];
  /** Admitted requests in arrival order; the head is the next response to write. */
  private slots: Slot[] = [];
  private slotsHead = 0;
  private readonly pauseReasons = new Set<PauseReason>();
  private budgetWaiter: (() => void) | null = null;
  private closed = false;
  private closeWhenIdle: (() => void) | null = null;
  /** A flush is queued for the end of this tick: responses finishing together go out in one write. */
  private flushQueued = false;
  private readonly logger: Logger;
  /** Frames are held to the pre-authentication limit until the SASL gate sets the principal. */
  private awaitingAuth: boolean;
  /** When bytes last arrived (performance.now()): a lowered max.connections closes the least recently used. */
  lastActiveMs = performance.now();

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '?';
    this.remotePort = socket.remotePort ?? 0;
    this.listenerName = options.listenerName;
    this.logger = options.logger.child('connection', {
      conn: id,
      client: `${this.remoteAddress}:${this.remotePort}`,
    });
    this.splitter = new FrameSplitter(options.maxFrameBytesBeforeAuth ?? options.maxFrameBytes);
    this.awaitingAuth = options.maxFrameBytesBeforeAuth !== undefined;
    socket.setNoDelay(true);
    if (options.idleTimeoutMs > 0) socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.unpause('drain'));
    socket.on('timeout', () => this.onIdle());
    socket.on('error', (err) => this.log().debug('socket error', { error: err.message }));
    socket.on('close', () => this.onClose());
  }

  /** Requests admitted and not yet answered. */
  get inFlight(): number {
    return this.slots.length - this.slotsHead;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops reading, lets in-flight requests finish and their responses go out, then closes. */
  drainAndClose(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pause('closing');
    this.waiting.length = 0;
    this.waitingOwnMemory.length = 0;
    return new Promise((resolve) => {
      this.closeWhenIdle = resolve;
      this.socket.once('close', () => resolve());
      this.maybeFinishClosing();
    });
  }

  /** Closes at once, dropping whatever is in flight. */
  destroy(): void {
    this.socket.destroy();
  }

  private log(): Logger {
    return this.logger;
  }

  private onData(chunk: Buffer): void {
    this.lastActiveMs = performance.now();
    if (this.awaitingAuth && this.attributes.has('principal')) {
      this.awaitingAuth = false;
      this.splitter.maxFrameBytes = this.options.maxFrameBytes;
    }
    try {
      this.splitter.push(chunk, (frame, ownMemory) => {
        this.waiting.push(frame);
        this.waitingOwnMemory.push(ownMemory);
      });
    } catch (err) {
      if (err instanceof FrameError) {
        this.reject(err.message);
        return;
      }
      throw err;
    }
    this.admit();
  }

  /** Moves waiting frames into dispatch while the in-flight bound and the budget allow. */
  private admit(): void {
    while (this.waiting.length > 0 && !this.closed && !this.pauseReasons.has('closing')) {
      if (this.inFlight >= this.options.maxInFlight) {
        this.pause('inflight');
        return;
      }
      const frame = this.waiting[0];
      const ownMemory = this.waitingOwnMemory[0];
      if (this.budgetWaiter !== null) return;
      if (!this.options.budget.tryReserve(frame.length)) {
        this.pause('budget');
        const grant = () => {
          this.budgetWaiter = null;
          if (this.closed) {
            this.options.budget.release(frame.length);
            return;
          }
          this.unpause('budget');
          this.waiting.shift();
          this.waitingOwnMemory.shift();
          this.dispatch(frame, ownMemory);
          this.admit();
        };
        this.budgetWaiter = grant;
        this.options.budget.reserve(frame.length, grant);
        return;
      }
      this.waiting.shift();
      this.waitingOwnMemory.shift();
      this.dispatch(frame, ownMemory);
    }
    this.unpause('inflight');
  }

  private dispatch(frame: Buffer, ownMemory: boolean): void {
    const slot: Slot = { done: false, result: null };
    this.slots.push(slot);
    const size = frame.length;
    const metrics = this.options.metrics;
    const started = metrics !== undefined ? metrics.now() : 0;
    const finish = (result: DispatchResult) => {
      if (metrics !== undefined && size >= 4) metrics.requestCompleted(frame.readInt16BE(0), frame.readInt16BE(2), started);
      this.options.budget.release(size);
      slot.done = true;
      slot.result = result;
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    };
    let result: DispatchResult | Promise<DispatchResult>;
    try {
      result = this.options.dispatcher.dispatch(frame, this, ownMemory);
    } catch (err) {
      this.log().warn('closing connection: request failed', { error: errorMessage(err) });
      finish(CLOSE);
      return;
    }
    if (result instanceof Promise) {
      result.then(finish, (err) => {
        this.log().warn('closing connection: request failed', { error: errorMessage(err) });
        finish(CLOSE);
      });
    } else {
      finish(result);
    }
  }

  /** Writes every finished response at the head of the queue, in order. */
  private flush(): void {
    if (this.closed) return;
    let corked = false;
    while (this.slotsHead < this.slots.length && this.slots[this.slotsHead].done) {
      const slot = this.slots[this.slotsHead];
      this.slots[this.slotsHead++] = undefined as unknown as Slot;
      if (slot.result === CLOSE) {
        if (corked) this.socket.uncork();
        this.closeGracefully();
        return;
      }
      if (slot.result instanceof RespondThenClose) {
        for (const buf of slot.result.frames) this.socket.write(buf);
        if (corked) this.socket.uncork();
        this.closeGracefully();
        return;
      }
      if (slot.result !== null) {
        if (!corked) {
          this.socket.cork();
          corked = true;
        }
        let ok = true;
        const pool = this.options.readBuffers;
        for (const buf of slot.result) {
          // A borrowed record buffer goes back only once the kernel has its bytes (never after a failed write).
          ok = pool?.isLent(buf) ? this.socket.write(buf, (err) => err == null && pool.release(buf)) : this.socket.write(buf);
        }
        if (!ok) this.pause('drain');
      }
    }
    if (corked) this.socket.uncork();
    if (this.slotsHead > 1024 && this.slotsHead * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.slotsHead);
      this.slotsHead = 0;
    }
    if (this.waiting.length > 0) this.admit();
    else this.unpause('inflight');
    this.maybeFinishClosing();
  }

  private maybeFinishClosing(): void {
    if (this.closeWhenIdle !== null && this.inFlight === 0) {
      const done = this.closeWhenIdle;
      this.closeWhenIdle = null;
      this.closeGracefully();
      this.socket.once('close', () => done());
    }
  }

  private reject(reason: string): void {
    this.log().warn(`closing connection: ${reason}`);
    this.waiting.length = 0;
    this.waitingOwnMemory.length = 0;
    this.socket.destroy();
  }

  private closeGracefully(): void {
    this.pause('closing');
    this.socket.destroySoon();
  }

  private onIdle(): void {
    if (this.inFlight > 0 || this.waiting.length > 0) return;
    this.log().info('closing idle connection', { idleMs: this.options.idleTimeoutMs });
    this.socket.destroy();
  }

  private onClose(): void {
    this.closed = true;
    if (this.budgetWaiter !== null) {
      this.options.budget.cancel(this.budgetWaiter);
      this.budgetWaiter = null;
    }
    this.waiting.length = 0;
    this.waitingOwnMemory.length = 0;
  }

  private pause(reason: PauseReason): void {
    if (this.pauseReasons.size === 0) this.socket.pause();
    this.pauseReasons.add(reason);
  }

  private unpause(reason: PauseReason): void {
    if (!this.pauseReasons.delete(reason)) return;
    if (this.pauseReasons.size === 0 && !this.closed) this.socket.resume();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
