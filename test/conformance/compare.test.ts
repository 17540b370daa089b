// The Kafka-vs-Tributary comparison without brokers: two reports recorded with
// `tributary conformance --json --auto-create on --filter ...` (fixtures/kafka-4.3.1.json from a real
// Apache Kafka 4.3.1, fixtures/tributary.json from Tributary), altered copies of them, and the
// known-gaps list: outcome differences, listed gaps and differences, stale entries, the table.

import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { compareReports, countComparison, formatComparison, parseKnownList, rawOutcome, type KnownList } from '../../src/conformance/compare.js';
import { conformanceMain } from '../../src/conformance/main.js';
import { applyGaps, type SuiteReport } from '../../src/conformance/runner.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const load = (name: string): SuiteReport => JSON.parse(readFileSync(fixture(name), 'utf8')) as SuiteReport;
const repoList = (): KnownList => parseKnownList(JSON.parse(readFileSync(new URL('../../conformance/known-gaps.json', import.meta.url), 'utf8')));
const none: KnownList = { gaps: {}, differences: [] };

function row(c: ReturnType<typeof compareReports>, id: string, version: number | null) {
  const r = c.rows.find((x) => x.id === id && x.version === version);
  expect(r, `${id}@v${version}`).toBeDefined();
  return r!;
}

/** Sets one run's status in a copy of a report (as a broker's different answer would). */
function withStatus(report: SuiteReport, id: string, version: number | null, status: 'pass' | 'fail' | 'skip', message = 'altered'): SuiteReport {
  const copy = structuredClone(report);
  const r = copy.results.find((x) => x.id === id && x.version === version);
  if (r === undefined) throw new Error(`no run ${id}@v${version} in the fixture`);
  r.status = status;
  r.message = message;
  return copy;
}

