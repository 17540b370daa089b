// Producer-state and transaction hooks on both engines: sequence windows, duplicates, the last stable
// offset, the aborted-transaction index, and their persistence across restarts and crashes.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildControlBatch } from '../../src/codec/records/control.js';
import { LogManager } from '../../src/log/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { batch, ENGINES, makeEngine, type EngineFixture } from '../helpers/log-helpers.js';

const marker = (type: 'commit' | 'abort', producerId: number, producerEpoch = 0) =>
  buildControlBatch({ type, producerId, producerEpoch, coordinatorEpoch: 3, timestamp: 1 });

describe.each(ENGINES)('producer state on %s storage', (engine) => {
  let fx: EngineFixture;
  let mgr: LogManager;
  const clock = new FakeClock();

  const open = async () => {
    mgr = await LogManager.open({ storage: await fx.open(), clock, background: false });
  };
  beforeEach(async () => {
    fx = await makeEngine(engine);
    await open();
  });
  afterEach(async () => {
    await mgr.close();
    await fx.cleanup();
  });

  it('keeps the last five batches per producer and finds duplicates', async () => {
    const log = await mgr.getOrCreate('t', 0);
    for (let i = 0; i < 7; i++) await log.append(batch(['a', 'b'], { producerId: 9, producerEpoch: 2, baseSequence: i * 2 }));
    const e = log.producers.get(9)!;
    expect(e.batches.length).toBe(5);
    expect(e.batches[0]).toMatchObject({ firstSeq: 4, lastSeq: 5, firstOffset: 4, lastOffset: 5 });
    expect(log.producers.findDuplicate(9, 2, 12, 13)).toMatchObject({ firstOffset: 12, lastOffset: 13 });
    expect(log.producers.findDuplicate(9, 2, 0, 1)).toBeUndefined();
    expect(log.producers.findDuplicate(9, 1, 12, 13)).toBeUndefined();
    // A new epoch resets the window.
    await log.append(batch(['c'], { producerId: 9, producerEpoch: 3, baseSequence: 0 }));
    expect(log.producers.get(9)!.batches.length).toBe(1);
  });

  it('holds the last stable offset at an open transaction and records aborts', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await log.append(batch(['plain']));
    await log.append(batch(['t1'], { producerId: 1, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    await log.append(batch(['t2'], { producerId: 2, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    await log.append(batch(['t1b'], { producerId: 1, producerEpoch: 0, baseSequence: 1, isTransactional: true }));
    expect(log.highWatermark).toBe(4);
    expect(log.lastStableOffset).toBe(1);
    expect(log.producers.get(1)!.currentTxnFirstOffset).toBe(1);
    await log.append(marker('abort', 1)); // offset 4
    expect(log.lastStableOffset).toBe(2);
    expect(log.abortedTransactions(0, 10)).toEqual([{ producerId: 1, firstOffset: 1, lastOffset: 4 }]);
    expect(log.producers.get(1)!.coordinatorEpoch).toBe(3);
    await log.append(marker('commit', 2)); // offset 5
    expect(log.lastStableOffset).toBe(6);
    expect(log.abortedTransactions(5, 10)).toEqual([]);
    const read = await log.read(0, 1 << 20, { minOneBatch: true, upperBound: log.lastStableOffset });
    expect(read.nextOffset).toBe(6);
  });

  it('accepts aborted transactions from the coordinator and answers ranges', async () => {
    const log = await mgr.getOrCreate('t', 0);
    for (let i = 0; i < 10; i++) await log.append(batch(['x']));
    log.recordAbortedTxn(5, 1, 3);
    log.recordAbortedTxn(6, 4, 8);
    log.recordAbortedTxn(5, 1, 3); // duplicate ignored
    expect(log.abortedTransactions(0, 2).map((t) => t.producerId)).toEqual([5]);
    expect(log.abortedTransactions(4, 5).map((t) => t.producerId)).toEqual([6]);
    expect(log.abortedTransactions(2, 10).map((t) => t.producerId)).toEqual([5, 6]);
    expect(log.abortedTransactions(9, 10)).toEqual([]);
  });

  it('restores producer state, open transactions and aborts after restart and crash', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await log.append(batch(['a'], { producerId: 1, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    await log.append(marker('abort', 1));
    await log.append(batch(['b'], { producerId: 2, producerEpoch: 5, baseSequence: 0, isTransactional: true }));
    await mgr.close();
    await open();
    let again = await mgr.getOrCreate('t', 0);
    expect(again.lastStableOffset).toBe(2);
    expect(again.abortedTransactions(0, 3)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 1 }]);
    expect(again.producers.get(2)!.producerEpoch).toBe(5);
    // After a crash (no checkpoint since these appends) the state is rebuilt by replaying the tail.
    await again.append(batch(['c'], { producerId: 3, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    await again.append(marker('abort', 3));
    await again.append(marker('commit', 2));
    await mgr.pool.closeAll();
    fx.memory?.crash();
    await open();
    again = await mgr.getOrCreate('t', 0);
    expect(again.logEndOffset).toBe(6);
    expect(again.lastStableOffset).toBe(6);
    expect(again.abortedTransactions(0, 10).map((t) => [t.producerId, t.firstOffset, t.lastOffset])).toEqual([
      [1, 0, 1],
      [3, 3, 4],
    ]);
    expect(again.producers.get(3)!.batches[0]).toMatchObject({ firstOffset: 3 });
  });
});
