// Produce acknowledgement latency against the disk's own (issue 18, item 5). Run:
//   npm run bench:ack-latency -- [--rate 2000] [--seconds 10] [--rounds 3] [--value 100] [--baseline-cli PATH]
//
// Each round, alternated, on the same file system (BENCH_DIR or the temp dir):
//  - the floor: a loop in this process that, at --rate per second, appends one batch-sized write to a
//    file and calls fdatasync for it (through libuv's thread pool, as the broker does), each call's
//    latency from its scheduled time to fdatasync's completion;
//  - the broker (`node dist/cli.js`, default settings: durability fsync): one connection sending
//    Produce v9 requests of one record (acks=all) at the same rate, each request's latency from send
//    to its response (the acknowledgement);
//  - the same against another build with --baseline-cli.
// Printed: p50, p99, p99.9 and max of each, and the broker's p99 over the floor's p99 (goal ≤ 2×).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllApiCodecs } from '../src/codec/index.js';
import { type Percentiles, percentile, roundTrips, sleep } from './load/loops.js';
import { type Child, startBrokerCli, stop } from './load/processes.js';
import { RawConnection, createTopic, makeBatch, produceError, produceFrame } from './load/raw-client.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RATE = Number(arg('--rate') ?? 2000);
const SECONDS = Number(arg('--seconds') ?? 10);
const ROUNDS = Number(arg('--rounds') ?? 3);
const VALUE = Number(arg('--value') ?? 100);
const BASELINE_CLI = arg('--baseline-cli') === undefined ? null : path.resolve(arg('--baseline-cli')!);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..'); // dist/bench-ack-latency/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'tributary-ack-'));

/** The floor: write + fdatasync of `size` bytes at `rate` per second for `ms`. */
async function fdatasyncLoop(size: number, rate: number, ms: number): Promise<Percentiles> {
  const file = path.join(base, 'fdatasync-loop');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(size, 0x61);
  const lat: number[] = [];
  let position = 0;
  let outstanding = 0;
  const t0 = performance.now();
  let issued = 0;
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (issued < due) {
      const scheduled = t0 + (issued++ * 1000) / rate;
      fs.writeSync(fd, chunk, 0, size, position);
      position += size;
      outstanding++;
      fs.fdatasync(fd, () => {
        outstanding--;
        lat.push(performance.now() - scheduled);
      });
    }
    await sleep(1);
  }
  while (outstanding > 0) await sleep(5);
  fs.closeSync(fd);
  fs.rmSync(file, { force: true });
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), p999: percentile(lat, 0.999), max: lat.at(-1) ?? NaN, n: lat.length };
}

async function brokerAcks(cli: string, tag: string): Promise<{ lat: Percentiles; batchBytes: number }> {
  const dataDir = path.join(base, `data-${tag}`);
  const broker: Child = await startBrokerCli(cli, dataDir, path.join(base, 'broker.log'));
  try {
    const conn = await RawConnection.connect(broker.port);
    await createTopic(conn, 'acks', 1);
    const batches = Array.from({ length: 64 }, (_, i) => makeBatch(VALUE, 1, i));
    const frames = batches.map((b, i) => produceFrame('acks', 0, b, -1, i));
    // Warm-up: the first appends open the segment and load the handler.
    for (let i = 0; i < 20; i++) if (produceError(await conn.request(frames[i])) !== 0) throw new Error('produce failed');
    const lat = await roundTrips(conn, frames, RATE, SECONDS * 1000);
    conn.socket.destroy();
    return { lat, batchBytes: batches[0].length };
  } finally {
    await stop(broker);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms = (x: number): string => `${x.toFixed(2)} ms`;
const line = (name: string, p: Percentiles): string => `${name.padEnd(34)} p50 ${ms(p.p50).padStart(9)}  p99 ${ms(p.p99).padStart(9)}  p99.9 ${ms(p.p999).padStart(9)}  max ${ms(p.max).padStart(9)}  (${p.n})`;

async function main(): Promise<void> {
  await loadAllApiCodecs();
  console.log(`# produce acknowledgement latency ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cpus  load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`# ${RATE}/s for ${SECONDS} s, one ${VALUE}-byte record per Produce (acks=all), ${ROUNDS} round(s); files in ${base}`);
  const targets: [string, string][] = [['this', CLI], ...(BASELINE_CLI === null ? [] : ([['baseline', BASELINE_CLI]] as [string, string][]))];
  const p99s = new Map<string, number[]>();
  const push = (k: string, v: number): void => void p99s.set(k, [...(p99s.get(k) ?? []), v]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    let batchBytes = 0;
    for (const [name, cli] of order) {
      const r = await brokerAcks(cli, `${name}-${round}`);
      batchBytes = r.batchBytes;
      console.log(line(`round ${round + 1} broker ${name}`, r.lat));
      push(name, r.lat.p99);
    }
    const floor = await fdatasyncLoop(batchBytes, RATE, SECONDS * 1000);
    console.log(line(`round ${round + 1} fdatasync loop (${batchBytes} B)`, floor));
    push('floor', floor.p99);
    for (const [name] of targets) console.log(`round ${round + 1} ${name} p99 / fdatasync p99 = ${(p99s.get(name)!.at(-1)! / floor.p99).toFixed(2)}   goal ≤ 2`);
  }
  fs.rmSync(base, { recursive: true, force: true });
}

await main();
