// Tributary side by side with Apache Kafka 4.3.1. Run:   npm run bench:vs-kafka            (~4 min)
//                                                       npm run bench:vs-kafka -- --quick (~1.5 min)
// Needs the reference Kafka (bash test/reference/install.sh: Java 17 + Maven).
//
// Both brokers run on this machine at once, each as its own process, and are measured alternately
// (round 1 Kafka, Tributary; round 2 …; best of the rounds), so load from elsewhere hits both alike.
// Every figure is printed as Tributary / Kafka. The load generators are the same for both:
//   - our raw-protocol producer and consumer (bench/load): pre-built Produce v9 / Fetch v12 frames,
//     16 requests in flight per connection — no client library in the way;
//   - Kafka's own kafka-producer-perf-test and kafka-consumer-perf-test (the Java client).
// Durability: Kafka acknowledges from the page cache (it relies on replication); Tributary's default
// `durability=fsync` answers acks=all after fdatasync. Both are shown: Tributary's default, and
// Tributary with `durability=os` (Kafka's behaviour).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ReferenceModule from '../test/reference/kafka.mjs';
import { MiB, connect, cpuMs, createReadyTopic, deleteTopic, median, produceToConsumeLatency, pump, rssMiB, sleep } from './load/loops.js';
import { RawConnection, fetchFrame, makeBatch, parseFetch, produceError, produceFrame } from './load/raw-client.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const STEP_MS = QUICK ? 1500 : 3000;
const ROUNDS = QUICK ? 1 : 3;
const IN_FLIGHT = 16;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'); // dist/bench-vs-kafka/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const LIBS = path.join(ROOT, 'test/reference/libs');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-kafka-'));
const reference = (await import(pathToFileURL(path.join(ROOT, 'test/reference/kafka.mjs')).href)) as typeof ReferenceModule;

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ratio = (t: number, k: number): string => (k > 0 && Number.isFinite(t) ? `${(t / k).toFixed(2)}×` : 'n/a');
const out = (line = ''): void => console.log(line);

interface Target {
  name: 'Kafka' | 'Tributary';
  port: number;
  pid: number;
  bootstrap: string;
  /** Topic configs that give Kafka's acknowledgement behaviour (page cache) on this broker. */
  osConfigs: Record<string, string>;
}

function startTributary(dataDir: string): Promise<{ proc: ChildProcess; port: number; pid: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(process.execPath, [CLI, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    proc.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on \S*:(\d+)/.exec(text);
      if (m) resolve({ proc, port: Number(m[1]), pid: proc.pid!, ms: performance.now() - t0 });
    });
    proc.once('exit', (code) => reject(new Error(`tributary exited with ${code}: ${text}`)));
  });
}

