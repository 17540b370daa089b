// `tributary conformance --bootstrap HOST:PORT [--filter TEXT] [--json] [--junit FILE]
// [--known-gaps FILE] [--auto-create on|off] [--list]`: runs the suite against any broker and
// prints a table (or JSON). With `--compare KAFKA`, runs it against both brokers at once and prints
// the outcomes side by side (src/conformance/compare.ts). Exit status: 0 all pass (and no unlisted
// difference), 1 failures or differences, 2 bad usage, 3 a target unreachable.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { allCases } from './cases/index.js';
import { compareReports, formatComparison, parseKnownList, type KnownList } from './compare.js';
import { apiName, type SaslTarget } from './context.js';
import { parseHostPort } from '../client/connection.js';
import { parsePlainCredentials, type PlainCredentials } from '../client/sasl.js';
import { formatJson, formatJunit, formatTable } from './report.js';
import { matchesFilter, runSuite, type RunOptions, type SuiteReport } from './runner.js';

export const CONFORMANCE_USAGE = `Usage: tributary conformance --bootstrap HOST:PORT [--filter TEXT[,TEXT]] [--json] [--junit FILE]
                             [--known-gaps FILE] [--auto-create on|off] [--timeout MS] [--no-cleanup] [--list]
                             [--sasl-bootstrap HOST:PORT --admin USER:PASSWORD --user USER:PASSWORD --user USER:PASSWORD]

Runs the Kafka protocol conformance suite against any Kafka-compatible broker, for the APIs and
versions it advertises. Cases needing an API the target lacks are skipped with the reason.
  --filter       run cases whose id or API name contains TEXT (comma-separated alternatives)
  --json         print the full report as JSON instead of the table
  --junit FILE   also write a JUnit XML report
  --known-gaps   JSON { "gaps": { "<case id>[@vN]": "reason" } }: listed failures are reported as
                 known gaps; a listed case that passes fails the run
  --auto-create  the target's auto.create.topics.enable, when known (otherwise observed)
  --compare KAFKA  also run against the reference broker KAFKA (HOST:PORT, or a report saved with
                 --json) and print both outcomes per case and version; fails when a case fails on
                 KAFKA or an outcome differs without being listed in the known-gaps file ("gaps":
                 Tributary fails it, "differences": other listed differences). --bootstrap may
                 name a saved report too.
  --sasl-bootstrap  the target's SASL_PLAINTEXT listener with PLAIN users, on a broker enforcing ACLs
                 (authorizer.class.name): the ACL cases connect there as --admin (a super user) and
                 as each --user (two users without ACLs; the cases grant and remove what they need).
                 Without it the ACL cases are skipped. --compare-sasl-bootstrap: the same on KAFKA.
  --list         list the cases and exit`;

export function loadKnownList(file: string): KnownList {
  return parseKnownList(JSON.parse(readFileSync(file, 'utf8')));
}

export function loadKnownGaps(file: string): Record<string, string> {
  return loadKnownList(file).gaps;
}

/** A report saved with --json (a path ending in .json), else a live run against HOST:PORT. */
async function reportOf(where: string, options: Omit<RunOptions, 'bootstrap'>): Promise<SuiteReport> {
  if (where.endsWith('.json') && existsSync(where)) return JSON.parse(readFileSync(where, 'utf8')) as SuiteReport;
  return runSuite({ ...options, bootstrap: where });
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
  let compare: string | undefined;
  let saslBootstrap: string | undefined;
  let compareSaslBootstrap: string | undefined;
  let admin: PlainCredentials | undefined;
  const users: PlainCredentials[] = [];
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
        case '--compare': compare = value(); break;
        case '--sasl-bootstrap': saslBootstrap = value(); break;
        case '--compare-sasl-bootstrap': compareSaslBootstrap = value(); break;
        case '--admin': admin = credentials(value()); break;
        case '--user': users.push(credentials(value())); break;
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
  let known: KnownList = { gaps: {}, differences: [] };
  try {
    if (gapsFile !== undefined) known = loadKnownList(gapsFile);
  } catch (err) {
    process.stderr.write(`tributary conformance: ${gapsFile}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  let sasl: SaslTarget | undefined;
  let compareSasl: SaslTarget | undefined;
  try {
    sasl = saslTarget(saslBootstrap, admin, users);
    compareSasl = saslTarget(compareSaslBootstrap, admin, users);
  } catch (err) {
    process.stderr.write(`tributary conformance: ${(err as Error).message}\n${CONFORMANCE_USAGE}\n`);
    return 2;
  }
  const options = { filter, autoCreateTopics: autoCreate, requestTimeoutMs: timeout, cleanup };
  if (compare !== undefined) return compareMain(compare, bootstrap, known, { ...options, sasl: compareSasl }, { ...options, sasl }, { json, junit });
  let report;
  try {
    report = await runSuite({ ...options, sasl, bootstrap, knownGaps: known.gaps });
  } catch (err) {
    process.stderr.write(`tributary conformance: cannot run against ${bootstrap}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
  process.stdout.write(json ? formatJson(report) : formatTable(report, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 160 }));
  if (junit !== undefined) writeFileSync(junit, formatJunit(report));
  return report.ok ? 0 : 1;
}

/** Both brokers at once (they are independent), then the side-by-side table or JSON. */
async function compareMain(reference: string, target: string, known: KnownList, referenceOptions: Omit<RunOptions, 'bootstrap'>, options: Omit<RunOptions, 'bootstrap'>, out: { json: boolean; junit?: string }): Promise<number> {
  const runs = await Promise.allSettled([reportOf(reference, referenceOptions), reportOf(target, { ...options, knownGaps: known.gaps })]);
  for (const [i, r] of runs.entries()) {
    if (r.status === 'rejected') {
      const where = i === 0 ? reference : target;
      process.stderr.write(`tributary conformance: cannot run against ${where}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}\n`);
      return 3;
    }
  }
  const [kafka, tributary] = runs.map((r) => (r as PromiseFulfilledResult<SuiteReport>).value);
  const comparison = compareReports(kafka, tributary, known);
  process.stdout.write(out.json
    ? JSON.stringify({ comparison, reference: kafka, target: tributary }, null, 2) + '\n'
    : formatComparison(comparison, { width: process.stdout.columns ?? 160 }));
  if (!out.json) {
    for (const r of tributary.results.filter((x) => x.status === 'fixed')) {
      process.stdout.write(`FIXED       ${r.id}${r.version === null ? '' : `@v${r.version}`}: ${r.message ?? ''}\n`);
    }
  }
  if (out.junit !== undefined) writeFileSync(out.junit, formatJunit(tributary));
  // The target's own run must be clean as well (no unlisted failure, no listed gap that passes).
  return comparison.ok && tributary.ok ? 0 : 1;
}

class UsageError extends Error {}

function credentials(s: string): PlainCredentials {
  try {
    return parsePlainCredentials(s);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The SASL side of a target from the flags; all of them or none (the ACL cases then skip). */
function saslTarget(bootstrap: string | undefined, admin: PlainCredentials | undefined, users: PlainCredentials[]): SaslTarget | undefined {
  if (bootstrap === undefined) return undefined;
  if (admin === undefined || users.length < 2) throw new Error('a SASL bootstrap needs --admin USER:PASSWORD and two --user USER:PASSWORD');
  return { ...parseHostPort(bootstrap), admin, users };
}
