// Interop matrix row: segmentio/kafka-go 0.2.1 (Debian golang-github-segmentio-kafka-go-dev) on
// Go 1.19 (golang-go). beforeAll compiles test/e2e/go/interop_kafka_go.go in GOPATH mode against
// the Debian sources (no network, no modules). This kafka-go predates ApiVersions and record
// headers: fixed old request versions, magic 1 message sets, a group with JoinGroup v1/SyncGroup v0
// and OffsetCommit v2.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { HAVE_CONFLUENT_KAFKA, PYTHON, requireTool, run } from '../helpers/tools.js';
import { type ClientRecord, expectCanonical, kafkajsConsume, kafkajsProduce, runClient } from './interop-common.js';

const SOURCE = fileURLToPath(new URL('./go/interop_kafka_go.go', import.meta.url));
const CONFLUENT = fileURLToPath(new URL('./py/interop_confluent.py', import.meta.url));
const GOPATH = '/usr/share/gocode';

function haveGoAndKafkaGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return false;
  }
  return existsSync(path.join(GOPATH, 'src/github.com/segmentio/kafka-go/writer.go'));
}

const enabled = requireTool(haveGoAndKafkaGo(), 'golang-go with golang-github-segmentio-kafka-go-dev');
const goEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GO111MODULE: 'off',
  GOPATH,
  GOFLAGS: '',
  GOPROXY: 'off',
  // The build cache survives between runs (it is only a cache); the binary goes to a fresh temp dir.
  GOCACHE: path.join(tmpdir(), 'tributary-interop-gocache'),
};

let broker: RunningBroker;
let workDir: string;
let binary: string;
beforeAll(async () => {
  // kafka-go 0.2.1 never sends LeaveGroup (see the Go program): a short session lets the resumed
  // member in without a 10 s wait.
  broker = await startBroker({ config: { 'num.partitions': 3, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } });
  if (!enabled) return;
  workDir = mkdtempSync(path.join(tmpdir(), 'interop-kafka-go-'));
  binary = path.join(workDir, 'interop_kafka_go');
  const built = await run('go', ['build', '-o', binary, SOURCE], { env: goEnv, timeoutMs: 110_000 });
  if (built.code !== 0) throw new Error(`go build failed:\n${built.stdout}\n${built.stderr}`);
}, 120_000);
afterAll(async () => {
  await broker?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function kg<T = any>(...args: string[]): Promise<T> {
  return runClient<T>(binary, [broker.bootstrap, ...args], 60_000);
}

describe.runIf(enabled)('segmentio/kafka-go 0.2.1', () => {
  it('metadata, create topic, keyed produce across partitions, group commit and resume (no headers: magic 1)', async () => {
    const r = await kg<{ partitions: number[]; ends: Record<string, number>; first: ClientRecord[]; second: ClientRecord[] }>('matrix', 'kg-matrix', 'kg-group');
    expect(r.partitions).toEqual([0, 1, 2]);
    // Hash balancer: the 6 keys spread over the partitions; the end offsets add up to 60.
    expect(Object.values(r.ends).filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(Object.values(r.ends).reduce((a, b) => a + b, 0)).toBe(60);
    expectCanonical(r.first, 'kg', 60, false);
    // The resumed member starts at the committed offsets: only records 60..89, nothing twice.
    const second = r.second.map((x) => Buffer.from(x.value!, 'hex').subarray(0, -3).toString());
    expect(second.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `kg-${60 + i}`).sort());
    for (const x of r.second) expect(x.offset).toBeGreaterThanOrEqual(r.ends[String(x.partition)]!);
  }, 60_000);

  it('kafka-go writes magic 1, kafkajs reads the same bytes', async () => {
    await kg('produce', 'kg-to-kafkajs', '40', 'kgw');
    expectCanonical(await kafkajsConsume(broker.bootstrap, 'kg-to-kafkajs', 40, 'kg-x1'), 'kgw', 40, false);
  }, 60_000);

  it('kafkajs writes magic 2 with headers, kafka-go reads them down-converted by Fetch v2 (no headers)', async () => {
    await kafkajsProduce(broker.bootstrap, 'kafkajs-to-kg', 40, 'kjs');
    const r = await kg<{ records: ClientRecord[] }>('consume', 'kafkajs-to-kg', '40', 'kg-x2');
    expectCanonical(r.records, 'kjs', 40, false);
  }, 60_000);

  it.runIf(requireTool(HAVE_CONFLUENT_KAFKA, 'python3-confluent-kafka'))('kafka-go writes, librdkafka reads the same bytes', async () => {
    await kg('produce', 'kg-to-ck', '40', 'kgc');
    const r = await runClient<{ records: ClientRecord[] }>(PYTHON, [CONFLUENT, broker.bootstrap, 'consume', 'kg-to-ck', '40', 'kg-x3'], 60_000);
    expectCanonical(r.records, 'kgc', 40, false);
  }, 60_000);
});
