// librdkafka group members (confluent-kafka-python, test/e2e/py/group_member.py) against Tributary:
// the range and cooperative-sticky assignors, static membership (a member restarted with the same
// group.instance.id inside its session timeout causes no rebalance of the others), and mixed
// kafkajs + librdkafka groups without a common assignor (INCONSISTENT_GROUP_PROTOCOL, as Kafka).
// Debian's librdkafka is 2.0.2: group.protocol=consumer (KIP-848) needs librdkafka 2.4+, so that
// path is covered by test/group/consumer-protocol.test.ts and raw-protocol tests instead.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { ClassicGroup } from '../../src/group/index.js';
import { HAVE_CONFLUENT_KAFKA, PYTHON, requireTool } from '../helpers/tools.js';

const enabled = requireTool(HAVE_CONFLUENT_KAFKA, 'python3-confluent-kafka');
const SCRIPT = fileURLToPath(new URL('./py/group_member.py', import.meta.url));
let broker: RunningBroker;
const procs = new Set<Member>();

beforeAll(async () => {
  broker = await startBroker({ config: { 'group.initial.rebalance.delay.ms': 0 } });
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: ['rk-range', 'rk-coop', 'rk-static', 'rk-mixed'].map((topic) => ({ topic, numPartitions: 6 })) });
  await admin.disconnect();
});
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL');
  await broker?.close();
});

function kafka() {
  return new Kafka({ clientId: 'rk-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
}

interface Event {
  event: string;
  partitions?: number[];
  kind?: string;
  value?: string;
  code?: number;
}

/** Conditions waited on; re-checked whenever any member prints an event or exits. */
let waiters: { check: () => boolean; resolve: () => void }[] = [];
function poke(): void {
  waiters = waiters.filter((w) => {
    if (!w.check()) return true;
    w.resolve();
    return false;
  });
}

function waitFor(check: () => boolean, describe: () => string, ms = 30_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`condition not reached; ${describe()}`)), ms);
    waiters.push({ check, resolve: () => { clearTimeout(t); resolve(); } });
  });
}

/** A python group member and the events it printed. */
class Member {
  readonly events: Event[] = [];
  assignment: number[] = [];
  readonly exited: Promise<number | null>;
  readonly child: ChildProcessWithoutNullStreams;

  constructor(group: string, topic: string, strategy: string, instance?: string) {
    this.child = spawn(PYTHON, [SCRIPT, broker.bootstrap, group, topic, strategy, ...(instance ? [instance] : [])]);
    procs.add(this);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as Event;
      this.events.push(e);
      if (e.event === 'assignment') this.assignment = e.partitions!;
      poke();
    });
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      procs.delete(this);
      resolve(code);
      poke();
    }));
  }

  wait(check: () => boolean, ms = 30_000): Promise<void> {
    return waitFor(check, () => `events: ${JSON.stringify(this.events.slice(-5))}`, ms);
  }

  async stop(): Promise<void> {
    this.child.stdin.end('stop\n');
    await this.exited;
  }

  assignments(): Event[] {
    return this.events.filter((e) => e.event === 'assignment');
  }
}

/** Waits until every member's latest assignment matches the sizes and together covers 0..5 once. */
async function balanced(members: Member[], sizes: number[]): Promise<void> {
  const ok = () => {
    const all = members.flatMap((m) => m.assignment);
    return all.length === 6 && new Set(all).size === 6 && members.map((m) => m.assignment.length).sort().join() === [...sizes].sort().join();
  };
  await waitFor(ok, () => `assignments: ${JSON.stringify(members.map((m) => m.assignment))}`);
}

const classic = (groupId: string) => broker.services.groups.groups.get(groupId) as ClassicGroup;

describe.runIf(enabled)('librdkafka group members', () => {
  it('range: two members get contiguous halves', async () => {
    const a = new Member('rk-range-g', 'rk-range', 'range');
    const b = new Member('rk-range-g', 'rk-range', 'range');
    await balanced([a, b], [3, 3]);
    expect([a.assignment, b.assignment].map((x) => x.join()).sort()).toEqual(['0,1,2', '3,4,5']);
    expect(classic('rk-range-g')).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolName: 'range' });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('cooperative-sticky: a third member joins in two rounds; nobody stops consuming', async () => {
    const a = new Member('rk-coop-g', 'rk-coop', 'cooperative-sticky');
    const b = new Member('rk-coop-g', 'rk-coop', 'cooperative-sticky');
    await balanced([a, b], [3, 3]);
    const before = [a, b].map((m) => m.assignments().length);
    const c = new Member('rk-coop-g', 'rk-coop', 'cooperative-sticky');
    await balanced([a, b, c], [2, 2, 2]);
    expect(classic('rk-coop-g').protocolName).toBe('cooperative-sticky');
    for (const [i, m] of [a, b].entries()) {
      const later = m.assignments().slice(before[i]);
      // Only incremental changes: one partition revoked, none of the kept ones ever dropped.
      expect(later.some((e) => e.kind === 'revoke' && e.partitions!.length === 2)).toBe(true);
      expect(later.every((e) => e.partitions!.length >= 2)).toBe(true);
    }
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('static membership: a member restarted with the same group.instance.id gets its partitions back without a rebalance', async () => {
    const a = new Member('rk-static-g', 'rk-static', 'range', 'static-a');
    const b = new Member('rk-static-g', 'rk-static', 'range', 'static-b');
    await balanced([a, b], [3, 3]);
    const g = classic('rk-static-g');
    const generation = g.generationId;
    const aEvents = a.assignments().length;
    const bPartitions = b.assignment;
    b.child.kill('SIGKILL'); // crash: no LeaveGroup
    await b.exited;
    const b2 = new Member('rk-static-g', 'rk-static', 'range', 'static-b');
    await b2.wait(() => b2.assignment.length === 3);
    expect(b2.assignment).toEqual(bPartitions);
    expect(g.generationId).toBe(generation);
    expect(g.state).toBe('Stable');
    expect(a.assignments().length).toBe(aEvents);
    await Promise.all([a.stop(), b2.stop()]);
  });

  it('kafkajs and librdkafka without a common assignor: INCONSISTENT_GROUP_PROTOCOL', async () => {
    const a = new Member('rk-mixed-g', 'rk-mixed', 'range');
    await a.wait(() => a.assignment.length === 6);
    const consumer = kafka().consumer({ groupId: 'rk-mixed-g', retry: { retries: 0 } });
    await consumer.connect();
    await consumer.subscribe({ topics: ['rk-mixed'] });
    const crashed = new Promise<string>((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(String((e.payload.error as { type?: string }).type))));
    await consumer.run({ eachMessage: async () => {} });
    expect(await crashed).toBe('INCONSISTENT_GROUP_PROTOCOL');
    await consumer.disconnect();
    await a.stop();
  });
});
