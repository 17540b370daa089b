// The broker's notion of time. Everything that expires, retains or times out reads time and sets
// timers through a Clock, so tests can drive retention, sessions and timeouts with a fake one.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn once after ms milliseconds; the timer never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * Runs fn every `ms` on the clock until the handle is cancelled. By default at a fixed rate: the next
 * run is armed before this one starts, whatever it awaits. With `afterCompletion`, the next run is
 * armed once fn's promise settles, so runs never overlap (fn reports its own failures).
 */
export function repeat(clock: Clock, ms: number, fn: () => unknown, opts: { afterCompletion?: boolean } = {}): TimerHandle {
  let cancelled = false;
  let timer: TimerHandle | null = null;
  const arm = (): void => {
    timer = clock.setTimeout(() => {
      if (cancelled) return;
      if (!opts.afterCompletion) {
        arm();
        fn();
        return;
      }
      let run: unknown;
      try {
        run = fn();
      } finally {
        void Promise.resolve(run)
          .catch(() => {})
          .finally(() => {
            if (!cancelled) arm();
          });
      }
    }, ms);
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      timer?.cancel();
    },
  };
}

/** A clock that only moves when told to: advance() fires due timers in time order. */
export class FakeClock implements Clock {
  private current: number;
  private timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward by ms, running each timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }

  /** Timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

/** Event-loop turns given to the work a timer started (promise chains, in-memory writes) before the next one runs. */
const SETTLE_TURNS = 8;

const settle = async (): Promise<void> => {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((r) => setImmediate(r));
};

/**
 * Virtual time for a whole broker (`startBroker({ clock: 'manual' })`): it starts at the wall time
 * of its creation (so clients' CreateTime timestamps are in range) and only moves on `advance`.
 * Unlike FakeClock, advance is asynchronous: after each due timer it lets the work the timer started
 * run (promise continuations, appends to in-memory logs), so when it resolves a session expiry or a
 * transaction abort has taken effect. Work that waits on real I/O (file storage) may still be under
 * way: observe it through a client.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  private seq = 0;
  private advancing: Promise<void> = Promise.resolve();

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (ms <= 0) {
      // Due now: it runs without time moving (a zero group.initial.rebalance.delay.ms must not make
      // every first JoinGroup wait for an advance).
      let cancelled = false;
      setImmediate(() => cancelled || fn());
      return { cancel: () => { cancelled = true; } };
    }
    const timer = { at: this.current + ms, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /**
   * Moves time forward by ms, running each timer that falls due (including those the timers set) in
   * time order, and resolves once their effects have settled. Calls made while one runs queue after it.
   */
  advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) return Promise.reject(new RangeError(`advance(${ms}): ms must be a finite number >= 0`));
    const run = this.advancing.then(() => this.advanceNow(ms));
    this.advancing = run.catch(() => {});
    return run;
  }

  private async advanceNow(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle(); // work started before advance was called (a request just answered) sets its timers first
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.current = next.at;
      try {
        next.fn();
      } finally {
        await settle();
      }
    }
    this.current = target;
    await settle();
  }

  private nextDue(target: number): { at: number; fn: () => void } | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: (typeof this.timers)[number] | undefined;
    for (const t of this.timers) if (t.at <= target && (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    if (best !== undefined) this.timers.splice(this.timers.indexOf(best), 1);
    return best;
  }

  /** Timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
