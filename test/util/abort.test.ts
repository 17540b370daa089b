// onAbort: many waiters share one 'abort' listener; a waiter that stopped waiting is not called.

import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onAbort } from '../../src/util/abort.js';

describe('onAbort', () => {
  it('calls every waiter still waiting through one listener, once', () => {
    const ac = new AbortController();
    const calls: number[] = [];
    const offs = Array.from({ length: 20 }, (_, i) => onAbort(ac.signal, () => calls.push(i)));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    offs[3]!();
    ac.abort();
    ac.abort();
    expect(calls).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3));
  });

  it('an already aborted signal calls the waiter on the next microtask, unless it stopped waiting', async () => {
    const ac = new AbortController();
    ac.abort();
    const calls: string[] = [];
    onAbort(ac.signal, () => calls.push('a'));
    onAbort(ac.signal, () => calls.push('b'))();
    expect(calls).toEqual([]);
    await Promise.resolve();
    expect(calls).toEqual(['a']);
  });
});