describe('comparing the recorded Kafka 4.3.1 and Tributary reports', () => {
  const kafka = load('kafka-4.3.1.json');
  const tributary = load('tributary.json');

  it('matches every run, with the old versions Tributary still serves listed as differences', () => {
    const c = compareReports(kafka, tributary, repoList());
    expect(c.ok).toBe(true);
    expect(row(c, 'produce.round-trip', 1)).toMatchObject({ kafka: 'skip', tributary: 'pass', verdict: 'listed' });
    expect(row(c, 'produce.round-trip', 1).detail).toContain('KAFKA-18659');
    expect(row(c, 'fetch.round-trip', 2)).toMatchObject({ kafka: 'n/a', tributary: 'pass', verdict: 'listed' });
    expect(row(c, 'fetch.round-trip', 18)).toMatchObject({ kafka: 'pass', tributary: 'pass', verdict: 'same' });
    expect(row(c, 'api-versions.unsupported-version', 4)).toMatchObject({ kafka: 'pass', tributary: 'pass', verdict: 'same' });
    const n = countComparison(c);
    expect(n).toMatchObject({ differs: 0, referenceFails: 0, stale: 0, listed: 7 });
    expect(n.same + n.listed).toBe(n.runs);
  });

  it('fails on every unlisted difference, naming both outcomes', () => {
    const c = compareReports(kafka, tributary, none);
    expect(c.ok).toBe(false);
    expect(c.rows.filter((r) => r.verdict === 'differs')).toHaveLength(7);
    expect(row(c, 'fetch.round-trip', 0).detail).toBe('Kafka does not advertise this version');
    const table = formatComparison(c);
    expect(table).toMatch(/DIFFERS\s+fetch\.round-trip\s+v0-3\s+n\/a\s+pass/);
    expect(table).toMatch(/DIFFERS\s+produce\.round-trip\s+v0-2\s+skip\s+pass/);
    expect(table).toMatch(/same\s+produce\.round-trip\s+v3-13\s+pass\s+pass/);
    expect(table.trimEnd().split('\n').pop()).toMatch(/^54 case-version runs: 47 same \(39 pass on both\), 0 listed differences, 7 unlisted differences, 0 failing on Kafka, 0 stale list entries: FAILED \(suite \d+\.\d s on Kafka, \d+\.\d s on Tributary\)$/);
  });

  it('a case Tributary fails is a difference unless its run lists it as a known gap', () => {
    const failing = withStatus(tributary, 'fetch.round-trip', 18, 'fail', 'records: expected 3, got 2');
    const c = compareReports(kafka, failing, repoList());
    expect(row(c, 'fetch.round-trip', 18)).toMatchObject({ kafka: 'pass', tributary: 'fail', verdict: 'differs' });
    expect(row(c, 'fetch.round-trip', 18).detail).toContain('records: expected 3, got 2');
    expect(c.ok).toBe(false);

    // The target's run applies the gaps (as runSuite does): the failure becomes a known gap.
    const listed = structuredClone(failing);
    applyGaps('fetch.round-trip', listed.results.filter((r) => r.id === 'fetch.round-trip'), { 'fetch.round-trip@v18': 'v18 drops a record' });
    const c2 = compareReports(kafka, listed, repoList());
    expect(row(c2, 'fetch.round-trip', 18)).toMatchObject({ tributary: 'fail', verdict: 'listed' });
    expect(row(c2, 'fetch.round-trip', 18).detail).toContain('v18 drops a record');
    expect(c2.ok).toBe(true);
  });

  it('a case that fails on Kafka fails the comparison whatever Tributary does, and cannot be listed', () => {
    const c = compareReports(withStatus(kafka, 'fetch.round-trip', 12, 'fail', 'wrong expectation'), tributary, repoList());
    expect(row(c, 'fetch.round-trip', 12)).toMatchObject({ kafka: 'fail', tributary: 'pass', verdict: 'reference-fails', detail: 'wrong expectation' });
    expect(c.ok).toBe(false);
    expect(formatComparison(c)).toMatch(/KAFKA-FAILS\s+fetch\.round-trip\s+v12\s+fail\s+pass/);
    expect(() => parseKnownList({ differences: [{ cases: ['fetch.round-trip@v12'], kafka: 'fail', tributary: 'pass', reason: 'r' }] })).toThrow(/wrong case/);
  });

  it('a listed difference covers only the outcomes it names', () => {
    // Tributary now fails a Produce v1 run Kafka skips: the listed (skip, pass) does not cover it.
    const c = compareReports(kafka, withStatus(tributary, 'produce.round-trip', 1, 'fail'), repoList());
    expect(row(c, 'produce.round-trip', 1)).toMatchObject({ kafka: 'skip', tributary: 'fail', verdict: 'differs' });
    expect(row(c, 'produce.round-trip', 0).verdict).toBe('listed');
    expect(c.ok).toBe(false);
  });

  it('a listed difference that no longer occurs is stale; one for a case neither report ran is not', () => {
    const list = repoList();
    list.differences.push({ cases: ['fetch.round-trip@v18'], kafka: 'n/a', tributary: 'pass', reason: 'once' });
    list.differences.push({ cases: ['txn.commit'], kafka: 'skip', tributary: 'pass', reason: 'not in this filtered run' });
    const c = compareReports(kafka, tributary, list);
    expect(c.stale).toEqual([{ selector: 'fetch.round-trip@v18', kafka: 'n/a', tributary: 'pass' }]);
    expect(c.ok).toBe(false);
    expect(formatComparison(c)).toContain('STALE       fetch.round-trip@v18');
  });

  it('a case one broker skips as a whole counts as skipped at each version the other ran', () => {
    const k = structuredClone(kafka);
    const runs = k.results.filter((r) => r.id === 'find-coordinator.group');
    k.results = k.results.filter((r) => r.id !== 'find-coordinator.group');
    k.results.push({ ...runs[0], version: null, status: 'skip', message: 'target does not advertise FindCoordinator' });
    const c = compareReports(k, tributary, none);
    const rows = c.rows.filter((r) => r.id === 'find-coordinator.group');
    expect(rows.map((r) => r.version)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(rows.every((r) => r.kafka === 'skip' && r.tributary === 'pass' && r.verdict === 'differs')).toBe(true);
    expect(rows[0].detail).toContain('does not advertise FindCoordinator');
  });

  it('the CLI compares two saved reports and exits 0 when every difference is listed', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    let code: number;
    try {
      code = await conformanceMain(['--compare', fixture('kafka-4.3.1.json').pathname, '--bootstrap', fixture('tributary.json').pathname,
        '--known-gaps', new URL('../../conformance/known-gaps.json', import.meta.url).pathname]);
    } finally {
      spy.mockRestore();
    }
    expect(out.join('')).toMatch(/Conformance: Kafka 127\.0\.0\.1:\d+ vs Tributary 127\.0\.0\.1:\d+/);
    expect(out.join('')).toMatch(/0 unlisted differences, 0 failing on Kafka, 0 stale list entries: OK \(suite [\d.]+ s on Kafka, [\d.]+ s on Tributary\)\n$/);
    expect(code).toBe(0);
  });
});

