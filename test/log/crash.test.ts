// Crash test: a child process appends with fsync durability and is SIGKILLed at random moments, 21
// times; after each kill the log is reopened and every acknowledged append must be there, byte-exact,
// with contiguous offsets. Finally a deliberately torn tail is truncated.
//
// The child is plain JS compiled here (TypeScript compiler API, just the files it imports) into
// node_modules/.cache so `node` can run it on Node 20 and resolve the repo's dependencies.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBaseOffset, readBatchLength, readLastOffsetDelta, setBaseOffset } from '../../src/codec/records/record-batch.js';
import { LogManager } from '../../src/log/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { crashBatch } from '../helpers/log-crash-batch.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KILLS = 21;
let outDir: string;
let dataDir: string;

function compileChild(): string {
  outDir = path.join(root, 'node_modules', '.cache', `tributary-log-crash-${process.pid}`);
  const entry = path.join(root, 'test/helpers/log-crash-child.ts');
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    outDir,
    rootDir: root,
    skipLibCheck: true,
    types: ['node'],
    noEmitOnError: false,
  });
  const res = program.emit();
  if (res.emitSkipped) throw new Error('could not compile the crash child');
  return path.join(outDir, 'test/helpers/log-crash-child.js');
}

interface RunResult {
  acks: Map<number, number>; // baseOffset → seq
}

function runChild(child: string, firstSeq: number, killAfterMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dataDir, String(firstSeq)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks = new Map<number, number>();
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [kind, a, b] = line.split(' ');
        if (kind === 'ready' && !timer) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
        if (kind === 'ack') acks.set(Number(b), Number(a));
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve({ acks });
    });
  });
}

/** Reads every batch: checks contiguous offsets and returns baseOffset → batch bytes. */
async function readLog(): Promise<{ batches: Map<number, Buffer>; end: number; logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const mgr = await LogManager.open({ url: 'file://' + dataDir, logger, background: false });
  const log = await mgr.getOrCreate('crash', 0);
  const batches = new Map<number, Buffer>();
  let next = 0;
  for (let off = 0; off < log.highWatermark; ) {
    const r = await log.read(off, 1 << 20, { minOneBatch: true });
    const all = Buffer.concat(r.buffers);
    for (let p = 0; p < all.length; ) {
      const size = readBatchLength(all, p) + 12;
      const base = readBaseOffset(all, p);
      expect(base).toBe(next);
      next = base + readLastOffsetDelta(all, p) + 1;
      batches.set(base, all.subarray(p, p + size));
      p += size;
    }
    off = r.nextOffset;
  }
  const end = log.logEndOffset;
  expect(next).toBe(end);
  // Close without a clean marker so the child recovers again next time.
  await mgr.pool.closeAll();
  return { batches, end, logger };
}

describe('crash safety with fsync durability (SIGKILL)', () => {
  let child: string;
  beforeAll(async () => {
    child = compileChild();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-crash-'));
  }, 60_000);
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(outDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged append across ${KILLS} kills`, async () => {
    const acked = new Map<number, number>();
    let totalAcks = 0;
    let truncations = 0;
    for (let i = 0; i < KILLS; i++) {
      const { acks } = await runChild(child, i * 1_000_000, 15 + Math.floor(Math.random() * 150));
      totalAcks += acks.size;
      for (const [off, seq] of acks) acked.set(off, seq);
      const { batches, logger } = await readLog();
      if (logger.lines.some((l) => l.includes('truncated a torn'))) truncations++;
      for (const [off, seq] of acked) {
        const stored = batches.get(off);
        expect(stored, `acknowledged offset ${off} (seq ${seq}) missing after kill ${i}`).toBeDefined();
        const expected = Buffer.from(crashBatch(seq));
        setBaseOffset(expected, 0, off);
        expect(stored!.equals(expected)).toBe(true);
      }
    }
    console.info(`crash test: ${totalAcks} acknowledged appends over ${KILLS} kills, ${truncations} recoveries cut a torn tail`);
    expect(totalAcks).toBeGreaterThan(KILLS);
  }, 90_000);

  it('truncates a deliberately torn tail', async () => {
    const before = await readLog();
    const files = (await fs.readdir(path.join(dataDir, 'crash-0'))).filter((f) => f.endsWith('.log')).sort();
    const last = path.join(dataDir, 'crash-0', files[files.length - 1]);
    const torn = crashBatch(7).subarray(0, 80);
    await fs.appendFile(last, torn);
    const after = await readLog();
    expect(after.end).toBe(before.end);
    expect(after.logger.lines.some((l) => l.includes('truncated a torn or corrupt log tail') && l.includes('bytesCut=80'))).toBe(true);
  });
});
