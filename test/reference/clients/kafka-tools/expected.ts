// What each Kafka command-line tool scenario (scenarios.json, src/Tools.java) must show, on Kafka
// and on Tributary alike: kafka-tools.test.ts compares the two; test/pg/clients.test.ts checks the
// same outcomes against three brokers over PostgreSQL.

import { expect } from 'vitest';

/** One tool run: its main class, arguments, exit code and output. */
export interface Call { tool: string; args: string; exit: number; stdout: string; stderr: string }

export type Check = (calls: Call[]) => void;
export const exits = (calls: Call[]) => calls.map((c) => `${c.tool} ${c.args.split(' ').filter((a) => a.startsWith('--') && a !== '--bootstrap-server' && a !== '--topic' && a !== '--group').join(' ')} => ${c.exit}`);
const out = (c: Call) => c.stdout;

/** The outcomes each scenario must show on both brokers. */
export const EXPECTATIONS: Record<string, Check> = {
  'kafka-topics': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(out(calls[0])).toMatch(/^Created topic /);
    expect(out(calls[1])).toMatch(/already exists/);
    expect(out(calls[4])).toMatch(/PartitionCount: 2\tReplicationFactor: 1\tConfigs: .*retention.ms=86400000/);
    expect(out(calls[6])).toMatch(/currently has 3 partition\(s\); 1 would not be an increase/);
    expect(out(calls[7])).toMatch(/PartitionCount: 3/);
    expect(out(calls[9])).toMatch(/does not exist as expected/);
  },
  'console-producer-consumer': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 0, 0, 0]);
    expect(out(calls[2])).toBe('Partition:0\tOffset:0\tk1\tone\nPartition:0\tOffset:1\tk2\ttwo\nPartition:0\tOffset:2\tk3\tthree\n');
    expect(calls[2].stderr).toMatch(/Processed a total of 3 messages/);
    expect(out(calls[3])).toBe('');
    expect(calls[3].stderr).toMatch(/Processed a total of 0 messages/);
  },
  'kafka-consumer-groups': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(out(calls[2]).split('\n').filter(Boolean).sort()).toEqual(['1', '2', '3', '4']);
    expect(out(calls[3])).toMatch(/-kafka-consumer-groups-group\n/);
    // Four records committed over two partitions, then reset to the earliest offset: lag 4.
    const lag = (c: Call) => out(c).split('\n').filter((l) => l.includes('-topic ')).map((l) => l.split(/\s+/).slice(2, 6).join(' ')).sort();
    const before = lag(calls[4]);
    expect(before.map((l) => l.split(' ')[3])).toEqual(['0', '0']);
    expect(out(calls[5])).toMatch(/uniform\s+Empty\s+0/);
    expect(out(calls[7])).toMatch(/NEW-OFFSET/);
    expect(lag(calls[8]).map((l) => l.split(' ')[1])).toEqual(['0', '0']);
    expect(out(calls[9])).toMatch(/GroupIdNotFoundException/);
    expect(out(calls[10])).toMatch(/was successful/);
  },
  'kafka-configs': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(out(calls[2])).toMatch(/cleanup.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete\}/);
    expect(out(calls[4])).not.toMatch(/cleanup.policy/);
    expect(calls[5].stderr).toMatch(/InvalidConfigurationException/);
  },
  'kafka-get-offsets': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 0, 0, 0, 0, 0]);
    const total = (c: Call) => out(c).split('\n').filter(Boolean).reduce((n, l) => n + Number(l.split(':').pop()), 0);
    expect(total(calls[2])).toBe(3);
    expect(total(calls[3])).toBe(0);
  },
  'kafka-transactions': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 0, 0, 0, 1]);
    expect(out(calls[1])).toMatch(/-kafka-transactions-txn\s+\d+\s+\d+\s+CompleteCommit/);
    expect(out(calls[2])).toMatch(/CompleteCommit/);
    expect(calls[4].stderr).toMatch(/could not be found/);
  },
  'perf-tests': (calls) => {
    expect(calls.map((c) => c.exit)).toEqual([0, 0, 0]);
    expect(out(calls[1])).toMatch(/^2000 records sent/m);
    expect(out(calls[2])).toMatch(/, 2000, /);
  },
};
