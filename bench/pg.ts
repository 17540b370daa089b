// The PostgreSQL storage (issue 17): throughput through one and three broker processes against a
// same-run ceiling, failover time after kill -9 of a leader, and metadata/fetch latency. Run:
//   npm run bench:pg -- [--rounds 3] [--seconds 5] [--warm-up 3] [--partitions 6] [--in-flight 8] [--brokers 1,3] [--skip-failover] [--skip-fetch] [--profile DIR]
//                       [--incompressible] [--vs-kafka]
//
// A private PostgreSQL server (test/pg/pg-server.ts) and, per measurement, a fresh database.
//  - produce: 1 KiB records in batches of 100 (acks=all), --in-flight requests per partition, each
//    partition's requests sent to its leader; records/s and MB/s after --warm-up seconds of the same
//    load (fresh broker processes compile their hot code first: a fifth of three brokers' CPU in the
//    first seconds, perf record), and the brokers' CPU per MB over the measured seconds. The values follow a
//    pattern (a batch compresses to a few per cent); --incompressible: random values, as a batch a
//    producer compressed is;
//  - the ceiling: this process inserting the same batch bytes into the same tables the same way
//    (lock the partition row, insert the batches, move next_offset, commit) with as many batches per
//    transaction as the brokers' group commit made (measured: batches appended over transactions
//    committed in the database during the run, pg_stat_database.xact_commit), over 10 connections
//    (a broker's pool);
//  - fetch: every partition read from offset 0 to its end through its leader, 4 MiB per request,
//    against this process reading the same batches from the table as the brokers' query does;
//  - failover: a producer of one record every 20 ms to partition 0; kill -9 of its leader; the time
//    until a produce to the new leader (read from the database) succeeds, with
//    broker.session.timeout.ms 2000 and the default 9000 (goal: session timeout + 2 s);
//  - latency with three brokers: Metadata (10 topics) and an empty Fetch (max wait 0), 200/s;
//  - --vs-kafka: the same produce load through a three-node Apache Kafka 4.3.1 cluster on this machine
//    (test/reference/kafka.mjs: KRaft, each node broker and controller), topic replication factor 3,
//    min.insync.replicas 2, acks=all: Kafka's replicated equivalent of three brokers over one database.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { ApiKey, decodeResponse, encodeRequest, ZERO_UUID } from '../src/codec/index.js';
import { buildRecordBatch, readLastOffsetDelta, readMaxTimestamp, setBaseOffset } from '../src/codec/records/index.js';
import { migrate } from '../src/pg/schema.js';
import { startPgServer, type PgServer } from '../test/pg/pg-server.js';
import type * as ReferenceModule from '../test/reference/kafka.mjs';
import { type Percentiles, cpuMs, median, pump, roundTrips, sleep } from './load/loops.js';
import { type Child, spawnUntil, stop } from './load/processes.js';
import { RawConnection, createTopic, fetchFrame, makeBatch, parseFetch, produceError, produceFrame } from './load/raw-client.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 3);
const SECONDS = Number(arg('--seconds') ?? 5);
const WARM_UP_SECONDS = Number(arg('--warm-up') ?? 3);
const PARTITIONS = Number(arg('--partitions') ?? 6);
const IN_FLIGHT = Number(arg('--in-flight') ?? 8);
const SKIP_FAILOVER = args.includes('--skip-failover');
const SKIP_FETCH = args.includes('--skip-fetch');
/** --profile DIR: brokers run with --cpu-prof into DIR (summarise with dist/bench-pg/bench/load/cpuprofile.js). */
const PROFILE_DIR = arg('--profile');
const INCOMPRESSIBLE = args.includes('--incompressible');
const VS_KAFKA = args.includes('--vs-kafka');
/** --brokers 1,3: the cluster sizes measured (default both). */
const BROKER_COUNTS = (arg('--brokers') ?? '1,3').split(',').map(Number);

const RECORDS_PER_BATCH = 100;
const VALUE = 1024;

