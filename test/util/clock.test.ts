// repeat(): fixed-rate and after-completion scheduling on a fake clock, and cancellation.

import { describe, expect, it } from 'vitest';
import { FakeClock, repeat } from '../../src/util/clock.js';

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
