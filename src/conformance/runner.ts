// Runs conformance cases against a target: ApiVersions handshake, then each case at each version it
// covers that the target advertises, with a time budget per run. Applies the known-gaps list (a
// listed case that fails is a known gap; a listed case that passes fails the run, so the list stays
// true) and cleans up the topics it created.

import { ApiKey, ZERO_UUID } from '../codec/index.js';
import { ClientTimeoutError, KafkaConnection, parseHostPort } from '../client/connection.js';
import { CaseContext, Target, apiName, type SaslTarget } from './context.js';
import { allCases } from './cases/index.js';
import { CaseFailure, CaseSkip, type CaseResult, type ConformanceCase, type Status } from './types.js';

export interface RunOptions {
  bootstrap: string;
  /** Comma-separated substrings matched against case ids and API names. */
  filter?: string;
  /** case id (or id@vN) → reason. */
  knownGaps?: Record<string, string>;
  /** What the caller knows of the target's auto.create.topics.enable. */
  autoCreateTopics?: boolean;
  cases?: readonly ConformanceCase[];
  requestTimeoutMs?: number;
  /** The target's SASL listener and principals (the ACL cases skip without). */
  sasl?: SaslTarget;
  /** Delete the topics the suite created (default true). */
  cleanup?: boolean;
  onResult?(r: CaseResult): void;
}

export interface ApiSummary {
  api: string;
  apiKey: number;
  pass: number;
  fail: number;
  skip: number;
  knownGap: number;
  fixed: number;
}

export interface SuiteReport {
  bootstrap: string;
  advertised: { apiKey: number; name: string; minVersion: number; maxVersion: number }[];
  results: CaseResult[];
  summary: ApiSummary[];
  /** No failures and no listed gap that passes. */
  ok: boolean;
  durationMs: number;
}

export function matchesFilter(c: ConformanceCase, filter: string | undefined): boolean {
  if (!filter) return true;
  const api = apiName(c.api).toLowerCase();
  return filter.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
    .some((f) => c.id.toLowerCase().includes(f) || api === f || api.includes(f));
}

/** Versions of the case's API to run, or a skip reason. */
export function versionsFor(c: ConformanceCase, target: Target): number[] | string {
  const r = target.versions.get(c.api);
  if (r === undefined) {
    return target.advertised.has(c.api)
      ? `target advertises ${apiName(c.api)} only at versions this suite does not know`
      : `target does not advertise ${apiName(c.api)}`;
  }
  for (const req of c.requires ?? []) {
    const [key, min] = Array.isArray(req) ? req : [req, 0];
    if (!target.has(key, min)) return `needs ${apiName(key)}${min > 0 ? ` v${min}+` : ''}, which the target does not advertise`;
  }
  const lo = Math.max(r.min, c.versions?.min ?? 0);
  const hi = Math.min(r.max, c.versions?.max ?? Infinity);
  if (lo > hi) {
    return `case covers ${apiName(c.api)} v${c.versions?.min ?? 0}-${c.versions?.max ?? 'max'}, target advertises v${r.min}-${r.max}`;
  }
  if (!c.versions?.each) return [hi];
  const out: number[] = [];
  for (let v = lo; v <= hi; v++) out.push(v);
  return out;
}

