// The fuzzer: sends mutated requests (see mutate.ts) to a live embedded broker, each on its own
// connection followed by a valid sentinel request, and after every batch checks that the broker is
// healthy — a control connection gets ApiVersions, Produce and Fetch answered promptly, the process
// is alive (no uncaught exception), the heap stays bounded — and that every connection it closed was
// logged. Failing inputs become fixtures (test/fixtures/fuzz/<name>.bin + .json) that
// test/fuzz/regressions.test.ts replays.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { ApiKey, apiInfo, decodeResponse, encodeRequest, ErrorCode, loadAllApiCodecs, ZERO_UUID } from '../../src/codec/index.js';
import { KafkaConnection } from '../../src/client/connection.js';
import { dataRecords, v2Batch } from '../../src/conformance/records.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { mutate, Rng } from './mutate.js';
import { buildSeeds, type Seed, type SeedContext } from './seeds.js';

export type Outcome = 'answered' | 'closed' | 'pending';

export interface FuzzInput {
  bytes: Buffer;
  mutation: string;
  seed: string;
}

export type FindingKind = 'crash' | 'stall' | 'unlogged-close' | 'handler-error' | 'bad-response' | 'memory' | 'baseline';

export interface Finding {
  kind: FindingKind;
  description: string;
  inputs: FuzzInput[];
  fixtures: string[];
  /** How many times it was seen (identical kind and description). */
  count: number;
}

export interface FuzzOptions {
  seconds: number;
  seed?: number;
  /** Where failing inputs are written; null: not written. */
  outDir?: string | null;
  concurrency?: number;
  batchSize?: number;
  /** Heap growth over the baseline that counts as unbounded. */
  maxHeapGrowthBytes?: number;
  /** Record a crash (uncaught exception) and go on fuzzing instead of stopping: finds more per run. */
  keepGoing?: boolean;
  progress?(line: string): void;
}

export interface FuzzReport {
  seed: number;
  seeds: number;
  inputs: number;
  batches: number;
  outcomes: Record<Outcome, number>;
  mutations: Record<string, number>;
  findings: Finding[];
  maxHeapGrowthBytes: number;
  durationMs: number;
}

const SENTINEL_ID = 0x7ffffff0;
export const CONTROL_DEADLINE_MS = 2_000;
const INPUT_DEADLINE_MS = 500;

// Seeds, mutations and checks encode and decode any API synchronously. (The embedded broker shares
// this process, so its lazy codec loading is not exercised here; test/codec/lazy-load covers it.)
await loadAllApiCodecs();

/** A valid ApiVersions v0 frame: answered only if the broker is still reading this connection. */
const SENTINEL = Buffer.concat(encodeRequest(ApiKey.ApiVersions, 0, { correlationId: SENTINEL_ID, clientId: 'fuzz-sentinel' }, {}));

export interface Harness {
  broker: RunningBroker;
  logger: MemoryLogger;
  host: string;
  port: number;
  ctx: SeedContext;
  controlTopic: { name: string; topicId: string };
  control: KafkaConnection;
  /** Log lines consumed so far (the logger's buffer is drained as we go). */
  seenPorts: Set<number>;
  errorLines: string[];
  close(): Promise<void>;
}

/**
 * Starts a broker with an in-memory logger, a data topic and a control topic. `config` adds broker
 * settings (security.ts adds TLS and SASL listeners after the PLAINTEXT one the harness uses).
 */
