// `tributary consume` and `group describe` beside kcat (librdkafka) and Kafka's kafka-consumer-groups
// on the same data, against Kafka 4.3.1 and Tributary: the same records (count, partition, offset,
// key, value, timestamp, headers) for the same start positions, the same log-end offsets, and the
// same committed offsets and lag for a group that kcat's balanced consumer committed.

import { describe, expect, it } from 'vitest';
import { jsonLines, jsonOf, tributaryCommand, uniqueName } from '../helpers/command-scenarios.js';
import { HAVE_KCAT, requireTool } from '../helpers/tools.js';
import { describeAgainstBoth } from './brokers.js';
import { kafkaConsumerGroups, kcat } from './commands-tools.js';

const FORMAT = '%t %p %o %k|%s|%T|%h\\n';
const PARTITIONS = 3;

interface Data {
  topic: string;
  count: number;
  /** A timestamp after the first round's records and at or before the second round's. */
  secondRoundFrom: number;
}

/** 30 keyed records with headers, then 5 without a key, one with an empty value, produced by the CLI. */
async function produceData(b: string): Promise<Data> {
  const topic = uniqueName('kcat');
  await jsonOf(b, ['topic', 'create', topic, '-p', String(PARTITIONS), '-r', '1']);
  await jsonOf(b, ['produce', topic, '--key-separator', ':', '-H', 'trace=t-1', '-H', 'source=cli'], Array.from({ length: 30 }, (_, i) => `k${i}:value ${i}`).join('\n'));
  const first = jsonLines<{ timestamp: number }>((await tributaryCommand(b, ['consume', topic, '-e', '--json'])).stdout);
  const lastTimestamp = Math.max(...first.map((r) => r.timestamp));
  // The second round's records must carry a later time (the CLI stamps Date.now()).
  while (Date.now() <= lastTimestamp) await new Promise((r) => setTimeout(r, 1));
  await jsonOf(b, ['produce', topic, '--partition', '1'], 'no key 1\nno key 2\n\nno key 4\nno key 5');
  return { topic, count: 35, secondRoundFrom: lastTimestamp + 1 };
}

const sorted = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();

