// End-to-end broker benchmark. Run:   npm run bench:broker            (~2-3 min)
//                                     npm run bench:broker -- --quick (~30 s)
// Options: --only baseline,produce,compare,metrics,fetch,latency,kafkajs,startup,storage (steps to run; default all)
//          --profile  (run the broker under `node --cpu-prof` and print where its time goes)
//          --baseline-cli PATH  (the compare step: pipelined produce of this broker against another
//            build's dist/cli.js, e.g. the base commit's built in a temporary git worktree, alternated
//            round by round; the step is skipped without it)
//          (the metrics step: the same alternated produce, against this build with metrics.listener set)
//          --rounds N  (alternated rounds per case, default 3; the compare and metrics steps also print
//            each side's median and spread, max/min of its rounds, besides the best)
//          BENCH_DIR (default: OS temp dir), BENCH_STEP_MS (length of one measured case).
//
// The broker runs as a child process (`node dist/cli.js`), so the load generator here never shares
// its event loop. Every figure is printed as an absolute value and as a ratio to a reference measured
// in the same run (the machine is shared and noisy: ratios travel, absolutes don't):
//   - raw loopback TCP between two Node processes (bench/load/sink.ts ack), same frames, pipelined;
//   - the ingest ceiling: a minimal Node program that checks each batch's CRC-32C and appends it to a
//     file (sink.ts ingest-os / ingest-fsync) — the most any Node broker could do here;
//   - `node -e 0` for start-up.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllApiCodecs } from '../src/codec/index.js';
import { printSummary } from './load/cpuprofile.js';
import { type Percentiles, type Rate, connect, cpuMs, deleteTopic, median, produceToConsumeLatency, pump as pumpFor, roundTrips, rssMiB, sleep } from './load/loops.js';
import { RawConnection, createTopic, fetchFrame, makeBatch, parseFetch, produceError, produceFrame } from './load/raw-client.js';

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const PROFILE = args.includes('--profile');
const onlyArg = args.find((a) => a.startsWith('--only'));
const ONLY = onlyArg === undefined ? null : new Set((onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(','));
const baselineArg = args.indexOf('--baseline-cli');
const BASELINE_CLI = baselineArg >= 0 ? path.resolve(args[baselineArg + 1]) : null;
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? (QUICK ? 1000 : 3000));
const WARM_MS = Math.min(500, STEP_MS / 4);
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Math.max(1, Number(args[roundsArg + 1])) : QUICK ? 1 : 3;
const IN_FLIGHT = 16; // requests in flight per connection
const BATCH_BYTES = 16 * 1024;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'); // dist/bench-broker/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const SINK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load/sink.js');
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'tributary-bench-'));
const want = (step: string): boolean => ONLY === null || ONLY.has(step);

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(0)}%` : 'n/a');

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  proc: ChildProcess;
  port: number;
  pid: number;
}

/** Spawns `node ...argv` and waits until stdout matches `ready` (its first group is the port). */
function spawnUntil(argv: string[], ready: RegExp, logFile: string | null): Promise<Child & { ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', logFile === null ? 'ignore' : fs.openSync(logFile, 'a')] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')}: not ready after 30 s; output: ${out}`));
    }, 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m !== null && timer.hasRef()) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        timer.unref();
        resolve({ proc, port: Number(m[1]), pid: proc.pid!, ms });
      }
    });
    proc.once('exit', (code) => {
      if (timer.hasRef()) {
        clearTimeout(timer);
        reject(new Error(`${argv.join(' ')} exited with ${code}: ${out}`));
      }
    });
  });
}

function stop(c: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
    const t = setTimeout(() => c.proc.kill('SIGKILL'), 20_000);
    c.proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.proc.kill(signal);
  });
}

const BANNER = /Tributary listening on \S*:(\d+)/;

function startBroker(dataDir: string, extraNodeArgs: string[] = [], cli = CLI, brokerArgs: string[] = []): Promise<Child & { ms: number }> {
  return spawnUntil([...extraNodeArgs, cli, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...brokerArgs], BANNER, path.join(base, 'broker.log'));
}

// ---------------------------------------------------------------------------------------------
// The pipelined load loop

/** The shared pump (load/loops.ts) with this bench's step length and warm-up by default. */
function pump(conns: RawConnection[], frames: Buffer[][], inFlight: number, check: (frame: Buffer) => void, stepMs = STEP_MS): Promise<Rate> {
  return pumpFor(conns, frames, inFlight, check, stepMs, WARM_MS);
}

interface Shape {
  name: string;
  valueSize: number;
  count: number;
  batches: Buffer[];
  batchBytes: number;
}

function shape(name: string, valueSize: number): Shape {
  // As many records as fit in a 16 KiB batch (61-byte header, ~8 bytes of record framing each).
  const count = Math.floor((BATCH_BYTES - 61) / (valueSize + 8 + (valueSize >= 128 ? 1 : 0)));
  const batches = Array.from({ length: 4 }, (_, i) => makeBatch(valueSize, count, i));
  return { name, valueSize, count, batches, batchBytes: batches[0].length };
}

