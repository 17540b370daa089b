// CPU per small request (issue 18, item 1). Run:  npm run bench:small-requests
//   npm run bench:small-requests -- --baseline-cli /tmp/base/dist/cli.js --rounds 3
// Options: --baseline-cli PATH (another build's dist/cli.js, measured in the same rounds)
//          --rounds N (default 3)  --ms N (measured window of one case, default 2000)
//          --warm-ms N (each case runs this long before its window, default 400; a slow case such as
//          the expiring long poll needs seconds before V8 has compiled its path, or the window counts
//          the compiler's CPU)
//          --conns N (connections, one request in flight each, default 4)
//          --only produce-acks-all,fetch-empty,... (cases)  --profile (this build under --cpu-prof)
//
// Each case drives one kind of small request, the way a client sends it (one in flight per
// connection, the next sent when the answer arrives), and reads the server process's CPU time from
// /proc around a measured window: broker CPU µs per request. The ceiling is measured in the same
// round: bench/load/canned-server.ts cuts the same frames, parses the header and answers each with the
// bytes this build answered for that request (same size), paced to the rate this build reached in
// the round (CPU per request depends on the rate: a saturated server amortises wake-ups). Targets run in turn in each round
// (this build first, as it supplies the ceiling's responses), each on a fresh data directory.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, type ApiKeyNumber, decodeResponse, encodeRequest, loadAllApiCodecs } from '../src/codec/index.js';
import { buildRecordBatch } from '../src/codec/records/index.js';
import { printSummary } from './load/cpuprofile.js';
import { cpuMs, median, sleep } from './load/loops.js';
import { type Child, spawnUntil, startBrokerCli, stop } from './load/processes.js';
import { RawConnection, createTopic, FETCH_VERSION, PRODUCE_VERSION } from './load/raw-client.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const BASELINE_CLI = arg('--baseline-cli') === undefined ? null : path.resolve(arg('--baseline-cli')!);
const ROUNDS = Number(arg('--rounds') ?? 3);
const WINDOW_MS = Number(arg('--ms') ?? 2000);
const WARM_MS = Number(arg('--warm-ms') ?? 400);
const CONNS = Number(arg('--conns') ?? 4);
const ONLY = arg('--only') === undefined ? null : new Set(arg('--only')!.split(','));
const PROFILE = args.includes('--profile');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..'); // dist/bench-small-requests/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const CANNED = path.join(HERE, 'load/canned-server.js');
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'tributary-small-'));

function startBroker(cli: string, dataDir: string, nodeArgs: string[] = []): Promise<Child> {
  return startBrokerCli(cli, dataDir, path.join(base, 'broker.log'), nodeArgs, ['--group.initial.rebalance.delay.ms', '0']);
}

// ---------------------------------------------------------------------------------------------
// Requests. Every request of a case carries the case's name as client id, so the ceiling can
// answer it with the bytes the broker gave for the same request.

/** Last response seen per `${clientId}/${apiKey}` (with size prefix), for the ceiling. */
let capture: Map<string, Buffer> | null = null;

