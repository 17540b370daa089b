// The whole conformance suite against one broker over PostgreSQL: every case that passes on the
// embedded broker must pass here too (or be listed in conformance/known-gaps.json, as there), so the
// database's produce, fetch, offsets, topics and coordinators keep Kafka's answers. One broker, so that
// it leads every partition and coordinates every group: the suite's cases talk to the bootstrap
// broker only (with three, a case would be answered NOT_LEADER_OR_FOLLOWER or NOT_COORDINATOR by
// whichever broker does not lead, as Kafka would).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/conformance/report.js';
import { runSuite } from '../../src/conformance/runner.js';
import { startPgBroker } from '../../src/pg-broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);
const gapsFile = new URL('../../conformance/known-gaps.json', import.meta.url);
const knownGaps = (JSON.parse(readFileSync(gapsFile, 'utf8')) as { gaps: Record<string, string> }).gaps;

describe.skipIf(unavailable !== undefined)('conformance suite against a broker over PostgreSQL', () => {
  const pg = pgSuite();

  it('every case passes or is a listed known gap, and no listed gap passes', async () => {
    const broker = await startPgBroker({
      storage: await pg.database('conformance'),
      logger: new MemoryLogger('warn'),
      config: { 'auto.create.topics.enable': true, 'group.initial.rebalance.delay.ms': 0 },
    });
    pg.cleanup(() => broker.close());
    const report = await runSuite({ bootstrap: broker.bootstrap, knownGaps, autoCreateTopics: true });
    if (!report.ok) process.stdout.write(formatTable(report, { width: 200 }));
    const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'fixed')
      .map((r) => `${r.status} ${r.id}${r.version === null ? '' : `@v${r.version}`}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(report.results.filter((r) => r.status === 'pass').length).toBeGreaterThan(500);
  }, 300_000);
});
