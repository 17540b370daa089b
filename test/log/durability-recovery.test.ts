// Durability (group commit, flush policy), crash recovery (torn and corrupt tails, indexes) and
// storage faults (the partition goes offline, the others keep working), on both engines.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readBaseOffset } from '../../src/codec/records/record-batch.js';
import { KafkaStorageError, LogManager, type PartitionLog } from '../../src/log/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { batch, ENGINES, makeEngine, sizedBatch, type EngineFixture } from '../helpers/log-helpers.js';
import { FaultyStorage } from '../helpers/log-faulty-storage.js';

describe.each(ENGINES)('durability and recovery on %s storage', (engine) => {
  let fx: EngineFixture;
  let clock: FakeClock;
  let logger: MemoryLogger;
  let storage: FaultyStorage;
  let mgr: LogManager;
  const managers: LogManager[] = [];

  const open = async (opts: { inner?: Storage } = {}) => {
    storage = new FaultyStorage(opts.inner ?? (await fx.open()));
    mgr = await LogManager.open({ storage, clock, logger, background: false });
    managers.push(mgr);
    return mgr;
  };

  /** Simulates a crash: the process dies without closing (memory engine also loses unsynced bytes). */
  const crash = async () => {
    await mgr.pool.closeAll();
    fx.memory?.crash();
  };

  beforeEach(async () => {
    fx = await makeEngine(engine);
    clock = new FakeClock();
    logger = new MemoryLogger();
    await open();
  });

  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close().catch(() => {});
    await fx.cleanup();
  });

  async function readAll(log: PartitionLog): Promise<Buffer> {
    const out: Buffer[] = [];
    for (let off = log.logStartOffset; off < log.highWatermark; ) {
      const r = await log.read(off, 1 << 20, { minOneBatch: true });
      if (r.bytes === 0) break;
      out.push(...r.buffers);
      off = r.nextOffset;
    }
    return Buffer.concat(out);
  }

  it('fsync durability: concurrent appends share fsyncs and resolve after them; HW moves on the write', async () => {
    const log = await mgr.getOrCreate('t', 0);
    let release!: () => void;
    let gateHit = false;
    storage.syncGate = () => {
      gateHit = true;
      return new Promise<void>((r) => (release = r));
    };
    const first = log.append(batch(['a']));
    while (!gateHit) await new Promise((r) => setImmediate(r));
    // One fsync is in flight; 63 more appends arrive and must share the next one.
    let resolved = 0;
    const rest = Array.from({ length: 63 }, () => log.append(batch(['b'])).then((r) => (resolved++, r)));
    // Written but not fsynced: visible at once (as on a one-replica Kafka), not yet acknowledged.
    while (log.highWatermark < 64) await new Promise((r) => setImmediate(r));
    const readBeforeSync = await log.read(0, 100_000, { minOneBatch: true });
    expect(readBeforeSync.nextOffset).toBe(64);
    expect(resolved).toBe(0);
    storage.syncGate = null;
    release();
    await Promise.all([first, ...rest]);
    expect(log.highWatermark).toBe(64);
    expect(storage.syncs).toBeLessThanOrEqual(4);
  });

  it('os durability acknowledges after the write, without fsync; flush.messages forces one', async () => {
    const log = await mgr.getOrCreate('t', 0, { durability: 'os' });
    await Promise.all(Array.from({ length: 10 }, () => log.append(batch(['a']))));
    expect(log.highWatermark).toBe(10);
    expect(storage.syncs).toBe(0);
    log.updateConfig({ 'flush.messages': 5 });
    await Promise.all(Array.from({ length: 6 }, () => log.append(batch(['a']))));
    // The sync is started in the background once flush.messages is passed: poll for it, no fixed wait.
    await vi.waitFor(() => expect(storage.syncs).toBeGreaterThan(0), { timeout: 5000, interval: 5 });
  });

  it('flush.ms flushes an os log from the manager timer task', async () => {
    const log = await mgr.getOrCreate('t', 0, { durability: 'os', 'flush.ms': 1000 });
    await log.append(batch(['a']));
    await mgr.runFlush();
    const before = storage.syncs;
    clock.advance(1001);
    await log.append(batch(['b']));
    await mgr.runFlush();
    expect(storage.syncs).toBeGreaterThan(before);
    expect(log.hasUnflushed).toBe(false);
  });

  it('per-append durability override: os append in an fsync topic resolves after the write', async () => {
    const log = await mgr.getOrCreate('t', 0);
    storage.syncGate = () => new Promise<void>(() => {}); // fsync never completes
    let visible = false;
    const r = await log.append(batch(['a']), { durability: 'os', onVisible: () => (visible = true) });
    expect(r.baseOffset).toBe(0);
    expect(log.highWatermark).toBe(1); // an acknowledged record is visible at once
    expect(visible).toBe(true);
    storage.syncGate = null;
  });

  it('deferSync: an append in an fsync topic resolves after the write, asks for no fsync, and the next fsync covers it', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await log.append(batch(['a'])); // creates the file: its directory sync is behind us
    const before = storage.syncs;
    await log.append(batch(['b']), { deferSync: true });
    expect(log.highWatermark).toBe(2); // visible at once
    expect(log.hasUnflushed).toBe(true);
    // The deferred append started no fsync, so the next append's fsync is the only one and covers both
    // (with an fsync of its own, the deferred append's would be in flight and a second one would follow).
    await log.append(batch(['c']));
    expect(storage.syncs - before).toBe(1);
    expect(log.hasUnflushed).toBe(false);
    if (fx.memory === undefined) return;
    // A power cut loses a deferred append that no fsync covered yet, and only that.
    await log.append(batch(['d']), { deferSync: true });
    await crash();
    const reopened = await (await open()).getOrCreate('t', 0);
    expect(reopened.logEndOffset).toBe(3);
  });

  it('keeps every fsync-acknowledged append after a crash and reopens at the same end', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 4000 });
    const acked: Buffer[] = [];
    for (let i = 0; i < 30; i++) {
      const b = sizedBatch(300 + i * 7);
      await log.append(b);
      acked.push(b);
    }
    await crash();
    await open();
    const again = await mgr.getOrCreate('t', 0);
    expect(again.logEndOffset).toBe(30);
    expect((await readAll(again)).equals(Buffer.concat(acked))).toBe(true);
    expect((await again.append(batch(['next']))).baseOffset).toBe(30);
  });

  it('truncates a torn tail after a crash and says so in the log', async () => {
    const log = await mgr.getOrCreate('t', 0);
    for (let i = 0; i < 5; i++) await log.append(sizedBatch(200));
    await crash();
    // A torn write: half of a batch at the end of the segment, made durable.
    const half = sizedBatch(200).subarray(0, 100);
    const f = await storage.open('t-0/00000000000000000000.log', false);
    const size = await f.size();
    await f.write([half], size);
    await f.sync();
    await f.close();
    await open();
    const again = await mgr.getOrCreate('t', 0);
    expect(again.logEndOffset).toBe(5);
    expect(logger.lines.some((l) => l.includes('truncated a torn or corrupt log tail') && l.includes('bytesCut=100'))).toBe(true);
    expect((await again.append(batch(['x']))).baseOffset).toBe(5);
    const r = await again.read(5, 1000, { minOneBatch: true });
    expect(readBaseOffset(r.buffers[0], 0)).toBe(5);
  });

  it('never serves a batch whose CRC fails: a corrupt tail batch is cut at recovery', async () => {
    const log = await mgr.getOrCreate('t', 0);
    for (let i = 0; i < 4; i++) await log.append(sizedBatch(200));
    const tail = sizedBatch(200);
    await log.append(tail);
    await crash();
    const f = await storage.open('t-0/00000000000000000000.log', false);
    const size = await f.size();
    // Flip a byte inside the last batch's records.
    const pos = size - 5;
    const b = await f.read(pos, 1);
    await f.write([Buffer.from([b[0] ^ 0xff])], pos);
    await f.sync();
    await f.close();
    await open();
    const again = await mgr.getOrCreate('t', 0);
    expect(again.logEndOffset).toBe(4);
    expect(logger.lines.some((l) => l.includes('truncated') && l.includes('CRC'))).toBe(true);
  });

  it('a clean restart reads no segment data (only metadata and the active index)', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 2000 });
    for (let i = 0; i < 40; i++) await log.append(sizedBatch(300));
    await mgr.close();
    const inner = await fx.open();
    const counting = new FaultyStorage(inner);
    let reads = 0;
    const origOpen = counting.open.bind(counting);
    counting.open = async (path, create) => {
      const f = await origOpen(path, create);
      const r = f.read.bind(f);
      f.read = async (p, l) => {
        if (path.endsWith('.log')) reads++;
        return r(p, l);
      };
      return f;
    };
    mgr = await LogManager.open({ storage: counting, clock, logger, background: false });
    managers.push(mgr);
    expect(reads).toBe(0);
    expect((await mgr.getOrCreate('t', 0)).logEndOffset).toBe(40);
  });

  it('rebuilds missing and corrupt indexes', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 2000, 'index.interval.bytes': 100 });
    for (let i = 0; i < 30; i++) await log.append(sizedBatch(300, 1000 + i));
    const bases = log.segmentBases();
    await mgr.close();
    const s = await fx.open();
    const name = (b: number) => String(b).padStart(20, '0');
    await s.remove(`t-0/${name(bases[0])}.index`);
    const f = await s.open(`t-0/${name(bases[1])}.timeindex`, false);
    await f.write([Buffer.alloc(12, 0xff)], 0); // a negative timestamp then garbage order
    await f.close();
    await open({ inner: s });
    const again = await mgr.getOrCreate('t', 0);
    for (const target of [0, 3, 9, 17, 29]) {
      const r = await again.read(target, 1, { minOneBatch: true });
      expect(readBaseOffset(r.buffers[0], 0)).toBe(target);
    }
    expect(await again.offsetForTimestamp(1012)).toMatchObject({ offset: 12 });
    expect(logger.lines.some((l) => l.includes('rebuilding'))).toBe(true);
  });

  it('a failed write takes only that partition offline with KAFKA_STORAGE_ERROR', async () => {
    const bad = await mgr.getOrCreate('bad', 0);
    const good = await mgr.getOrCreate('good', 0);
    await bad.append(batch(['a']));
    storage.faults.push({ op: 'write', path: 'bad-0/', code: 'ENOSPC' });
    await expect(bad.append(batch(['b']))).rejects.toBeInstanceOf(KafkaStorageError);
    await expect(bad.read(0, 100, { minOneBatch: true })).rejects.toMatchObject({ kafkaError: 'KAFKA_STORAGE_ERROR' });
    expect(bad.isOffline).toBe(true);
    expect(logger.lines.some((l) => l.includes('partition offline') && l.includes('ENOSPC') && l.includes('topic=bad'))).toBe(true);
    expect((await good.append(batch(['c']))).baseOffset).toBe(0);
  });

  it('a failed fsync takes the partition offline and rejects the waiting appends', async () => {
    const log = await mgr.getOrCreate('t', 0);
    storage.faults.push({ op: 'sync', path: 't-0/', code: 'EIO' });
    const ps = [log.append(batch(['a'])), log.append(batch(['b']))];
    for (const p of ps) await expect(p).rejects.toMatchObject({ kafkaError: 'KAFKA_STORAGE_ERROR' });
    expect(log.isOffline).toBe(true);
  });

  it('a missing segment file fails reads of that partition with KAFKA_STORAGE_ERROR', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 1000 });
    for (let i = 0; i < 10; i++) await log.append(sizedBatch(300));
    await mgr.close();
    const s = await fx.open();
    await s.remove('t-0/00000000000000000000.log');
    await open({ inner: s });
    const again = await mgr.getOrCreate('t', 0);
    // The first segment is gone from the listing: the log now starts at the next one.
    expect(again.logStartOffset).toBeGreaterThan(0);
    const other = await mgr.getOrCreate('u', 0);
    await other.append(batch(['fine']));
    // A file vanishing under an open log: reads fail with the storage error, not a crash.
    const base = again.segmentBases()[0];
    await s.remove(`t-0/${String(base).padStart(20, '0')}.log`);
    await mgr.pool.closeAll();
    await expect(again.read(base, 100, { minOneBatch: true })).rejects.toMatchObject({ kafkaError: 'KAFKA_STORAGE_ERROR' });
  });

  it('checkpoints from the manager timer so a crash validates only the tail', async () => {
    await mgr.close();
    storage = new FaultyStorage(await fx.open());
    mgr = await LogManager.open({ storage, clock, logger, flushCheckIntervalMs: 1000, checkpointIntervalMs: 5000 });
    managers.push(mgr);
    const log = await mgr.getOrCreate('t', 0);
    for (let i = 0; i < 20; i++) await log.append(sizedBatch(500));
    expect(log.needsCheckpoint).toBe(true);
    clock.advance(6000);
    for (let i = 0; i < 100 && log.needsCheckpoint; i++) await new Promise((r) => setTimeout(r, 5));
    expect(log.needsCheckpoint).toBe(false);
    const tail = [sizedBatch(300), sizedBatch(300)];
    for (const b of tail) await log.append(b);
    await crash();
    logger.lines.length = 0;
    await open();
    expect((await mgr.getOrCreate('t', 0)).logEndOffset).toBe(22);
    const line = logger.lines.find((l) => l.includes('recovered partition log'));
    expect(line).toContain(`bytesValidated=${tail[0].length + tail[1].length}`);
  });

  it('wakes long-poll waiters with the storage error when the partition goes offline', async () => {
    const log = await mgr.getOrCreate('t', 0);
    const waiting = log.waitForData(0, 10_000);
    storage.faults.push({ op: 'write', path: 't-0/', code: 'EIO' });
    await expect(log.append(batch(['a']))).rejects.toBeInstanceOf(KafkaStorageError);
    await expect(waiting).rejects.toBeInstanceOf(KafkaStorageError);
  });

  it('persists producer state and leader epochs across a crash', async () => {
    const log = await mgr.getOrCreate('t', 0);
    log.setLeaderEpoch(4);
    await log.append(batch(['a', 'b'], { producerId: 42, producerEpoch: 1, baseSequence: 0 }));
    await log.checkpoint();
    await log.append(batch(['c'], { producerId: 42, producerEpoch: 1, baseSequence: 2 }));
    await crash();
    await open();
    const again = await mgr.getOrCreate('t', 0);
    const p = again.producers.get(42)!;
    expect(p.producerEpoch).toBe(1);
    expect(p.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset])).toEqual([
      [0, 1, 0, 1],
      [2, 2, 2, 2],
    ]);
    expect(again.endOffsetForEpoch(4)).toEqual({ leaderEpoch: 4, endOffset: 3 });
  });
});

describe('memory engine power cut', () => {
  it('loses only unsynced os-durability appends and recovers a consistent end', async () => {
    const fx = await makeEngine('memory');
    const clock = new FakeClock();
    let mgr = await LogManager.open({ storage: await fx.open(), clock, background: false });
    const log = await mgr.getOrCreate('t', 0, { durability: 'os' });
    for (let i = 0; i < 5; i++) await log.append(batch(['a']));
    await log.flush();
    for (let i = 0; i < 5; i++) await log.append(batch(['b']));
    fx.memory!.crash();
    mgr = await LogManager.open({ storage: await fx.open(), clock, background: false });
    expect((await mgr.getOrCreate('t', 0)).logEndOffset).toBe(5);
    await mgr.close();
  });
});