describe.skipIf(!requireTool(HAVE_KCAT, 'kcat'))('beside kcat', () => {
  describeAgainstBoth('tributary consume and group describe', (broker) => {
    let data: Promise<Data> | undefined;
    const dataOnce = (): Promise<Data> => (data ??= produceData(broker().bootstrap));

    it('prints the same records as kcat with the same -f format: partitions, offsets, keys, values, timestamps, headers', async () => {
      const b = broker().bootstrap;
      const { topic, count } = await dataOnce();
      const ours = await tributaryCommand(b, ['consume', topic, '-e', '-f', FORMAT]);
      expect(ours.code, ours.stderr).toBe(0);
      const theirs = await kcat(b, ['-C', '-t', topic, '-e', '-q', '-f', FORMAT]);
      expect(sorted(ours.stdout)).toEqual(sorted(theirs));
      expect(sorted(ours.stdout)).toHaveLength(count);
      // The record with no key and an empty value: both print empty key and value.
      expect(sorted(theirs).filter((l) => new RegExp(`^${topic} 1 \\d+ \\|\\|\\d+\\|$`).test(l))).toHaveLength(1);
    });

    it('--json carries what kcat -J does', async () => {
      const b = broker().bootstrap;
      const { topic } = await dataOnce();
      const ours = jsonLines<{ partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }>(
        (await tributaryCommand(b, ['consume', topic, '-e', '--json'])).stdout,
      );
      const theirs = jsonLines<{ partition: number; offset: number; ts: number; key: string | null; payload: string | null; headers?: string[] }>(await kcat(b, ['-C', '-t', topic, '-e', '-q', '-J']));
      const byPosition = (x: { partition: number; offset: number }, y: { partition: number; offset: number }) => x.partition - y.partition || x.offset - y.offset;
      expect(ours.sort(byPosition).map((r) => ({ partition: r.partition, offset: r.offset, ts: r.timestamp, key: r.key, payload: r.value, headers: r.headers.flatMap((h) => [h.key, h.value]) })))
        .toEqual(theirs.sort(byPosition).map((r) => ({ partition: r.partition, offset: r.offset, ts: r.ts, key: r.key, payload: r.payload, headers: r.headers ?? [] })));
    });

    it('starts where kcat starts for the same offset and the same timestamp', async () => {
      const b = broker().bootstrap;
      const { topic, secondRoundFrom } = await dataOnce();
      const fromOffset = await tributaryCommand(b, ['consume', topic, '-e', '--partition', '1', '--from', 'offset:4', '-f', FORMAT]);
      expect(fromOffset.code, fromOffset.stderr).toBe(0);
      expect(fromOffset.stdout).toBe(await kcat(b, ['-C', '-t', topic, '-p', '1', '-o', '4', '-e', '-q', '-f', FORMAT]));
      const fromTime = await tributaryCommand(b, ['consume', topic, '-e', '--partition', '1', '--from', `timestamp:${secondRoundFrom}`, '-f', FORMAT]);
      expect(fromTime.code, fromTime.stderr).toBe(0);
      const theirs = await kcat(b, ['-C', '-t', topic, '-p', '1', '-o', `s@${secondRoundFrom}`, '-e', '-q', '-f', FORMAT]);
      expect(fromTime.stdout).toBe(theirs);
      expect(sorted(theirs)).toHaveLength(5);
    });

    it('reports the log-end offsets kcat -Q does, and committed offsets and lag as kafka-consumer-groups', async () => {
      const b = broker().bootstrap;
      const { topic, count } = await dataOnce();
      const group = uniqueName('kcat-q');
      expect((await tributaryCommand(b, ['consume', topic, '-g', group, '-n', '12'])).code).toBe(0);
      const ours = await jsonOf<{ offsets: { partition: number; committed: number; logEnd: number; lag: number }[] }>(b, ['group', 'describe', group]);
      const queried = await kcat(b, ['-Q', ...Array.from({ length: PARTITIONS }, (_, p) => ['-t', `${topic}:${p}:-1`]).flat()]);
      const ends = [...queried.matchAll(/^(\S+) \[(\d+)\] offset (\d+)$/gm)].map((m) => ({ partition: Number(m[2]), logEnd: Number(m[3]) })).sort((x, y) => x.partition - y.partition);
      expect(ours.offsets.map(({ partition, logEnd }) => ({ partition, logEnd }))).toEqual(ends);
      expect(ends.reduce((s, e) => s + e.logEnd, 0)).toBe(count);
      expect(ours.offsets.map(({ partition, committed, logEnd, lag }) => ({ partition, committed, logEnd, lag }))).toEqual(await kafkaConsumerGroups(b, group, topic));
      expect(ours.offsets.reduce((s, o) => s + o.lag, 0)).toBe(count - 12);
    });

    it('a group committed by kcat\'s balanced consumer: the same offsets and lag as kafka-consumer-groups, at what kcat printed', async () => {
      const b = broker().bootstrap;
      const { topic, count } = await dataOnce();
      const group = uniqueName('kcat-g');
      const printed = await kcat(b, ['-G', group, '-X', 'auto.offset.reset=earliest', '-c', '9', '-q', '-f', '%p %o\\n', topic]);
      const next = new Map<number, number>();
      for (const line of sorted(printed)) {
        const [p, o] = line.split(' ').map(Number);
        next.set(p, Math.max(next.get(p) ?? 0, o + 1));
      }
      expect([...next.values()].reduce((s, n) => s + n, 0)).toBe(9);
      const ours = await jsonOf<{ offsets: { partition: number; committed: number | null; logEnd: number; lag: number | null }[] }>(b, ['group', 'describe', group]);
      const theirs = await kafkaConsumerGroups(b, group, topic);
      expect(ours.offsets.map(({ partition, committed, logEnd, lag }) => ({ partition, committed, logEnd, lag }))).toEqual(theirs);
      // librdkafka commits what the application consumed (enable.auto.offset.store): exactly the printed records.
      expect(new Map(theirs.filter((r) => r.committed > 0).map((r) => [r.partition, r.committed]))).toEqual(new Map([...next].filter(([, n]) => n > 0)));
      expect(theirs.reduce((s, r) => s + r.lag, 0)).toBe(theirs.reduce((s, r) => s + r.logEnd, 0) - 9);
      expect(count).toBeGreaterThanOrEqual(9);
    });
  });
});
