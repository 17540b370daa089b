// Many partitions (issue 19): a clean start reads the clean-shutdown checkpoint and opens no log until
// its first use; an unopened (dormant) log is served, deleted, retained and compacted correctly; a
// stale or corrupt checkpoint falls back to recovering every log, with a log line; after a crash a
// log is recovered on first use and only one with bytes past its recovery point is scanned.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBaseOffset } from '../../src/codec/records/record-batch.js';
import { LogManager, type PartitionLog } from '../../src/log/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { batch, ENGINES, makeEngine, type EngineFixture } from '../helpers/log-helpers.js';

const T0 = 1_700_000_000_000;

describe.each(ENGINES)('lazily opened logs on %s storage', (engine) => {
  let fx: EngineFixture;
  let clock: FakeClock;
  let logger: MemoryLogger;
  let storage: Storage;
  let mgr: LogManager;
  const managers: LogManager[] = [];

  const open = async (opts: { configFor?: (topic: string) => Record<string, string | number> | undefined } = {}) => {
    logger = new MemoryLogger();
    storage = await fx.open();
    mgr = await LogManager.open({ storage, clock, logger, background: false, configFor: opts.configFor });
    managers.push(mgr);
    return mgr;
  };
  const restart = async (opts: Parameters<typeof open>[0] = {}) => {
    await mgr.close();
    return open(opts);
  };
  const lines = (text: string) => logger.lines.filter((l) => l.includes(text));

  beforeEach(async () => {
    fx = await makeEngine(engine);
    clock = new FakeClock(T0);
    await open();
  });

  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close().catch(() => {});
    await fx.cleanup();
  });

  async function offsets(log: PartitionLog): Promise<number[]> {
    const out: number[] = [];
    for (let off = log.logStartOffset; off < log.highWatermark; ) {
      const r = await log.read(off, 1 << 20, { minOneBatch: true });
      if (r.bytes === 0) break;
      const bytes = Buffer.concat(r.buffers);
      for (let pos = 0; pos < bytes.length; pos += 12 + bytes.readInt32BE(pos + 8)) out.push(readBaseOffset(bytes, pos));
      off = r.nextOffset;
    }
    return out;
  }

  async function fill(topic: string, partitions: number, records: number): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      const log = await mgr.getOrCreate(topic, p);
      for (let i = 0; i < records; i++) await log.append(batch([`${topic}-${p}-${i}`], { ts: T0 + i }));
    }
  }

  it('a clean start opens no log; an unopened partition is listed, summarised and served on first use', async () => {
    await fill('t', 3, 4);
    await restart();
    expect(mgr.all()).toEqual([]);
    expect(mgr.partitionsOf('t')).toEqual([0, 1, 2]);
    expect(mgr.get('t', 1)).toBeUndefined();
    expect([...mgr.dormantSummaries()].map((s) => [s.partition, s.logStartOffset, s.logEndOffset])).toEqual([
      [0, 0, 4],
      [1, 0, 4],
      [2, 0, 4],
    ]);
    expect(lines('opened logs')[0]).toMatch(/partitions=3 opened=0 cleanShutdown=true/);

    const log = await mgr.getOrCreate('t', 1);
    expect(log.logEndOffset).toBe(4);
    expect(log.highWatermark).toBe(4);
    expect(await offsets(log)).toEqual([0, 1, 2, 3]);
    expect((await log.offsetForTimestamp(T0 + 2))?.offset).toBe(2);
    expect((await log.append(batch(['next']))).baseOffset).toBe(4);
    expect(mgr.all().map((l) => l.partition)).toEqual([1]);
    expect(mgr.get('t', 1)).toBe(log);
    expect(mgr.get('t', 0)).toBeUndefined();
    // Concurrent first uses share one open.
    const [a, b] = await Promise.all([mgr.getOrCreate('t', 2), mgr.getOrCreate('t', 2)]);
    expect(a).toBe(b);
  });

  it('DeleteRecords and ListOffsets on a partition not opened since the restart, kept across the next one', async () => {
    await fill('t', 1, 5);
    await restart();
    const log = await mgr.getOrCreate('t', 0);
    expect(await log.deleteRecordsBefore(3)).toBe(3);
    expect(log.logStartOffset).toBe(3);
    await restart();
    expect([...mgr.dormantSummaries()][0].logStartOffset).toBe(3);
    const again = await mgr.getOrCreate('t', 0);
    expect(again.logStartOffset).toBe(3);
    expect((await again.maxTimestampOffset()).offset).toBe(4);
    expect(await offsets(again)).toEqual([3, 4]);
  });

  it('a topic deleted while its partitions are unopened loses its directories', async () => {
    await fill('gone', 2, 1);
    await fill('kept', 1, 1);
    await restart();
    await mgr.deleteTopic('gone');
    expect(mgr.partitionsOf('gone')).toEqual([]);
    expect((await storage.list('')).filter((n) => n.startsWith('gone-') && !n.endsWith('.deleting'))).toEqual([]);
    await restart();
    expect(mgr.partitionsOf('gone')).toEqual([]);
    expect(mgr.partitionsOf('kept')).toEqual([0]);
    const log = await mgr.getOrCreate('gone', 0);
    expect(log.logEndOffset).toBe(0);
    expect(mgr.get('gone', 0)).toBe(log);
    // Deleted while open: get() forgets it; made again, get() answers the new log.
    await mgr.deleteLog('gone', 0);
    expect(mgr.get('gone', 0)).toBeUndefined();
    const remade = await mgr.getOrCreate('gone', 0);
    expect(remade).not.toBe(log);
    expect(mgr.get('gone', 0)).toBe(remade);
  });

  it('retention opens only the unopened logs it may have work in', async () => {
    const config = (topic: string) => ({ 'retention.ms': 60_000, ...(topic === 'old' ? { 'segment.bytes': 200 } : {}) });
    await restart({ configFor: config });
    await fill('old', 1, 6); // several segments of records stamped T0…T0+5
    await (await mgr.getOrCreate('fresh', 0)).append(batch(['recent'], { ts: T0 + 10 * 60_000 }));
    await restart({ configFor: config });
    clock.advance(5 * 60_000);
    expect(await mgr.runRetention()).toBeGreaterThan(0);
    // 'fresh' holds nothing older than retention.ms: its checkpoint says so, it stays unopened.
    expect(mgr.all().map((l) => l.topic)).toEqual(['old']);
    expect(mgr.get('old', 0)!.logStartOffset).toBeGreaterThan(0);
  });

  it('an unopened compacted log with one segment is left alone; one with sealed segments is cleaned', async () => {
    const config = (topic: string) => ({ 'cleanup.policy': 'compact', ...(topic === 'many' ? { 'segment.bytes': 120 } : {}) });
    await restart({ configFor: config });
    for (const topic of ['one', 'many']) {
      const log = await mgr.getOrCreate(topic, 0);
      for (let i = 0; i < 6; i++) await log.append(batch([{ key: 'k', value: `v${i}` }]));
    }
    await restart({ configFor: config });
    await mgr.runCleaner();
    expect(mgr.all().map((l) => l.topic)).toEqual(['many']);
    const many = await mgr.getOrCreate('many', 0);
    expect((await offsets(many)).length).toBeLessThan(6);
  });

  it('a stale checkpoint (a partition directory it does not list) recovers every log, and says so', async () => {
    await fill('t', 2, 2);
    await mgr.close();
    // A directory the checkpoint does not know (e.g. restored from a backup after the shutdown).
    await storage.mkdir('x-0');
    mgr = await open();
    expect(lines('clean-shutdown checkpoint is stale or unreadable')).toHaveLength(1);
    expect(mgr.all().map((l) => `${l.topic}-${l.partition}`).sort()).toEqual(['t-0', 't-1', 'x-0']);
    expect(await offsets(mgr.get('t', 1)!)).toEqual([0, 1]);
  });

  it('a corrupt checkpoint recovers every log, and says so', async () => {
    await fill('t', 2, 3);
    await mgr.close();
    await storage.writeMeta('.clean_shutdown', Buffer.from('{"version":1,"partitions":[["t-0",0,'));
    mgr = await open();
    expect(lines('clean-shutdown checkpoint is stale or unreadable')).toHaveLength(1);
    expect(mgr.all()).toHaveLength(2);
    expect(await offsets(mgr.get('t', 0)!)).toEqual([0, 1, 2]);
  });

  it('after a crash, a log is recovered on first use and only one with bytes past its recovery point is scanned', async () => {
    await fill('t', 2, 3);
    await mgr.get('t', 0)!.checkpoint();
    await mgr.get('t', 1)!.checkpoint();
    await mgr.get('t', 1)!.append(batch(['after the checkpoint']));
    // The crash: no close; the files stay as written.
    await mgr.pool.closeAll();
    fx.memory?.crash();
    mgr = await open();
    expect(mgr.all()).toEqual([]);
    expect(lines('opened logs')[0]).toMatch(/partitions=2 opened=0 cleanShutdown=false/);
    const quiet = await mgr.getOrCreate('t', 0);
    expect(await offsets(quiet)).toEqual([0, 1, 2]);
    expect(lines('recovered partition log')).toHaveLength(1);
    expect(lines('recovered partition log')[0]).toMatch(/partition=0 .*bytesValidated=0 /);
    // A clean stop before t-1 was used keeps it marked for recovery in the checkpoint.
    await restart();
    expect(lines('recovered partition log')).toEqual([]);
    const written = await mgr.getOrCreate('t', 1);
    expect(await offsets(written)).toEqual([0, 1, 2, 3]);
    expect(lines('recovered partition log')).toHaveLength(1);
    expect(lines('recovered partition log')[0]).toMatch(/partition=1 .*bytesValidated=[1-9]/);
  });
});
