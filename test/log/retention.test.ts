// Segment lifecycle on both engines with a fake clock: retention.ms, retention.bytes, cleanup.policy,
// the manager's retention timer, live config updates and the bounded file-descriptor pool.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBaseOffset } from '../../src/codec/records/record-batch.js';
import { LogManager } from '../../src/log/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { ENGINES, makeEngine, sizedBatch, type EngineFixture } from '../helpers/log-helpers.js';

describe.each(ENGINES)('retention on %s storage', (engine) => {
  let fx: EngineFixture;
  let clock: FakeClock;
  let mgr: LogManager;

  beforeEach(async () => {
    fx = await makeEngine(engine);
    clock = new FakeClock(1_700_000_000_000);
  });
  afterEach(async () => {
    await mgr.close();
    await fx.cleanup();
  });

  const open = async (extra: Partial<Parameters<typeof LogManager.open>[0]> = {}) => {
    mgr = await LogManager.open({ storage: await fx.open(), clock, background: false, ...extra });
  };

  it('deletes whole segments older than retention.ms and moves the log start offset', async () => {
    await open();
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 1000, 'retention.ms': 60_000 });
    const t0 = clock.now();
    for (let i = 0; i < 12; i++) await log.append(sizedBatch(400, t0 + i * 10_000));
    const segs = log.segmentCount;
    expect(segs).toBeGreaterThan(4);
    clock.advance(60_000 + 45_000); // batches with ts ≤ t0+44_999 have expired
    const deleted = await mgr.runRetention();
    expect(deleted).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(segs - deleted);
    expect(log.logStartOffset).toBe(log.segmentBases()[0]);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeLessThanOrEqual(5);
    const r = await log.read(log.logStartOffset, 1, { minOneBatch: true });
    expect(readBaseOffset(r.buffers[0], 0)).toBe(log.logStartOffset);
    // Everything expired: the active segment is rolled and deleted too; appends continue at the end.
    clock.advance(10 * 60_000);
    await mgr.runRetention();
    expect(log.logStartOffset).toBe(12);
    expect(log.logEndOffset).toBe(12);
    expect((await log.append(sizedBatch(100, clock.now()))).baseOffset).toBe(12);
  });

  it('deletes oldest segments beyond retention.bytes', async () => {
    await open();
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 1000, 'retention.ms': -1, 'retention.bytes': 2500 });
    for (let i = 0; i < 20; i++) await log.append(sizedBatch(400, clock.now()));
    await mgr.runRetention();
    expect(log.size).toBeLessThanOrEqual(2500 + 1000);
    expect(log.size - log.segmentCount * 0).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThan(0);
  });

  it('keeps everything with cleanup.policy=compact, and applies a live config change', async () => {
    await open();
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 1000, 'retention.ms': 1000, 'cleanup.policy': 'compact' });
    for (let i = 0; i < 6; i++) await log.append(sizedBatch(400, clock.now()));
    clock.advance(10_000);
    expect(await mgr.runRetention()).toBe(0);
    mgr.updateTopicConfig('t', { 'cleanup.policy': 'compact,delete' });
    expect(await mgr.runRetention()).toBeGreaterThan(0);
  });

  it('runs retention from the background timer on the clock', async () => {
    await open({ background: true, retentionCheckIntervalMs: 5000 });
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 1000, 'retention.ms': 1000 });
    for (let i = 0; i < 6; i++) await log.append(sizedBatch(400, clock.now()));
    clock.advance(5001);
    for (let i = 0; i < 50 && log.logStartOffset === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(log.logStartOffset).toBeGreaterThan(0);
  });

  it('bounds open files however many segments exist', async () => {
    await open({ maxOpenFiles: 8 });
    for (let p = 0; p < 20; p++) {
      const log = await mgr.getOrCreate('many', p, { 'segment.bytes': 800 });
      for (let i = 0; i < 4; i++) await log.append(sizedBatch(400, clock.now()));
    }
    expect(mgr.pool.openCount).toBeLessThanOrEqual(8);
    for (let p = 0; p < 20; p++) {
      const log = await mgr.getOrCreate('many', p);
      for (let off = 0; off < 4; off++) {
        const r = await log.read(off, 1, { minOneBatch: true });
        expect(readBaseOffset(r.buffers[0], 0)).toBe(off);
      }
    }
    expect(mgr.pool.openCount).toBeLessThanOrEqual(8);
  });
});
