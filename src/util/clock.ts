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