function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/** Runs a Kafka tool (`java -cp libs/* mainClass args`) and returns its stdout. */
function kafkaTool(mainClass: string, toolArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn('java', ['-Xmx512m', `-Dlog4j2.configurationFile=${path.join(ROOT, 'test/reference/log4j2.properties')}`, '-cp', `${LIBS}/*`, mainClass, ...toolArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d));
    proc.stderr.on('data', (d: Buffer) => (stderr += d));
    proc.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${mainClass} exited ${code}: ${stderr}${stdout}`))));
  });
}

/** Samples a process's RSS every 100 ms while `work` runs; returns the work's result and the peak. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
  try {
    return { result: await work(), peak };
  } finally {
    clearInterval(timer);
  }
}

interface Shape {
  valueSize: number;
  count: number;
  batches: Buffer[];
  batchBytes: number;
}

function shape(valueSize: number): Shape {
  const count = Math.floor((16 * 1024 - 61) / (valueSize + 8 + (valueSize >= 128 ? 1 : 0)));
  const batches = Array.from({ length: 4 }, (_, i) => makeBatch(valueSize, count, i));
  return { valueSize, count, batches, batchBytes: batches[0].length };
}

const okProduce = (frame: Buffer): void => {
  const code = produceError(frame);
  if (code !== 0) throw new Error(`produce error ${code}`);
};

let topicSeq = 0;

/** Raw-protocol produce rate (MB/s of batches) on one connection, fresh one-partition topic. */
async function produceRate(t: Target, admin: RawConnection, s: Shape, acks: number, configs: Record<string, string>): Promise<{ mbs: number; cpuUs: number }> {
  const topic = `produce-${topicSeq++}`;
  await createReadyTopic(admin, topic, 1, s.batches[0], configs);
  const [c] = await connect(t.port, 1);
  const cpu0 = cpuMs(t.pid);
  const frames = [s.batches.map((b, j) => produceFrame(topic, 0, b, acks, j))];
  const r = await pump([c], frames, IN_FLIGHT, okProduce, STEP_MS);
  const cpuUs = ((cpuMs(t.pid) - cpu0) * 1000) / r.total;
  c.close();
  await deleteTopic(admin, topic);
  return { mbs: (r.reqPerSec * s.batchBytes) / MiB, cpuUs };
}

/** Fills 4 partitions with `fillMiB` and measures a fetch loop from warm data (MB/s). */
async function fetchRate(t: Target, admin: RawConnection, s: Shape, fillMiB: number): Promise<number> {
  const topic = `fetch-${topicSeq++}`;
  const parts = 4;
  await createReadyTopic(admin, topic, parts, s.batches[0]);
  const perPartition = Math.ceil((fillMiB * MiB) / s.batchBytes / parts);
  const cs = await connect(t.port, parts);
  await Promise.all(cs.map((c, p) => fillTo(c, topic, p, s, perPartition)));
  for (const c of cs) c.close();
  const consumer = await RawConnection.connect(t.port);
  const offsets = new Array<number>(parts).fill(0);
  let corr = 0;
  const once = async (): Promise<number> => {
    const frame = await consumer.request(fetchFrame(topic, offsets.map((o, p) => ({ partition: p, offset: o })), { maxWaitMs: 0, minBytes: 1, maxBytes: 64 * MiB, partitionMaxBytes: 4 * MiB, correlationId: corr++ }));
    let got = 0;
    for (const p of parseFetch(frame)) {
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
      got += p.bytes;
      const last = p.batches.at(-1);
      offsets[p.partition] = last === undefined || last.lastOffset + 1 >= p.highWatermark ? 0 : last.lastOffset + 1;
    }
    return got;
  };
  for (let b = 0; b < fillMiB * MiB; ) b += await once(); // one pass warms the page cache and the broker
  const t0 = performance.now();
  let bytes = 0;
  while (performance.now() - t0 < STEP_MS) bytes += await once();
  const mbs = bytes / MiB / ((performance.now() - t0) / 1000);
  consumer.close();
  await deleteTopic(admin, topic);
  return mbs;
}

/** Produces exactly `n` batches to one partition, 16 in flight. */
function fillTo(c: RawConnection, topic: string, partition: number, s: Shape, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const frames = s.batches.map((b, j) => produceFrame(topic, partition, b, 1, j));
    let sent = 0;
    let done = 0;
    const onResponse = (f: Buffer): void => {
      if (produceError(f) !== 0) return reject(new Error('fill produce failed'));
      if (++done === n) return resolve();
      if (sent < n) c.send(frames[sent++ % frames.length], onResponse);
    };
    for (let i = 0; i < IN_FLIGHT && sent < n; i++) c.send(frames[sent++ % frames.length], onResponse);
  });
}

async function latencyAt(t: Target, admin: RawConnection, s: Shape, rate: number, configs: Record<string, string>): Promise<{ p50: number; p99: number }> {
  const topic = `latency-${topicSeq++}`;
  await createReadyTopic(admin, topic, 1, s.batches[0], configs);
  const frames = s.batches.map((b, j) => produceFrame(topic, 0, b, 1, j));
  const lat = await produceToConsumeLatency(t.port, topic, frames, s.count, s.count, rate, QUICK ? 3000 : 6000);
  await deleteTopic(admin, topic);
  return lat;
}

/** kafka-producer-perf-test: records/s and MB/s, as the tool prints them. */
async function perfTestProduce(t: Target, acks: string, records: number): Promise<number> {
  const topic = `perf-${topicSeq++}`;
  const admin = await RawConnection.connect(t.port);
  await createReadyTopic(admin, topic, 1, shape(1024).batches[0]);
  admin.close();
  const text = await kafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', '1024', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${t.bootstrap}`, `acks=${acks}`, 'linger.ms=5', 'batch.size=65536',
  ]);
  const m = /records sent, [\d.]+ records\/sec \(([\d.]+) MB\/sec\)[^\n]*$/m.exec(text.trim().split('\n').at(-1)!);
  if (!m) throw new Error(`unexpected perf-test output: ${text}`);
  return Number(m[1]);
}

