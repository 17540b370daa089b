// Other tools' views of the same data, for the `tributary` command tests: Kafka's own
// kafka-consumer-groups (run from test/reference/libs) and kcat (Debian's, librdkafka inside).

import { expect } from 'vitest';
import { run } from '../helpers/tools.js';

const LIBS = new URL('./libs/*', import.meta.url).pathname;

export interface LagRow {
  partition: number;
  committed: number;
  logEnd: number;
  lag: number;
}

/** `kafka-consumer-groups --describe --group G`: the rows of one topic, by partition. */
export async function kafkaConsumerGroups(bootstrap: string, group: string, topic: string): Promise<LagRow[]> {
  const r = await run('java', ['-cp', LIBS, 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', bootstrap, '--describe', '--group', group], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
  return r.stdout.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols[1] === topic)
    .map((cols) => ({ partition: Number(cols[2]), committed: Number(cols[3]), logEnd: Number(cols[4]), lag: Number(cols[5]) }))
    .sort((x, y) => x.partition - y.partition);
}

/** Runs kcat against `bootstrap`; fails the test on a non-zero exit. */
export async function kcat(bootstrap: string, args: string[]): Promise<string> {
  const r = await run('kcat', ['-b', bootstrap, ...args], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}