/** The produce load's batch: patterned values, or random ones with --incompressible. */
function loadBatch(seed: number): Buffer {
  if (!INCOMPRESSIBLE) return makeBatch(VALUE, RECORDS_PER_BATCH, seed);
  return buildRecordBatch({ records: Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value: randomBytes(VALUE) })) });
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..'); // dist/bench-pg/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const LOG = path.join(os.tmpdir(), 'tributary-bench-pg.log');

let server: PgServer;
let dbCount = 0;

interface Cluster {
  url: string;
  brokers: Map<number, Child>;
  db: pg.Client;
}

async function startCluster(n: number, sessionMs = 9000): Promise<Cluster> {
  const url = await server.createDatabase(`bench${++dbCount}`);
  const brokers = new Map<number, Child>();
  for (let id = 1; id <= n; id++) {
    // spawnUntil passes this process's environment on: the brokers' lease settings.
    process.env.TRIBUTARY_BROKER_SESSION_TIMEOUT_MS = String(sessionMs);
    process.env.TRIBUTARY_BROKER_HEARTBEAT_INTERVAL_MS = String(Math.min(2000, Math.floor(sessionMs / 4)));
    const nodeArgs = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
    brokers.set(id, await spawnUntil([...nodeArgs, CLI, '--storage', url, '--port', '0', '--host', '127.0.0.1', '--node-id', String(id)], /Tributary listening on \S*:(\d+)/, LOG));
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  // Every broker registered and live before the topic is made: its partitions are spread over all.
  for (let i = 0; ; i++) {
    const { rows } = await db.query('select count(*)::int as n from tributary_brokers where lease_expires_at > now()');
    if (rows[0].n === n) break;
    if (i > 200) throw new Error('brokers did not register');
    await sleep(50);
  }
  return { url, brokers, db };
}

async function stopCluster(c: Cluster): Promise<void> {
  await c.db.end();
  for (const b of c.brokers.values()) await stop(b);
}

async function leaders(c: Cluster, topic: string): Promise<Map<number, { leader: number; epoch: number }>> {
  const { rows } = await c.db.query(
    `select p.partition, p.leader, p.leader_epoch from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id where t.name = $1`,
    [topic],
  );
  return new Map(rows.map((r) => [r.partition as number, { leader: r.leader as number, epoch: r.leader_epoch as number }]));
}

async function xactCommits(db: pg.Client): Promise<number> {
  const { rows } = await db.query('select xact_commit::bigint as n from pg_stat_database where datname = current_database()');
  return Number(rows[0].n);
}

interface Throughput {
  recordsPerSec: number;
  mbPerSec: number;
  batchesPerTxn: number;
  /** The brokers' CPU (user + system, all of them) per MB produced, after the warm-up: less noisy than the rate on a busy machine. */
  brokerCpuMsPerMb?: number;
  /** The ceiling program's own CPU per MB it inserted. */
  cpuMsPerMb?: number;
}

/** Produce through n brokers: each partition's requests to its leader. */
/** The produce load: each partition's requests pipelined on a connection to `portOf(partition)` (its leader). */
async function produceLoad(topic: string, portOf: (partition: number) => number, seconds = SECONDS): Promise<{ rate: Awaited<ReturnType<typeof pump>>; batchBytes: number }> {
  const conns: RawConnection[] = [];
  const frames: Buffer[][] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    conns.push(await RawConnection.connect(portOf(p)));
    frames.push(Array.from({ length: 16 }, (_, i) => produceFrame(topic, p, loadBatch(p * 100 + i), -1, i)));
  }
  try {
    const rate = await pump(conns, frames, IN_FLIGHT, (f) => {
      const code = produceError(f);
      if (code !== 0) throw new Error(`produce error ${code} (${topic})`);
    }, seconds * 1000);
    return { rate, batchBytes: frames[0][0].length };
  } finally {
    for (const conn of conns) conn.socket.destroy();
  }
}

