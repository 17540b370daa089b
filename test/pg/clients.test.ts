// The client scenarios run against Apache Kafka and Tributary in test/reference (same programs, same
// expected results) run here against three broker processes sharing one PostgreSQL database, topics
// created with replication factor 3: confluent-kafka-python 2.16 (librdkafka 2.16, KIP-848 groups),
// franz-go with kadm, sarama and kafka-go, the Java client 4.3.1 (transactions included), Kafka's
// command-line tools 4.3.1, and kafka-python 2.0.2's interop run.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { FRANZ_GO_EXPECTED, KAFKA_GO_EXPECTED, SARAMA_EXPECTED } from '../reference/clients/go/expected.js';
import { goUnavailable, runGoScenario } from '../reference/clients/go/go-scenarios.js';
import { CONFLUENT_KAFKA_EXPECTED } from '../reference/clients/python/expected.js';
import { artifactUnavailable, runScenario } from '../reference/clients/scenario-runner.js';
import { javaExpectations } from '../reference/clients/java/expected.js';
import { type Call as ToolCall, EXPECTATIONS as TOOLS_EXPECTED } from '../reference/clients/kafka-tools/expected.js';
import { compiledProgramsMissing, type JvmRun, readScenarios, runJvm } from '../reference/clients/jvm.js';
import { runClient } from '../e2e/interop-common.js';
import { HAVE_KAFKA_PYTHON, PYTHON as SYSTEM_PYTHON, requireTool } from '../helpers/tools.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);
const PY_FOLDER = fileURLToPath(new URL('../reference/clients/python', import.meta.url));
const PYTHON = path.join(PY_FOLDER, 'venv', 'bin', 'python');
const JAVA_FOLDER = fileURLToPath(new URL('../reference/clients/java', import.meta.url));
const javaUnavailable = compiledProgramsMissing(JAVA_FOLDER);
const TOOLS_FOLDER = fileURLToPath(new URL('../reference/clients/kafka-tools', import.meta.url));
const toolsUnavailable = compiledProgramsMissing(TOOLS_FOLDER);
const pythonUnavailable = artifactUnavailable(PY_FOLDER, path.join(PY_FOLDER, 'venv', '.complete'), ['requirements.txt'], 'test/reference/clients/python/install.sh');

/**
 * What differs on three brokers over PostgreSQL: the cluster's size, as AdminClient describes it.
 * Transactions are Kafka's: transaction.version 2, so franz-go and the Java client add partitions and
 * groups with Produce and TxnOffsetCommit, and the leader calls the id's coordinator, another broker.
 */
const ON_THREE_BROKERS: Record<string, Record<string, unknown>> = {
  admin: { clusterNodes: 3 },
};

/**
 * Waits until the clients' view can no longer move under them: every broker's Metadata lists all
 * three, they name the same leaders, and each topic's leaderships are spread within one (so the
 * controller's balancing has nothing left to move). A leadership moved mid-scenario would be a
 * NOT_LEADER_OR_FOLLOWER that some clients' admin calls do not retry.
 */