/** kafka-consumer-perf-test over a topic that perf-test produce filled: MB/s. */
async function perfTestConsume(t: Target, records: number): Promise<number> {
  const topic = `perfc-${topicSeq++}`;
  const admin = await RawConnection.connect(t.port);
  await createReadyTopic(admin, topic, 1, shape(1024).batches[0]);
  admin.close();
  await kafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', '1024', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${t.bootstrap}`, 'acks=1', 'linger.ms=5', 'batch.size=65536',
  ]);
  const text = await kafkaTool('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', t.bootstrap, '--topic', topic, '--num-records', String(records), '--timeout', '60000', '--hide-header',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  const fields = text.trim().split('\n').at(-1)!.split(',').map((f) => f.trim());
  return Number(fields[3]);
}

/** Time from spawning the broker process to the first acknowledged produce on a fresh topic. */
async function timeToFirstAck(start: () => Promise<{ port: number; msToReady: number; stop: () => Promise<void>; pid: number }>): Promise<{ ms: number; idleRss: number }> {
  const b = await start();
  const readyAt = performance.now();
  const admin = await RawConnection.connect(b.port);
  await createReadyTopic(admin, 'first', 1, shape(100).batches[0]);
  const ms = b.msToReady + (performance.now() - readyAt);
  admin.close();
  await sleep(1000);
  const idleRss = rssMiB(b.pid);
  await b.stop();
  return { ms, idleRss };
}