/** Frames for each connection: connection i produces to partition i. */
function framesFor(s: Shape, topic: string, conns: number, acks: number): Buffer[][] {
  return Array.from({ length: conns }, (_, ci) => s.batches.map((b, j) => produceFrame(topic, ci, b, acks, ci * 1000 + j)));
}

const okProduce = (frame: Buffer): void => {
  const code = produceError(frame);
  if (code !== 0) throw new Error(`produce error ${code}`);
};

// ---------------------------------------------------------------------------------------------

function out(line = ''): void {
  console.log(line);
}

/** CPU µs per request of the last sinkRate/brokerRate run (scheduling noise hardly moves it). */
let lastCpuUs = NaN;

async function sinkRate(mode: string, s: Shape, conns: number): Promise<number> {
  const file = path.join(base, `sink-${mode}.bin`);
  const sink = await spawnUntil([SINK, mode, file], /listening (\d+)/, null);
  try {
    const cs = await connect(sink.port, conns);
    const cpu0 = cpuMs(sink.pid);
    const r = await pump(cs, framesFor(s, 'bench', conns, 1), IN_FLIGHT, okProduce);
    lastCpuUs = ((cpuMs(sink.pid) - cpu0) * 1000) / r.total;
    for (const c of cs) c.close();
    return r.reqPerSec;
  } finally {
    await stop(sink);
    fs.rmSync(file, { force: true });
  }
}

