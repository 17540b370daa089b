// Partition log behaviour — append, read, offsets, high watermark, timestamps, DeleteRecords,
// long-poll notification, leader epochs — run against both storage engines.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iterateBatches, readBaseOffset, readLastOffsetDelta, readMaxTimestamp, readPartitionLeaderEpoch, readTimestampType, validateBatch } from '../../src/codec/records/record-batch.js';
import { LogManager, OffsetOutOfRangeError, type PartitionLog } from '../../src/log/index.js';
import { BufferPool } from '../../src/util/buffer-pool.js';
import { FakeClock } from '../../src/util/clock.js';
import { batch, ENGINES, makeEngine, sizedBatch, type EngineFixture } from '../helpers/log-helpers.js';

describe.each(ENGINES)('PartitionLog on %s storage', (engine) => {
  let fx: EngineFixture;
  let clock: FakeClock;
  let mgr: LogManager;

  const open = async () => {
    mgr = await LogManager.open({ storage: await fx.open(), clock, background: false });
    return mgr;
  };

  beforeEach(async () => {
    fx = await makeEngine(engine);
    clock = new FakeClock();
    await open();
  });

  afterEach(async () => {
    await mgr.close();
    await fx.cleanup();
  });

  async function appendAll(log: PartitionLog, n: number, per = 1) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await log.append(batch(Array.from({ length: per }, (_, j) => `v${i}-${j}`))));
    return out;
  }

  it('assigns contiguous offsets and returns the append result', async () => {
    const log = await mgr.getOrCreate('t', 0);
    const r1 = await log.append(batch(['a', 'b', 'c']));
    const r2 = await log.append(batch(['d']));
    expect(r1).toEqual({ baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0 });
    expect(r2).toEqual({ baseOffset: 3, lastOffset: 3, logAppendTime: -1, logStartOffset: 0 });
    expect(log.logEndOffset).toBe(4);
    expect(log.highWatermark).toBe(4);
    expect(log.lastStableOffset).toBe(4);
  });

  it('assigns offsets synchronously in call order for concurrent appends', async () => {
    const log = await mgr.getOrCreate('t', 0);
    const ps = Array.from({ length: 50 }, (_, i) => log.append(batch(Array.from({ length: (i % 3) + 1 }, () => 'x'))));
    let expected = 0;
    for (let i = 0; i < 50; i++) expected += (i % 3) + 1;
    expect(log.logEndOffset).toBe(expected); // assigned before any write completed
    const results = await Promise.all(ps);
    let next = 0;
    for (const r of results) {
      expect(r.baseOffset).toBe(next);
      next = r.lastOffset + 1;
    }
    expect(next).toBe(log.logEndOffset);
  });

  it('appends several batches in one call', async () => {
    const log = await mgr.getOrCreate('t', 0);
    const r = await log.append(Buffer.concat([batch(['a', 'b']), batch(['c'])]));
    expect(r).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    const read = await log.read(0, 1 << 20, { minOneBatch: true });
    const buf = Buffer.concat(read.buffers);
    expect(readBaseOffset(buf, 0)).toBe(0);
    const second = buf.readInt32BE(8) + 12;
    expect(readBaseOffset(buf, second)).toBe(2);
  });

  it('reads back the stored bytes byte-exact, starting at the batch containing the offset', async () => {
    const log = await mgr.getOrCreate('t', 0);
    const sent = [batch(['a', 'b', 'c']), batch(['d', 'e']), batch(['f'])];
    for (const b of sent) await log.append(b); // patched in place: sent now holds the stored bytes
    const all = await log.read(0, 1 << 20, { minOneBatch: true });
    expect(Buffer.concat(all.buffers).equals(Buffer.concat(sent))).toBe(true);
    expect(all.nextOffset).toBe(6);
    const mid = await log.read(4, 1 << 20, { minOneBatch: true });
    expect(readBaseOffset(Buffer.concat(mid.buffers), 0)).toBe(3);
    const end = await log.read(6, 1 << 20, { minOneBatch: true });
    expect(end.buffers).toEqual([]);
    expect(end.highWatermark).toBe(6);
  });

  it('limits reads to whole batches within maxBytes, at least one with minOneBatch', async () => {
    const log = await mgr.getOrCreate('t', 0);
    const b = [sizedBatch(1000), sizedBatch(1000), sizedBatch(1000)];
    for (const x of b) await log.append(x);
    const one = await log.read(0, 1500, { minOneBatch: true });
    expect(one.bytes).toBe(b[0].length);
    const two = await log.read(0, b[0].length * 2 + 10, { minOneBatch: true });
    expect(two.bytes).toBe(b[0].length * 2);
    const small = await log.read(0, 100, { minOneBatch: true });
    expect(small.bytes).toBe(b[0].length);
    const none = await log.read(0, 100, { minOneBatch: false });
    expect(none.bytes).toBe(0);
    expect(none.nextOffset).toBe(0);
  });

  it('signals OFFSET_OUT_OF_RANGE below the start and past the end', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await appendAll(log, 3);
    await expect(log.read(4, 100, { minOneBatch: true })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(log.read(-1, 100, { minOneBatch: true })).rejects.toMatchObject({ kafkaError: 'OFFSET_OUT_OF_RANGE' });
    await log.deleteRecordsBefore(2);
    await expect(log.read(1, 100, { minOneBatch: true })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    const ok = await log.read(2, 1000, { minOneBatch: true });
    expect(readBaseOffset(ok.buffers[0], 0)).toBe(2);
  });

  it('respects an upper bound (LSO / high watermark)', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await appendAll(log, 5);
    const r = await log.read(0, 1 << 20, { minOneBatch: true, upperBound: 3 });
    expect(r.nextOffset).toBe(3);
    const none = await log.read(3, 1 << 20, { minOneBatch: true, upperBound: 3 });
    expect(none.bytes).toBe(0);
  });

  it('rolls segments by segment.bytes and reads across them', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 3000, 'index.interval.bytes': 100 });
    for (let i = 0; i < 20; i++) await log.append(sizedBatch(500));
    expect(log.segmentCount).toBeGreaterThanOrEqual(4);
    let off = 0;
    let count = 0;
    while (off < log.logEndOffset) {
      const r = await log.read(off, 1200, { minOneBatch: true });
      expect(r.bytes).toBeGreaterThan(0);
      expect(readBaseOffset(r.buffers[0], 0)).toBe(off);
      off = r.nextOffset;
      count++;
    }
    expect(count).toBeGreaterThanOrEqual(10);
    // Random access through the sparse index.
    for (const target of [0, 7, 13, 19]) {
      const r = await log.read(target, 1, { minOneBatch: true });
      expect(readBaseOffset(r.buffers[0], 0)).toBe(target);
    }
  });

  it('rolls by segment.ms', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.ms': 1000 });
    await log.append(batch(['a']));
    clock.advance(500);
    await log.append(batch(['b']));
    expect(log.segmentCount).toBe(1);
    clock.advance(600);
    await log.append(batch(['c']));
    expect(log.segmentBases()).toEqual([0, 2]);
  });

  it('stamps LogAppendTime and the leader epoch', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'message.timestamp.type': 'LogAppendTime' });
    log.setLeaderEpoch(7);
    const b = batch(['a', 'b'], { ts: 5 });
    const r = await log.append(b);
    expect(r.logAppendTime).toBe(clock.now());
    expect(readMaxTimestamp(b, 0)).toBe(clock.now());
    expect(readTimestampType(b, 0)).toBe(1);
    expect(readPartitionLeaderEpoch(b, 0)).toBe(7);
    const back = await log.read(0, 1 << 20, { minOneBatch: true });
    expect(back.buffers[0].equals(b)).toBe(true);
  });

  it('finds offsets by timestamp with Kafka rules, and the max timestamp', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'index.interval.bytes': 1, 'segment.bytes': 400 });
    // batch maxima: 100, 300 (records 200, 300), 250, 400
    await log.append(batch([{ value: 'a', timestamp: 100 }]));
    await log.append(batch([{ value: 'b', timestamp: 200 }, { value: 'c', timestamp: 300 }]));
    await log.append(batch([{ value: 'd', timestamp: 250 }]));
    await log.append(batch([{ value: 'e', timestamp: 400 }]));
    expect(await log.offsetForTimestamp(50)).toMatchObject({ offset: 0, timestamp: 100 });
    expect(await log.offsetForTimestamp(100)).toMatchObject({ offset: 0, timestamp: 100 });
    expect(await log.offsetForTimestamp(150)).toMatchObject({ offset: 1, timestamp: 200 });
    // First batch whose max ≥ 260 is the second one; its first record ≥ 260 is offset 2.
    expect(await log.offsetForTimestamp(260)).toMatchObject({ offset: 2, timestamp: 300 });
    expect(await log.offsetForTimestamp(301)).toMatchObject({ offset: 4, timestamp: 400 });
    expect(await log.offsetForTimestamp(401)).toBeNull();
    expect(await log.maxTimestampOffset()).toMatchObject({ offset: 4, timestamp: 400 });
    const empty = await mgr.getOrCreate('t', 1);
    expect(await empty.maxTimestampOffset()).toEqual({ offset: -1, timestamp: -1, leaderEpoch: -1 });
  });

  it('deleteRecordsBefore moves the log start offset, deletes whole segments and persists', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 2000 });
    for (let i = 0; i < 10; i++) await log.append(sizedBatch(600));
    const segs = log.segmentCount;
    expect(await log.deleteRecordsBefore(7)).toBe(7);
    expect(log.logStartOffset).toBe(7);
    expect(log.segmentCount).toBeLessThan(segs);
    await expect(log.deleteRecordsBefore(11)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await log.append(sizedBatch(600))).logStartOffset).toBe(7);
    await mgr.close();
    await open();
    const again = await mgr.getOrCreate('t', 0);
    expect(again.logStartOffset).toBe(7);
    expect(again.logEndOffset).toBe(11);
    const r = await again.read(7, 1, { minOneBatch: true });
    expect(readBaseOffset(r.buffers[0], 0)).toBe(7);
  });

  it('notifies long-poll waiters without polling', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await appendAll(log, 2);
    expect(await log.waitForData(1, 1000)).toBe(true);
    const waiting = log.waitForData(2, 1000);
    let calls = 0;
    const off = log.onAppend(() => calls++);
    await log.append(batch(['x']));
    expect(await waiting).toBe(true);
    expect(calls).toBeGreaterThan(0);
    off();
    const timedOut = log.waitForData(3, 500);
    clock.advance(501);
    expect(await timedOut).toBe(false);
  });

  it('keeps everything across a clean restart', async () => {
    const log = await mgr.getOrCreate('t', 3, { 'segment.bytes': 5000, 'index.interval.bytes': 200 });
    log.setLeaderEpoch(2);
    const sent: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const b = sizedBatch(300 + (i % 5) * 50, 1000 + i);
      await log.append(b);
      sent.push(b);
    }
    await mgr.close();
    await open();
    const again = await mgr.getOrCreate('t', 3);
    expect(again.logEndOffset).toBe(40);
    expect(again.highWatermark).toBe(40);
    expect(again.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 2, endOffset: 40 });
    const got: Buffer[] = [];
    for (let off = 0; off < 40; ) {
      const r = await again.read(off, 4096, { minOneBatch: true });
      got.push(...r.buffers);
      off = r.nextOffset;
    }
    expect(Buffer.concat(got).equals(Buffer.concat(sent))).toBe(true);
    expect(await again.offsetForTimestamp(1020)).toMatchObject({ offset: 20 });
    const r = await again.append(batch(['after']));
    expect(r.baseOffset).toBe(40);
  });

  it('answers OffsetForLeaderEpoch from the epoch cache', async () => {
    const log = await mgr.getOrCreate('t', 0);
    log.setLeaderEpoch(1);
    await appendAll(log, 3);
    log.setLeaderEpoch(3);
    await appendAll(log, 2);
    expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(log.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(log.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 3, endOffset: 5 });
    expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 0 });
    expect(log.endOffsetForEpoch(4)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });

  it('truncates to an offset and continues from there', async () => {
    const log = await mgr.getOrCreate('t', 0, { 'segment.bytes': 1500 });
    for (let i = 0; i < 10; i++) await log.append(sizedBatch(400));
    await log.truncate(4);
    expect(log.logEndOffset).toBe(4);
    expect(log.highWatermark).toBe(4);
    const r = await log.append(batch(['new']));
    expect(r.baseOffset).toBe(4);
    const back = await log.read(4, 1000, { minOneBatch: true });
    expect(readBaseOffset(back.buffers[0], 0)).toBe(4);
    expect(readLastOffsetDelta(back.buffers[0], 0)).toBe(0);
  });

  it('rejects bytes that are not whole v2 batches', async () => {
    const log = await mgr.getOrCreate('t', 0);
    await expect(log.append(Buffer.alloc(10))).rejects.toMatchObject({ kafkaError: 'CORRUPT_MESSAGE' });
    const b = batch(['a']);
    await expect(log.append(b.subarray(0, b.length - 1))).rejects.toMatchObject({ kafkaError: 'CORRUPT_MESSAGE' });
    const bad = Buffer.from(batch(['a']));
    bad[bad.length - 1] ^= 0xff;
    await expect(log.append(bad, { validate: true })).rejects.toMatchObject({ kafkaError: 'CORRUPT_MESSAGE' });
    expect(log.logEndOffset).toBe(0);
  });

  it('deletes a topic without touching others', async () => {
    const a = await mgr.getOrCreate('gone', 0);
    const b = await mgr.getOrCreate('kept', 0);
    await a.append(batch(['a']));
    await b.append(batch(['b']));
    const del = mgr.deleteTopic('gone');
    await b.append(batch(['c']));
    await del;
    expect(mgr.get('gone', 0)).toBeUndefined();
    await expect(a.append(batch(['z']))).rejects.toMatchObject({ kafkaError: 'LOG_DELETED' });
    const fresh = await mgr.getOrCreate('gone', 0);
    expect(fresh.logEndOffset).toBe(0);
    expect(b.logEndOffset).toBe(2);
  });
});