async function settled(ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const views = await Promise.all(ports.map(async (port) => {
      const raw = await RawClient.connect(port);
      try {
        const m = await raw.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        const leaders = (m.topics as { name: string; partitions: { partitionIndex: number; leaderId: number }[] }[])
          .map((t) => ({ name: t.name, leaders: [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.leaderId) }))
          .sort((a, b) => a.name.localeCompare(b.name));
        return { brokers: (m.brokers as unknown[]).length, leaders };
      } finally {
        raw.close();
      }
    }));
    const same = views.every((v) => JSON.stringify(v.leaders) === JSON.stringify(views[0].leaders));
    const spread = views[0].leaders.every(({ leaders }) => {
      const counts = ports.map((_, i) => leaders.filter((l) => l === i + 1).length);
      return Math.max(...counts) - Math.min(...counts) <= 1 && leaders.every((l) => l >= 1 && l <= ports.length);
    });
    if (views.every((v) => v.brokers === ports.length) && same && spread) return;
    if (Date.now() > deadline) throw new Error(`the three brokers did not settle: ${JSON.stringify(views)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(unavailable !== undefined)('client scenarios against three brokers over PostgreSQL', () => {
  let server: PgServer;
  const brokers: BrokerProcess[] = [];
  let bootstrap = '';
  beforeAll(async () => {
    server = await startPgServer();
    const url = await server.createDatabase('clients');
    for (const id of [1, 2, 3]) {
      brokers.push(await startBrokerProcess(['--storage', url, '--port', '0', '--node-id', String(id), '--default.replication.factor', '3', '--group.initial.rebalance.delay.ms', '0'], {
        TRIBUTARY_BROKER_HEARTBEAT_INTERVAL_MS: '250',
      }));
    }
    bootstrap = brokers.map((b) => b.bootstrap).join(',');
    await settled(brokers.map((b) => b.port));
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers) b.child.kill('SIGTERM');
    await Promise.all(brokers.map((b) => b.exited));
    await server?.stop();
  });

  // librdkafka and franz-go take the three brokers; sarama and kafka-go one address, and find the others.
  const cases: [string, string | null, Record<string, Record<string, unknown>>, (id: string) => Promise<unknown>][] = [
    ['confluent-kafka-python', pythonUnavailable, CONFLUENT_KAFKA_EXPECTED, (id) => runScenario(PYTHON, [path.join(PY_FOLDER, 'scenarios.py')], id, bootstrap)],
    ['franz-go', goUnavailable, FRANZ_GO_EXPECTED, (id) => runGoScenario(id, bootstrap)],
    ['sarama', goUnavailable, SARAMA_EXPECTED, (id) => runGoScenario(id, brokers[0].bootstrap)],
    ['kafka-go', goUnavailable, KAFKA_GO_EXPECTED, (id) => runGoScenario(id, brokers[0].bootstrap)],
  ];
  for (const [client, missing, expected, runOne] of cases) {
    for (const [id, result] of Object.entries(expected)) {
      it.skipIf(missing !== null)(`${client} ${id}${missing ? ` (skipped: ${missing})` : ''}`, async () => {
        expect(await runOne(id)).toEqual({ ...result, ...ON_THREE_BROKERS[id] });
      }, 120_000);
    }
  }

  /** One test per scenario of a JVM program that runs them all once, on first use (a JVM starts slowly). */
  function jvmScenarios(label: string, folder: string, mainClass: string, prefix: string, missing: string | null, check: (id: string, line: Record<string, unknown>) => void): void {
    const ids = readScenarios(folder).scenarios.map((x) => x.id);
    let run: Promise<JvmRun> | undefined;
    for (const id of ids) {
      it.skipIf(missing !== null)(`${label} ${id}${missing ? ` (skipped: ${missing})` : ''}`, async () => {
        const r = await (run ??= runJvm(folder, mainClass, [bootstrap, `${prefix}-${Date.now()}`, ...ids]));
        const line = r.lines.get(id);
        if (!line || line.error) throw new Error(`scenario ${id}: ${String(line?.error ?? 'no result line')}\nexit ${r.exitCode}, stderr:\n${r.stderr.slice(-4000)}`);
        check(id, line);
      }, 300_000);
    }
  }

  // The Java client 4.3.1's scenarios, as against Kafka (transaction.version 2: an epoch per transaction).
  const JAVA_EXPECTED = javaExpectations();
  jvmScenarios('Java client 4.3.1', JAVA_FOLDER, 'Scenarios', 'java-pg', javaUnavailable, (id, line) => JAVA_EXPECTED[id](line.result as Record<string, unknown>));

  // Kafka's command-line tools 4.3.1 (kafka-topics, console producer and consumer, consumer groups,
  // configs, get-offsets, kafka-transactions, the perf tests), with the outcomes they show on Kafka.
  jvmScenarios('Kafka tools 4.3.1', TOOLS_FOLDER, 'Tools', 'tools-pg', toolsUnavailable, (id, line) => {
    // What differs on three brokers over PostgreSQL (README): every live broker is a replica of every
    // partition, so kafka-topics describes a topic created with --replication-factor 1 as 3.
    const calls = (line.calls as ToolCall[]).map((c) => ({ ...c, stdout: c.stdout.replaceAll('ReplicationFactor: 3', 'ReplicationFactor: 1') }));
    TOOLS_EXPECTED[id](calls);
  });

  // 'auto' speaks the newest protocol kafka-python knows; 0.10.1 an old one: Produce v2 and Fetch v3
  // with magic 1 message sets (stored up-converted to v2 batches, read down-converted); 0.9 the oldest:
  // magic 0 message sets (Produce v1, Fetch v1), JoinGroup v0.
  for (const row of [
    { version: 'auto', headers: true, createdBy: 'CreateTopics' },
    { version: '0.10.1', headers: false, createdBy: 'CreateTopics' },
    { version: '0.9', headers: false, createdBy: 'auto-create' },
  ]) {
    it.runIf(requireTool(HAVE_KAFKA_PYTHON, 'python3-kafka (kafka-python)'))(`kafka-python 2.0.2 as ${row.version}: create a topic, keyed produce across partitions, group commit and resume`, async () => {
      const script = fileURLToPath(new URL('../e2e/py/interop_kafka_python.py', import.meta.url));
      if (row.createdBy === 'auto-create') {
        // A 0.9 client has no CreateTopics: its Metadata request would create the topic with the brokers'
        // num.partitions, 1 here as the reference scenarios expect; the scenario wants 3, so it exists first.
        const raw = await RawClient.connect(Number(brokers[0].bootstrap.split(':').pop()));
        const created = await raw.request(19, 4, { topics: [{ name: `kp-pg-${row.version}`, numPartitions: 3, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
        raw.socket.destroy();
        expect(created.topics[0].errorCode).toBe(0);
      }
      const r = await runClient<{ createdBy: string; partitions: number; headers: boolean; partitionsUsed: number[]; resumed: number }>(
        SYSTEM_PYTHON, [script, brokers[0].bootstrap, 'matrix', row.version, `kp-pg-${row.version}`, `kp-pg-group-${row.version}`], 60_000,
      );
      expect(r).toMatchObject({ createdBy: row.createdBy, partitions: 3, headers: row.headers, partitionsUsed: [0, 1, 2], resumed: 30 });
    }, 90_000);
  }
});