async function main(): Promise<void> {
  await loadAllApiCodecs();
  const load = os.loadavg();
  out(`# Tributary broker bench ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`);
  out(`# load average at start: ${load.map((x) => x.toFixed(2)).join(' ')}   step ${STEP_MS} ms, ${IN_FLIGHT} requests in flight per connection${QUICK ? '  (--quick)' : ''}`);
  const kib = shape('1 KiB', 1024);
  const small = shape('100 B', 100);
  const connCounts = QUICK ? [1, 4] : [1, 4, 16];

  // 1-2. Baseline and ingest ceiling (1 KiB-record frames; 100-byte frames are the same size).
  // `${mode}/${conns}` → requests/s: the best seen in this run (the matrix compares against it).
  const ref = new Map<string, number>();
  const noteRef = (key: string, v: number): void => void ref.set(key, Math.max(v, ref.get(key) ?? 0));
  if (want('baseline') || want('produce')) {
    out('');
    out(`## References (${kib.batchBytes}-byte batches in Produce v9 frames, pipelined)`);
    for (const mode of ['ack', 'ingest-os', 'ingest-fsync']) {
      for (const n of connCounts) {
        const rps = await sinkRate(mode, kib, n);
        noteRef(`${mode}/${n}`, rps);
        const label = mode === 'ack' ? 'raw TCP write→read→ack' : mode === 'ingest-os' ? 'ingest ceiling (CRC + append, os)' : 'ingest ceiling (CRC + append + fdatasync)';
        out(`${label.padEnd(42)} ${String(n).padStart(2)} conn  ${fmt((rps * kib.batchBytes) / MiB).padStart(6)} MB/s  ${fmt(rps).padStart(7)} req/s  = ${pct(rps, ref.get(`ack/${n}`)!)} of best raw TCP so far`);
      }
    }
  }

  // The broker under test.
  const dataDir = path.join(base, 'data');
  const profDir = path.join(base, 'prof');
  let broker: (Child & { ms: number }) | null = null;
  const needBroker = ['produce', 'metrics', 'fetch', 'latency', 'kafkajs'].some(want) || (want('compare') && BASELINE_CLI !== null);
  if (needBroker) {
    broker = await startBroker(dataDir, PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
    out('');
    out(`## Broker: node dist/cli.js (pid ${broker.pid}, port ${broker.port}, data in ${dataDir}, durability fsync default)`);
  }
  const admin = broker === null ? null : await RawConnection.connect(broker.port);
  let peak1k = 0; // best 1 KiB acks=1 requests/s, for the latency rate

  // The two target ratios first, measured back to back and alternated (best of ROUNDS each), so a
  // burst of load from other processes hits the reference and the broker alike.
  if (broker !== null && admin !== null && want('produce')) {
    out('');
    out(`## Headline (one connection, acks=1; broker and reference alternated, best of ${ROUNDS} rounds)`);
    const best = { tcp: 0, ingest: 0, kib: 0, kibOs: 0, small: 0 };
    const cpu = { tcp: Infinity, ingest: Infinity, kib: Infinity, kibOs: Infinity, small: Infinity };
    const brokerRate = async (s: Shape, topic: string, configs: Record<string, string>): Promise<number> => {
      await createTopic(admin, topic, 1, configs);
      const [c] = await connect(broker.port, 1);
      const cpu0 = cpuMs(broker.pid);
      const r = await pump([c], framesFor(s, topic, 1, 1), IN_FLIGHT, okProduce);
      lastCpuUs = ((cpuMs(broker.pid) - cpu0) * 1000) / r.total;
      c.close();
      await deleteTopic(admin, topic);
      return r.reqPerSec;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const note = (k: keyof typeof best, v: number): void => {
        best[k] = Math.max(best[k], v);
        cpu[k] = Math.min(cpu[k], lastCpuUs);
      };
      note('tcp', await sinkRate('ack', kib, 1));
      note('ingest', await sinkRate('ingest-os', kib, 1));
      note('kib', await brokerRate(kib, `headline-${round}-kib`, {}));
      // The same with the topic's durability=os: no background fdatasync, like the ingest program.
      note('kibOs', await brokerRate(kib, `headline-${round}-kib-os`, { durability: 'os' }));
      note('small', await brokerRate(small, `headline-${round}-small`, {}));
    }
    peak1k = Math.max(peak1k, best.kib);
    noteRef('ack/1', best.tcp);
    noteRef('ingest-os/1', best.ingest);
    const mb = (rps: number): string => fmt((rps * kib.batchBytes) / MiB).padStart(6);
    out(`raw TCP (= load generator ceiling)        ${mb(best.tcp)} MB/s`);
    out(`ingest ceiling (CRC + append, os)         ${mb(best.ingest)} MB/s  = ${pct(best.ingest, best.tcp)} of raw TCP`);
    out(`broker 1 KiB records, 16 KiB batches      ${mb(best.kib)} MB/s  = ${pct(best.kib, best.ingest)} of ingest ceiling (target ≥ 65%), ${pct(best.kib, best.tcp)} of raw TCP`);
    out(`  same, topic durability=os               ${mb(best.kibOs)} MB/s  = ${pct(best.kibOs, best.ingest)} of ingest ceiling, ${pct(best.kibOs, best.tcp)} of raw TCP`);
    out(`CPU per ${kib.batchBytes}-byte request (server process, best round; robust to load): raw TCP ${cpu.tcp.toFixed(0)} µs, ingest ${cpu.ingest.toFixed(0)} µs,`);
    out(`  broker 1 KiB ${cpu.kib.toFixed(0)} µs (= ${(cpu.kib / cpu.ingest).toFixed(2)}× ingest → CPU-bound ceiling ${pct(cpu.ingest, cpu.kib)} of it), durability=os ${cpu.kibOs.toFixed(0)} µs, 100 B ${cpu.small.toFixed(0)} µs (${fmt((small.count * 1e6) / cpu.small)} rec per CPU-second)`);
    out(`broker 100 B records, one connection      ${fmt(best.small * small.count).padStart(10)} rec/s (target ≥ 1,000,000)  ${fmt((best.small * small.batchBytes) / MiB).padStart(6)} MB/s = ${pct(best.small * small.batchBytes, best.ingest * kib.batchBytes)} of ingest ceiling`);
  }

  // 3. Produce.
  if (broker !== null && admin !== null && want('produce')) {
    out('');
    out('## Produce (pipelined raw-protocol producer; connection i → partition i; MB/s of record batches;');
    out('##   ratios against the best reference of the same connection count seen in this run)');
    let t = 0;
    for (const s of [small, kib]) {
      for (const acks of [1, -1]) {
        for (const n of connCounts) {
          const topic = `produce-${t++}`;
          await createTopic(admin, topic, n);
          const cs = await connect(broker.port, n);
          const r = await pump(cs, framesFor(s, topic, n, acks), IN_FLIGHT, okProduce);
          for (const c of cs) c.close();
          await deleteTopic(admin, topic);
          const mbs = (r.reqPerSec * s.batchBytes) / MiB;
          const ceil = ref.get(`${acks === 1 ? 'ingest-os' : 'ingest-fsync'}/${n}`) ?? NaN;
          const tcp = ref.get(`ack/${n}`) ?? NaN;
          if (s === kib && acks === 1 && n === 1) peak1k = Math.max(peak1k, r.reqPerSec); // latency uses one connection
          out(
            `${s.name} × ${String(s.count).padStart(3)}/batch  acks=${String(acks).padStart(2)}  ${String(n).padStart(2)} conn  ${fmt(mbs).padStart(6)} MB/s  ${fmt(r.reqPerSec * s.count).padStart(10)} rec/s` +
              `  = ${pct(r.reqPerSec * s.batchBytes, ceil * kib.batchBytes).padStart(4)} of ingest ${acks === 1 ? 'os' : 'fsync'}, ${pct(r.reqPerSec * s.batchBytes, tcp * kib.batchBytes).padStart(4)} of raw TCP`,
          );
        }
      }
    }
  }

  // 3b. Pipelined produce against another build (--baseline-cli), alternated round by round.
  if (broker !== null && admin !== null && want('compare') && BASELINE_CLI !== null) {
    await comparePipelinedProduce(broker, admin, [small, kib], connCounts);
  }

  // 3c. The cost of metrics on the produce path (goal: at most 3% of throughput).
  if (broker !== null && admin !== null && want('metrics')) {
    await compareMetricsProduce(broker, admin, [small, kib], connCounts);
  }

  // 4. Fetch from warm data.
  if (broker !== null && admin !== null && want('fetch')) {
    out('');
    const parts = 4;
    const fillMiB = QUICK ? 64 : 256;
    await createTopic(admin, 'fetch', parts);
    const cs = await connect(broker.port, parts);
    const perConn = Math.ceil((fillMiB * MiB) / kib.batchBytes / parts);
    // Fill: exactly perConn batches per partition.
    await Promise.all(
      cs.map(
        (c, ci) =>
          new Promise<void>((resolve, reject) => {
            const frames = kib.batches.map((b, j) => produceFrame('fetch', ci, b, 1, j));
            let sent = 0;
            let done = 0;
            const onResponse = (f: Buffer): void => {
              if (produceError(f) !== 0) return reject(new Error('fill produce failed'));
              if (++done === perConn) return resolve();
              if (sent < perConn) c.send(frames[sent++ % frames.length], onResponse);
            };
            for (let i = 0; i < IN_FLIGHT && sent < perConn; i++) c.send(frames[sent++ % frames.length], onResponse);
          }),
      ),
    );
    for (const c of cs) c.close();
    const records = perConn * kib.count; // per partition
    const consumer = await RawConnection.connect(broker.port);
    const maxBytes = 64 * MiB;
    const partMax = 4 * MiB;
    const fetchMs = Math.max(STEP_MS, 2000);
    // One pass over everything first (warms the page cache and the broker), then the measured loop.
    const offsets = new Array<number>(parts).fill(0);
    let bytes = 0;
    let fetches = 0;
    const fetchOnce = async (): Promise<number> => {
      const frame = await consumer.request(fetchFrame('fetch', offsets.map((o, p) => ({ partition: p, offset: o })), { maxWaitMs: 0, minBytes: 1, maxBytes, partitionMaxBytes: partMax, correlationId: fetches }));
      let got = 0;
      for (const p of parseFetch(frame)) {
        if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
        got += p.bytes;
        const last = p.batches.at(-1);
        offsets[p.partition] = last === undefined || last.lastOffset + 1 >= records ? 0 : last.lastOffset + 1;
      }
      fetches++;
      return got;
    };
    for (let b = 0; b < fillMiB * MiB; ) b += await fetchOnce();
    const t0 = performance.now();
    bytes = 0;
    fetches = 0;
    const cpu0 = cpuMs(broker.pid);
    while (performance.now() - t0 < fetchMs) bytes += await fetchOnce();
    const sec = (performance.now() - t0) / 1000;
    const brokerCpuPerMiB = (cpuMs(broker.pid) - cpu0) / (bytes / MiB);
    consumer.close();
    const mbs = bytes / MiB / sec;
    // References with the same response size, one request at a time: bulk TCP from memory, and
    // pread from a warm file + send (the most a Node broker could serve here).
    const respBytes = Math.round(bytes / fetches);
    const cpuPerMiB = { serve: NaN, 'serve-file': NaN } as Record<string, number>;
    const serveRate = async (mode: string): Promise<number> => {
      const file = path.join(base, 'serve.bin');
      const sink = await spawnUntil([SINK, mode, file, String(respBytes)], /listening (\d+)/, null);
      try {
        const [c] = await connect(sink.port, 1);
        const cpu0 = cpuMs(sink.pid);
        const r = await pump([c], [[fetchFrame('x', [{ partition: 0, offset: 0 }], { maxWaitMs: 0, minBytes: 1, maxBytes, partitionMaxBytes: partMax, correlationId: 0 })]], 1, () => {}, fetchMs);
        cpuPerMiB[mode] = (cpuMs(sink.pid) - cpu0) / ((r.total * respBytes) / MiB);
        c.close();
        return (r.reqPerSec * respBytes) / MiB;
      } finally {
        await stop(sink);
        fs.rmSync(file, { force: true });
      }
    };
    const tcpBulk = await serveRate('serve');
    const fileBulk = await serveRate('serve-file');
    out(`## Fetch from warm data (${fillMiB} MiB in ${parts} partitions, one consumer, max_bytes ${maxBytes / MiB} MiB, partition max ${partMax / MiB} MiB, one request at a time, ~${fmt(respBytes / MiB, 1)} MiB per response)`);
    out(`raw TCP bulk, same response size          ${fmt(tcpBulk).padStart(6)} MB/s`);
    out(`fetch ceiling (pread warm file + send)    ${fmt(fileBulk).padStart(6)} MB/s  = ${pct(fileBulk, tcpBulk)} of raw TCP bulk`);
    out(`broker fetch                              ${fmt(mbs).padStart(6)} MB/s  ${fmt(((bytes / kib.batchBytes) * kib.count) / sec)} rec/s  = ${pct(mbs, fileBulk)} of fetch ceiling, ${pct(mbs, tcpBulk)} of raw TCP bulk   target ≥ 1 GB/s`);
    out(`CPU ms per MiB served (robust to load): raw TCP bulk ${cpuPerMiB.serve.toFixed(2)}, pread+send ${cpuPerMiB['serve-file'].toFixed(2)}, broker ${brokerCpuPerMiB.toFixed(2)} (= ${(brokerCpuPerMiB / cpuPerMiB['serve-file']).toFixed(2)}× pread+send; CPU-bound ceiling ${fmt(1000 / brokerCpuPerMiB)} MB/s per core)`);
    await deleteTopic(admin, 'fetch');
  }

  // 5. End-to-end latency at 20% of peak.
  if (broker !== null && admin !== null && want('latency')) {
    out('');
    if (peak1k === 0) {
      // No produce step in this run: measure the peak quickly.
      await createTopic(admin, 'peak', 1);
      const [c] = await connect(broker.port, 1);
      peak1k = (await pump([c], framesFor(kib, 'peak', 1, 1), IN_FLIGHT, okProduce, Math.min(STEP_MS, 2000))).reqPerSec;
      c.close();
      await deleteTopic(admin, 'peak');
    }
    const rate = process.env.BENCH_LAT_RATE !== undefined ? Number(process.env.BENCH_LAT_RATE) : 0.2 * peak1k;
    out(`## End-to-end latency (1 KiB × ${kib.count} batches at ${fmt(rate)}/s = 20% of the one-connection peak ${fmt((peak1k * kib.batchBytes) / MiB)} MB/s; produce acks=1 → long-poll fetch sees it)`);
    // With durability fsync the high watermark (what a consumer may see) moves at the fdatasync, so
    // the figure includes the disk's sync time; durability=os shows the broker's own share.
    {
      const sink = await spawnUntil([SINK, 'ack'], /listening (\d+)/, null);
      const [c] = await connect(sink.port, 1);
      const rtt = await roundTrips(c, kib.batches.map((b, j) => produceFrame('x', 0, b, 1, j)), rate, QUICK ? 2000 : 4000);
      c.close();
      await stop(sink);
      out(`raw TCP write→ack round trip, same rate   p50 ${rtt.p50.toFixed(2)} ms  p99 ${rtt.p99.toFixed(2)} ms  p999 ${rtt.p999.toFixed(2)} ms  max ${rtt.max.toFixed(2)} ms  (the floor on this machine now)`);
    }
    for (const durability of ['fsync', 'os']) {
      const lat = await latency(broker.port, admin, kib, rate, QUICK ? 2500 : 5000, { durability });
      out(`latency, topic durability=${durability.padEnd(5)}  p50 ${lat.p50.toFixed(2)} ms  p99 ${lat.p99.toFixed(2)} ms  p999 ${lat.p999.toFixed(2)} ms  max ${lat.max.toFixed(2)} ms  (${fmt(lat.n)} batches)   target p99 < 2 ms`);
    }
  }

  // 6. kafkajs.
  if (broker !== null && admin !== null && want('kafkajs')) {
    out('');
    const r = await kafkajsRate(broker.port, admin, kib);
    const ceil = ref.get('ingest-os/1');
    out(`kafkajs producer (1 KiB × ${kib.count} per send, acks=1, 8 sends in flight, 1 partition)  ${fmt(r.mbs).padStart(6)} MB/s  ${fmt(r.recs)} rec/s${ceil ? `  = ${pct(r.mbs, (ceil * kib.batchBytes) / MiB)} of ingest os` : ''}`);
  }

  if (broker !== null) {
    admin?.close();
    await stop(broker);
    if (PROFILE) {
      out('');
      for (const f of fs.existsSync(profDir) ? fs.readdirSync(profDir) : []) printSummary(path.join(profDir, f), 30);
      console.log(`(profile kept in ${profDir})`);
    }
  }

  // 7. The memory engine against the file engine.
  if (want('storage')) await storageEngines();

  // 8. Start-up and idle RSS (bench/startup.mjs compares Node versions and a baseline build).
  if (want('startup')) {
    out('');
    const runs = QUICK ? 3 : 5;
    const nodeMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', () => resolve()));
      nodeMs.push(performance.now() - t0);
    }
    const brokerMs: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const dir = path.join(base, `startup-${i}`);
      const b = await startBroker(dir);
      brokerMs.push(b.ms);
      await sleep(300);
      rss.push(rssMiB(b.pid));
      await stop(b);
    }
    const nm = median(nodeMs);
    const bm = median(brokerMs);
    out(`start-up to listening (empty data dir, median of ${runs})  ${bm.toFixed(0)} ms  vs node -e 0 ${nm.toFixed(0)} ms  (= ${(bm / nm).toFixed(2)}×, +${(bm - nm).toFixed(0)} ms)   target ≤ 100 ms`);
    out(`idle RSS after start (VmRSS, median)                     ${median(rss).toFixed(1)} MiB   target ≤ 60 MiB`);
  }
  out('');
  out(`# load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (!PROFILE) fs.rmSync(base, { recursive: true, force: true });
}

/**
 * memory:// against file:// (each its own broker process, default settings): pipelined produce of
 * 1 KiB records in large batches and fetch of warm data, alternated round by round (best of ROUNDS),
 * then the memory broker's RSS against the bytes it stores once filled to STORE_MIB.
 */
async function storageEngines(): Promise<void> {
  const STORE_MIB = QUICK ? 128 : 500;
  const big = (() => {
    const count = 250; // 1 KiB records, ~258 KB batches (librdkafka's perf tool sends ~1 MB requests)
    const batches = Array.from({ length: 4 }, (_, i) => makeBatch(1024, count, i));
    return { name: '1 KiB', valueSize: 1024, count, batches, batchBytes: batches[0].length };
  })();
  const spawnEngine = (args: string[]): Promise<Child & { ms: number }> => spawnUntil([CLI, '--port', '0', '--host', '127.0.0.1', ...args], BANNER, path.join(base, 'broker-storage.log'));
  const engines = [
    { name: 'memory://', b: await spawnEngine(['--storage', 'memory://']) },
    { name: 'file://', b: await spawnEngine(['--data-dir', path.join(base, 'data-storage')]) },
  ];
  const admins = await Promise.all(engines.map((e) => RawConnection.connect(e.b.port)));
  out('');
  out(`## Storage engines: memory:// against file:// (each its own broker, default settings; 1 KiB × ${big.count} per batch = ${big.batchBytes}-byte batches,`);
  out(`##   ${IN_FLIGHT} in flight per connection, alternated, best of ${ROUNDS} rounds; CPU µs per request of the broker process)`);
  let t = 0;
  try {
    // First (on fresh brokers, so RSS is what the data holds): fill both to STORE_MIB (4 partitions),
    // then fetch it all, alternated; then the produce rounds.
    const parts = 4;
    const perPart = Math.ceil((STORE_MIB * MiB) / big.batchBytes / parts);
    const stored = perPart * parts * big.batchBytes;
    const rssBefore = rssMiB(engines[0].b.pid);
    for (let i = 0; i < engines.length; i++) {
      await createTopic(admins[i], 'store', parts);
      const cs = await connect(engines[i].b.port, parts);
      await Promise.all(
        cs.map(
          (c, ci) =>
            new Promise<void>((resolve, reject) => {
              const frames = big.batches.map((b, j) => produceFrame('store', ci, b, 1, j));
              let sent = 0;
              let done = 0;
              const onResponse = (f: Buffer): void => {
                if (produceError(f) !== 0) return reject(new Error('fill produce failed'));
                if (++done === perPart) return resolve();
                if (sent < perPart) c.send(frames[sent++ % frames.length], onResponse);
              };
              for (let k = 0; k < IN_FLIGHT && sent < perPart; k++) c.send(frames[sent++ % frames.length], onResponse);
            }),
        ),
      );
      for (const c of cs) c.close();
    }
    await sleep(1000);
    const rssAfter = rssMiB(engines[0].b.pid);
    const fetchMs = Math.max(STEP_MS, 2000);
    const fetchBest = engines.map(() => ({ mbs: 0, cpu: Infinity }));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < engines.length; k++) {
        const i = (k + round) % engines.length;
        const consumer = await RawConnection.connect(engines[i].b.port);
        const offsets = new Array<number>(parts).fill(0);
        const records = perPart * big.count;
        let bytes = 0;
        const t0 = performance.now();
        const cpu0 = cpuMs(engines[i].b.pid);
        while (performance.now() - t0 < fetchMs) {
          const frame = await consumer.request(fetchFrame('store', offsets.map((o, p) => ({ partition: p, offset: o })), { maxWaitMs: 0, minBytes: 1, maxBytes: 64 * MiB, partitionMaxBytes: 4 * MiB, correlationId: 1 }));
          for (const p of parseFetch(frame)) {
            if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
            bytes += p.bytes;
            const last = p.batches.at(-1);
            offsets[p.partition] = last === undefined || last.lastOffset + 1 >= records ? 0 : last.lastOffset + 1;
          }
        }
        const sec = (performance.now() - t0) / 1000;
        fetchBest[i].mbs = Math.max(fetchBest[i].mbs, bytes / MiB / sec);
        fetchBest[i].cpu = Math.min(fetchBest[i].cpu, (cpuMs(engines[i].b.pid) - cpu0) / (bytes / MiB));
        consumer.close();
      }
    }
    out(`fetch (${fmt(stored / MiB)} MiB in ${parts} partitions, 64 MiB max)  memory ${fmt(fetchBest[0].mbs).padStart(5)} MB/s  file ${fmt(fetchBest[1].mbs).padStart(5)} MB/s  = ${pct(fetchBest[0].mbs, fetchBest[1].mbs)} of file;  CPU ms/MiB ${fetchBest[0].cpu.toFixed(2)} vs ${fetchBest[1].cpu.toFixed(2)}`);
    const rssEnd = rssMiB(engines[0].b.pid);
    out(`memory:// RSS with ${fmt(stored / MiB)} MiB stored: ${fmt(rssAfter)} MiB after the fill, ${fmt(rssEnd)} MiB after the fetches (${fmt(rssBefore)} MiB before the fill) = ${(rssAfter / (stored / MiB)).toFixed(2)}× the bytes stored, ${((rssAfter - rssBefore) / (stored / MiB)).toFixed(2)}× counting only what the fill added   target ≤ 1.10×`);
    for (const acks of [1, -1]) {
      for (const n of [1, 4]) {
        const best = engines.map(() => ({ rps: 0, cpu: Infinity }));
        for (let round = 0; round < ROUNDS; round++) {
          for (let k = 0; k < engines.length; k++) {
            const i = (k + round) % engines.length;
            const topic = `engine-${t++}`;
            await createTopic(admins[i], topic, n);
            const cs = await connect(engines[i].b.port, n);
            const cpu0 = cpuMs(engines[i].b.pid);
            const r = await pump(cs, framesFor(big, topic, n, acks), IN_FLIGHT, okProduce);
            best[i].cpu = Math.min(best[i].cpu, ((cpuMs(engines[i].b.pid) - cpu0) * 1000) / r.total);
            best[i].rps = Math.max(best[i].rps, r.reqPerSec);
            for (const c of cs) c.close();
            await deleteTopic(admins[i], topic);
          }
        }
        const mbs = best.map((x) => (x.rps * big.batchBytes) / MiB);
        out(`produce acks=${String(acks).padStart(2)} ${String(n).padStart(2)} conn  memory ${fmt(mbs[0]).padStart(5)} MB/s  file ${fmt(mbs[1]).padStart(5)} MB/s  = ${pct(mbs[0], mbs[1])} of file;  CPU/request ${best[0].cpu.toFixed(0)} µs vs ${best[1].cpu.toFixed(0)} µs`);
      }
    }
  } finally {
    for (const a of admins) a.close();
    for (const e of engines) await stop(e.b);
  }
}

