// kafkajs consumer groups against Tributary: two then three consumers split a 6-partition topic,
// partitions move when one leaves, and committed offsets resume exactly after restarting every
// consumer and the broker (file storage, same data directory): nothing lost, nothing read twice.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';

const TOPIC = 'six';
let dir: string;
let broker: RunningBroker;

function kafka(b = broker) {
  return new Kafka({ clientId: 'groups-e2e', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
}

const start = (port = 0) =>
  startBroker({ storage: `file://${dir}`, port, config: { 'group.initial.rebalance.delay.ms': 0 } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-groups-'));
  broker = await start();
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6 }] });
  await admin.disconnect();
});
afterAll(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

async function produce(from: number, to: number, b = broker) {
  const producer = kafka(b).producer();
  await producer.connect();
  const messages = [];
  for (let i = from; i < to; i++) messages.push({ partition: i % 6, value: `m${i}` });
  await producer.send({ topic: TOPIC, messages, acks: -1 });
  await producer.disconnect();
}

/** A consumer that remembers its latest assignment and every value it saw. */
interface Tracked {
  consumer: Consumer;
  assignment: number[];
  seen: string[];
}

/** Resolves when check() holds, re-checking on every group event and fetch; rejects after ms. */
function until(check: () => boolean, hooks: ((f: () => void) => void)[], ms = 25_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('condition not reached')), ms);
    const poke = () => {
      if (check()) {
        clearTimeout(t);
        resolve();
      }
    };
    for (const h of hooks) h(poke);
    poke();
  });
}

const listeners = new Set<() => void>();
const hook = (f: () => void) => listeners.add(f);
const notify = () => {
  for (const f of listeners) f();
};

async function startConsumer(groupId: string, seen: string[] = [], b = broker): Promise<Tracked> {
  const consumer = kafka(b).consumer({ groupId, heartbeatInterval: 300, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
  const tracked: Tracked = { consumer, assignment: [], seen };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    tracked.assignment = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort((x, y) => x - y);
    notify();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 50,
    eachMessage: async ({ message }) => {
      tracked.seen.push(message.value!.toString());
      notify();
    },
  });
  return tracked;
}

function disjointCover(ts: Tracked[], sizes: number[]): boolean {
  const all = ts.flatMap((t) => t.assignment);
  return new Set(all).size === 6 && all.length === 6 && ts.map((t) => t.assignment.length).sort().join() === sizes.sort().join();
}

describe('kafkajs consumer group', () => {
  it('two then three consumers split six partitions; a leaving consumer hands its partitions over', async () => {
    await produce(0, 60);
    const seen: string[] = [];
    const a = await startConsumer('split', seen);
    const b = await startConsumer('split', seen);
    await until(() => disjointCover([a, b], [3, 3]), [hook]);
    const c = await startConsumer('split', seen);
    await until(() => disjointCover([a, b, c], [2, 2, 2]), [hook]);
    const gone = c.assignment;
    await c.consumer.disconnect();
    await until(() => disjointCover([a, b], [3, 3]), [hook]);
    expect([...a.assignment, ...b.assignment]).toEqual(expect.arrayContaining(gone));
    await until(() => new Set(seen).size === 60, [hook]);
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);
  });

  it('commits resume exactly after restarting every consumer and the broker', async () => {
    const seen: string[] = [];
    // Round 1: consume what is there (m0..m59 from the first test) and commit.
    let a = await startConsumer('resume', seen);
    let b = await startConsumer('resume', seen);
    await until(() => seen.length >= 60, [hook]);
    // Auto-commit catches up: committed offsets reach the log end of every partition.
    await waitCommitted(60);
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);
    expect(new Set(seen).size).toBe(60);
    expect(seen.length).toBe(60);

    // Restart consumers only: new messages, nothing old again.
    await produce(60, 90);
    a = await startConsumer('resume', seen);
    b = await startConsumer('resume', seen);
    await until(() => seen.length >= 90, [hook]);
    await waitCommitted(90);
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);

    // Restart the broker on the same data directory.
    await broker.close();
    broker = await start();
    await produce(90, 120);
    a = await startConsumer('resume', seen);
    b = await startConsumer('resume', seen);
    await until(() => seen.length >= 120, [hook]);
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);
    expect(seen.length).toBe(120);
    expect(new Set(seen).size).toBe(120);
  });
});

/** True once the group's committed offsets sum to n over the six partitions. */
async function pollCommitted(admin: ReturnType<Kafka['admin']>, n: number, groupId = 'resume'): Promise<boolean> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
  const sum = offsets[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  return sum === n;
}

async function waitCommitted(n: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    for (let i = 0; i < 200; i++) {
      if (await pollCommitted(admin, n)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`offsets never reached ${n}`);
  } finally {
    await admin.disconnect();
  }
}