// memory:// lends views of its own chunks instead (below).
describe.each(ENGINES.filter((e) => e !== 'memory'))('reads into borrowed buffers on %s storage', (engine) => {
  it('lends the read buffer, and a reused buffer carries the new read', async () => {
    const fx = await makeEngine(engine);
    const readBuffers = new BufferPool({ minSize: 1024, maxFreeBytes: 1 << 20 });
    const mgr = await LogManager.open({ storage: await fx.open(), clock: new FakeClock(), background: false, readBuffers });
    try {
      const log = await mgr.getOrCreate('t', 0);
      for (let i = 0; i < 40; i++) await log.append(batch(Array.from({ length: 10 }, (_, j) => `record-${i}-${j}-${'x'.repeat(50)}`)));
      const first = await log.read(0, 4096, { minOneBatch: true });
      expect(readBuffers.isLent(first.buffers[0])).toBe(true);
      const firstBytes = Buffer.from(first.buffers[0]);
      readBuffers.release(first.buffers[0]);
      // The next read reuses the same memory and must hold its own batches.
      const next = await log.read(first.nextOffset, 4096, { minOneBatch: true });
      expect(next.buffers[0].buffer).toBe(first.buffers[0].buffer);
      expect(readBaseOffset(next.buffers[0], 0)).toBe(first.nextOffset);
      // Reading the first range again into fresh memory gives the original bytes.
      const again = await log.read(0, 4096, { minOneBatch: true });
      expect(Buffer.compare(again.buffers[0], firstBytes)).toBe(0);
      // A batch larger than the limit: nothing without minOneBatch, the whole batch with it.
      const big = await log.append(batch(['y'.repeat(20_000)]));
      expect((await log.read(big.baseOffset, 1000, { minOneBatch: false })).bytes).toBe(0);
      const whole = await log.read(big.baseOffset, 1000, { minOneBatch: true });
      expect(whole.nextOffset).toBe(big.baseOffset + 1);
      expect(whole.bytes).toBeGreaterThan(20_000);
    } finally {
      await mgr.close();
      await fx.cleanup();
    }
  });
});

