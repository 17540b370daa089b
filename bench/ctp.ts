// Consume-transform-produce (issue 18, item 2). Run:  npm run bench:ctp
//   npm run bench:ctp -- --records 100000 --rounds 3 --baseline-cli /tmp/base/dist/cli.js
// Options: --records N (default 500,000)  --batch N (records per transaction, default 100)
//          --clients kafkajs,librdkafka,java,franz-go (default all four)  --rounds N (default 1)
//          --baseline-cli PATH (another build's dist/cli.js, alternated with this one in each round)
//          --python PATH (a python with confluent-kafka 2.x; default the reference venv, else python3)
//          --profile (this build under node --cpu-prof; prints where its time goes)
//          --durability os|fsync (the brokers' durability; default: the broker's default, fsync)
//
// Each run: a fresh broker (`node dist/cli.js`, default settings: durability fsync), topics A and B of
// 4 partitions, A filled with N 100-byte records (raw producer, not measured); then a consumer group
// reads A and a transactional producer writes each record to the same partition of B, committing the
// consumer's offsets in the transaction (sendOffsets), up to --batch records per transaction. Measured
// from the clients' start to the last commit: wall time and the broker process's CPU time (/proc),
// reported as broker CPU seconds per 100,000 records. The clients: kafkajs in this process;
// librdkafka (confluent-kafka-python, bench/ctp.py), the Java client 4.3.1
// (test/reference/clients/java/src/ConsumeTransformProduce.java) and franz-go
// (test/reference/clients/go/franz_ctp.go) as programs, installed by test/reference/clients/*/install.sh.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { loadAllApiCodecs } from '../src/codec/index.js';
import { buildRecordBatch } from '../src/codec/records/index.js';
import { printSummary } from './load/cpuprofile.js';
import { cpuMs, median } from './load/loops.js';
import { type Child, startBrokerCli, stop } from './load/processes.js';
import { RawConnection, createTopic, produceError, produceFrame } from './load/raw-client.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RECORDS = Number(arg('--records') ?? 500_000);
const BATCH = Number(arg('--batch') ?? 100);
const ROUNDS = Number(arg('--rounds') ?? 1);
const CLIENTS = (arg('--clients') ?? 'kafkajs,librdkafka,java,franz-go').split(',');
const BASELINE_CLI = arg('--baseline-cli') === undefined ? null : path.resolve(arg('--baseline-cli')!);
const PROFILE = args.includes('--profile');
/** --durability os: the brokers run with Kafka's page-cache durability instead of the default fsync (to see fsync's share). */
const DURABILITY = arg('--durability');
const PARTITIONS = 4;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..'); // dist/bench-ctp/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const CTP_PY = path.join(ROOT, 'bench/ctp.py');
const VENV_PY = path.join(ROOT, 'test/reference/clients/python/venv/bin/python');
const PYTHON = arg('--python') ?? (fs.existsSync(VENV_PY) ? VENV_PY : 'python3');
const JAVA_FOLDER = path.join(ROOT, 'test/reference/clients/java');
const GO_PROGRAM = path.join(ROOT, 'test/reference/clients/go/bin/scenarios');

/** The command that runs a client's program with CTP's arguments (kafkajs runs in this process). */
function programFor(client: string): { command: string; args: string[]; missing: string | null } {
  switch (client) {
    case 'librdkafka':
      return { command: PYTHON, args: [CTP_PY], missing: null };
    case 'java': {
      const compiled = fs.existsSync(path.join(JAVA_FOLDER, 'build', 'ConsumeTransformProduce.class'));
      const classpath = `${path.join(JAVA_FOLDER, 'build')}${path.delimiter}${path.join(ROOT, 'test/reference/libs')}/*`;
      return {
        command: 'java',
        args: ['-Xmx512m', `-Dlog4j2.configurationFile=${path.join(JAVA_FOLDER, 'log4j2.properties')}`, '-cp', classpath, 'ConsumeTransformProduce'],
        missing: compiled ? null : 'run `bash test/reference/install.sh && bash test/reference/clients/java/install.sh`',
      };
    }
    case 'franz-go':
      return { command: GO_PROGRAM, args: ['franz-ctp'], missing: fs.existsSync(GO_PROGRAM) ? null : 'run `bash test/reference/clients/go/install.sh`' };
    default:
      throw new Error(`unknown client ${client} (kafkajs, librdkafka, java, franz-go)`);
  }
}
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'tributary-ctp-'));

/** Fills topic A: N records of 100 bytes, 100 per batch, spread over the partitions, acks=1. */
async function fill(port: number): Promise<void> {
  const conn = await RawConnection.connect(port);
  await createTopic(conn, 'ctp-a', PARTITIONS);
  await createTopic(conn, 'ctp-b', PARTITIONS);
  const value = Buffer.alloc(100, 0x62);
  const batch = buildRecordBatch({ records: Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(`k${i}`), value })) });
  const frames = Array.from({ length: PARTITIONS }, (_, p) => produceFrame('ctp-a', p, batch, 1, p));
  const batches = Math.ceil(RECORDS / 100);
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    let answered = 0;
    const send = (): void => {
      // produceFrame's batch is patched in place by nothing on the client side: the same frame can be resent.
      conn.send(frames[sent++ % PARTITIONS], (f) => {
        if (produceError(f) !== 0) return reject(new Error('fill: produce failed'));
        if (++answered === batches) return resolve();
        if (sent < batches) send();
      });
    };
    for (let i = 0; i < 16 && sent < batches; i++) send();
  });
  conn.close();
}