/**
 * Pipelined produce (IN_FLIGHT requests per connection, connection i → partition i) on this broker and
 * on the --baseline-cli build, each with its own data dir, alternated round by round (which goes first
 * alternates too); the best round of each, and this build's as a ratio of the baseline's.
 */
async function comparePipelinedProduce(broker: Child, admin: RawConnection, shapes: Shape[], connCounts: number[]): Promise<void> {
  const other = await startBroker(path.join(base, 'data-baseline'), [], BASELINE_CLI!);
  await compareProduce(broker, admin, other, `this build against --baseline-cli ${BASELINE_CLI}`, 'this', 'baseline', shapes, connCounts);
}

/**
 * The cost of metrics on the produce path: this build with metrics.listener set ('on') against the
 * broker under test ('off'), alternated as the compare step does.
 */
async function compareMetricsProduce(broker: Child, admin: RawConnection, shapes: Shape[], connCounts: number[]): Promise<void> {
  const withMetrics = await startBroker(path.join(base, 'data-metrics'), [], CLI, ['--metrics.listener', 'http://127.0.0.1:0']);
  await compareProduce(withMetrics, await RawConnection.connect(withMetrics.port), broker, 'metrics on (metrics.listener set) against off', 'on', 'off', shapes, connCounts, admin);
}

