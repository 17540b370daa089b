// `tributary conformance --bootstrap HOST:PORT [--filter TEXT] [--json] [--junit FILE]
// [--known-gaps FILE] [--auto-create on|off] [--list]`: runs the suite against any broker and
// prints a table (or JSON). Exit status: 0 all pass, 1 failures, 2 bad usage, 3 target unreachable.

import { readFileSync, writeFileSync } from 'node:fs';
import { allCases } from './cases/index.js';
import { apiName } from './context.js';
import { formatJson, formatJunit, formatTable } from './report.js';
import { matchesFilter, runSuite } from './runner.js';

export const CONFORMANCE_USAGE = `Usage: tributary conformance --bootstrap HOST:PORT [--filter TEXT[,TEXT]] [--json] [--junit FILE]
                             [--known-gaps FILE] [--auto-create on|off] [--timeout MS] [--no-cleanup] [--list]

Runs the Kafka protocol conformance suite against any Kafka-compatible broker, for the APIs and
versions it advertises. Cases needing an API the target lacks are skipped with the reason.
  --filter       run cases whose id or API name contains TEXT (comma-separated alternatives)
  --json         print the full report as JSON instead of the table
  --junit FILE   also write a JUnit XML report
  --known-gaps   JSON { "gaps": { "<case id>[@vN]": "reason" } }: listed failures are reported as
                 known gaps; a listed case that passes fails the run
  --auto-create  the target's auto.create.topics.enable, when known (otherwise observed)
  --list         list the cases and exit`;

export function loadKnownGaps(file: string): Record<string, string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { gaps?: Record<string, string> };
  return parsed.gaps ?? {};
}

export async function conformanceMain(argv: string[]): Promise<number> {
  let bootstrap: string | undefined;
  let filter: string | undefined;
  let json = false;
  let junit: string | undefined;
  let gapsFile: string | undefined;
  let autoCreate: boolean | undefined;
  let timeout: number | undefined;
  let cleanup = true;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    try {
      switch (flag) {
        case '--bootstrap': case '--bootstrap-server': bootstrap = value(); break;
        case '--filter': filter = value(); break;
        case '--json': json = true; break;
        case '--junit': junit = value(); break;
        case '--known-gaps': gapsFile = value(); break;
        case '--auto-create': {
          const v = value();
          if (v !== 'on' && v !== 'off') throw new UsageError('--auto-create takes on or off');
          autoCreate = v === 'on';
          break;
        }
        case '--timeout': timeout = Number(value()); break;
        case '--no-cleanup': cleanup = false; break;
        case '--list': list = true; break;
        case '--help': case '-h': process.stdout.write(CONFORMANCE_USAGE + '\n'); return 0;
        default: throw new UsageError(`unknown argument ${a}`);
      }
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`tributary conformance: ${err.message}\n${CONFORMANCE_USAGE}\n`);
        return 2;
      }
      throw err;
    }
  }
  if (list) {
    for (const c of allCases.filter((c) => matchesFilter(c, filter))) {
      process.stdout.write(`${c.id.padEnd(48)} ${apiName(c.api).padEnd(18)} ${c.title}  [${c.cite}]\n`);
    }
    return 0;
  }
  if (bootstrap === undefined) {
    process.stderr.write(`tributary conformance: --bootstrap is required\n${CONFORMANCE_USAGE}\n`);
    return 2;
  }
  let knownGaps: Record<string, string> = {};
  if (gapsFile !== undefined) knownGaps = loadKnownGaps(gapsFile);
  let report;
  try {
    report = await runSuite({ bootstrap, filter, knownGaps, autoCreateTopics: autoCreate, requestTimeoutMs: timeout, cleanup });
  } catch (err) {
    process.stderr.write(`tributary conformance: cannot run against ${bootstrap}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
  process.stdout.write(json ? formatJson(report) : formatTable(report, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 160 }));
  if (junit !== undefined) writeFileSync(junit, formatJunit(report));
  return report.ok ? 0 : 1;
}

class UsageError extends Error {}