async function runOne(c: ConformanceCase, target: Target, version: number): Promise<{ status: Status; message?: string }> {
  const ctx = new CaseContext(target, version);
  const budget = c.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ClientTimeoutError(`case did not finish within ${budget} ms`)), budget);
      }),
    ]);
    return { status: 'pass', message: ctx.notes.length > 0 ? ctx.notes.join('; ') : undefined };
  } catch (err) {
    if (err instanceof CaseSkip) return { status: 'skip', message: err.message };
    if (err instanceof CaseFailure) return { status: 'fail', message: err.message };
    const e = err as Error;
    return { status: 'fail', message: `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
    await ctx.end();
    ctx.close();
  }
}

export async function runSuite(options: RunOptions): Promise<SuiteReport> {
  const started = Date.now();
  const { host, port } = parseHostPort(options.bootstrap);
  const target = new Target({ host, port, autoCreateTopics: options.autoCreateTopics, requestTimeoutMs: options.requestTimeoutMs, sasl: options.sasl });
  await target.handshake();
  const cases = (options.cases ?? allCases).filter((c) => matchesFilter(c, options.filter));
  const gaps = options.knownGaps ?? {};
  const results: CaseResult[] = [];

  for (const c of cases) {
    const base = { id: c.id, api: apiName(c.api), apiKey: c.api, title: c.title, cite: c.cite };
    const versions = versionsFor(c, target);
    const mine: CaseResult[] = [];
    if (typeof versions === 'string') {
      mine.push({ ...base, version: null, status: 'skip', message: versions, durationMs: 0 });
    } else {
      for (const v of versions) {
        const t0 = Date.now();
        const r = await runOne(c, target, v);
        mine.push({ ...base, version: v, status: r.status, message: r.message, durationMs: Date.now() - t0 });
      }
    }
    applyGaps(c.id, mine, gaps);
    for (const r of mine) {
      results.push(r);
      options.onResult?.(r);
    }
  }

  if (options.cleanup !== false) await cleanup(target).catch(() => {});

  return {
    bootstrap: options.bootstrap,
    advertised: [...target.advertised.entries()].sort((a, b) => a[0] - b[0])
      .map(([k, r]) => ({ apiKey: k, name: apiName(k), minVersion: r.min, maxVersion: r.max })),
    results,
    summary: summarize(results),
    ok: results.every((r) => r.status !== 'fail' && r.status !== 'fixed'),
    durationMs: Date.now() - started,
  };
}

/**
 * Known gaps: `id@vN` applies to that version; `id` to the whole case. A listed run that fails is a
 * known gap; a listed version that passes is "fixed" (fails the run); an id-level entry is "fixed"
 * only when no version of the case failed and at least one passed.
 */
export function applyGaps(id: string, mine: CaseResult[], gaps: Record<string, string>): void {
  const idReason = gaps[id];
  const anyFail = mine.some((r) => r.status === 'fail');
  for (const r of mine) {
    const vReason = r.version === null ? undefined : gaps[`${id}@v${r.version}`];
    const reason = vReason ?? idReason;
    if (reason === undefined) continue;
    if (r.status === 'fail') {
      r.message = `known gap: ${reason} — ${r.message ?? ''}`;
      r.status = 'known-gap';
    } else if (r.status === 'pass' && (vReason !== undefined || !anyFail)) {
      r.status = 'fixed';
      r.message = `listed in known gaps (${reason}) but passes: remove it from the list`;
    }
  }
}

export function summarize(results: CaseResult[]): ApiSummary[] {
  const by = new Map<number, ApiSummary>();
  for (const r of results) {
    let s = by.get(r.apiKey);
    if (s === undefined) {
      s = { api: r.api, apiKey: r.apiKey, pass: 0, fail: 0, skip: 0, knownGap: 0, fixed: 0 };
      by.set(r.apiKey, s);
    }
    if (r.status === 'known-gap') s.knownGap++;
    else s[r.status]++;
  }
  return [...by.values()].sort((a, b) => a.apiKey - b.apiKey);
}

async function cleanup(target: Target): Promise<void> {
  if (target.createdTopics.size === 0 || !target.has(ApiKey.DeleteTopics)) return;
  const v = target.max(ApiKey.DeleteTopics);
  const conn = await KafkaConnection.connect(target.host, target.port, target.requestTimeoutMs);
  try {
    const names = [...target.createdTopics];
    for (let i = 0; i < names.length; i += 100) {
      const chunk = names.slice(i, i + 100);
      await conn.request(ApiKey.DeleteTopics, v, {
        topics: chunk.map((name) => ({ name, topicId: ZERO_UUID })),
        topicNames: chunk,
        timeoutMs: 10_000,
      });
    }
  } finally {
    conn.close();
  }
}
