// The differential corpus (test/reference/differential: request sequences the reference tests replay
// against Kafka and Tributary) replayed against a broker on a data directory and a broker over
// PostgreSQL, compared field by field: the database must give the answers the one-node path gives
// (which the reference test holds to Kafka's). The differences below are the storage's, each with why;
// one not listed fails, and a listed one that no longer occurs fails too.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { checkKnown, compareOutcomes, type Difference, type KnownDifference } from '../reference/differential/compare.js';
import { CORPUS } from '../reference/differential/corpus/index.js';
import { replay, waitForCoordinators } from '../reference/differential/replay.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

const EXPECTED: KnownDifference[] = [
  {
    sequence: 'api-versions', step: 'ApiVersionsv*',
    field: ['apiKeys.apiKey=19.minVersion'],
    reason: 'On this storage CreateTopics starts at v2 (README, Cluster).',
  },
  {
    sequence: 'records-admin', step: 'DescribeLogDirsv*', field: ['results.0.topics.0.partitions.partitionIndex=0.partitionSize'],
    reason: 'DeleteRecords removes the batches wholly below the new log start from the database at once; a log on disk keeps its segment until retention deletes it, and counts it.',
  },
];

describe.skipIf(unavailable !== undefined)('differential: a broker on disk vs a broker over PostgreSQL', () => {
  let server: PgServer;
  let onDisk: RunningBroker;
  let overPg: RunningPgBroker;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pgdiff-'));
  const ctx = { prefix: `pgdiff-${Math.random().toString(36).slice(2, 8)}`, timestamp: Date.now() - 60_000 };
  const all: Difference[] = [];
  const compared = new Set<string>();

  beforeAll(async () => {
    server = await startPgServer();
    const config = { 'group.initial.rebalance.delay.ms': 0, 'node.id': 1 };
    onDisk = await startBroker({ logger: new MemoryLogger('warn'), storage: `file://${dataDir}`, config });
    overPg = await startPgBroker({ storage: await server.createDatabase('pgdiff'), logger: new MemoryLogger('warn'), config });
    await Promise.all([waitForCoordinators(onDisk.bootstrap, ctx), waitForCoordinators(overPg.bootstrap, ctx)]);
  });
  afterAll(async () => {
    await onDisk?.close();
    await overPg?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const sequence of CORPUS) {
    it(`${sequence.id}: the same answers`, async () => {
      const [disk, db] = await Promise.all([replay(sequence, onDisk.bootstrap, ctx), replay(sequence, overPg.bootstrap, ctx)]);
      const c = compareOutcomes(sequence.id, disk, db);
      compared.add(sequence.id);
      all.push(...c.differences);
      const { unlisted } = checkKnown(c.differences, EXPECTED.filter((d) => d.sequence === sequence.id));
      // compare.ts names the two sides "kafka" (here: on disk) and "tributary" (here: PostgreSQL).
      expect(unlisted.map((d) => `${d.step} ${d.field}: on disk ${JSON.stringify(d.kafka)}, over PostgreSQL ${JSON.stringify(d.tributary)}`)).toEqual([]);
    });
  }

  it('every listed difference still occurs', () => {
    const { stale } = checkKnown(all, EXPECTED.filter((d) => compared.has(d.sequence)));
    expect(stale).toEqual([]);
  });
});