/** Pipelined produce on `broker` and on `other` (stopped at the end), alternated round by round. */
async function compareProduce(
  broker: Child,
  admin: RawConnection,
  other: Child,
  title: string,
  mineName: string,
  theirName: string,
  shapes: Shape[],
  connCounts: number[],
  otherAdminGiven?: RawConnection,
): Promise<void> {
  const otherAdmin = otherAdminGiven ?? (await RawConnection.connect(other.port));
  const stopped = otherAdminGiven === undefined ? other : broker;
  try {
    out('');
    out(`## Pipelined produce, ${title} (${IN_FLIGHT} in flight per connection,`);
    out(`##   durability fsync default, best of ${ROUNDS} alternated rounds)`);
    let t = 0;
    // Requests/s, and the broker's CPU µs per request (robust to load from other processes).
    const rate = async (target: Child, targetAdmin: RawConnection, s: Shape, acks: number, n: number): Promise<[number, number]> => {
      const topic = `compare-${t++}`;
      await createTopic(targetAdmin, topic, n);
      const cs = await connect(target.port, n);
      const cpu0 = cpuMs(target.pid);
      const r = await pump(cs, framesFor(s, topic, n, acks), IN_FLIGHT, okProduce);
      const cpuUs = ((cpuMs(target.pid) - cpu0) * 1000) / r.total;
      for (const c of cs) c.close();
      await deleteTopic(targetAdmin, topic);
      return [r.reqPerSec, cpuUs];
    };
    for (const s of shapes) {
      for (const acks of [1, -1]) {
        for (const n of connCounts) {
          const mine = { rps: 0, cpu: Infinity, rounds: [] as number[], cpuRounds: [] as number[] };
          const theirs = { rps: 0, cpu: Infinity, rounds: [] as number[], cpuRounds: [] as number[] };
          const measure = async (best: typeof mine, target: Child, targetAdmin: RawConnection): Promise<void> => {
            const [rps, cpu] = await rate(target, targetAdmin, s, acks, n);
            best.rps = Math.max(best.rps, rps);
            best.cpu = Math.min(best.cpu, cpu);
            best.rounds.push(rps);
            best.cpuRounds.push(cpu);
          };
          for (let round = 0; round < ROUNDS; round++) {
            if (round % 2 === 0) {
              await measure(mine, broker, admin);
              await measure(theirs, other, otherAdmin);
            } else {
              await measure(theirs, other, otherAdmin);
              await measure(mine, broker, admin);
            }
          }
          out(
            `${s.name} × ${String(s.count).padStart(3)}/batch  acks=${String(acks).padStart(2)}  ${String(n).padStart(2)} conn  ${mineName} ${fmt(mine.rps * s.count).padStart(10)} rec/s` +
              `  ${theirName} ${fmt(theirs.rps * s.count).padStart(10)} rec/s  = ${((100 * mine.rps) / theirs.rps).toFixed(1).padStart(5)}% of ${theirName};` +
              `  CPU/request ${mine.cpu.toFixed(0)} µs vs ${theirs.cpu.toFixed(0)} µs = ${pct(mine.cpu, theirs.cpu)}`,
          );
          if (ROUNDS >= 3) {
            const spread = (xs: number[]): string => `${((100 * Math.max(...xs)) / Math.min(...xs) - 100).toFixed(1)}%`;
            out(
              `    median of ${ROUNDS}: ${mineName} ${fmt(median(mine.rounds) * s.count)} rec/s, ${theirName} ${fmt(median(theirs.rounds) * s.count)} rec/s` +
                ` = ${((100 * median(mine.rounds)) / median(theirs.rounds)).toFixed(1)}% of ${theirName};  spread (max/min - 1) ${mineName} ${spread(mine.rounds)}, ${theirName} ${spread(theirs.rounds)};` +
                `  median CPU/request ${median(mine.cpuRounds).toFixed(1)} µs vs ${median(theirs.cpuRounds).toFixed(1)} µs = ${((100 * median(mine.cpuRounds)) / median(theirs.cpuRounds)).toFixed(1)}%` +
                ` (spread ${spread(mine.cpuRounds)}, ${spread(theirs.cpuRounds)})`,
            );
          }
        }
      }
    }
  } finally {
    (otherAdminGiven === undefined ? otherAdmin : admin).close();
    await stop(stopped);
  }
}

