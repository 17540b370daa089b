// The runner's bookkeeping without a broker: known gaps (a listed failure is a gap, a listed pass
// fails the run), version selection, filters, and the JUnit/table reporters.

import { describe, expect, it } from 'vitest';
import { Target } from '../../src/conformance/context.js';
import { formatJunit, formatTable } from '../../src/conformance/report.js';
import { applyGaps, matchesFilter, summarize, versionsFor, type SuiteReport } from '../../src/conformance/runner.js';
import type { CaseResult, ConformanceCase } from '../../src/conformance/types.js';

function result(version: number, status: CaseResult['status'], message?: string): CaseResult {
  return { id: 'x.case', api: 'Produce', apiKey: 0, version, title: 't', cite: 'c', status, message, durationMs: 1 };
}

const aCase: ConformanceCase = { id: 'produce.thing', api: 0, title: 't', cite: 'c', run: async () => {} };

describe('known gaps', () => {
  it('turns a listed failure into a known gap and a listed pass into "fixed"', () => {
    const rs = [result(1, 'fail', 'boom'), result(2, 'pass')];
    applyGaps('x.case', rs, { 'x.case@v1': 'v1 is broken', 'x.case@v2': 'v2 too' });
    expect(rs.map((r) => r.status)).toEqual(['known-gap', 'fixed']);
    expect(rs[0].message).toContain('v1 is broken');
  });

  it('an id-level gap is fixed only when no version fails', () => {
    const partial = [result(1, 'fail'), result(2, 'pass')];
    applyGaps('x.case', partial, { 'x.case': 'broken' });
    expect(partial.map((r) => r.status)).toEqual(['known-gap', 'pass']);
    const all = [result(1, 'pass'), result(2, 'pass'), result(3, 'skip')];
    applyGaps('x.case', all, { 'x.case': 'broken' });
    expect(all.map((r) => r.status)).toEqual(['fixed', 'fixed', 'skip']);
    expect(summarize(all)[0]).toMatchObject({ fixed: 2, skip: 1 });
  });
});

describe('version selection and filters', () => {
  const target = new Target({ host: '127.0.0.1', port: 1 });
  target.versions.set(0, { min: 3, max: 9 });
  target.advertised.set(0, { min: 3, max: 9 });

  it('runs at the highest version, or at each one in range', () => {
    expect(versionsFor(aCase, target)).toEqual([9]);
    expect(versionsFor({ ...aCase, versions: { min: 7, each: true } }, target)).toEqual([7, 8, 9]);
    expect(versionsFor({ ...aCase, versions: { max: 2 } }, target)).toMatch(/case covers Produce v0-2, target advertises v3-9/);
    expect(versionsFor({ ...aCase, api: 1 }, target)).toMatch(/does not advertise Fetch/);
    expect(versionsFor({ ...aCase, requires: [[0, 10]] }, target)).toMatch(/needs Produce v10\+/);
  });

  it('filters by id substring or API name', () => {
    expect(matchesFilter(aCase, 'thing')).toBe(true);
    expect(matchesFilter(aCase, 'fetch,produce')).toBe(true);
    expect(matchesFilter(aCase, 'metadata')).toBe(false);
  });
});

describe('reporters', () => {
  const results = [result(1, 'pass'), result(2, 'fail', 'expected <NONE> & "x"'), result(3, 'skip', 'no API')];
  const report: SuiteReport = { bootstrap: 'h:1', advertised: [], results, summary: summarize(results), ok: false, durationMs: 5 };

  it('writes JUnit XML with escaped failures and skips', () => {
    const xml = formatJunit(report);
    expect(xml).toContain('<testsuite name="Produce" tests="3" failures="1" skipped="1"');
    expect(xml).toContain('name="x.case@v2"');
    expect(xml).toContain('expected &lt;NONE&gt; &amp; &quot;x&quot;');
    expect(xml).not.toMatch(/<NONE>/);
  });

  it('prints a table with versions grouped by outcome and a failing verdict', () => {
    const table = formatTable(report);
    expect(table).toMatch(/FAIL\s+x\.case\s+v2/);
    expect(table).toMatch(/PASS\s+x\.case\s+v1/);
    expect(table).toContain('FAILED');
  });
});
