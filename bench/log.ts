// Log engine benchmark. Run:   npm run bench:log
//   (= tsc -p bench/log.tsconfig.json && node dist/bench-log/bench/log.js)
// Options (env): BENCH_DIR (default: OS temp dir — put it on the disk you care about),
//   BENCH_MB (MiB per append case, default 64), BENCH_RESTART_MB (default 1024), BENCH_PARTITIONS (100).
//
// Prints append throughput (MB/s, batches/s) for 1 KiB and 16 KiB batches, durability os vs fsync, with
// 1, 8 and 64 concurrent appenders; read throughput; restart time for BENCH_RESTART_MB in
// BENCH_PARTITIONS partitions, clean and after a crash. Every figure is compared with a plain sequential
// write of the same bytes to the same directory in the same run (ratio).

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildRecordBatch } from '../src/codec/records/record.js';
import { LogManager } from '../src/log/index.js';

const MiB = 1024 * 1024;
const base = process.env.BENCH_DIR ?? os.tmpdir();
const CASE_MB = Number(process.env.BENCH_MB ?? 64);
const RESTART_MB = Number(process.env.BENCH_RESTART_MB ?? 1024);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 100);
/** Each append case stops after this long (fsync with one appender is slow by nature). */
const TIME_LIMIT_MS = Number(process.env.BENCH_CASE_MS ?? 4000);

function makeBatch(size: number, i: number): Buffer {
  // One record whose value fills the batch to `size` bytes (header 61 + record overhead ~ 10).
  return buildRecordBatch({ now: 1_700_000_000_000 + i, records: [{ value: Buffer.alloc(size - 61 - 9, i & 0xff), timestamp: 1_700_000_000_000 + i }] });
}

/**
 * Plain sequential write in `chunk`-byte writes (awaited one by one, like a single appender), then one
 * fsync: the disk's baseline. Time-limited like the append cases; best of two runs against noise.
 */
async function plainWrite(dir: string, chunk: number, total: number): Promise<number> {
  let best = 0;
  for (let run = 0; run < 2; run++) {
    const file = path.join(dir, `plain-${chunk}.bin`);
    const fh = await fs.open(file, 'w');
    const buf = Buffer.alloc(chunk, 7);
    const t0 = performance.now();
    const deadline = t0 + TIME_LIMIT_MS;
    let pos = 0;
    while (pos < total && performance.now() < deadline) {
      await fh.write(buf, 0, chunk, pos);
      pos += chunk;
    }
    await fh.datasync();
    const ms = performance.now() - t0;
    await fh.close();
    await fs.rm(file);
    best = Math.max(best, pos / MiB / (ms / 1000));
  }
  return best;
}

interface AppendFigure {
  mbps: number;
  batchesPerSec: number;
}

async function appendCase(dir: string, size: number, durability: 'os' | 'fsync', concurrency: number): Promise<AppendFigure> {
  const total = CASE_MB * MiB;
  const count = Math.floor(total / size);
  const batches = Array.from({ length: count }, (_, i) => makeBatch(size, i));
  const mgr = await LogManager.open({ url: 'file://' + dir, background: false });
  const log = await mgr.getOrCreate('bench', 0, { durability, 'segment.bytes': 256 * MiB });
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + TIME_LIMIT_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) await log.append(batches[next++]);
    }),
  );
  if (durability === 'os') await log.flush(); // same end state as the plain write: bytes on disk
  const ms = performance.now() - t0;
  await mgr.close();
  await fs.rm(path.join(dir, 'bench-0'), { recursive: true, force: true });
  return { mbps: (next * size) / MiB / (ms / 1000), batchesPerSec: next / (ms / 1000) };
}

async function readCase(dir: string): Promise<number> {
  const mgr = await LogManager.open({ url: 'file://' + dir, background: false });
  const log = await mgr.getOrCreate('bench', 0, { durability: 'os', 'segment.bytes': 256 * MiB });
  const count = Math.floor((CASE_MB * MiB) / (16 * 1024));
  for (let i = 0; i < count; i++) void log.append(makeBatch(16 * 1024, i));
  await log.flush();
  const t0 = performance.now();
  let bytes = 0;
  for (let off = 0; off < log.highWatermark; ) {
    const r = await log.read(off, MiB, { minOneBatch: true });
    bytes += r.bytes;
    off = r.nextOffset;
  }
  const ms = performance.now() - t0;
  await mgr.close();
  await fs.rm(path.join(dir, 'bench-0'), { recursive: true, force: true });
  return bytes / MiB / (ms / 1000);
}