async function main(): Promise<void> {
  const missing = reference.referenceUnavailable();
  if (missing) throw new Error(`bench:vs-kafka needs the reference Kafka: ${missing}`);
  out(`# Tributary vs Apache Kafka 4.3.1 ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`);
  out(`# load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}   step ${STEP_MS} ms, best of ${ROUNDS} alternated rounds${QUICK ? '  (--quick)' : ''}`);

  const kafka = await reference.startReferenceKafka({ heap: '1g' });
  out(`# Kafka: KRaft combined node, -Xmx1g -Xms256m G1, defaults of test/reference/kafka.mjs (log.flush.* unset: page-cache acks), pid ${kafka.pid}`);
  const trib = await startTributary(path.join(base, 'tributary'));
  out(`# Tributary: node dist/cli.js, default settings (durability=fsync), pid ${trib.pid}`);
  const targets: Target[] = [
    { name: 'Kafka', port: kafka.port, pid: kafka.pid, bootstrap: kafka.bootstrap, osConfigs: {} },
    { name: 'Tributary', port: trib.port, pid: trib.pid, bootstrap: `127.0.0.1:${trib.port}`, osConfigs: { durability: 'os' } },
  ];
  const admins = await Promise.all(targets.map((t) => RawConnection.connect(t.port)));
  const idle = targets.map((t) => rssMiB(t.pid));

  const kib = shape(1024);
  const small = shape(100);
  type Key = 'kib1' | 'kibAll' | 'kib1os' | 'kibAllOs' | 'small1';
  const best: Record<Key, number[]> = { kib1: [0, 0], kibAll: [0, 0], kib1os: [0, 0], kibAllOs: [0, 0], small1: [0, 0] };
  const cpu: Record<Key, number[]> = { kib1: [Infinity, Infinity], kibAll: [Infinity, Infinity], kib1os: [Infinity, Infinity], kibAllOs: [Infinity, Infinity], small1: [Infinity, Infinity] };
  const peakRss = [0, 0];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const note = (k: Key, r: { mbs: number; cpuUs: number }): void => {
        best[k][i] = Math.max(best[k][i], r.mbs);
        cpu[k][i] = Math.min(cpu[k][i], r.cpuUs);
      };
      const { peak } = await withPeakRss(t.pid, async () => {
        note('kib1', await produceRate(t, admins[i], kib, 1, {}));
        note('kibAll', await produceRate(t, admins[i], kib, -1, {}));
        note('kib1os', await produceRate(t, admins[i], kib, 1, t.osConfigs));
        note('kibAllOs', await produceRate(t, admins[i], kib, -1, t.osConfigs));
        note('small1', await produceRate(t, admins[i], small, 1, {}));
      });
      peakRss[i] = Math.max(peakRss[i], peak);
    }
  }
  const row = (label: string, k: Key, unit: (mbs: number) => string): void =>
    out(`${label.padEnd(58)} Kafka ${unit(best[k][0]).padStart(14)}  Tributary ${unit(best[k][1]).padStart(14)}  = ${ratio(best[k][1], best[k][0])}   CPU/request ${cpu[k][0].toFixed(0)} vs ${cpu[k][1].toFixed(0)} µs`);
  const mbsUnit = (mbs: number): string => `${fmt(mbs)} MB/s`;
  const recUnit = (s: Shape) => (mbs: number): string => `${fmt(((mbs * MiB) / s.batchBytes) * s.count)} rec/s`;
  out('');
  out(`## Produce, our raw-protocol producer (one connection, ${IN_FLIGHT} Produce v9 requests in flight, ${kib.batchBytes}-byte batches)`);
  row('1 KiB records, acks=1 (each broker\'s default durability)', 'kib1', mbsUnit);
  row('1 KiB records, acks=all (Tributary: fsync before the ack)', 'kibAll', mbsUnit);
  row('1 KiB records, acks=1, Tributary topic durability=os', 'kib1os', mbsUnit);
  row('1 KiB records, acks=all, Tributary topic durability=os', 'kibAllOs', mbsUnit);
  row(`100-byte records (${small.count} per batch), acks=1`, 'small1', recUnit(small));

  out('');
  out('## Kafka\'s own load generators (the Java client 4.3.1; 1 KiB records, linger.ms=5, batch.size=64 KiB)');
  const perfRecords = QUICK ? 100_000 : 300_000;
  const perf: Record<string, number[]> = { 'producer-perf-test acks=1': [0, 0], 'producer-perf-test acks=all': [0, 0], 'consumer-perf-test': [0, 0] };
  for (let round = 0; round < Math.min(ROUNDS, 2); round++) {
    for (let i = 0; i < targets.length; i++) {
      perf['producer-perf-test acks=1'][i] = Math.max(perf['producer-perf-test acks=1'][i], await perfTestProduce(targets[i], '1', perfRecords));
      perf['producer-perf-test acks=all'][i] = Math.max(perf['producer-perf-test acks=all'][i], await perfTestProduce(targets[i], 'all', perfRecords));
      perf['consumer-perf-test'][i] = Math.max(perf['consumer-perf-test'][i], await perfTestConsume(targets[i], perfRecords));
    }
  }
  for (const [label, [k, t]] of Object.entries(perf)) out(`${label.padEnd(58)} Kafka ${fmt(k, 1).padStart(9)} MB/s  Tributary ${fmt(t, 1).padStart(9)} MB/s  = ${ratio(t, k)}`);

  out('');
  const fillMiB = QUICK ? 64 : 256;
  const fetch = [0, 0];
  for (let round = 0; round < Math.min(ROUNDS, 2); round++) for (let i = 0; i < targets.length; i++) fetch[i] = Math.max(fetch[i], await fetchRate(targets[i], admins[i], kib, fillMiB));
  out(`## Fetch from warm data (${fillMiB} MiB in 4 partitions, one raw consumer, Fetch v12, 64 MiB max, one request at a time)`);
  out(`${'fetch'.padEnd(58)} Kafka ${fmt(fetch[0]).padStart(9)} MB/s  Tributary ${fmt(fetch[1]).padStart(9)} MB/s  = ${ratio(fetch[1], fetch[0])}`);

  out('');
  // One rate for both: 20% of the slower broker's one-connection acks=1 peak, so neither is overloaded.
  const rate = (0.2 * Math.min(best.kib1[0], best.kib1[1]) * MiB) / kib.batchBytes;
  out(`## Produce → consume latency (1 KiB × ${kib.count} batches at ${fmt(rate)}/s, acks=1, a long-polling raw consumer)`);
  for (const [label, useOs] of [['each broker\'s default durability', false], ['Tributary topic durability=os', true]] as const) {
    const lat = [];
    for (let i = 0; i < targets.length; i++) lat.push(await latencyAt(targets[i], admins[i], kib, rate, useOs ? targets[i].osConfigs : {}));
    out(`${label.padEnd(40)} p50 Kafka ${lat[0].p50.toFixed(2)} ms, Tributary ${lat[1].p50.toFixed(2)} ms (${ratio(lat[1].p50, lat[0].p50)})   p99 Kafka ${lat[0].p99.toFixed(2)} ms, Tributary ${lat[1].p99.toFixed(2)} ms (${ratio(lat[1].p99, lat[0].p99)})`);
  }

  for (const a of admins) a.close();
  await stopProcess(trib.proc);
  await kafka.stop();

  out('');
  out('## Start-up: process spawn → first acknowledged produce on a new topic (fresh data dir; Kafka\'s one-time format not counted)');
  const runs = QUICK ? 1 : 3;
  const kStart: number[] = [];
  const tStart: number[] = [];
  const kIdle: number[] = [];
  const tIdle: number[] = [];
  for (let r = 0; r < runs; r++) {
    const k = await timeToFirstAck(async () => {
      const kk = await reference.startReferenceKafka({ heap: '1g' });
      return { port: kk.port, pid: kk.pid, msToReady: kk.startupMs, stop: () => kk.stop() };
    });
    kStart.push(k.ms);
    kIdle.push(k.idleRss);
    const t = await timeToFirstAck(async () => {
      const tt = await startTributary(path.join(base, `startup-${r}`));
      return { port: tt.port, pid: tt.pid, msToReady: tt.ms, stop: () => stopProcess(tt.proc) };
    });
    tStart.push(t.ms);
    tIdle.push(t.idleRss);
  }
  out(`${'start-up to first ack (median)'.padEnd(58)} Kafka ${fmt(median(kStart)).padStart(7)} ms    Tributary ${fmt(median(tStart)).padStart(7)} ms    = ${ratio(median(tStart), median(kStart))}   goal ≤ 0.10×`);
  out(`${'idle RSS 1 s after the first ack (median)'.padEnd(58)} Kafka ${fmt(median(kIdle)).padStart(7)} MiB   Tributary ${fmt(median(tIdle)).padStart(7)} MiB   = ${ratio(median(tIdle), median(kIdle))}   goal ≤ 0.25×`);
  out(`${'idle RSS at the start of this run'.padEnd(58)} Kafka ${fmt(idle[0]).padStart(7)} MiB   Tributary ${fmt(idle[1]).padStart(7)} MiB   = ${ratio(idle[1], idle[0])}`);
  out(`${'peak RSS during the produce rounds'.padEnd(58)} Kafka ${fmt(peakRss[0]).padStart(7)} MiB   Tributary ${fmt(peakRss[1]).padStart(7)} MiB   = ${ratio(peakRss[1], peakRss[0])}`);
  out('');
  out(`# load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  fs.rmSync(base, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
