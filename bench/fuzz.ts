// `npm run fuzz -- --seconds N [--seed S] [--out DIR] [--concurrency C] [--keep-going] [--baseline] [--security]`: fuzzes an embedded broker
// (see bench/fuzz/engine.ts) and prints what it tried and found; `--security` sends the TLS and SASL
// inputs of bench/fuzz/security.ts to the broker's SSL and SASL listeners instead. Failing inputs are written to
// test/fixtures/fuzz/ (or --out) for test/fuzz/regressions.test.ts. Exit 1 when something was found.

import { ZERO_UUID } from '../src/codec/index.js';
import { baselineInputs } from './fuzz/baseline.js';
import { runFuzz, writeFixture } from './fuzz/engine.js';
import { runSecurityFuzz } from './fuzz/security.js';
import { makeTestCerts } from '../test/helpers/tls-certs.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(arg('seconds') ?? 60);
const seed = arg('seed') === undefined ? undefined : Number(arg('seed'));
const outDir = arg('out') ?? 'test/fixtures/fuzz';
const concurrency = arg('concurrency') === undefined ? undefined : Number(arg('concurrency'));

if (process.argv.includes('--baseline')) {
  // Writes the hand-picked hostile inputs of baseline.ts as fixtures and exits.
  const ctx = { topic: 'fuzz-data', topicId: ZERO_UUID, group: 'fuzz-group' };
  for (const b of baselineInputs(ctx)) {
    const name = writeFixture(outDir, 'baseline', b.description, { bytes: b.bytes, mutation: b.name, seed: 'baseline' }, b.open ? { open: b.open, signature: b.signature } : {});
    process.stdout.write(`${name}\n`);
  }
  process.exit(0);
}

if (process.argv.includes('--security')) {
  const certs = makeTestCerts();
  const r = await runSecurityFuzz({ seconds, seed, keystoreFile: certs.keystoreFile }).finally(() => certs.cleanup());
  process.stdout.write(`security inputs: ${r.inputs} sent, ${r.closed} closed by the broker; ${r.findings.length === 0 ? 'no findings' : `findings:\n  ${r.findings.join('\n  ')}`}\n`);
  process.exit(r.findings.length === 0 ? 0 : 1);
}

const keepGoing = process.argv.includes('--keep-going');
const report = await runFuzz({ seconds, seed, outDir, concurrency, keepGoing, progress: (l) => process.stderr.write(`fuzz: ${l}\n`) });
const lines = [
  `fuzzed for ${(report.durationMs / 1000).toFixed(1)} s with seed ${report.seed}: ${report.inputs} inputs from ${report.seeds} seeds in ${report.batches} batches`,
  `outcomes: answered ${report.outcomes.answered}, closed ${report.outcomes.closed}, pending ${report.outcomes.pending}; max heap growth ${(report.maxHeapGrowthBytes / 1048576).toFixed(0)} MB`,
  `mutations: ${Object.entries(report.mutations).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
  report.findings.length === 0 ? 'no findings' : `${report.findings.length} findings:`,
  ...report.findings.map((f) => `  ${f.kind} (x${f.count}): ${f.description.split('\n')[0]}${f.fixtures.length ? `\n    fixtures: ${f.fixtures.join(', ')}` : ''}`),
];
process.stdout.write(lines.join('\n') + '\n');
process.exit(report.findings.length === 0 ? 0 : 1);