function req<K extends ApiKeyNumber>(clientId: string, apiKey: K, version: number, body: Parameters<typeof encodeRequest<K>>[3]): Buffer {
  const parts = encodeRequest(apiKey, version, { correlationId: 0, clientId }, body);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Sends one request and returns its decoded response body (set-up steps and the load loop). */
async function call<K extends ApiKeyNumber>(conn: RawConnection, clientId: string, apiKey: K, version: number, body: Parameters<typeof encodeRequest<K>>[3]): Promise<any> {
  const frame = await conn.request(req(clientId, apiKey, version, body));
  remember(clientId, apiKey, frame);
  return decodeResponse(apiKey, version, frame).body;
}

function remember(clientId: string, apiKey: number, frame: Buffer): void {
  if (capture === null) return;
  const b = Buffer.allocUnsafe(frame.length + 4);
  b.writeInt32BE(frame.length, 0);
  frame.copy(b, 4);
  capture.set(`${clientId}/${apiKey}`, b);
}

function check(what: string, code: number): void {
  if (code !== 0) throw new Error(`${what}: error ${code}`);
}

/** A case: set-up on each connection, then `next` sends one request and resolves with its response. */
interface Case {
  name: string;
  label: string;
  /** Requests per `next` call (AddPartitionsToTxn + EndTxn is two). */
  perCall: number;
  /** `target`: what answers (the ceiling replays the broker's responses: it needs no topics made). */
  setup(admin: RawConnection, conns: RawConnection[], target: Target): Promise<((conn: RawConnection, i: number) => Promise<void>)>;
}

const VALUE = Buffer.alloc(100, 0x61);

/** Topics shared by the cases, created once per target. */
async function commonTopics(admin: RawConnection): Promise<void> {
  await createTopic(admin, 'sr-produce', CONNS);
  await createTopic(admin, 'sr-fetch', 1);
  await createTopic(admin, 'sr-txn', CONNS);
  for (let t = 0; t < 10; t++) await createTopic(admin, `sr-meta-${t}`, 3);
  // One small batch at offset 0 of sr-fetch (the empty fetch waits at 1).
  const body = await call(admin, 'setup', ApiKey.Produce, PRODUCE_VERSION, {
    transactionalId: null, acks: -1, timeoutMs: 30000,
    topicData: [{ name: 'sr-fetch', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: VALUE }] }) }] }],
  });
  check('produce sr-fetch', body.responses[0].partitionResponses[0].errorCode);
}

function produceCase(acks: number): Case {
  const name = acks === -1 ? 'produce-acks-all' : 'produce-acks-1';
  return {
    name,
    label: `Produce v${PRODUCE_VERSION}, one 100-byte record, idempotent, acks=${acks === -1 ? 'all' : '1'}`,
    perCall: 1,
    async setup(_admin, conns) {
      const state = await Promise.all(conns.map(async (c) => {
        const r = await call(c, name, ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1, producerEpoch: -1 });
        check('InitProducerId', r.errorCode);
        return { producerId: Number(r.producerId), producerEpoch: r.producerEpoch as number, seq: 0 };
      }));
      return async (conn, i) => {
        const s = state[i];
        const batch = buildRecordBatch({ producerId: s.producerId, producerEpoch: s.producerEpoch, baseSequence: s.seq++, records: [{ key: null, value: VALUE }] });
        const frame = await conn.request(req(name, ApiKey.Produce, PRODUCE_VERSION, { transactionalId: null, acks, timeoutMs: 30000, topicData: [{ name: 'sr-produce', partitionData: [{ index: i, records: batch }] }] }));
        remember(name, ApiKey.Produce, frame);
      };
    },
  };
}

function fetchCase(empty: boolean): Case {
  const name = empty ? 'fetch-empty' : 'fetch-one';
  return {
    name,
    label: empty ? `Fetch v${FETCH_VERSION} at the end of the log, max_wait 5 ms expiring` : `Fetch v${FETCH_VERSION} of one small batch (1 record)`,
    perCall: 1,
    async setup(admin, _conns, target) {
      // The one-batch fetch reads a partition appended to just before, as a tailing consumer's is
      // (the broker reads what was appended lately from the page cache on the event loop).
      const topic = empty ? 'sr-fetch' : 'sr-fetch-one';
      if (!empty && target !== 'ceiling') {
        await createTopic(admin, topic, 1);
        const body = await call(admin, 'setup', ApiKey.Produce, PRODUCE_VERSION, {
          transactionalId: null, acks: -1, timeoutMs: 30000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: VALUE }] }) }] }],
        });
        check(`produce ${topic}`, body.responses[0].partitionResponses[0].errorCode);
      }
      const frame = req(name, ApiKey.Fetch, FETCH_VERSION, {
        replicaId: -1, maxWaitMs: empty ? 5 : 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: empty ? 1 : 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      return async (conn) => {
        remember(name, ApiKey.Fetch, await conn.request(frame));
      };
    },
  };
}

