// Kafka's own command-line tools (4.3.1) against both brokers: the scenarios in scenarios.json run
// in one JVM per broker (src/Tools.java calls each tool's main class, as bin/kafka-*.sh would).
// Every call's exit code and normalised stdout must be the same on Tributary as on Kafka, and the
// key outcomes are asserted on both.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BrokerUnderTest, describeAgainstBoth, referenceKafka, tributary } from '../../brokers.js';
import { compiledProgramsMissing, type JvmRun, readScenarios, runJvm } from '../jvm.js';
import { type Call, EXPECTATIONS, exits } from './expected.js';

const JVM_TIMEOUT_MS = 300_000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const { scenarios } = readScenarios(HERE);
const missing = compiledProgramsMissing(HERE);
if (missing && process.env.CI) throw new Error(`Kafka tool scenarios unavailable in CI: ${missing}`);


/** Same-length prefixes on both brokers, so that the tools' column padding is the same. */
const suffix = randomUUID().slice(0, 8);
const prefixOf = (broker: BrokerUnderTest) => `tools-${broker.name === 'kafka' ? 'k' : 't'}-${suffix}`;

/**
 * What legitimately differs between two brokers in a tool's output: names (prefix), addresses,
 * topic and producer ids, node ids, timestamps and measured rates. Lists of every group or
 * transaction on the broker keep only this run's entries (other test files share the brokers).
 * Known setting differences, not behaviour: the reference Kafka's server.properties sets
 * message.max.bytes, and its KRaft controller records min.insync.replicas as a cluster-wide default;
 * TopicCommand lists both among a topic's non-default configs. Tributary's coordinator address is
 * its advertised host (localhost), Kafka's is the listener's 127.0.0.1.
 */
function normalise(call: Call, broker: BrokerUnderTest): string {
  const prefix = prefixOf(broker);
  const port = broker.bootstrap.split(':').pop();
  let lines = call.stdout.split('\n').map((line) => line
    .replaceAll(prefix, '<p>')
    .replaceAll(broker.bootstrap, '<bootstrap>')
    .replaceAll(`localhost:${port}`, '<bootstrap>')
    .replace(/(Configs: .*?)min\.insync\.replicas=1,?/, '$1')
    .replace(/(Configs: .*?),?max\.message\.bytes=1048588/, '$1')
    .replace(/TopicId: \S+/g, 'TopicId: <id>')
    .replace(/(Leader|Replicas|Isr): \d+/g, '$1: <node>')
    .replace(/\(\d+\)/g, '(<node>)')
    .replace(/\s+/g, ' ').trim());
  if (/--list|\blist\b/.test(call.args)) {
    lines = lines.filter((l, i) => (i === 0 && !l.startsWith('<p>') ? /^[A-Z]/.test(l) : l.startsWith('<p>')));
  }
  // Lists and tables printed from hash maps keyed by (differently named) topics and groups: row order
  // is not the broker's.
  if (call.tool === 'ConsoleConsumer') lines.sort(); // partitions interleave as fetches return (order within one is asserted below)
  if (/--list|\blist\b/.test(call.args) || call.tool === 'ConsumerGroupCommand') {
    lines = [...lines.filter((l) => !l.startsWith('<p>')), ...lines.filter((l) => l.startsWith('<p>')).sort()];
  }
  if (call.tool === 'TransactionsCommand') lines = lines.map((l) => l.replace(/\b\d{1,}\b/g, '<n>'));
  if (call.tool === 'ProducerPerformance') lines = lines.map((l) => l.replace(/^(\d+ records sent).*/, '$1'));
  if (call.tool === 'ConsumerPerformance') lines = lines.map((l) => (/^\d{4}-/.test(l) ? `nMsg=${l.split(', ')[4]}` : l));
  return lines.filter((l) => l !== '').join('\n');
}

const runs = new Map<string, Promise<JvmRun>>();

/** One JVM per broker running every listed scenario; both brokers' JVMs start together. */
function runOn(broker: BrokerUnderTest): Promise<JvmRun> {
  for (const b of [referenceKafka(), tributary()]) {
    if (b && !runs.has(b.name)) runs.set(b.name, runJvm(HERE, 'Tools', [b.bootstrap, prefixOf(b), ...scenarios.map((s) => s.id)]));
  }
  return runs.get(broker.name)!;
}

async function callsOf(broker: BrokerUnderTest, id: string): Promise<Call[]> {
  const run = await runOn(broker);
  const line = run.lines.get(id);
  if (!line || line.error) {
    throw new Error(`scenario ${id} on ${broker.name}: ${String(line?.error ?? 'no result line')}\nexit ${run.exitCode}, stderr:\n${run.stderr.slice(-4000)}`);
  }
  return line.calls as Call[];
}

describe.skipIf(!!missing)(`Kafka command-line tools${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('runs exactly the scenarios scenarios.json lists, each with expectations', () => {
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(scenarios.map((s) => s.id).sort());
  });

  describeAgainstBoth('kafka-tools 4.3.1', (broker) => {
    // Both brokers' JVMs run at once on a shared 2-core machine: allow for a slow one.
    beforeAll(async () => {
      await runOn(broker());
    }, JVM_TIMEOUT_MS);

    for (const scenario of scenarios) {
      it(scenario.title, async () => {
        const calls = await callsOf(broker(), scenario.id);
        const kafka = referenceKafka();
        if (broker().name === 'tributary' && kafka) {
          const reference = await callsOf(kafka, scenario.id);
          // Exit codes first (a readable list), then each call's normalised output.
          expect(exits(calls)).toEqual(exits(reference));
          expect(calls.map((c) => normalise(c, broker()))).toEqual(reference.map((c) => normalise(c, kafka)));
        }
        EXPECTATIONS[scenario.id](calls);
      }, JVM_TIMEOUT_MS);
    }
  });
});
