// Many-partitions benchmark (issue 19): what a broker with thousands of partitions costs to create,
// first-write, stop, restart and recover, and the memory an idle partition holds. Run:
//   npm run bench:many-partitions                       (1k and 10k partitions, one run each)
//   npm run bench:many-partitions -- --partitions 1000,10000,50000 --runs 3
// Options: --partitions LIST (default 1000,10000)  --topics N (default 10: partitions spread over them)
//          --runs N (default 1)  --baseline-cli PATH (the same steps against another build's dist/cli.js,
//            e.g. main's built in a temporary copy, alternated run by run)
//          --profile (the first two broker processes of the largest size under `node --cpu-prof`, summarised)
//          BENCH_DIR (default: OS temp dir).
//
// Each run, on a fresh file-storage data directory: start; CreateTopics (one request per topic);
// one 100-byte record (acks=all) into every partition; SIGTERM (clean stop); restart (start to
// listening, RSS at idle); the first produce after the restart; SIGTERM again (nearly nothing
// unflushed); start, one record into 1% of the partitions, SIGKILL; restart after the crash and the
// first produce to a partition written just before it.
// Idle bytes per partition = (RSS idle after the restart − RSS of the same build with no partitions) / N.
// The broker runs as a child process (`node dist/cli.js`), as in bench/broker.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, decodeResponse, encodeRequest, loadAllApiCodecs } from '../src/codec/index.js';
import { buildRecordBatch } from '../src/codec/records/index.js';
import { printSummary } from './load/cpuprofile.js';
import { rssMiB, sleep } from './load/loops.js';
import { RawConnection, createTopic } from './load/raw-client.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SIZES = (arg('--partitions') ?? '1000,10000').split(',').map(Number);
const TOPICS = Number(arg('--topics') ?? 10);
const RUNS = Number(arg('--runs') ?? 1);
const PROFILE = args.includes('--profile');
const BASELINE_CLI = arg('--baseline-cli') === undefined ? null : path.resolve(arg('--baseline-cli')!);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'); // dist/bench-many-partitions/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'tributary-many-'));
const PRODUCE_VERSION = 9;
const PARTITIONS_PER_PRODUCE = 100;
const IN_FLIGHT = 8;

const out = (line = ''): void => console.log(line);
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

interface Child {
  proc: ChildProcess;
  port: number;
  pid: number;
  /** Spawn to the listening banner, ms. */
  ms: number;
}

const BANNER = /Tributary listening on \S*:(\d+)/;

function startBroker(cli: string, dataDir: string, nodeArgs: string[] = []): Promise<Child> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const log = fs.openSync(path.join(base, 'broker.log'), 'a');
    const proc = spawn(process.execPath, [...nodeArgs, cli, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', log] });
    let text = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`broker not listening after 120 s: ${text}`));
    }, 120_000);
    proc.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = BANNER.exec(text);
      if (m !== null && timer.hasRef()) {
        clearTimeout(timer);
        timer.unref();
        resolve({ proc, port: Number(m[1]), pid: proc.pid!, ms: performance.now() - t0 });
      }
    });
    proc.once('exit', (code) => {
      if (timer.hasRef()) {
        clearTimeout(timer);
        reject(new Error(`broker exited with ${code}: ${text}`));
      }
    });
  });
}

/** Sends the signal and resolves with the ms until the process has exited. */
function stop(c: Child, signal: NodeJS.Signals): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve(0);
    const t = setTimeout(() => c.proc.kill('SIGKILL'), 120_000);
    c.proc.once('exit', () => {
      clearTimeout(t);
      resolve(performance.now() - t0);
    });
    c.proc.kill(signal);
  });
}

const topicName = (t: number): string => `many-${t}`;

/** One record of 100 bytes. */
function recordBatch(seed: number): Buffer {
  const value = Buffer.alloc(100, seed & 0xff);
  return buildRecordBatch({ now: Date.now(), records: [{ key: null, value, timestamp: Date.now() }] });
}

/** A Produce request (acks=all) with one batch for each of the given partitions of one topic. */
function produceFrame(topic: string, partitions: number[], batch: Buffer, correlationId: number): Buffer {
  const parts = encodeRequest(ApiKey.Produce, PRODUCE_VERSION, { correlationId, clientId: 'bench' }, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: partitions.map((index) => ({ index, records: batch })) }],
  });
  return Buffer.concat(parts);
}

