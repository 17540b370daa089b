// The `tributary` admin commands, run as users run them (`node dist/cli.js ...`, a child process
// over real sockets), with assertions that hold on any Kafka-compatible broker: the broker project
// runs them against an embedded Tributary, the reference project against Kafka 4.3.1 and Tributary.

import { expect, it } from 'vitest';
import { partitionForKey } from '../../src/client/partitioner.js';
import { CLI } from './broker-process.js';
import { run, type RunResult } from './tools.js';

/** Runs `tributary ARGS --bootstrap B`; stdin from `input`. */
export function tributaryCommand(bootstrap: string, args: string[], input?: string): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args, '--bootstrap', bootstrap], { input, timeoutMs: 60_000 });
}

/** Runs a command that must succeed and parses its --json output. */
export async function jsonOf<T = unknown>(bootstrap: string, args: string[], input?: string): Promise<T> {
  const r = await tributaryCommand(bootstrap, [...args, '--json'], input);
  expect(r.stderr.includes('\n    at '), r.stderr).toBe(false);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** JSON lines (consume --json). */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}

export function uniqueName(tag: string): string {
  return `cli-${tag}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

interface OffsetRow {
  topic: string;
  partition: number;
  committed: number | null;
  logEnd: number;
  lag: number | null;
}

/** Registers the scenarios (vitest `it`s) against the broker `bootstrap()` returns. */
export function commandScenarios(bootstrap: () => string): void {
  it('topic create, list, describe, alter-config, add-partitions and delete', async () => {
    const b = bootstrap();
    const topic = uniqueName('topic');
    const created = await jsonOf<{ name: string; partitions: number; replicationFactor: number }>(b, ['topic', 'create', topic, '-p', '3', '-r', '1', '-c', 'retention.ms=3600000']);
    expect(created).toMatchObject({ name: topic, partitions: 3, replicationFactor: 1 });

    const listed = await jsonOf<{ name: string; partitions: number }[]>(b, ['topic', 'list']);
    expect(listed.find((t) => t.name === topic)).toMatchObject({ partitions: 3, replicationFactor: 1, internal: false });

    await jsonOf(b, ['topic', 'alter-config', topic, 'cleanup.policy=compact', 'max.message.bytes=200000']);
    await jsonOf(b, ['topic', 'alter-config', topic, '--delete', 'retention.ms']);
    await jsonOf(b, ['topic', 'add-partitions', topic, '2']);
    const described = await jsonOf<{ partitionCount: number; configs: Record<string, string>; partitions: { partition: number; leader: number; replicas: number[] }[] }>(b, ['topic', 'describe', topic]);
    expect(described.partitionCount).toBe(5);
    expect(described.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4]);
    expect(described.partitions.every((p) => p.leader >= 0 && p.replicas.length === 1)).toBe(true);
    expect(described.configs).toEqual({ 'cleanup.policy': 'compact', 'max.message.bytes': '200000' });

    const table = await tributaryCommand(b, ['topic', 'describe', topic]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^Topic: ${topic}\\tTopicId: \\S+\\tPartitionCount: 5\\tReplicationFactor: 1\\tConfigs: cleanup.policy=compact,max.message.bytes=200000\\n`));
    expect(table.stdout).toMatch(/\nPARTITION +LEADER +EPOCH +REPLICAS +ISR +OFFLINE\n0 +\d+ /);

    const again = await tributaryCommand(b, ['topic', 'create', topic]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^tributary topic: create topic \S+: TOPIC_ALREADY_EXISTS .*: choose another name, or delete the topic first\n$/);

    await jsonOf(b, ['topic', 'delete', topic]);
    const gone = await tributaryCommand(b, ['topic', 'describe', topic]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^tributary topic: topic \S+: UNKNOWN_TOPIC_OR_PARTITION .*tributary topic list`\n$/);
  });

  it('produce keyed lines with headers and compression; consume them back with --json, --format, --from and -n', async () => {
    const b = bootstrap();
    const topic = uniqueName('records');
    await jsonOf(b, ['topic', 'create', topic, '-p', '4', '-r', '1']);
    const lines = Array.from({ length: 40 }, (_, i) => `key-${i % 10}|value ${i}`);
    let produced = 0;
    for (const [i, compression] of ['none', 'gzip', 'snappy', 'lz4'].entries()) {
      const chunk = lines.slice(i * 10, i * 10 + 10);
      const r = await jsonOf<{ records: number }>(b, ['produce', topic, '--key-separator', '|', '-H', 'source=cli', '-H', 'n=1', '--compression', compression], chunk.join('\n') + '\n');
      expect(r.records).toBe(10);
      produced += r.records;
    }
    // An unkeyed line, to a chosen partition, acks=1, without a trailing newline.
    expect((await jsonOf<{ records: number }>(b, ['produce', topic, '--partition', '2', '--acks', '1'], 'no key'))).toMatchObject({ records: 1 });
    produced++;

    const all = await tributaryCommand(b, ['consume', topic, '-e', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const records = jsonLines<ConsumedRecord>(all.stdout);
    expect(records).toHaveLength(produced);
    for (const r of records.filter((x) => x.key !== null)) {
      // Where Kafka's default partitioner (murmur2) puts the key, so Java consumers agree.
      expect(r.partition).toBe(partitionForKey(Buffer.from(r.key!), 4));
      expect(r.headers).toEqual([{ key: 'source', value: 'cli' }, { key: 'n', value: '1' }]);
    }
    expect(records.filter((r) => r.key === null)).toMatchObject([{ partition: 2, value: 'no key', headers: [] }]);
    expect(new Set(records.filter((r) => r.key !== null).map((r) => r.value))).toEqual(new Set(lines.map((l) => l.split('|')[1])));

    // kcat-like format, one partition, from an offset, a count.
    const p = records.find((r) => r.key === 'key-3')!.partition;
    const inP = records.filter((r) => r.partition === p).sort((x, y) => x.offset - y.offset);
    const fmt = await tributaryCommand(b, ['consume', topic, '--partition', String(p), '--from', 'offset:1', '-n', '2', '--format', '%t/%p@%o %k=%s (%h) %K %S\\n']);
    expect(fmt.code, fmt.stderr).toBe(0);
    expect(fmt.stdout).toBe(inP.slice(1, 3).map((r) => `${topic}/${p}@${r.offset} ${r.key}=${r.value} (source=cli,n=1) ${r.key!.length} ${r.value!.length}\n`).join(''));

    // --from timestamp: a time after every record means the end, so nothing is printed.
    const future = await tributaryCommand(b, ['consume', topic, '-e', '--from', `timestamp:${Date.now() + 3_600_000}`]);
    expect(future.code).toBe(0);
    expect(future.stdout).toBe('');
    const fromEnd = await tributaryCommand(b, ['consume', topic, '-e', '--from', 'end']);
    expect(fromEnd.stdout).toBe('');
    const fromTime = await tributaryCommand(b, ['consume', topic, '-e', '--json', '--from', `timestamp:${Math.min(...records.map((r) => r.timestamp))}`]);
    expect(jsonLines(fromTime.stdout)).toHaveLength(produced);
  });

  it('consume --group commits; group describe shows committed offsets and lag; reset-offsets dry-runs, then executes', async () => {
    const b = bootstrap();
    const topic = uniqueName('lag');
    const group = uniqueName('group');
    await jsonOf(b, ['topic', 'create', topic, '-p', '2', '-r', '1']);
    await jsonOf(b, ['produce', topic, '--partition', '0'], 'a\nb\nc\nd\ne\n');
    await jsonOf(b, ['produce', topic, '--partition', '1'], 'f\ng\n');

    const first = await tributaryCommand(b, ['consume', topic, '--group', group, '-n', '3']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n').filter(Boolean)).toHaveLength(3);

    const rest = await tributaryCommand(b, ['consume', topic, '--group', group, '-e']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].filter((v) => !first.stdout.split('\n').includes(v)).sort(),
    );

    await jsonOf(b, ['produce', topic, '--partition', '0'], 'h\ni\nj\n');
    const d = await jsonOf<{ state: string; offsets: OffsetRow[]; totalLag: number }>(b, ['group', 'describe', group]);
    expect(d.state).toBe('Empty');
    expect(d.offsets.map(({ topic: t, partition, committed, logEnd, lag }) => ({ t, partition, committed, logEnd, lag }))).toEqual([
      { t: topic, partition: 0, committed: 5, logEnd: 8, lag: 3 },
      { t: topic, partition: 1, committed: 2, logEnd: 2, lag: 0 },
    ]);
    expect(d.totalLag).toBe(3);
    const table = await tributaryCommand(b, ['group', 'describe', group]);
    expect(table.stdout).toMatch(new RegExp(`\\n${topic} +0 +5 +8 +3 +- +- +-\\n`));
    expect(table.stdout).toMatch(/\nTOTAL LAG 3\n$/);

    const listed = await jsonOf<{ group: string; state: string }[]>(b, ['group', 'list']);
    expect(listed.find((g) => g.group === group)).toMatchObject({ state: 'Empty' });

    // Dry run by default: prints the plan, commits nothing.
    const dry = await jsonOf<{ executed: boolean; offsets: { partition: number; newOffset: number }[] }>(b, ['group', 'reset-offsets', group, '--topic', topic, '--to-earliest']);
    expect(dry).toMatchObject({ executed: false, offsets: [{ partition: 0, newOffset: 0 }, { partition: 1, newOffset: 0 }] });
    expect((await jsonOf<{ totalLag: number }>(b, ['group', 'describe', group])).totalLag).toBe(3);

    await jsonOf(b, ['group', 'reset-offsets', group, '--topic', `${topic}:0`, '--shift-by', '-2', '--execute']);
    await jsonOf(b, ['group', 'reset-offsets', group, '--topic', `${topic}:1`, '--to-offset', '99', '--execute']); // clamped to the end
    let offsets = (await jsonOf<{ offsets: OffsetRow[] }>(b, ['group', 'describe', group])).offsets;
    expect(offsets.map((o) => o.committed)).toEqual([3, 2]);

    await jsonOf(b, ['group', 'reset-offsets', group, '--topic', topic, '--to-datetime', new Date(Date.now() + 3_600_000).toISOString(), '--execute']);
    offsets = (await jsonOf<{ offsets: OffsetRow[] }>(b, ['group', 'describe', group])).offsets;
    expect(offsets.map((o) => o.committed)).toEqual([8, 2]);
    await jsonOf(b, ['group', 'reset-offsets', group, '--topic', topic, '--to-earliest', '--execute']);
    const again = await tributaryCommand(b, ['consume', topic, '--group', group, '-e']);
    expect(again.stdout.split('\n').filter(Boolean)).toHaveLength(10);

    await jsonOf(b, ['group', 'delete', group]);
    const gone = await tributaryCommand(b, ['group', 'describe', group]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^tributary group: group \S+: GROUP_ID_NOT_FOUND .*tributary group list`\n$/);
  });

  it('cluster info names the cluster, its controller and brokers, features and API versions', async () => {
    const b = bootstrap();
    const info = await jsonOf<{ clusterId: string; controllerId: number; brokers: { id: number; port: number }[]; features: { finalized: { name: string }[] }; apiVersions: { apiKey: number; name: string; maxVersion: number }[] }>(b, ['cluster', 'info']);
    expect(info.clusterId).toMatch(/^\S{22}$/);
    expect(info.brokers).toHaveLength(1);
    expect(String(info.brokers[0].port)).toBe(b.split(':')[1]);
    expect(info.features.finalized.map((f) => f.name)).toContain('metadata.version');
    expect(info.apiVersions.find((a) => a.apiKey === 0)).toMatchObject({ name: 'Produce' });
    const table = await tributaryCommand(b, ['cluster', 'info']);
    expect(table.stdout).toMatch(/^Cluster ID: \S+\nController: -?\d+\n\nBROKER +HOST +PORT/);
  });

  it('bad input: unknown topic, invalid flags and values each give one line on stderr and a non-zero exit', async () => {
    const b = bootstrap();
    const cases: [string[], number, RegExp][] = [
      [['consume', uniqueName('missing'), '-e'], 1, /^tributary consume: topic \S+: UNKNOWN_TOPIC_OR_PARTITION/],
      [['produce', uniqueName('missing')], 1, /^tributary produce: topic \S+: UNKNOWN_TOPIC_OR_PARTITION/],
      [['topic', 'list', '--bogus'], 2, /^tributary topic: unknown flag --bogus/],
      [['topic', 'frobnicate'], 2, /^tributary topic: unknown topic sub-command frobnicate/],
      [['topic', 'create', uniqueName('x'), '-p', 'many'], 2, /^tributary topic: --partitions must be an integer/],
      [['topic', 'create', uniqueName('x'), '-p', '0'], 2, /^tributary topic: --partitions must be at least 1/],
      [['consume', 'x', '--from', 'yesterday'], 2, /^tributary consume: --from must be beginning, end, offset:N or timestamp:MS/],
      [['consume', 'x', '--format', '%q'], 2, /^tributary consume: --format: unknown placeholder %q/],
      [['produce', 'x', '--compression', 'brotli'], 2, /^tributary produce: --compression must be/],
      [['group', 'reset-offsets', 'g', '--topic', 't'], 2, /^tributary group: give exactly one of --to-earliest/],
      [['group', 'reset-offsets', 'g', '--topic', 't', '--to-datetime', 'soon'], 2, /^tributary group: --to-datetime must be an ISO date-time/],
    ];
    const results = await Promise.all(cases.map(([args]) => tributaryCommand(b, args, '')));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      expect({ args, code: r.code, stderr: r.stderr }).toMatchObject({ code, stderr: expect.stringMatching(message) });
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  });
}