interface Outcome {
  records: number;
  transactions: number;
  seconds: number;
}

async function runKafkajs(port: number, group: string): Promise<Outcome> {
  const kafka = new Kafka({ clientId: 'ctp', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group, readUncommitted: false });
  const producer = kafka.producer({ transactionalId: `${group}-txn`, idempotent: true, maxInFlightRequests: 1 });
  const t0 = performance.now();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: 'ctp-a', fromBeginning: true });
  let done = 0;
  let transactions = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
          for (let i = 0; i < batch.messages.length && isRunning() && done < RECORDS; i += BATCH) {
            const chunk = batch.messages.slice(i, Math.min(i + BATCH, i + RECORDS - done));
            const txn = await producer.transaction();
            try {
              await txn.send({ topic: 'ctp-b', messages: chunk.map((m) => ({ key: m.key, value: m.value, partition: batch.partition })) });
              const next = String(Number(chunk[chunk.length - 1].offset) + 1);
              await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: 'ctp-a', partitions: [{ partition: batch.partition, offset: next }] }] });
              await txn.commit();
            } catch (err) {
              await txn.abort().catch(() => {});
              reject(err);
              return;
            }
            resolveOffset(chunk[chunk.length - 1].offset);
            done += chunk.length;
            transactions++;
            await heartbeat();
          }
          if (done >= RECORDS) resolve();
        },
      })
      .catch(reject);
  });
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return { records: done, transactions, seconds };
}

/** Runs a client's CTP program (same arguments for each) and reads the JSON line it prints last. */
function runProgram(client: string, port: number, group: string): Promise<Outcome> {
  const { command, args } = programFor(client);
  const ctpArgs = [`127.0.0.1:${port}`, 'ctp-a', 'ctp-b', group, `${group}-txn`, String(RECORDS), String(BATCH)];
  return new Promise((resolve, reject) => {
    const p = spawn(command, [...args, ...ctpArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${client}: ${path.basename(command)} exited with ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Outcome);
    });
  });
}

interface Result extends Outcome {
  cpuSeconds: number;
}

async function runOnce(cli: string, client: string, tag: string): Promise<Result> {
  const profDir = path.join(base, `prof-${tag}`);
  const broker: Child = await startBrokerCli(cli, path.join(base, `data-${tag}`), path.join(base, 'broker.log'), PROFILE && cli === CLI ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [], DURABILITY === undefined ? [] : ['--durability', DURABILITY]);
  try {
    await fill(broker.port);
    const cpu0 = cpuMs(broker.pid);
    const o = client === 'kafkajs' ? await runKafkajs(broker.port, `ctp-${tag}`) : await runProgram(client, broker.port, `ctp-${tag}`);
    const cpuSeconds = (cpuMs(broker.pid) - cpu0) / 1000;
    if (o.records < RECORDS) throw new Error(`${client}: only ${o.records} of ${RECORDS} records`);
    return { ...o, cpuSeconds };
  } finally {
    await stop(broker);
    fs.rmSync(path.join(base, `data-${tag}`), { recursive: true, force: true });
    if (fs.existsSync(profDir)) for (const f of fs.readdirSync(profDir)) printSummary(path.join(profDir, f), 40);
  }
}

const fmt = (n: number, d = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  for (const client of CLIENTS.filter((c) => c !== 'kafkajs')) {
    const { missing } = programFor(client);
    if (missing !== null) throw new Error(`${client}: its program is not installed: ${missing} (or leave it out with --clients)`);
  }
  await loadAllApiCodecs();
  console.log(`# consume-transform-produce ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cpus  load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`# ${RECORDS.toLocaleString('en-US')} records of 100 bytes, ${PARTITIONS} partitions, up to ${BATCH} records per transaction, ${ROUNDS} round(s); python ${PYTHON}`);
  if (BASELINE_CLI !== null) console.log(`# baseline: ${BASELINE_CLI}`);
  const builds: [string, string][] = [['this', CLI], ...(BASELINE_CLI === null ? [] : ([['baseline', BASELINE_CLI]] as [string, string][]))];
  const results = new Map<string, Result[]>();
  let n = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const client of CLIENTS) {
      // Alternate which build goes first from round to round.
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const [name, cli] of order) {
        const r = await runOnce(cli, client, `${name}-${client}-${n++}`);
        const key = `${client}/${name}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        console.log(`round ${round + 1} ${client.padEnd(10)} ${name.padEnd(8)} ${fmt(r.seconds, 1)} s wall, broker CPU ${fmt(r.cpuSeconds)} s = ${fmt((r.cpuSeconds * 100_000) / r.records)} s per 100k records, ${r.transactions} transactions`);
      }
    }
  }
  const cell = (xs: number[], d = 2): string => `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;
  console.log('');
  console.log('| client | build | broker CPU s per 100k records | wall s | transactions |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const client of CLIENTS) {
    for (const [name] of builds) {
      const rs = results.get(`${client}/${name}`)!;
      console.log(`| ${client} | ${name} | ${cell(rs.map((r) => (r.cpuSeconds * 100_000) / r.records))} | ${cell(rs.map((r) => r.seconds), 1)} | ${median(rs.map((r) => r.transactions))} |`);
    }
    if (BASELINE_CLI !== null) {
      const me = median(results.get(`${client}/this`)!.map((r) => r.cpuSeconds / r.records));
      const b = median(results.get(`${client}/baseline`)!.map((r) => r.cpuSeconds / r.records));
      console.log(`| ${client} | this / baseline | ${fmt(me / b)} | | |`);
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
}

await main();
