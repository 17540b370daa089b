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

const JVM_TIMEOUT_MS = 300_000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const { scenarios } = readScenarios(HERE);
const missing = compiledProgramsMissing(HERE);
if (missing && process.env.CI) throw new Error(`Java client scenarios unavailable in CI: ${missing}`);

type Result = Record<string, unknown>;

/** What each scenario must show on both brokers (beyond Tributary's result equalling Kafka's). */
const EXPECTATIONS: Record<string, (r: Result) => void> = {
  'idempotent-producer': (r) => {
    expect(r).toMatchObject({ sent: 30, received: 30, readBackExactly: true });
    expect(Object.keys(r.perPartition as object)).toEqual(['0', '1', '2']);
  },
  'group-classic': (r) => expectGroup(r, 'Classic'),
  'group-consumer': (r) => {
    expectGroup(r, 'Consumer');
    expect(r.assignor).toBe('uniform');
    // Every member reconciled to the group's epoch and holds its target assignment.
    expect(r.targetAssignmentEpoch).toBe(r.groupEpoch);
    expect(r.memberDescriptions).toEqual([0, 1].map(() => `assigned=1 target=1 epoch=${r.groupEpoch} upgraded=true client=true`));
  },
  admin: (r) => expect(r).toMatchObject({
    transactionVersionFinalized: 2,
    createAgain: 'TopicExistsException', listed: true, partitions: 2, internal: false,
    partitionsAfterCreate: 4, shrinkPartitions: 'InvalidPartitionsException',
    configsBefore: { 'retention.ms': '123456 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete (DYNAMIC_TOPIC_CONFIG)', 'retention.bytes': '-1 (DEFAULT_CONFIG)' },
    configsAfterAlter: { 'retention.ms': '654321 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete,compact (DYNAMIC_TOPIC_CONFIG)', 'retention.bytes': '1000000 (DYNAMIC_TOPIC_CONFIG)' },
    configsAfterDelete: { 'retention.ms': '654321 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete (DYNAMIC_TOPIC_CONFIG)', 'retention.bytes': '-1 (DEFAULT_CONFIG)' },
    invalidConfig: 'InvalidConfigurationException',
    offsetsAfterProduce: { earliest: '0@-1', latest: '5@-1', maxTimestamp: '4@1000040', forTimestamp: '2@1000020' },
    deleteRecordsLowWatermark: 2,
    offsetsAfterDeleteRecords: { earliest: '2@-1', latest: '5@-1' },
    deleteRecordsBeyondEnd: 'OffsetOutOfRangeException',
    groupOffsets: { 0: '3:meta', 1: '0:' },
    listedGroup: ['Classic/Empty/'], describedGroup: 'Classic/Empty/members=0', describeUnknownGroup: 'GroupIdNotFoundException',
    groupOffsetsAfterDelete: { 0: '3:meta' }, groupListedAfterDelete: false, deleteGroupAgain: 'GroupIdNotFoundException',
    describeDeleted: 'UnknownTopicOrPartitionException', deleteAgain: 'UnknownTopicOrPartitionException',
  }),
  'transactions-v2-classic-group': expectTransactions,
  'transactions-v2-consumer-group': expectTransactions,
};

function expectGroup(r: Result, type: string): void {
  expect(r).toMatchObject({
    groupType: type, groupState: 'Stable', members: 2, consumedByGroup: 20, oneMemberPerPartition: true,
    committedAfterClose: { 0: 10, 1: 10 }, stateAfterClose: 'Empty',
    resumedFrom: { 0: 10, 1: 10 }, consumedAfterRestart: 10, committedAtEnd: { 0: 15, 1: 15 },
  });
}

function expectTransactions(r: Result): void {
  expect(r).toMatchObject({
    steps: ['txn1 committed 0..2', 'txn2 aborted 3..5', 'txn3 committed 3..5'],
    committedAfterCommit: 3, committedAfterAbort: 3, committedAtEnd: 6,
    transactionState: 'CompleteCommit', transactionTopicPartitions: 0, listedTransactions: ['CompleteCommit'],
    // Transactions V2 end every transaction with an epoch bump: three transactions, epoch 3.
    producerEpochAfterThreeTransactions: 3,
    readCommitted: ['0:out-0', '1:out-1', '2:out-2', '8:out-3', '9:out-4', '10:out-5'],
    outputEndOffset: 12,
  });
  expect(r.readUncommitted).toHaveLength(9);
}

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