export async function startHarness(config: Record<string, string | number | boolean> = {}, addScram: string[] = []): Promise<Harness> {
  const logger = new MemoryLogger('info');
  const broker = await startBroker({
    logger,
    addScram,
    config: { 'auto.create.topics.enable': false, 'group.initial.rebalance.delay.ms': 0, ...config },
  });
  const host = broker.host === 'localhost' ? '127.0.0.1' : broker.host;
  const admin = await KafkaConnection.connect(host, broker.port);
  const create = async (name: string) => {
    const res = await admin.request(ApiKey.CreateTopics, 4, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
    if (res.topics[0]?.errorCode !== 0) throw new Error(`fuzz setup: CreateTopics ${name}: ${res.topics[0]?.errorCode}`);
    const md = await admin.request(ApiKey.Metadata, 12, { topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: false });
    return { name, topicId: md.topics[0]?.topicId ?? ZERO_UUID };
  };
  const data = await create('fuzz-data');
  const controlTopic = await create('control-topic-ctl');
  admin.close();
  const control = await KafkaConnection.connect(host, broker.port);
  return {
    broker, logger, host, port: broker.port,
    ctx: { topic: data.name, topicId: data.topicId, group: 'fuzz-group' },
    controlTopic, control, seenPorts: new Set(), errorLines: [],
    async close() {
      control.close();
      await broker.close();
    },
  };
}

/** Moves new log lines into the harness's indexes: client ports that were logged, error lines. */
export function drainLog(h: Harness): void {
  const lines = h.logger.lines.splice(0);
  for (const line of lines) {
    const m = /client=[^ ]*:(\d+)/.exec(line);
    if (m) h.seenPorts.add(Number(m[1]));
    if (/ ERROR /.test(line)) h.errorLines.push(line);
  }
}

export interface InputResult {
  outcome: Outcome;
  localPort: number;
  /** A problem with what the broker sent back (undecodable, wrong correlation id). */
  badResponse?: string;
}

/** Sends one input on a fresh connection followed by the sentinel; classifies what happened. */
export async function sendInput(host: string, port: number, bytes: Buffer, deadlineMs = INPUT_DEADLINE_MS): Promise<InputResult> {
  const conn = await KafkaConnection.connect(host, port);
  const localPort = conn.socket.localPort ?? 0;
  try {
    const sentinel = conn.sendRawNoWrite(SENTINEL_ID, deadlineMs).then(() => 'answered' as const, () => (conn.isClosed ? 'closed' as const : 'pending' as const));
    conn.write(bytes);
    conn.write(SENTINEL);
    const outcome = await sentinel;
    let badResponse: string | undefined;
    const requests = framesOf(Buffer.concat([bytes, SENTINEL]));
    for (;;) {
      const f = await conn.nextFrame(0).catch(() => null);
      if (f === null) break;
      const id = f.length >= 4 ? f.readInt32BE(0) : NaN;
      const req = requests.find((r) => r.length >= 12 && r.readInt32BE(8) === id);
      badResponse ??= req === undefined ? `a response with correlation id ${id}, which no request frame carried` : checkResponse(req, f);
    }
    return { outcome, localPort, badResponse };
  } finally {
    conn.close();
  }
}

/** The frames (with size prefix) the broker cuts from a byte stream, as far as they are complete. */
function framesOf(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  while (p + 4 <= stream.length) {
    const size = stream.readInt32BE(p);
    if (size < 0 || p + 4 + size > stream.length) break;
    out.push(stream.subarray(p, p + 4 + size));
    p += 4 + size;
  }
  return out;
}

/** The response to a request frame must decode at the frame's API key and version. */
function checkResponse(request: Buffer, frame: Buffer): string | undefined {
  if (request.length < 12) return `a response to a ${request.length}-byte frame`;
  const apiKey = request.readInt16BE(4);
  const version = request.readInt16BE(6);
  const correlationId = request.readInt32BE(8);
  if (frame.length < 4) return `response of ${frame.length} bytes`;
  void correlationId;
  const info = apiInfo(apiKey);
  if (info === undefined) return `answered an unknown API key ${apiKey}`;
  if (version < info.minVersion || version > info.maxVersion) {
    if (apiKey !== ApiKey.ApiVersions) return `answered ${info.name} at unsupported version ${version}`;
    try {
      const r = decodeResponse(ApiKey.ApiVersions, 0, frame);
      if (r.body.errorCode !== ErrorCode.UNSUPPORTED_VERSION) return `ApiVersions v${version} answered with error ${r.body.errorCode}`;
    } catch (e) {
      return `ApiVersions fallback response does not decode: ${(e as Error).message}`;
    }
    return undefined;
  }
  try {
    decodeResponse(apiKey, version, frame);
  } catch (e) {
    return `${info.name} v${version} response does not decode: ${(e as Error).message}`;
  }
  return undefined;
}

let controlOffset = -1;

/** ApiVersions, Produce and Fetch on the control connection, each answered within the deadline. */
export async function healthCheck(h: Harness): Promise<string | null> {
  if (h.control.isClosed) return 'the broker closed the control connection';
  const t = { timeoutMs: CONTROL_DEADLINE_MS };
  // Wall-clock time, not only the request timeouts: the broker runs in this process, so a blocked
  // event loop delays our timers as much as its answers.
  const started = Date.now();
  const slow = (what: string) => {
    const ms = Date.now() - started;
    return ms > CONTROL_DEADLINE_MS ? `control ${what} took ${ms} ms (deadline ${CONTROL_DEADLINE_MS} ms)` : null;
  };
  try {
    const av = await h.control.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'fuzz-control', clientSoftwareVersion: '1' }, t);
    if (av.errorCode !== 0) return `control ApiVersions error ${av.errorCode}`;
    const avSlow = slow('ApiVersions');
    if (avSlow !== null) return avSlow;
    const value = `ctl-${Date.now()}-${Math.random()}`;
    const pr = await h.control.request(ApiKey.Produce, 9, {
      acks: -1, timeoutMs: 1000,
      topicData: [{ name: h.controlTopic.name, partitionData: [{ index: 0, records: v2Batch([{ value }]) }] }],
    }, t);
    const p = pr.responses[0]?.partitionResponses[0];
    if (p === undefined || p.errorCode !== 0) return `control Produce failed: ${p?.errorCode}`;
    if (controlOffset >= 0 && p.baseOffset !== controlOffset + 1) return `control Produce offset ${p.baseOffset}, expected ${controlOffset + 1}`;
    controlOffset = p.baseOffset;
    const fr = await h.control.request(ApiKey.Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: h.controlTopic.name, partitions: [{ partition: 0, fetchOffset: p.baseOffset, partitionMaxBytes: 1 << 20 }] }],
    }, t);
    const fp = fr.responses[0]?.partitions[0];
    if (fp === undefined || fp.errorCode !== 0) return `control Fetch failed: ${fp?.errorCode}`;
    const got = dataRecords(fp.records).find((r) => r.offset === p.baseOffset);
    if (got?.value?.toString() !== value) return 'control Fetch did not return the record just produced';
    return slow('ApiVersions+Produce+Fetch');
  } catch (e) {
    return `control check: ${(e as Error).message}`;
  }
}