function produceErrors(frame: Buffer): number {
  const { body } = decodeResponse(ApiKey.Produce, PRODUCE_VERSION, frame);
  let bad = 0;
  for (const t of body.responses) for (const p of t.partitionResponses) if (p.errorCode !== 0) bad++;
  return bad;
}

/** Writes one record into every partition, IN_FLIGHT requests of PARTITIONS_PER_PRODUCE partitions at a time. */
async function writeEverywhere(conn: RawConnection, perTopic: number): Promise<void> {
  const frames: Buffer[] = [];
  const batch = recordBatch(1);
  for (let t = 0; t < TOPICS; t++) {
    for (let p = 0; p < perTopic; p += PARTITIONS_PER_PRODUCE) {
      const ps = Array.from({ length: Math.min(PARTITIONS_PER_PRODUCE, perTopic - p) }, (_, i) => p + i);
      frames.push(produceFrame(topicName(t), ps, batch, frames.length));
    }
  }
  let next = 0;
  let bad = 0;
  const lane = async (): Promise<void> => {
    while (next < frames.length) bad += produceErrors(await conn.request(frames[next++]));
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  if (bad > 0) throw new Error(`${bad} partitions refused the first write`);
}

async function idleRss(pid: number): Promise<number> {
  await sleep(1000);
  return rssMiB(pid);
}

interface Figures {
  createMs: number;
  firstWriteMs: number;
  rssAfterWriteMiB: number;
  cleanStopMs: number;
  restartMs: number;
  rssIdleMiB: number;
  bytesPerPartition: number;
  firstProduceAfterRestartMs: number;
  idleStopMs: number;
  crashRestartMs: number;
  firstProduceAfterCrashMs: number;
}

/** The RSS of this build with no partitions (the reference for bytes per idle partition). */
async function emptyRss(cli: string): Promise<number> {
  const dir = path.join(base, `empty-${Math.random().toString(36).slice(2)}`);
  const b = await startBroker(cli, dir);
  const rss = await idleRss(b.pid);
  await stop(b, 'SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  return rss;
}

async function produceOne(port: number, topic: string, partition: number): Promise<number> {
  const conn = await RawConnection.connect(port);
  const t0 = performance.now();
  const bad = produceErrors(await conn.request(produceFrame(topic, [partition], recordBatch(2), 1)));
  const ms = performance.now() - t0;
  conn.close();
  if (bad > 0) throw new Error(`produce to ${topic}/${partition} failed`);
  return ms;
}

async function runOnce(cli: string, n: number, empty: number, profileDir: string | null): Promise<Figures> {
  const dir = path.join(base, `data-${n}-${Math.random().toString(36).slice(2)}`);
  const perTopic = Math.ceil(n / TOPICS);
  const prof = profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  // 1. Create and first write, then a clean stop with those writes not yet checkpointed.
  let b = await startBroker(cli, dir, prof);
  let conn = await RawConnection.connect(b.port);
  let t0 = performance.now();
  for (let t = 0; t < TOPICS; t++) await createTopic(conn, topicName(t), perTopic);
  const createMs = performance.now() - t0;
  t0 = performance.now();
  await writeEverywhere(conn, perTopic);
  const firstWriteMs = performance.now() - t0;
  const rssAfterWriteMiB = rssMiB(b.pid);
  conn.close();
  const cleanStopMs = await stop(b, 'SIGTERM');

  // 2. Clean restart; idle RSS; one produce; a clean stop with (almost) nothing unflushed.
  b = await startBroker(cli, dir, prof);
  const restartMs = b.ms;
  const rssIdleMiB = await idleRss(b.pid);
  const firstProduceAfterRestartMs = await produceOne(b.port, topicName(TOPICS - 1), perTopic - 1);
  const idleStopMs = await stop(b, 'SIGTERM');

  // 3. One record into 1% of the partitions, SIGKILL, restart, the first produce to one of them.
  b = await startBroker(cli, dir);
  conn = await RawConnection.connect(b.port);
  const step = 100;
  for (let t = 0; t < TOPICS; t++) {
    const ps = Array.from({ length: Math.ceil(perTopic / step) }, (_, i) => i * step);
    if (produceErrors(await conn.request(produceFrame(topicName(t), ps, recordBatch(3), 2))) > 0) throw new Error('produce before the crash failed');
  }
  conn.close();
  await stop(b, 'SIGKILL');
  b = await startBroker(cli, dir);
  const crashRestartMs = b.ms;
  const firstProduceAfterCrashMs = await produceOne(b.port, topicName(0), 0);
  await stop(b, 'SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    createMs,
    firstWriteMs,
    rssAfterWriteMiB,
    cleanStopMs,
    restartMs,
    rssIdleMiB,
    bytesPerPartition: ((rssIdleMiB - empty) * 1024 * 1024) / n,
    firstProduceAfterRestartMs,
    idleStopMs,
    crashRestartMs,
    firstProduceAfterCrashMs,
  };
}

const ROWS: [keyof Figures, string, number][] = [
  ['createMs', 'CreateTopics (ms)', 0],
  ['firstWriteMs', 'first write, one record each (ms)', 0],
  ['rssAfterWriteMiB', 'RSS after the writes (MiB)', 0],
  ['cleanStopMs', 'clean stop right after the writes, SIGTERM to exit (ms)', 0],
  ['restartMs', 'clean restart, spawn to listening (ms)', 0],
  ['rssIdleMiB', 'RSS idle after the restart (MiB)', 0],
  ['bytesPerPartition', 'bytes per idle partition', 0],
  ['firstProduceAfterRestartMs', 'first produce after the restart (ms)', 1],
  ['idleStopMs', 'clean stop after the restart, one partition written (ms)', 0],
  ['crashRestartMs', 'restart after SIGKILL (1% of partitions just written), spawn to listening (ms)', 0],
  ['firstProduceAfterCrashMs', 'first produce after the crash, to a written partition (ms)', 1],
];

function spread(xs: number[], d: number): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)];
  return xs.length === 1 ? fmt(med, d) : `${fmt(med, d)} (${fmt(sorted[0], d)}–${fmt(sorted[sorted.length - 1], d)})`;
}