async function latency(port: number, admin: RawConnection, s: Shape, rate: number, ms: number, configs: Record<string, string>): Promise<Percentiles> {
  await createTopic(admin, 'latency', 1, configs);
  const frames = s.batches.map((b, j) => produceFrame('latency', 0, b, 1, j));
  try {
    return await produceToConsumeLatency(port, 'latency', frames, s.count, 0, rate, ms);
  } finally {
    await deleteTopic(admin, 'latency');
  }
}

async function kafkajsRate(port: number, admin: RawConnection, s: Shape): Promise<{ mbs: number; recs: number }> {
  const { Kafka, logLevel } = await import('kafkajs');
  await createTopic(admin, 'kafkajs', 1);
  const kafka = new Kafka({ clientId: 'bench', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(s.valueSize, 7);
  const messages = Array.from({ length: s.count }, () => ({ value }));
  let sends = 0;
  let tWarm = 0;
  let warmSends = -1;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() - t0 < STEP_MS) {
        await producer.send({ topic: 'kafkajs', acks: 1, messages });
        sends++;
        if (warmSends < 0 && performance.now() - t0 >= WARM_MS) {
          warmSends = sends;
          tWarm = performance.now();
        }
      }
    }),
  );
  const sec = (performance.now() - tWarm) / 1000;
  await producer.disconnect();
  await deleteTopic(admin, 'kafkajs');
  const recs = ((sends - warmSends) * s.count) / sec;
  return { mbs: (recs * (s.valueSize + 8)) / MiB, recs };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