async function produceThroughput(n: number): Promise<{ produce: Throughput; fetchMbPerSec: number; fetchCeilingMbPerSec: number }> {
  const c = await startCluster(n);
  try {
    const admin = await RawConnection.connect(c.brokers.get(1)!.port);
    await createTopic(admin, 'load', PARTITIONS);
    admin.socket.destroy();
    const lead = await leaders(c, 'load');
    const portOf = (p: number): number => c.brokers.get(lead.get(p)!.leader)!.port;
    if (WARM_UP_SECONDS > 0) await produceLoad('load', portOf, WARM_UP_SECONDS);
    const commits0 = await xactCommits(c.db);
    const brokersCpuMs = (): number => [...c.brokers.values()].reduce((sum, b) => sum + cpuMs(b.pid), 0);
    const cpu0 = brokersCpuMs();
    const { rate, batchBytes } = await produceLoad('load', portOf);
    const cpu = brokersCpuMs() - cpu0;
    const commits = (await xactCommits(c.db)) - commits0;
    const produce = {
      recordsPerSec: rate.reqPerSec * RECORDS_PER_BATCH,
      mbPerSec: (rate.reqPerSec * batchBytes) / 1e6,
      // Heartbeats and metadata refreshes commit too: this undercounts a little (a conservative ceiling).
      batchesPerTxn: rate.total / Math.max(1, commits),
      brokerCpuMsPerMb: cpu / ((rate.total * batchBytes) / 1e6),
    };
    const fetchMbPerSec = SKIP_FETCH ? NaN : await fetchAll(c, lead);
    const fetchCeilingMbPerSec = SKIP_FETCH ? NaN : await fetchCeiling(c.url);
    return { produce, fetchMbPerSec, fetchCeilingMbPerSec };
  } finally {
    await stopCluster(c);
  }
}