async function main(): Promise<void> {
  await loadAllApiCodecs();
  out(`# Tributary many-partitions bench ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cpus  load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  out(`# ${TOPICS} topics, one 100-byte record (acks=all) per partition, ${RUNS} run(s); medians (min–max)${BASELINE_CLI ? `; baseline ${BASELINE_CLI}` : ''}`);
  const builds: [string, string][] = [['this', CLI]];
  if (BASELINE_CLI !== null) builds.push(['baseline', BASELINE_CLI]);
  const empty = new Map<string, number>();
  for (const [name, cli] of builds) empty.set(name, await emptyRss(cli));
  for (const n of SIZES) {
    const results = new Map<string, Figures[]>(builds.map(([name]) => [name, []]));
    for (let r = 0; r < RUNS; r++) {
      // Alternate which build goes first, run by run.
      const order = r % 2 === 0 ? builds : [...builds].reverse();
      for (const [name, cli] of order) {
        const profileDir = PROFILE && name === 'this' && r === 0 && n === Math.max(...SIZES) ? fs.mkdtempSync(path.join(base, 'prof-')) : null;
        results.get(name)!.push(await runOnce(cli, n, empty.get(name)!, profileDir));
        if (profileDir !== null) {
          for (const f of fs.readdirSync(profileDir).sort()) {
            out(`\n## profile ${f} (1: create, first write, stop; 2: restart, one produce, stop)`);
            printSummary(path.join(profileDir, f), 15);
          }
        }
      }
    }
    out(`\n## ${fmt(n)} partitions`);
    out(`| | ${builds.map(([name]) => name).join(' | ')} |${builds.length > 1 ? ' this / baseline |' : ''}`);
    out(`|---|${builds.map(() => '---:').join('|')}|${builds.length > 1 ? '---:|' : ''}`);
    for (const [k, label, d] of ROWS) {
      const cells = builds.map(([name]) => spread(results.get(name)!.map((f) => f[k]), d));
      let ratio = '';
      if (builds.length > 1) {
        const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const a = med(results.get('this')!.map((f) => f[k]));
        const b2 = med(results.get('baseline')!.map((f) => f[k]));
        ratio = ` ${b2 > 0 ? (a / b2).toFixed(2) : 'n/a'} |`;
      }
      out(`| ${label} | ${cells.join(' | ')} |${ratio}`);
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