/** A classic-protocol consumer subscription (ConsumerProtocolSubscription v0) for JoinGroup. */
function subscription(topic: string): Buffer {
  const b = Buffer.alloc(2 + 4 + 2 + topic.length + 4);
  let p = b.writeInt16BE(0, 0);
  p = b.writeInt32BE(1, p);
  p = b.writeInt16BE(topic.length, p);
  p += b.write(topic, p, 'latin1');
  b.writeInt32BE(-1, p);
  return b;
}

const heartbeatCase: Case = {
  name: 'heartbeat',
  label: 'Heartbeat v4 of a classic-group member',
  perCall: 1,
  async setup(admin) {
    const group = 'sr-hb';
    const protocols = [{ name: 'range', metadata: subscription('sr-fetch') }];
    const join = { groupId: group, sessionTimeoutMs: 45000, rebalanceTimeoutMs: 60000, groupInstanceId: null, protocolType: 'consumer', protocols, reason: null };
    let r = await call(admin, 'heartbeat', ApiKey.JoinGroup, 9, { ...join, memberId: '' });
    if (r.errorCode === 79) r = await call(admin, 'heartbeat', ApiKey.JoinGroup, 9, { ...join, memberId: r.memberId }); // MEMBER_ID_REQUIRED
    check('JoinGroup', r.errorCode);
    const memberId = r.memberId as string;
    const generationId = r.generationId as number;
    const s = await call(admin, 'heartbeat', ApiKey.SyncGroup, 5, { groupId: group, generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: Buffer.alloc(0) }] });
    check('SyncGroup', s.errorCode);
    const frame = req('heartbeat', ApiKey.Heartbeat, 4, { groupId: group, generationId, memberId, groupInstanceId: null });
    return async (conn) => {
      remember('heartbeat', ApiKey.Heartbeat, await conn.request(frame));
    };
  },
};

const offsetCommitCase: Case = {
  name: 'offset-commit',
  label: 'OffsetCommit v8 of one partition (group with no members)',
  perCall: 1,
  async setup() {
    let offset = 0;
    return async (conn, i) => {
      const frame = await conn.request(req('offset-commit', ApiKey.OffsetCommit, 8, {
        groupId: `sr-commit-${i}`, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: 'sr-fetch', partitions: [{ partitionIndex: 0, committedOffset: offset++, committedLeaderEpoch: -1, committedMetadata: null }] }],
      }));
      remember('offset-commit', ApiKey.OffsetCommit, frame);
    };
  },
};

const consumerHeartbeatCase: Case = {
  name: 'consumer-heartbeat',
  label: 'ConsumerGroupHeartbeat v1 of a stable member (KIP-848)',
  perCall: 1,
  async setup(_admin, conns) {
    const members = await Promise.all(conns.map(async (c, i) => {
      const groupId = `sr-cg-${i}`;
      const memberId = randomUUID();
      let r = await call(c, 'consumer-heartbeat', ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId, memberId, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 60000,
        subscribedTopicNames: ['sr-fetch'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
      });
      check('ConsumerGroupHeartbeat join', r.errorCode);
      // Acknowledge the assignment until the member's epoch settles.
      for (let k = 0; k < 3; k++) {
        r = await call(c, 'consumer-heartbeat', ApiKey.ConsumerGroupHeartbeat, 1, {
          groupId, memberId, memberEpoch: r.memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
          subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: r.assignment?.topicPartitions ?? null,
        });
        check('ConsumerGroupHeartbeat ack', r.errorCode);
      }
      return { groupId, memberId, epoch: r.memberEpoch as number };
    }));
    return async (conn, i) => {
      const m = members[i];
      const frame = await conn.request(req('consumer-heartbeat', ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId: m.groupId, memberId: m.memberId, memberEpoch: m.epoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
        subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
      }));
      remember('consumer-heartbeat', ApiKey.ConsumerGroupHeartbeat, frame);
    };
  },
};

