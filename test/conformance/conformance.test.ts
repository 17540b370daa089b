// Runs the whole conformance suite against an embedded broker: every case must pass or be listed in
// conformance/known-gaps.json with a reason, and no listed case may pass (the list stays true).
// A second, small run checks the auto-creation cases against a broker with auto-creation off.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { formatTable } from '../../src/conformance/report.js';
import { runSuite } from '../../src/conformance/runner.js';
import { MemoryLogger } from '../../src/util/logger.js';

const gapsFile = new URL('../../conformance/known-gaps.json', import.meta.url);
const knownGaps = (JSON.parse(readFileSync(gapsFile, 'utf8')) as { gaps: Record<string, string> }).gaps;

describe('conformance suite against the embedded broker', () => {
  let broker: RunningBroker;
  let noAuto: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({ logger: new MemoryLogger('warn'), config: { 'auto.create.topics.enable': true, 'group.initial.rebalance.delay.ms': 0 } });
    noAuto = await startBroker({ logger: new MemoryLogger('warn'), config: { 'auto.create.topics.enable': false } });
  });
  afterAll(async () => {
    await broker?.close();
    await noAuto?.close();
  });

  it('every case passes or is a listed known gap, and no listed gap passes', async () => {
    const report = await runSuite({ bootstrap: broker.bootstrap, knownGaps, autoCreateTopics: true });
    const table = formatTable(report, { width: 200 });
    if (!report.ok || process.env.CONFORMANCE_VERBOSE) {
      const slow = [...report.results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 8)
        .map((r) => `${r.id}@v${r.version}: ${r.durationMs} ms`).join('\n');
      process.stdout.write(`${table}slowest runs:\n${slow}\n`);
    }
    const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'fixed')
      .map((r) => `${r.status} ${r.id}${r.version === null ? '' : `@v${r.version}`}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(report.results.length).toBeGreaterThan(0);
    for (const reason of Object.values(knownGaps)) expect(reason.trim().length).toBeGreaterThan(0);
  }, 60_000);

  it('with auto.create.topics.enable=false, Metadata never creates topics', async () => {
    const report = await runSuite({ bootstrap: noAuto.bootstrap, knownGaps, autoCreateTopics: false, filter: 'metadata.auto-create,metadata.unknown-topic' });
    const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'fixed')
      .map((r) => `${r.status} ${r.id}${r.version === null ? '' : `@v${r.version}`}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(report.results.some((r) => r.id === 'metadata.auto-create.on' && r.status === 'skip')).toBe(true);
  }, 30_000);
});
