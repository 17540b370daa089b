// What the client test files share: the scenario list of a client folder (scenarios.json), the check
// that the client's installed program is there (a failure in CI, a skip with the reason elsewhere),
// and running one scenario program against one broker for its JSON result line.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { describeAgainstBoth } from '../brokers.js';

export interface ScenarioList {
  client: string;
  version: string;
  source: string;
  scenarios: { id: string; title: string }[];
}

/** The scenario list of `client` in `folder`/scenarios.json (one object, or an array when a folder holds several libraries). */
export function scenarioList(folder: string, client: string): ScenarioList {
  const parsed = JSON.parse(readFileSync(path.join(folder, 'scenarios.json'), 'utf8')) as ScenarioList | ScenarioList[];
  const found = (Array.isArray(parsed) ? parsed : [parsed]).find((l) => l.client === client);
  if (!found) throw new Error(`${folder}/scenarios.json lists no client ${client}`);
  return found;
}

/**
 * Why the installed program `artifact` cannot be used, or null when it can: missing, or older than a
 * source it is built from (`sources`: files whose names end so, in `folder`). In CI the reason is thrown
 * (a missing client fails, never skips); on a developer machine the tests skip with it.
 */
export function artifactUnavailable(folder: string, artifact: string, sources: string[], install: string): string | null {
  let reason: string | null = null;
  if (!existsSync(artifact)) {
    reason = `${artifact} is missing: run \`bash ${install}\``;
  } else {
    const built = statSync(artifact).mtimeMs;
    const stale = readdirSync(folder).filter((f) => sources.some((s) => f.endsWith(s)) && statSync(path.join(folder, f)).mtimeMs > built);
    if (stale.length > 0) reason = `${artifact} is older than ${stale.join(', ')}: run \`bash ${install}\``;
  }
  if (reason && process.env.CI) throw new Error(`client unavailable in CI: ${reason}`);
  return reason;
}

/** A topic/group prefix no other test (or earlier run against the same broker) uses. */
export function uniquePrefix(scenarioId: string): string {
  return `${scenarioId}-${randomBytes(4).toString('hex')}`;
}

/** Runs `command [...args, scenarioId, bootstrap, prefix]` and returns the JSON of its last stdout line. */
export async function runScenario(command: string, args: string[], scenarioId: string, bootstrap: string): Promise<unknown> {
  const all = [...args, scenarioId, bootstrap, uniquePrefix(scenarioId)];
  const r = await run(command, all, { timeoutMs: 100_000 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.code !== 0 || !last.startsWith('{')) {
    throw new Error(`${command} ${all.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-6000)}`);
  }
  return JSON.parse(last);
}

/**
 * One test per listed scenario, run against both brokers (describeAgainstBoth) with the same
 * assertion: the scenario's result equals `expected[id]`. `expected` must cover exactly the listed
 * scenarios, so scenarios.json stays the truth of what runs.
 */
export function describeScenarios(
  list: ScenarioList,
  unavailable: string | null,
  expected: Record<string, unknown>,
  runOne: (scenarioId: string, bootstrap: string) => Promise<unknown>,
): void {
  const listed = list.scenarios.map((s) => s.id).sort();
  const asserted = Object.keys(expected).sort();
  if (listed.join() !== asserted.join()) {
    throw new Error(`${list.client}: scenarios.json lists [${listed}] but the test asserts [${asserted}]`);
  }
  describeAgainstBoth(`${list.client} ${list.version}`, (broker) => {
    for (const s of list.scenarios) {
      it.skipIf(unavailable !== null)(`${s.id}: ${s.title}${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
        expect(await runOne(s.id, broker().bootstrap)).toEqual(expected[s.id]);
      });
    }
  });
}