describe('the known-gaps list', () => {
  it('undoes the known-gap relabelling of a run', () => {
    const base = { id: 'x', api: 'Produce', apiKey: 0, version: 1, title: 't', cite: 'c', durationMs: 1 };
    expect(rawOutcome({ ...base, status: 'known-gap' })).toBe('fail');
    expect(rawOutcome({ ...base, status: 'fixed' })).toBe('pass');
    expect(rawOutcome({ ...base, status: 'skip' })).toBe('skip');
  });

  it('rejects entries without a reason, bad selectors, equal or unknown outcomes', () => {
    expect(() => parseKnownList({ gaps: { 'a.b': ' ' } })).toThrow(/needs a reason/);
    expect(() => parseKnownList({ differences: [{ cases: ['a.b@3'], kafka: 'skip', tributary: 'pass', reason: 'r' }] })).toThrow(/"cases"/);
    expect(() => parseKnownList({ differences: [{ cases: ['a.b@v3-1'], kafka: 'skip', tributary: 'pass', reason: 'r' }] })).toThrow(/"cases"/);
    expect(() => parseKnownList({ differences: [{ cases: ['a.b'], kafka: 'skip', tributary: 'skip', reason: 'r' }] })).toThrow(/equal outcomes/);
    expect(() => parseKnownList({ differences: [{ cases: ['a.b'], kafka: 'skipped', tributary: 'pass', reason: 'r' }] })).toThrow(/outcomes/);
    expect(() => parseKnownList({ differences: [{ cases: ['a.b'], kafka: 'skip', tributary: 'pass' }] })).toThrow(/needs a reason/);
    expect(parseKnownList({ gaps: { 'a.b@v2': 'why' } })).toEqual({ gaps: { 'a.b@v2': 'why' }, differences: [] });
  });

  it('matches id, id@vN and id@vN-M selectors', () => {
    const kafka = load('kafka-4.3.1.json');
    const tributary = load('tributary.json');
    const list: KnownList = {
      gaps: {},
      differences: [
        { cases: ['fetch.round-trip@v0', 'fetch.round-trip@v1-3'], kafka: 'n/a', tributary: 'pass', reason: 'old fetch' },
        { cases: ['produce.round-trip'], kafka: 'skip', tributary: 'pass', reason: 'old produce' },
      ],
    };
    const c = compareReports(kafka, tributary, list);
    expect(c.ok).toBe(true);
    expect(c.rows.filter((r) => r.detail === 'old fetch').map((r) => r.version)).toEqual([0, 1, 2, 3]);
    expect(c.rows.filter((r) => r.detail === 'old produce').map((r) => r.version)).toEqual([0, 1, 2]);
  });
});