const txnCase: Case = {
  name: 'txn',
  label: 'AddPartitionsToTxn v3 (one partition) + EndTxn v3 commit, per request',
  perCall: 2,
  async setup(_admin, conns) {
    const producers = await Promise.all(conns.map(async (c, i) => {
      const transactionalId = `sr-txn-${i}`;
      const r = await call(c, 'txn', ApiKey.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
      check('InitProducerId', r.errorCode);
      return { transactionalId, producerId: Number(r.producerId), producerEpoch: r.producerEpoch as number };
    }));
    return async (conn, i) => {
      const p = producers[i];
      remember('txn', ApiKey.AddPartitionsToTxn, await conn.request(req('txn', ApiKey.AddPartitionsToTxn, 3, {
        v3AndBelowTransactionalId: p.transactionalId, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch,
        v3AndBelowTopics: [{ name: 'sr-txn', partitions: [i] }],
      })));
      remember('txn', ApiKey.EndTxn, await conn.request(req('txn', ApiKey.EndTxn, 3, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true })));
    };
  },
};

const metadataCase: Case = {
  name: 'metadata',
  label: 'Metadata v12 of 10 topics (3 partitions each)',
  perCall: 1,
  async setup() {
    const frame = req('metadata', ApiKey.Metadata, 12, {
      topics: Array.from({ length: 10 }, (_, t) => ({ name: `sr-meta-${t}` })),
      allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false,
    });
    return async (conn) => {
      remember('metadata', ApiKey.Metadata, await conn.request(frame));
    };
  },
};

const CASES: Case[] = [produceCase(-1), produceCase(1), fetchCase(true), fetchCase(false), heartbeatCase, offsetCommitCase, consumerHeartbeatCase, txnCase, metadataCase].filter((c) => ONLY === null || ONLY.has(c.name));

// ---------------------------------------------------------------------------------------------
// The loop: each connection sends the next request when the previous answer arrives.

/**
 * Runs the case for WARM_MS + WINDOW_MS and returns the server's CPU µs per request in the window.
 * With `pace` (requests/s over all connections) each connection also waits for its next slot, so the
 * ceiling is measured at the rate the broker reached: at a low rate every request pays a wake-up of
 * the process that a saturated server amortises over many.
 */
async function drive(server: Child, conns: RawConnection[], next: (conn: RawConnection, i: number) => Promise<void>, perCall: number, pace: number | null): Promise<{ cpuUs: number; rate: number }> {
  let calls = 0;
  let running = true;
  const intervalMs = pace === null ? 0 : (1000 * conns.length * perCall) / pace;
  const loops = conns.map(async (c, i) => {
    let slot = performance.now() + (intervalMs * i) / conns.length;
    while (running) {
      const wait = slot - performance.now();
      if (wait >= 1) await sleep(wait);
      slot = Math.max(slot + intervalMs, performance.now() - 5 * intervalMs);
      await next(c, i);
      calls++;
    }
  });
  await sleep(WARM_MS);
  const cpu0 = cpuMs(server.pid);
  const calls0 = calls;
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const cpu1 = cpuMs(server.pid);
  const n = (calls - calls0) * perCall;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(loops);
  return { cpuUs: ((cpu1 - cpu0) * 1000) / n, rate: n / seconds };
}

type Target = 'this' | 'baseline' | 'ceiling';

