// `tributary consume --group` as a real member of a classic consumer group, with assertions that hold
// on any broker: test/commands runs them against an embedded Tributary, test/reference against
// Kafka 4.3.1 and Tributary. Two CLI consumers split a topic's partitions and hand them over when
// one leaves; a kafkajs consumer (default assigner) shares a group with the CLI.

import { spawn, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { expect, it } from 'vitest';
import { CLI } from '../helpers/broker-process.js';
import { jsonOf, uniqueName } from '../helpers/command-scenarios.js';

interface Described {
  state: string;
  protocol: string;
  members: { memberId: string; assignment: Record<string, number[]> }[];
  offsets: { partition: number; committed: number | null; lag: number | null }[];
}

/** A running `tributary consume TOPIC --group G -f '%p %o %s\n'`. */
interface CliConsumer {
  child: ChildProcess;
  lines(): { partition: number; offset: number; value: string }[];
  stderr(): string;
  exited: Promise<number | null>;
}

function startCliConsumer(bootstrap: string, topic: string, group: string): CliConsumer {
  const child = spawn(process.execPath, [CLI, 'consume', topic, '--group', group, '-f', '%p %o %s\\n', '--bootstrap', bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return {
    child,
    lines: () => stdout.split('\n').filter(Boolean).map((l) => {
      const [p, o, value] = l.split(' ');
      return { partition: Number(p), offset: Number(o), value };
    }),
    stderr: () => stderr,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

/** Polls until `check` passes (the group settles within a few heartbeats), failing after 30 s. */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in 30 s; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const describeGroup = (b: string, group: string): Promise<Described> => jsonOf<Described>(b, ['group', 'describe', group]).catch(() => ({ state: 'Dead', protocol: '', members: [], offsets: [] }));

/** The group is Stable with `n` members and every one of `partitions` assigned exactly once. */
function settled(d: Described, topic: string, n: number, partitions: number): boolean {
  const owned = d.members.flatMap((m) => m.assignment[topic] ?? []).sort((a, b) => a - b);
  return d.state === 'Stable' && d.members.length === n && owned.join() === Array.from({ length: partitions }, (_, i) => i).join();
}

function ownedBy(d: Described, topic: string): number[][] {
  return d.members.map((m) => m.assignment[topic] ?? []);
}

export function groupMemberScenarios(bootstrap: () => string): void {
  it('two `consume --group` processes split the partitions, commit what they printed, and hand over on leaving', async () => {
    const b = bootstrap();
    const topic = uniqueName('share');
    const group = uniqueName('share-group');
    await jsonOf(b, ['topic', 'create', topic, '-p', '4', '-r', '1']);
    const first = startCliConsumer(b, topic, group);
    const second = startCliConsumer(b, topic, group);
    try {
      const d = await eventually('two members with two partitions each', () => describeGroup(b, group), (x) => settled(x, topic, 2, 4));
      expect(d.protocol).toBe('range');
      expect(ownedBy(d, topic).map((ps) => ps.length)).toEqual([2, 2]);

      const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
      await jsonOf(b, ['produce', topic, '--key-separator', ':'], values.map((v, i) => `k${i}:${v}`).join('\n'));
      await eventually('all 40 records printed', async () => first.lines().length + second.lines().length, (n) => n >= 40);
      // Each printed only partitions of one member, and together exactly the records produced.
      const partitionsOf = (c: CliConsumer): number[] => [...new Set(c.lines().map((l) => l.partition))].sort();
      const a = partitionsOf(first);
      const s = partitionsOf(second);
      expect(a.filter((p) => s.includes(p))).toEqual([]);
      expect(ownedBy(d, topic).map((ps) => ps.join())).toEqual(expect.arrayContaining([...(a.length > 0 ? [a.join()] : []), ...(s.length > 0 ? [s.join()] : [])]));
      expect([...first.lines(), ...second.lines()].map((l) => l.value).sort()).toEqual([...values].sort());

      // The first leaves (Ctrl-C): the second takes every partition, and continues from the commits.
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      expect(first.stderr()).toBe('');
      await eventually('one member with all four partitions', () => describeGroup(b, group), (x) => settled(x, topic, 1, 4));
      const before = second.lines().length;
      await jsonOf(b, ['produce', topic, '--key-separator', ':'], Array.from({ length: 8 }, (_, i) => `late${i}:late${i}`).join('\n'));
      await eventually('the 8 later records printed by the remaining member', async () => second.lines().length - before, (n) => n >= 8);
      expect(second.lines().slice(before).map((l) => l.value).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `late${i}`));
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      expect(second.stderr()).toBe('');

      const after = await describeGroup(b, group);
      expect(after.state).toBe('Empty');
      expect(after.offsets.reduce((n, o) => n + (o.committed ?? 0), 0)).toBe(48);
      expect(after.offsets.every((o) => o.lag === 0)).toBe(true);
    } finally {
      first.child.kill('SIGKILL');
      second.child.kill('SIGKILL');
    }
  });

  it('a kafkajs consumer (default RoundRobinAssigner) and `consume --group` share a group', async () => {
    const b = bootstrap();
    const topic = uniqueName('kjs');
    const group = uniqueName('kjs-group');
    await jsonOf(b, ['topic', 'create', topic, '-p', '4', '-r', '1']);
    const cli = startCliConsumer(b, topic, group);
    const kafka = new Kafka({ clientId: 'kafkajs-member', brokers: [b], logLevel: logLevel.NOTHING });
    const consumer: Consumer = kafka.consumer({ groupId: group, sessionTimeout: 30_000, heartbeatInterval: 1000 });
    const seen: { partition: number; value: string }[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push({ partition, value: message.value!.toString() }) });
      const d = await eventually('the CLI and kafkajs with two partitions each', () => describeGroup(b, group), (x) => settled(x, topic, 2, 4));
      expect(d.protocol).toBe('RoundRobinAssigner');
      expect(ownedBy(d, topic).map((ps) => ps.length)).toEqual([2, 2]);

      const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
      await jsonOf(b, ['produce', topic, '--key-separator', ':'], values.map((v, i) => `k${i}:${v}`).join('\n'));
      await eventually('all 40 records consumed', async () => seen.length + cli.lines().length, (n) => n >= 40);
      const cliPartitions = new Set(cli.lines().map((l) => l.partition));
      expect(seen.filter((r) => cliPartitions.has(r.partition))).toEqual([]);
      expect(cliPartitions.size).toBeGreaterThan(0);
      expect(seen.length).toBeGreaterThan(0);
      expect([...seen.map((r) => r.value), ...cli.lines().map((l) => l.value)].sort()).toEqual([...values].sort());
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toBe('');
    } finally {
      cli.child.kill('SIGKILL');
      await consumer.disconnect();
    }
  });
}
