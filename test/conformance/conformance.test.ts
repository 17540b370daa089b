// Runs the whole conformance suite against an embedded broker: every case must pass or be listed in
// conformance/known-gaps.json with a reason, and no listed case may pass (the list stays true).
// A second, small run checks the auto-creation cases against a broker with auto-creation off; a
// third runs the ACL cases as SASL principals against a broker enforcing ACLs (skipped without).

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

  it('the ACL cases are skipped, saying what they need, without a SASL target', async () => {
    const report = await runSuite({ bootstrap: noAuto.bootstrap, filter: 'acl.' });
    expect(report.results.length).toBeGreaterThanOrEqual(8);
    for (const r of report.results) expect([r.id, r.status, r.message]).toEqual([r.id, 'skip', expect.stringContaining('--sasl-bootstrap')]);
  });

  it('the ACL cases pass as SASL PLAIN principals against a broker enforcing ACLs', async () => {
    const secured = await startBroker({
      logger: new MemoryLogger('warn'),
      config: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="a-secret" user_alice="b-secret" user_bob="c-secret";',
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:admin;User:ANONYMOUS',
      },
    });
    try {
      const sasl = secured.listeners.find((l) => l.name === 'SASL_PLAINTEXT')!;
      const report = await runSuite({
        bootstrap: secured.bootstrap, filter: 'acl.',
        sasl: { host: '127.0.0.1', port: sasl.port, admin: { username: 'admin', password: 'a-secret' }, users: [{ username: 'alice', password: 'b-secret' }, { username: 'bob', password: 'c-secret' }] },
      });
      expect(report.results.map((r) => `${r.id}: ${r.status} ${r.message ?? ''}`.trim())).toEqual(report.results.map((r) => `${r.id}: pass`));
      expect(report.results.length).toBeGreaterThanOrEqual(8);
    } finally {
      await secured.close();
    }
  }, 60_000);
});