async function runTarget(target: Target, round: number, responses: Map<string, Buffer>, rates: Map<string, number> | null): Promise<Map<string, { cpuUs: number; rate: number }>> {
  let server: Child;
  const profDir = path.join(base, 'prof');
  if (target === 'ceiling') {
    const file = path.join(base, 'responses.json');
    fs.writeFileSync(file, JSON.stringify(Object.fromEntries([...responses].map(([k, v]) => [k, v.toString('base64')]))));
    server = await spawnUntil([CANNED, file], /listening (\d+)/, path.join(base, 'canned.log'));
  } else {
    const dataDir = path.join(base, `data-${target}-${round}`);
    server = await startBroker(target === 'this' ? CLI : BASELINE_CLI!, dataDir, PROFILE && target === 'this' ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  }
  capture = target === 'this' ? responses : null;
  const results = new Map<string, { cpuUs: number; rate: number }>();
  try {
    const admin = await RawConnection.connect(server.port);
    if (target !== 'ceiling') await commonTopics(admin);
    for (const c of CASES) {
      const conns = await Promise.all(Array.from({ length: CONNS }, () => RawConnection.connect(server.port)));
      const next = await c.setup(admin, conns, target);
      results.set(c.name, await drive(server, conns, next, c.perCall, rates?.get(c.name) ?? null));
      for (const k of conns) k.close();
    }
    admin.close();
  } finally {
    await stop(server);
  }
  if (PROFILE && target === 'this') for (const f of fs.readdirSync(profDir)) printSummary(path.join(profDir, f), 30);
  return results;
}

const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  await loadAllApiCodecs();
  const targets: Target[] = ['this', 'ceiling', ...(BASELINE_CLI === null ? [] : (['baseline'] as Target[]))];
  console.log(`# CPU per small request ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cpus  load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`# ${CONNS} connections, one request in flight each; ${WINDOW_MS} ms measured per case after ${WARM_MS} ms; ${ROUNDS} rounds; broker CPU from /proc (10 ms ticks)`);
  if (BASELINE_CLI !== null) console.log(`# baseline: ${BASELINE_CLI}`);
  const all = new Map<Target, Map<string, { cpuUs: number; rate: number }>[]>(targets.map((t) => [t, []]));
  const responses = new Map<string, Buffer>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      // The ceiling runs at the rate this build reached in the same round.
      const paceBy = t === 'ceiling' ? new Map([...all.get('this')!.at(-1)!].map(([k, v]) => [k, v.rate])) : null;
      const r = await runTarget(t, round, responses, paceBy);
      all.get(t)!.push(r);
      console.log(`round ${round + 1} ${t.padEnd(8)} ${CASES.map((c) => `${c.name} ${fmt(r.get(c.name)!.cpuUs, 0)} µs ${fmt(r.get(c.name)!.rate, 0)}/s`).join(', ')}`);
    }
  }
  const stat = (t: Target, name: string): { med: number; min: number; max: number; rate: number } => {
    const xs = all.get(t)!.map((r) => r.get(name)!.cpuUs);
    return { med: median(xs), min: Math.min(...xs), max: Math.max(...xs), rate: median(all.get(t)!.map((r) => r.get(name)!.rate)) };
  };
  const cell = (s: { med: number; min: number; max: number }): string => `${fmt(s.med)} (${fmt(s.min)}–${fmt(s.max)})`;
  console.log('');
  console.log(`| request | ceiling µs | this µs | this / ceiling | ${BASELINE_CLI === null ? '' : 'baseline µs | baseline / ceiling | this / baseline | '}req/s this |`);
  console.log(`| --- | ---: | ---: | ---: | ${BASELINE_CLI === null ? '' : '---: | ---: | ---: | '}---: |`);
  for (const c of CASES) {
    const ceil = stat('ceiling', c.name);
    const me = stat('this', c.name);
    let row = `| ${c.label} | ${cell(ceil)} | ${cell(me)} | **${fmt(me.med / ceil.med, 2)}×** | `;
    if (BASELINE_CLI !== null) {
      const b = stat('baseline', c.name);
      row += `${cell(b)} | ${fmt(b.med / ceil.med, 2)}× | ${fmt(me.med / b.med, 2)} | `;
    }
    console.log(`${row}${fmt(me.rate, 0)} |`);
  }
  fs.rmSync(base, { recursive: true, force: true });
}

await main();