describe('reads on memory storage', () => {
  it('are views of its chunks, nothing borrowed or copied, a batch across two chunks included; they keep their bytes when the log is cut and written again', async () => {
    const fx = await makeEngine('memory');
    const readBuffers = new BufferPool({ minSize: 1024, maxFreeBytes: 1 << 20 });
    const mgr = await LogManager.open({ storage: await fx.open(), clock: new FakeClock(), background: false, readBuffers });
    try {
      const log = await mgr.getOrCreate('t', 0);
      // 30 batches of ~50 KiB: 1.5 MiB, so one batch spans the first 1 MiB chunk's end.
      for (let i = 0; i < 30; i++) await log.append(sizedBatch(50_000 + i));
      const read = await log.read(0, 4 << 20, { minOneBatch: true });
      expect(read.buffers.length).toBe(2);
      expect(read.buffers.some((b) => readBuffers.isLent(b))).toBe(false);
      expect(read.nextOffset).toBe(30);
      const before = Buffer.concat(read.buffers);
      expect(before.length).toBe(read.bytes);
      const bases = [...iterateBatches(before)].map((span) => {
        expect(span.status).toBe('complete');
        expect(validateBatch(before, span.position, span.size).ok).toBe(true); // the CRC too
        return readBaseOffset(before, span.position);
      });
      expect(bases).toEqual(Array.from({ length: 30 }, (_, i) => i));
      // A read that ends inside the second chunk stops at a whole batch.
      const part = await log.read(0, (1 << 20) + 30_000, { minOneBatch: true });
      expect(part.bytes).toBeLessThanOrEqual((1 << 20) + 30_000);
      expect(Buffer.compare(Buffer.concat(part.buffers), before.subarray(0, part.bytes))).toBe(0);
      // Cut back into the first chunk and write other batches over the same positions.
      await log.truncate(5);
      for (let i = 0; i < 30; i++) await log.append(sizedBatch(40_000 + i));
      expect(Buffer.compare(Buffer.concat(read.buffers), before)).toBe(0);
      const after = await log.read(5, 4 << 20, { minOneBatch: true });
      expect(readBaseOffset(after.buffers[0], 0)).toBe(5);
      expect(after.nextOffset).toBe(35);
    } finally {
      await mgr.close();
      await fx.cleanup();
    }
  });

  it('keep a large batch a Produce handed over as it is: a fetch sends the request\'s own bytes, with their offsets', async () => {
    const fx = await makeEngine('memory');
    const mgr = await LogManager.open({ storage: await fx.open(), clock: new FakeClock(), background: false });
    try {
      const log = await mgr.getOrCreate('t', 0);
      await log.append(sizedBatch(1_000));
      const handed = sizedBatch(100_000);
      const copied = sizedBatch(100_000);
      await log.append(handed, { handedOver: true });
      await log.append(copied);
      const read = await log.read(1, 4 << 20, { minOneBatch: true });
      expect(read.buffers.some((b) => b.buffer === handed.buffer)).toBe(true);
      expect(read.buffers.some((b) => b.buffer === copied.buffer)).toBe(false);
      const bytes = Buffer.concat(read.buffers);
      expect([...iterateBatches(bytes)].map((span) => readBaseOffset(bytes, span.position))).toEqual([1, 2]);
    } finally {
      await mgr.close();
      await fx.cleanup();
    }
  });
});