/** Reads every partition from 0 to its end through its leader, partitions in parallel. */
async function fetchAll(c: Cluster, lead: Map<number, { leader: number }>): Promise<number> {
  const t0 = performance.now();
  let bytes = 0;
  await Promise.all([...lead].map(async ([p, { leader }]) => {
    const conn = await RawConnection.connect(c.brokers.get(leader)!.port);
    let offset = 0;
    for (let i = 0; ; i++) {
      const frame = await conn.request(fetchFrame('load', [{ partition: p, offset }], { maxWaitMs: 0, minBytes: 0, maxBytes: 4 << 20, partitionMaxBytes: 4 << 20, correlationId: i }));
      const [r] = parseFetch(frame);
      if (r.errorCode !== 0) throw new Error(`fetch error ${r.errorCode}`);
      bytes += r.bytes;
      if (r.batches.length === 0) break;
      offset = r.batches.at(-1)!.lastOffset + 1;
      if (offset >= r.highWatermark) break;
    }
    conn.socket.destroy();
  }));
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

/**
 * The fetch ceiling: this process reading the same batches from the same table as a broker reads them
 * (base64, up to 4 MiB of batches per query, every partition at once over 10 connections), no broker in
 * the way.
 */
async function fetchCeiling(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const t0 = performance.now();
  let bytes = 0;
  const { rows: parts } = await pool.query<{ topic_id: string; partition: number; next_offset: string }>(
    "select p.topic_id, p.partition, p.next_offset from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id where t.name = 'load'",
  );
  await Promise.all(parts.map(async ({ topic_id: topicId, partition, next_offset: end }) => {
    let offset = 0;
    while (offset < Number(end)) {
      const { rows } = await pool.query<{ last_offset: string; data: string }>(
        `select last_offset, encode(data, 'base64') as data from tributary_batches
          where topic_id = $1 and partition = $2 and last_offset >= $3 order by base_offset limit $4`,
        [topicId, partition, offset, Math.ceil((4 << 20) / (RECORDS_PER_BATCH * (VALUE + 64)))],
      );
      if (rows.length === 0) break;
      for (const r of rows) bytes += Buffer.from(r.data, 'base64').length;
      offset = Number(rows.at(-1)!.last_offset) + 1;
    }
  }));
  const mbPerSec = bytes / 1e6 / ((performance.now() - t0) / 1000);
  await pool.end();
  return mbPerSec;
}

/** The ceiling: this process doing the database work of the appends, `perTxn` batches per transaction. */
async function ceiling(perTxn: number): Promise<Throughput> {
  const url = await server.createDatabase(`ceiling${++dbCount}`);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await migrate(pool);
  const topicId = 'ceiling-topic';
  await pool.query('insert into tributary_topics (name, topic_id, partitions) values ($1, $2, $3)', ['load', topicId, PARTITIONS]);
  for (let p = 0; p < PARTITIONS; p++) await pool.query('insert into tributary_partitions (topic_id, partition, leader, leader_epoch) values ($1, $2, 1, 0)', [topicId, p]);
  const batch = loadBatch(1);
  // The same warm-up as the brokers get, then SECONDS measured (CPU too).
  const warm = performance.now() + Math.max(WARM_UP_SECONDS * 1000, Math.min(500, (SECONDS * 1000) / 4));
  const deadline = warm + SECONDS * 1000;
  let cpu0 = process.cpuUsage();
  let batches = 0;
  let tWarm = 0;
  await Promise.all(Array.from({ length: 10 }, async (_, w) => {
    const partition = w % PARTITIONS;
    while (performance.now() < deadline) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const { rows } = await client.query('select next_offset from tributary_partitions where topic_id = $1 and partition = $2 for update', [topicId, partition]);
        let next = Number(rows[0].next_offset);
        const bases: string[] = [];
        const lasts: string[] = [];
        const data: Buffer[] = [];
        for (let i = 0; i < perTxn; i++) {
          const b = Buffer.from(batch);
          setBaseOffset(b, 0, next);
          bases.push(String(next));
          next += readLastOffsetDelta(b, 0) + 1;
          lasts.push(String(next - 1));
          data.push(b);
        }
        // As the broker inserts: one row of parameters per batch, the bytes as a binary parameter.
        const values: unknown[] = [];
        const rowsSql = data.map((d, i) => {
          values.push(topicId, partition, bases[i], lasts[i], 0, String(readMaxTimestamp(batch, 0)), d);
          const k = i * 7;
          return `($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5}, $${k + 6}, $${k + 7})`;
        });
        await client.query(`insert into tributary_batches (topic_id, partition, base_offset, last_offset, leader_epoch, max_timestamp, data) values ${rowsSql.join(', ')}`, values);
        await client.query('update tributary_partitions set next_offset = $3 where topic_id = $1 and partition = $2', [topicId, partition, String(next)]);
        await client.query('commit');
      } finally {
        client.release();
      }
      const now = performance.now();
      if (now >= warm) {
        if (tWarm === 0) {
          tWarm = now;
          cpu0 = process.cpuUsage();
        } else batches += perTxn;
      }
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  await pool.end();
  const perSec = batches / ((performance.now() - tWarm) / 1000);
  return { recordsPerSec: perSec * RECORDS_PER_BATCH, mbPerSec: (perSec * batch.length) / 1e6, batchesPerTxn: perTxn, cpuMsPerMb: (cpu.user + cpu.system) / 1000 / ((batches * batch.length) / 1e6) };
}

/** Each partition's leader in a Kafka cluster (Metadata v9), once every partition has one. */
async function kafkaLeaders(conn: RawConnection, topic: string): Promise<Map<number, number>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const frame = await conn.request(encodeRequest(ApiKey.Metadata, 9, { correlationId: 1, clientId: 'bench' }, {
      topics: [{ name: topic }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    }));
    const { body } = decodeResponse(ApiKey.Metadata, 9, frame);
    const partitions: { partitionIndex: number; leaderId: number }[] = body.topics[0]?.partitions ?? [];
    if (partitions.length === PARTITIONS && partitions.every((p) => p.leaderId >= 0)) return new Map(partitions.map((p) => [p.partitionIndex, p.leaderId]));
    await sleep(100);
  }
  throw new Error(`no leaders for ${topic} in Kafka`);
}

/** The produce load through a Kafka cluster: a new topic of replication factor 3, each partition's requests to its leader. */
async function kafkaThroughput(cluster: ReferenceModule.ReferenceKafkaCluster, topic: string): Promise<number> {
  const admin = await RawConnection.connect(cluster.nodes[0].port);
  await createTopic(admin, topic, PARTITIONS, {}, 3);
  const lead = await kafkaLeaders(admin, topic);
  admin.socket.destroy();
  const portOf = (p: number): number => cluster.nodes.find((n) => n.nodeId === lead.get(p))!.port;
  if (WARM_UP_SECONDS > 0) await produceLoad(topic, portOf, WARM_UP_SECONDS);
  const { rate, batchBytes } = await produceLoad(topic, portOf);
  return (rate.reqPerSec * batchBytes) / 1e6;
}

/** kill -9 of partition 0's leader under a producer: ms until a produce to the new leader succeeds. */
async function failover(sessionMs: number): Promise<number> {
  const c = await startCluster(3, sessionMs);
  try {
    const admin = await RawConnection.connect(c.brokers.get(1)!.port);
    await createTopic(admin, 'fo', 1);
    admin.socket.destroy();
    const frames = Array.from({ length: 8 }, (_, i) => produceFrame('fo', 0, makeBatch(100, 1, i), -1, i));
    const before = (await leaders(c, 'fo')).get(0)!;
    let conn = await RawConnection.connect(c.brokers.get(before.leader)!.port);
    for (let i = 0; i < 10; i++) if (produceError(await conn.request(frames[i % 8])) !== 0) throw new Error('produce failed before the kill');
    const victim = c.brokers.get(before.leader)!;
    victim.proc.kill('SIGKILL');
    const killedAt = performance.now();
    conn.socket.destroy();
    c.brokers.delete(before.leader);
    for (let i = 0; ; i++) {
      const now = (await leaders(c, 'fo')).get(0)!;
      if (now.leader !== before.leader) {
        conn = await RawConnection.connect(c.brokers.get(now.leader)!.port);
        // The new leader may learn of its leadership at its next heartbeat: retry until it appends.
        for (;;) {
          if (produceError(await conn.request(frames[i % 8])) === 0) break;
          await sleep(20);
        }
        conn.socket.destroy();
        return performance.now() - killedAt;
      }
      await sleep(20);
    }
  } finally {
    await stopCluster(c);
  }
}

async function latencies(): Promise<{ metadata: Percentiles; fetch: Percentiles }> {
  const c = await startCluster(3);
  try {
    const admin = await RawConnection.connect(c.brokers.get(1)!.port);
    const topics = Array.from({ length: 10 }, (_, i) => `lat-${i}`);
    for (const t of topics) await createTopic(admin, t, 1);
    admin.socket.destroy();
    const lead = (await leaders(c, 'lat-0')).get(0)!;
    const conn = await RawConnection.connect(c.brokers.get(lead.leader)!.port);
    if (produceError(await conn.request(produceFrame('lat-0', 0, makeBatch(100, 1, 1), -1, 1))) !== 0) throw new Error('produce failed');
    const metadataFrames = Array.from({ length: 8 }, (_, i) => Buffer.concat(encodeRequest(ApiKey.Metadata, 12, { correlationId: i, clientId: 'bench' }, {
      topics: topics.map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false,
    })));
    const fetchFrames = Array.from({ length: 8 }, (_, i) => fetchFrame('lat-0', [{ partition: 0, offset: 0 }], { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, correlationId: i }));
    const metadata = await roundTrips(conn, metadataFrames, 200, SECONDS * 1000);
    const fetch = await roundTrips(conn, fetchFrames, 200, SECONDS * 1000);
    conn.socket.destroy();
    return { metadata, fetch };
  } finally {
    await stopCluster(c);
  }
}

const spread = (xs: number[], digits = 0): string => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main(): Promise<void> {
  server = await startPgServer();
  const version = execSync(`${process.execPath} --version`).toString().trim();
  console.log(`# PostgreSQL storage ${new Date().toISOString()}  node ${version}  ${os.cpus().length} cpus  load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`# ${PARTITIONS} partitions, ${IN_FLIGHT} produce requests in flight each, ${RECORDS_PER_BATCH} records of ${VALUE} B per batch (acks=all, ${INCOMPRESSIBLE ? 'random' : 'patterned'} values), ${SECONDS} s per step after ${WARM_UP_SECONDS} s of warm-up, ${ROUNDS} round(s); broker logs in ${LOG}`);
  const rows = new Map<string, number[]>();
  const add = (k: string, v: number): void => void rows.set(k, [...(rows.get(k) ?? []), v]);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const n of BROKER_COUNTS) {
        const { produce, fetchMbPerSec, fetchCeilingMbPerSec } = await produceThroughput(n);
        const ceil = await ceiling(Math.max(1, Math.round(produce.batchesPerTxn)));
        const ratio = produce.mbPerSec / ceil.mbPerSec;
        console.log(`round ${round} ${n} broker(s): produce ${produce.recordsPerSec.toFixed(0)} records/s ${produce.mbPerSec.toFixed(1)} MB/s (${produce.batchesPerTxn.toFixed(1)} batches per transaction, brokers' CPU ${produce.brokerCpuMsPerMb!.toFixed(2)} ms/MB); ceiling ${ceil.mbPerSec.toFixed(1)} MB/s (its CPU ${ceil.cpuMsPerMb!.toFixed(2)} ms/MB); ratio ${ratio.toFixed(2)}; fetch ${fetchMbPerSec.toFixed(1)} MB/s, ceiling ${fetchCeilingMbPerSec.toFixed(1)} MB/s, ratio ${(fetchMbPerSec / fetchCeilingMbPerSec).toFixed(2)}`);
        add(`produce MB/s, ${n} broker(s)`, produce.mbPerSec);
        add(`ceiling MB/s, ${n} broker(s)`, ceil.mbPerSec);
        add(`ceiling program's CPU ms per MB, ${n} broker(s)`, ceil.cpuMsPerMb!);
        add(`produce / ceiling, ${n} broker(s)`, ratio);
        add(`batches per transaction, ${n} broker(s)`, produce.batchesPerTxn);
        add(`brokers' CPU ms per MB produced, ${n} broker(s)`, produce.brokerCpuMsPerMb!);
        add(`fetch MB/s, ${n} broker(s)`, fetchMbPerSec);
        add(`fetch ceiling MB/s, ${n} broker(s)`, fetchCeilingMbPerSec);
        add(`fetch / ceiling, ${n} broker(s)`, fetchMbPerSec / fetchCeilingMbPerSec);
      }
      if (!SKIP_FAILOVER) {
        for (const session of [2000, 9000]) {
          const ms = await failover(session);
          console.log(`round ${round} failover after kill -9, session timeout ${session} ms: ${ms.toFixed(0)} ms (goal ≤ ${session + 2000})`);
          add(`failover ms, session ${session} ms`, ms);
        }
      }
      const lat = await latencies();
      console.log(`round ${round} 3 brokers, 200/s: Metadata (10 topics) p50 ${lat.metadata.p50.toFixed(2)} p99 ${lat.metadata.p99.toFixed(2)} ms; empty Fetch p50 ${lat.fetch.p50.toFixed(2)} p99 ${lat.fetch.p99.toFixed(2)} ms`);
      add('Metadata p50 ms', lat.metadata.p50);
      add('Metadata p99 ms', lat.metadata.p99);
      add('Fetch (max wait 0) p50 ms', lat.fetch.p50);
      add('Fetch (max wait 0) p99 ms', lat.fetch.p99);
    }
    if (VS_KAFKA) {
      const reference = (await import(pathToFileURL(path.join(ROOT, 'test/reference/kafka.mjs')).href)) as typeof ReferenceModule;
      const cluster = await reference.startReferenceKafkaCluster({
        nodes: 3,
        config: {
          'default.replication.factor': 3, 'min.insync.replicas': 2, 'offsets.topic.replication.factor': 3,
          'transaction.state.log.replication.factor': 3, 'transaction.state.log.min.isr': 2,
        },
      });
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          const mbPerSec = await kafkaThroughput(cluster, `load-${round}`);
          console.log(`round ${round} Kafka, 3 nodes, replication factor 3, acks=all: produce ${mbPerSec.toFixed(1)} MB/s`);
          add('Kafka 4.3.1, 3 nodes (RF 3, acks=all): produce MB/s', mbPerSec);
        }
      } finally {
        await cluster.stop();
      }
    }
    console.log('\n| measure | median (min–max) |\n| --- | ---: |');
    for (const [k, xs] of rows) console.log(`| ${k} | ${spread(xs, 2)} |`);
  } finally {
    await server.stop();
  }
}

await main();
