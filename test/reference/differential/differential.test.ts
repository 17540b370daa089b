// Differential test (issue 13, item 3): every sequence of the corpus is replayed against the reference
// Kafka and against Tributary, and the responses are compared field by field after normalise.ts.
// A difference must be listed in known-differences.json with its reason; a listed difference that
// no longer occurs fails too, so the list stays true. Prints the counts at the end.
//
//   npx vitest run --project reference test/reference/differential
//   DIFFERENTIAL_PRINT=1 ...   also prints every difference, listed or not
//   DIFFERENTIAL_DUMP=<sequence id> ...   prints both brokers' normalised outcomes of that sequence

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceKafka, referenceMissing, tributary } from '../brokers.js';
import { checkKnown, compareOutcomes, type Difference, type KnownDifference } from './compare.js';
import { CORPUS } from './corpus/index.js';
import { normalise } from './normalise.js';
import { replay, waitForCoordinators, type RunContext } from './replay.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KNOWN: KnownDifference[] = JSON.parse(readFileSync(path.join(HERE, 'known-differences.json'), 'utf8')).differences;

const kafka = referenceKafka();

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** One line per difference: where, and both values. */
function describeDifference(d: Difference): string {
  return `${d.sequence} | ${d.step} | ${d.field}: kafka ${show(d.kafka)}, tributary ${show(d.tributary)}\n`;
}

const missing = referenceMissing();

describe.skipIf(!kafka)(`differential: Apache Kafka 4.3.1 vs Tributary${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const ctx: RunContext = {
    prefix: `diff-${Math.random().toString(36).slice(2, 8)}`,
    // A fixed record timestamp shared by both brokers: within Kafka's default one-hour future bound.
    timestamp: Date.now() - 60_000,
  };
  const all: Difference[] = [];
  let fields = 0;
  const compared = new Set<string>();

  beforeAll(async () => {
    await Promise.all([waitForCoordinators(kafka!.bootstrap, ctx), waitForCoordinators(tributary().bootstrap, ctx)]);
  });

  for (const sequence of CORPUS) {
    it(`${sequence.id}: ${sequence.title}`, async () => {
      const [k, t] = await Promise.all([
        replay(sequence, kafka!.bootstrap, ctx),
        replay(sequence, tributary().bootstrap, ctx),
      ]);
      if (process.env.DIFFERENTIAL_DUMP === sequence.id) {
        const dump = (o: typeof k) => o.map((x) => ({ ...x, body: x.kind === 'response' ? normalise(x.api, x.body) : undefined }));
        process.stdout.write(`${JSON.stringify({ kafka: dump(k), tributary: dump(t) }, null, 1)}\n`);
      }
      const c = compareOutcomes(sequence.id, k, t);
      compared.add(sequence.id);
      fields += c.fields;
      all.push(...c.differences);
      const { unlisted } = checkKnown(c.differences, KNOWN.filter((d) => d.sequence === sequence.id));
      if (process.env.DIFFERENTIAL_PRINT) process.stdout.write(c.differences.map(describeDifference).join(''));
      expect(unlisted.map(describeDifference).join(''), 'differences not in known-differences.json').toBe('');
    });
  }

  it('every listed difference still occurs', () => {
    const inCorpus = new Set(CORPUS.map((s) => s.id));
    const { stale } = checkKnown(all, KNOWN.filter((d) => compared.has(d.sequence)));
    const orphans = KNOWN.filter((d) => !inCorpus.has(d.sequence));
    expect(stale, 'listed in known-differences.json but no longer different: remove them').toEqual([]);
    expect(orphans, 'listed for a sequence the corpus does not have').toEqual([]);
  });

  afterAll(() => {
    const { listed, unlisted } = checkKnown(all, KNOWN);
    process.stdout.write(
      `\ndifferential: ${compared.size} sequences, ${fields} fields compared, ${all.length} differences ` +
        `(${listed.length} listed in known-differences.json, ${unlisted.length} unlisted)\n`,
    );
  });
});
