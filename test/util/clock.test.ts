// repeat(): fixed-rate and after-completion scheduling on a fake clock, and cancellation.

import { describe, expect, it } from 'vitest';
import { FakeClock, ManualClock, repeat } from '../../src/util/clock.js';

describe('repeat', () => {
  it('runs at a fixed rate, whatever a run awaits, until cancelled', () => {
    const clock = new FakeClock(0);
    const runs: number[] = [];
    const handle = repeat(clock, 100, () => {
      runs.push(clock.now());
      return new Promise(() => {}); // never settles: the rate does not care
    });
    clock.advance(350);
    expect(runs).toEqual([100, 200, 300]);
    handle.cancel();
    clock.advance(500);
    expect(runs).toHaveLength(3);
  });

  it('with afterCompletion arms the next run only once the previous one settled', async () => {
    const clock = new FakeClock(0);
    const runs: number[] = [];
    let finish: () => void = () => {};
    const handle = repeat(clock, 100, () => {
      runs.push(clock.now());
      return new Promise<void>((r) => (finish = r));
    }, { afterCompletion: true });
    clock.advance(300);
    expect(runs).toEqual([100]);
    finish();
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
    expect(runs).toEqual([100, 400]);
    handle.cancel();
  });
});

describe('ManualClock', () => {
  it('starts at wall time and only moves on advance', async () => {
    const before = Date.now();
    const clock = new ManualClock();
    expect(clock.now()).toBeGreaterThanOrEqual(before);
    const at = clock.now();
    await new Promise((r) => setTimeout(r, 5));
    expect(clock.now()).toBe(at);
    await clock.advance(250);
    expect(clock.now()).toBe(at + 250);
  });

  it('runs due timers in time order, each seeing its own time, and lets the work they start settle in between', async () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => {
      seen.push(`a@${clock.now()}`);
      // An async continuation that sets a timer due before b: it runs before b.
      void Promise.resolve().then(() => clock.setTimeout(() => seen.push(`a2@${clock.now()}`), 50));
    }, 100);
    const late = clock.setTimeout(() => seen.push('never'), 300);
    late.cancel();
    await clock.advance(1000);
    expect(seen).toEqual(['a@100', 'a2@150', 'b@200']);
    expect(clock.now()).toBe(1000);
    expect(clock.pending()).toBe(0);
  });

  it('a zero-delay timer runs without an advance; concurrent advances queue; a negative one is refused', async () => {
    const clock = new ManualClock(0);
    const ran = await new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 0));
    expect(ran).toBe(0);
    await Promise.all([clock.advance(10), clock.advance(20)]);
    expect(clock.now()).toBe(30);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });
});