async function restartCase(dir: string): Promise<{ clean: number; crash: number; crashTail: number; writeMs: number }> {
  const perPartition = Math.floor((RESTART_MB * MiB) / PARTITIONS);
  const size = 64 * 1024;
  const batch = makeBatch(size, 1);
  let mgr = await LogManager.open({ url: 'file://' + dir, background: false });
  const t0 = performance.now();
  for (let p = 0; p < PARTITIONS; p++) {
    const log = await mgr.getOrCreate('restart', p, { durability: 'os' });
    const ps = [];
    for (let written = 0; written < perPartition; written += size) ps.push(log.append(Buffer.from(batch)));
    await Promise.all(ps);
  }
  await mgr.close();
  const writeMs = performance.now() - t0;

  let t = performance.now();
  mgr = await LogManager.open({ url: 'file://' + dir, background: false });
  const clean = performance.now() - t;
  // Crash: each partition gets an unflushed tail of 1 MiB, then the process "dies" (no close, no marker).
  const tail = Math.min(MiB, perPartition);
  for (const log of mgr.all()) {
    const ps = [];
    for (let written = 0; written < tail; written += size) ps.push(log.append(Buffer.from(batch), { durability: 'os' }));
    await Promise.all(ps);
  }
  await mgr.pool.closeAll();
  t = performance.now();
  mgr = await LogManager.open({ url: 'file://' + dir, background: false });
  const crash = performance.now() - t;
  await mgr.close();
  await fs.rm(path.join(dir), { recursive: true, force: true });
  return { clean, crash, crashTail: (tail * PARTITIONS) / MiB, writeMs };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(base, 'tributary-bench-log-'));
  console.log(`log bench in ${dir} (node ${process.version}, ${os.cpus().length} cpus)`);
  const plain = await plainWrite(dir, MiB, CASE_MB * MiB);
  for (const size of [1024, 16 * 1024]) {
    const plainSame = await plainWrite(dir, size, CASE_MB * MiB);
    console.log(`\n${size / 1024} KiB batches — plain sequential write in ${size / 1024} KiB writes: ${plainSame.toFixed(0)} MB/s; in 1 MiB writes: ${plain.toFixed(0)} MB/s`);
    const osFig: Record<number, number> = {};
    for (const durability of ['os', 'fsync'] as const) {
      for (const c of [1, 8, 64]) {
        const f = await appendCase(dir, size, durability, c);
        if (durability === 'os') osFig[c] = f.mbps;
        const vsOs = durability === 'fsync' ? ` | ${pct(f.mbps / osFig[c])} of os x${c}` : '';
        console.log(
          `  append ${durability.padEnd(5)} x${String(c).padEnd(2)}: ${f.mbps.toFixed(0).padStart(5)} MB/s ${f.batchesPerSec.toFixed(0).padStart(7)} batches/s | ${pct(f.mbps / plainSame).padStart(5)} of plain ${size / 1024} KiB writes | ${pct(f.mbps / plain).padStart(4)} of plain 1 MiB writes${vsOs}`,
        );
      }
    }
  }
  const read = await readCase(dir);
  console.log(`\nread (1 MiB fetches of 16 KiB batches): ${read.toFixed(0)} MB/s = ${pct(read / plain)} of plain write`);
  const r = await restartCase(path.join(dir, 'restart'));
  const plainMs = ((RESTART_MB * 1.0) / plain) * 1000;
  console.log(`\nrestart, ${RESTART_MB} MiB in ${PARTITIONS} partitions (written in ${(r.writeMs / 1000).toFixed(1)} s):`);
  console.log(`  clean restart: ${r.clean.toFixed(0)} ms  (${pct(r.clean / plainMs)} of the time to plain-write the same bytes)`);
  console.log(`  after crash with ${r.crashTail.toFixed(0)} MiB unflushed tail: ${r.crash.toFixed(0)} ms  (${pct(r.crash / plainMs)} of plain-write time)`);
  await fs.rm(dir, { recursive: true, force: true });
}

await main();
