// The Apache Kafka Java client 4.3.1 against both brokers: the scenarios in scenarios.json (programs
// in src/, compiled by install.sh) run in one JVM per broker, both JVMs started at once. Each
// scenario's result must meet the same expectations on both brokers, and Tributary's must equal
// Kafka's field for field (names aside).

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BrokerUnderTest, describeAgainstBoth, referenceKafka, tributary } from '../../brokers.js';
import { compiledProgramsMissing, type JvmRun, readScenarios, runJvm } from '../jvm.js';
import { javaExpectations } from './expected.js';

const JVM_TIMEOUT_MS = 300_000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const { scenarios } = readScenarios(HERE);
const missing = compiledProgramsMissing(HERE);
if (missing && process.env.CI) throw new Error(`Java client scenarios unavailable in CI: ${missing}`);

type Result = Record<string, unknown>;

/** What each scenario must show on both brokers (beyond Tributary's result equalling Kafka's). */
const EXPECTATIONS = javaExpectations();

const suffix = randomUUID().slice(0, 8);
const runs = new Map<string, Promise<JvmRun>>();

/** One JVM per broker running every listed scenario; both brokers' JVMs start together. */
function resultsOn(broker: BrokerUnderTest): Promise<JvmRun> {
  for (const b of [referenceKafka(), tributary()]) {
    if (b && !runs.has(b.name)) {
      runs.set(b.name, runJvm(HERE, 'Scenarios', [b.bootstrap, `java-${b.name}-${suffix}`, ...scenarios.map((s) => s.id)]));
    }
  }
  return runs.get(broker.name)!;
}

async function resultOf(broker: BrokerUnderTest, id: string): Promise<Result> {
  const run = await resultsOn(broker);
  const line = run.lines.get(id);
  if (!line || line.error) {
    throw new Error(`scenario ${id} on ${broker.name}: ${String(line?.error ?? 'no result line')}\nexit ${run.exitCode}, stderr:\n${run.stderr.slice(-4000)}`);
  }
  return line.result as Result;
}

describe.skipIf(!!missing)(`Java client${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('runs exactly the scenarios scenarios.json lists, each with expectations', () => {
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(scenarios.map((s) => s.id).sort());
  });

  describeAgainstBoth('kafka-clients 4.3.1', (broker) => {
    // Both brokers' JVMs run at once on a shared 2-core machine: allow for a slow one.
    beforeAll(async () => {
      await resultsOn(broker());
    }, JVM_TIMEOUT_MS);

    for (const scenario of scenarios) {
      it(scenario.title, async () => {
        const result = await resultOf(broker(), scenario.id);
        EXPECTATIONS[scenario.id](result);
        const kafka = referenceKafka();
        if (broker().name === 'tributary' && kafka) {
          expect(result).toEqual(await resultOf(kafka, scenario.id));
        }
      }, JVM_TIMEOUT_MS);
    }
  });
});