/**
 * Measures the broker's responsiveness while inputs are in flight: ApiVersions on its own connection
 * every 50 ms; stop() resolves with the largest wall-clock latency seen (a stall on any connection
 * shows up here, even when it is over by the time the next health check runs).
 */
export function startPinger(h: Harness): { stop(): Promise<number> } {
  let running = true;
  let max = 0;
  const loop = (async () => {
    const conn = await KafkaConnection.connect(h.host, h.port);
    try {
      while (running) {
        const t0 = Date.now();
        await conn.request(ApiKey.ApiVersions, 0, {}, { timeoutMs: 30_000 }).catch(() => {});
        max = Math.max(max, Date.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      conn.close();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => {});
      return max;
    },
  };
}

function fixtureName(kind: FindingKind, input: FuzzInput): string {
  const hash = createHash('sha256').update(input.bytes).digest('hex').slice(0, 10);
  const seed = input.seed.replace(/[^A-Za-z0-9.]+/g, '-');
  if (kind === 'baseline') return `baseline-${input.mutation}-${hash}`;
  return `${kind}-${seed}-${input.mutation.replace(/[^a-z0-9]+/gi, '-')}-${hash}`.slice(0, 120);
}

export function writeFixture(dir: string, kind: FindingKind, description: string, input: FuzzInput, extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const name = fixtureName(kind, input);
  writeFileSync(join(dir, `${name}.bin`), input.bytes);
  const apiKey = input.bytes.length >= 8 ? input.bytes.readInt16BE(4) : null;
  const apiVersion = input.bytes.length >= 8 ? input.bytes.readInt16BE(6) : null;
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({
    kind, description, seed: input.seed, mutation: input.mutation, apiKey, apiVersion,
    length: input.bytes.length, replay: 'write the .bin bytes to a fresh connection; the broker must stay healthy', ...extra,
  }, null, 2) + '\n');
  return name;
}

/** Runs the fuzzer for opts.seconds against a fresh embedded broker. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const seedNum = opts.seed ?? (Date.now() & 0x7fffffff);
  const rng = new Rng(seedNum);
  const concurrency = opts.concurrency ?? 16;
  const batchSize = opts.batchSize ?? 128;
  const maxGrowth = opts.maxHeapGrowthBytes ?? 512 * 1024 * 1024;
  const h = await startHarness();
  const seeds = buildSeeds(h.ctx);
  const report: FuzzReport = {
    seed: seedNum, seeds: seeds.length, inputs: 0, batches: 0,
    outcomes: { answered: 0, closed: 0, pending: 0 }, mutations: {}, findings: [], maxHeapGrowthBytes: 0, durationMs: 0,
  };
  const found = (kind: FindingKind, description: string, inputs: FuzzInput[], extra: Record<string, unknown> = {}) => {
    // The same problem keeps showing up once triggered (e.g. a poisoned group): report it once.
    const same = report.findings.find((f) => f.kind === kind && f.description === description);
    if (same !== undefined) {
      same.count++;
      return;
    }
    const fixtures = opts.outDir ? inputs.slice(0, 8).map((i) => writeFixture(opts.outDir!, kind, description, i, { fuzzSeed: seedNum, ...extra })) : [];
    report.findings.push({ kind, description, inputs, fixtures, count: 1 });
    opts.progress?.(`FINDING ${kind}: ${description}${fixtures.length ? ` → ${fixtures.join(', ')}` : ''}`);
  };

  let crash = null as unknown;
  const onCrash = (err: unknown) => {
    crash ??= err;
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  const deadline = started + opts.seconds * 1000;
  let seedIndex = 0;
  try {
    const first = await healthCheck(h);
    if (first !== null) throw new Error(`broker unhealthy before fuzzing: ${first}`);
    while (Date.now() < deadline && crash === null) {
      // Systematic over seeds (every API and version gets its turn), random over mutations.
      const batch: FuzzInput[] = [];
      for (let i = 0; i < batchSize; i++) {
        const seed: Seed = rng.next() < 0.8 ? seeds[seedIndex++ % seeds.length] : rng.pick(seeds);
        const m = mutate(rng, seed, h.ctx);
        batch.push({ bytes: m.bytes, mutation: m.mutation, seed: seed.name });
      }
      const pinger = startPinger(h);
      const results: InputResult[] = new Array(batch.length);
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < batch.length && crash === null) {
          const i = next++;
          results[i] = await sendInput(h.host, h.port, batch[i].bytes).catch((e: Error) => ({ outcome: 'pending' as const, localPort: 0, badResponse: `client error: ${e.message}` }));
        }
      }));
      if (crash !== null) {
        const err = crash as Error | string;
        found('crash', `uncaught exception: ${typeof err === 'object' ? (err.stack ?? err.message) : String(err)}`, batch);
        if (!opts.keepGoing) break;
        crash = null;
      }
      report.batches++;
      drainLog(h);
      const errorsBefore = h.errorLines.length;
      for (let i = 0; i < batch.length; i++) {
        const r = results[i];
        if (r === undefined) continue;
        report.inputs++;
        report.outcomes[r.outcome]++;
        const key = batch[i].mutation.startsWith('multi') ? 'multi' : batch[i].mutation;
        report.mutations[key] = (report.mutations[key] ?? 0) + 1;
        if (r.outcome === 'closed' && r.localPort > 0 && !h.seenPorts.has(r.localPort)) {
          found('unlogged-close', `the broker closed the connection from port ${r.localPort} without logging why`, [batch[i]]);
        }
        if (r.badResponse !== undefined && !r.badResponse.startsWith('client error')) found('bad-response', r.badResponse, [batch[i]]);
      }
      h.seenPorts.clear();
      const maxLatency = await pinger.stop();
      const health = (await healthCheck(h)) ?? (maxLatency > CONTROL_DEADLINE_MS ? `another connection waited ${maxLatency} ms for ApiVersions during the batch` : null);
      if (health !== null) {
        const culprits = await isolate(h, batch, async () => (await healthCheck(h)) !== null, true);
        found('stall', `after a batch: ${health}`, culprits.length > 0 ? culprits : batch);
        break;
      }
      if (h.errorLines.length > errorsBefore) {
        const lines = h.errorLines.slice(errorsBefore);
        const culprits = await isolate(h, batch, async () => {
          const n = h.errorLines.length;
          drainLog(h);
          return h.errorLines.length > n;
        });
        found('handler-error', `the broker logged an internal error: ${lines[0].slice(0, 400)}`, culprits.length > 0 ? culprits : batch.slice(0, 1), { logLines: lines.slice(0, 5) });
        h.errorLines.length = 0;
      }
      const growth = process.memoryUsage().heapUsed - baseline;
      report.maxHeapGrowthBytes = Math.max(report.maxHeapGrowthBytes, growth);
      if (growth > maxGrowth) {
        global.gc?.();
        const again = process.memoryUsage().heapUsed - baseline;
        if (again > maxGrowth) {
          found('memory', `heap grew by ${(again / 1048576).toFixed(0)} MB`, batch);
          break;
        }
      }
      if (report.batches % 10 === 0) opts.progress?.(`${report.inputs} inputs, ${report.findings.length} findings, heap +${(growth / 1048576).toFixed(0)} MB`);
    }
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await h.close().catch(() => {});
  }
  report.durationMs = Date.now() - started;
  return report;
}

/** Replays inputs one at a time and returns those after which `bad()` holds. */
async function isolate(h: Harness, inputs: FuzzInput[], bad: () => Promise<boolean>, latency = false): Promise<FuzzInput[]> {
  const out: FuzzInput[] = [];
  for (const input of inputs) {
    const pinger = latency ? startPinger(h) : null;
    await sendInput(h.host, h.port, input.bytes).catch(() => {});
    const slow = pinger !== null && (await pinger.stop()) > CONTROL_DEADLINE_MS;
    if (slow || (await bad())) out.push(input);
    if (out.length >= 4) break;
  }
  return out;
}
