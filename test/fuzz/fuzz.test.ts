// A bounded fuzz run (~15 s) against an embedded broker: mutated requests of every API and version
// must never crash it, stall the control connection, grow the heap without bound, get a response
// that does not decode, or be rejected without a log line. Findings are written to a temporary
// directory (npm run fuzz writes them to test/fixtures/fuzz/ for the regression test).

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../bench/fuzz/engine.js';

describe('fuzzer', () => {
  it('finds nothing in a bounded run', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'tributary-fuzz-'));
    const seed = Number(process.env.FUZZ_SEED ?? 20261129);
    const report = await runFuzz({ seconds: Number(process.env.FUZZ_SECONDS ?? 15), seed, outDir, concurrency: 16, keepGoing: true });
    if (process.env.FUZZ_VERBOSE) process.stdout.write(JSON.stringify({ ...report, findings: report.findings.map((f) => ({ kind: f.kind, description: f.description, mutation: f.inputs[0]?.mutation, seed: f.inputs[0]?.seed })) }, null, 1) + '\n');
    // Findings that match an open fixture's signature are known (see test/fixtures/fuzz/*.json "open").
    const fixtures = new URL('../fixtures/fuzz/', import.meta.url);
    const known = readdirSync(fixtures).filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(new URL(f, fixtures), 'utf8')) as { open?: string; signature?: string })
      .filter((m) => m.open !== undefined && m.signature !== undefined).map((m) => new RegExp(m.signature!));
    const summary = report.findings.filter((f) => !known.some((k) => k.test(f.description))).map((f) => `${f.kind}: ${f.description.split('\n')[0]} (fixtures in ${outDir}: ${f.fixtures.join(', ')})`);
    expect(summary).toEqual([]);
    expect(report.inputs).toBeGreaterThan(500);
    expect(report.outcomes.closed).toBeGreaterThan(0);
    expect(report.outcomes.answered).toBeGreaterThan(0);
  }, 60_000);
});
