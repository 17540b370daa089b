// Compares two conformance reports of the same suite: the reference (a real Apache Kafka) and the
// target (Tributary), case by case and version by version. Every case must pass on the reference (a
// case that fails there checks something Kafka does not do); every outcome that differs must be
// listed with its reason: in `gaps` when the target fails what the reference passes, in
// `differences` otherwise (a version only one of them advertises, a case one of them skips). A listed
// difference that no longer occurs fails the comparison too, so the list stays true.

import type { SuiteReport } from './runner.js';
import type { CaseResult } from './types.js';

/** A case run's outcome before known gaps are applied; `n/a`: the broker did not run that version. */
export type Outcome = 'pass' | 'fail' | 'skip' | 'n/a';

const OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'skip', 'n/a'];

/** An expected difference: on the listed cases, the reference and the target give these outcomes. */
export interface ListedDifference {
  /** `<case id>` (every version), `<case id>@vN` or `<case id>@vN-M`. */
  cases: string[];
  kafka: Outcome;
  tributary: Outcome;
  reason: string;
}

/** conformance/known-gaps.json. */
export interface KnownList {
  /** case id or id@vN → why Tributary fails it (the target's run reports it as a known gap). */
  gaps: Record<string, string>;
  differences: ListedDifference[];
}

export type Verdict =
  | 'same'
  /** The difference is listed (a known gap of the target, or a listed difference). */
  | 'listed'
  /** The outcomes differ and nothing lists it. */
  | 'differs'
  /** The case fails on the reference: the case is wrong. */
  | 'reference-fails';

export interface ComparisonRow {
  id: string;
  version: number | null;
  kafka: Outcome;
  tributary: Outcome;
  verdict: Verdict;
  /** The listed reason, or the failure/skip message that explains the difference. */
  detail: string;
}

export interface Comparison {
  reference: string;
  target: string;
  /** How long each suite run took (ms). */
  durationMs: { reference: number; target: number };
  rows: ComparisonRow[];
  /** Listed differences of cases that ran but matched no differing run: remove them. */
  stale: { selector: string; kafka: Outcome; tributary: Outcome }[];
  /** Every case passes on the reference, and every difference is listed, and nothing listed is stale. */
  ok: boolean;
}

/** Reads known-gaps.json, checking its shape (a bad file must not pass silently). */
export function parseKnownList(json: unknown): KnownList {
  const o = (json ?? {}) as { gaps?: unknown; differences?: unknown };
  const gaps: Record<string, string> = {};
  if (o.gaps !== undefined) {
    if (typeof o.gaps !== 'object' || o.gaps === null || Array.isArray(o.gaps)) throw new Error('known gaps: "gaps" must be an object of case id → reason');
    for (const [k, v] of Object.entries(o.gaps)) {
      if (typeof v !== 'string' || v.trim() === '') throw new Error(`known gaps: gap ${k} needs a reason`);
      gaps[k] = v;
    }
  }
  const differences: ListedDifference[] = [];
  if (o.differences !== undefined) {
    if (!Array.isArray(o.differences)) throw new Error('known gaps: "differences" must be a list');
    for (const d of o.differences as Partial<ListedDifference>[]) {
      const what = JSON.stringify(d).slice(0, 80);
      if (!Array.isArray(d.cases) || d.cases.length === 0 || d.cases.some((c) => typeof c !== 'string' || parseSelector(c) === null)) {
        throw new Error(`known gaps: difference ${what} needs "cases": ["<id>", "<id>@vN", "<id>@vN-M"]`);
      }
      if (!OUTCOMES.includes(d.kafka as Outcome) || !OUTCOMES.includes(d.tributary as Outcome)) {
        throw new Error(`known gaps: difference ${what} needs "kafka" and "tributary" outcomes (${OUTCOMES.join(', ')})`);
      }
      if (d.kafka === 'fail') throw new Error(`known gaps: difference ${what}: a case that fails on Kafka is a wrong case, not a difference`);
      if (d.kafka === d.tributary) throw new Error(`known gaps: difference ${what} lists equal outcomes`);
      if (typeof d.reason !== 'string' || d.reason.trim() === '') throw new Error(`known gaps: difference ${what} needs a reason`);
      differences.push({ cases: d.cases, kafka: d.kafka as Outcome, tributary: d.tributary as Outcome, reason: d.reason });
    }
  }
  return { gaps, differences };
}

interface Selector {
  id: string;
  /** Inclusive version range; null: every version (and the version-less skip). */
  versions: [number, number] | null;
}

function parseSelector(s: string): Selector | null {
  const m = /^([^@\s]+)(?:@v(\d+)(?:-(\d+))?)?$/.exec(s);
  if (m === null) return null;
  if (m[2] === undefined) return { id: m[1], versions: null };
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  return lo <= hi ? { id: m[1], versions: [lo, hi] } : null;
}

function matches(sel: Selector, id: string, version: number | null): boolean {
  if (sel.id !== id) return false;
  if (sel.versions === null) return true;
  return version !== null && version >= sel.versions[0] && version <= sel.versions[1];
}

/** The outcome of a run as the broker gave it, undoing the known-gap relabelling of a report. */
export function rawOutcome(r: CaseResult): Outcome {
  if (r.status === 'known-gap') return 'fail';
  if (r.status === 'fixed') return 'pass';
  return r.status;
}

/**
 * One row per case and version run on either side. A case skipped as a whole on one side (no version
 * chosen: the broker lacks the API) counts as skipped at each version the other side ran.
 */
export function compareReports(reference: SuiteReport, target: SuiteReport, known: KnownList): Comparison {
  const ref = byCase(reference.results);
  const tgt = byCase(target.results);
  const ids = [...new Set([...ref.keys(), ...tgt.keys()])];
  const selectors = known.differences.flatMap((d) => d.cases.map((c) => ({ selector: c, sel: parseSelector(c)!, d, used: false })));
  const rows: ComparisonRow[] = [];
  for (const id of ids) {
    const a = ref.get(id) ?? new Map<number | null, CaseResult>();
    const b = tgt.get(id) ?? new Map<number | null, CaseResult>();
    const versions = [...new Set([...a.keys(), ...b.keys()])];
    // A version-less row only when neither side ran a version of the case.
    const wanted = versions.some((v) => v !== null) ? versions.filter((v) => v !== null) : [null];
    wanted.sort((x, y) => (x ?? -1) - (y ?? -1));
    for (const version of wanted) {
      const ra = a.get(version) ?? a.get(null);
      const rb = b.get(version) ?? b.get(null);
      const kafka: Outcome = ra === undefined ? 'n/a' : rawOutcome(ra);
      const tributary: Outcome = rb === undefined ? 'n/a' : rawOutcome(rb);
      let verdict: Verdict;
      let detail = '';
      if (kafka === 'fail') {
        verdict = 'reference-fails';
        detail = ra?.message ?? '';
      } else if (kafka === tributary) {
        verdict = 'same';
        detail = kafka === 'pass' ? '' : (rb?.message ?? ra?.message ?? '');
      } else if (kafka === 'pass' && tributary === 'fail' && rb?.status === 'known-gap') {
        verdict = 'listed';
        detail = rb.message ?? '';
      } else {
        const hit = selectors.find((s) => matches(s.sel, id, version) && s.d.kafka === kafka && s.d.tributary === tributary);
        if (hit !== undefined) {
          hit.used = true;
          verdict = 'listed';
          detail = hit.d.reason;
        } else {
          verdict = 'differs';
          detail = explain(kafka, ra, tributary, rb);
        }
      }
      rows.push({ id, version, kafka, tributary, verdict, detail });
    }
  }
  // Entries for cases neither report ran (a --filter run) say nothing either way.
  const stale = selectors.filter((s) => !s.used && (ref.has(s.sel.id) || tgt.has(s.sel.id)))
    .map((s) => ({ selector: s.selector, kafka: s.d.kafka, tributary: s.d.tributary }));
  return {
    reference: reference.bootstrap,
    target: target.bootstrap,
    durationMs: { reference: reference.durationMs, target: target.durationMs },
    rows,
    stale,
    ok: stale.length === 0 && rows.every((r) => r.verdict === 'same' || r.verdict === 'listed'),
  };
}

function byCase(results: CaseResult[]): Map<string, Map<number | null, CaseResult>> {
  const out = new Map<string, Map<number | null, CaseResult>>();
  for (const r of results) {
    let m = out.get(r.id);
    if (m === undefined) out.set(r.id, (m = new Map()));
    m.set(r.version, r);
  }
  return out;
}

function explain(kafka: Outcome, ra: CaseResult | undefined, tributary: Outcome, rb: CaseResult | undefined): string {
  const side = (name: string, o: Outcome, r: CaseResult | undefined) =>
    o === 'n/a' ? `${name} does not advertise this version` : r?.message ? `${name}: ${r.message}` : '';
  return [side('Tributary', tributary, rb), side('Kafka', kafka, ra)].filter((s) => s !== '' && !s.endsWith(': ')).join('; ')
    || 'not listed in conformance/known-gaps.json';
}

export interface ComparisonCounts {
  runs: number;
  same: number;
  passBoth: number;
  listed: number;
  differs: number;
  referenceFails: number;
  stale: number;
}

export function countComparison(c: Comparison): ComparisonCounts {
  return {
    runs: c.rows.length,
    same: c.rows.filter((r) => r.verdict === 'same').length,
    passBoth: c.rows.filter((r) => r.kafka === 'pass' && r.tributary === 'pass').length,
    listed: c.rows.filter((r) => r.verdict === 'listed').length,
    differs: c.rows.filter((r) => r.verdict === 'differs').length,
    referenceFails: c.rows.filter((r) => r.verdict === 'reference-fails').length,
    stale: c.stale.length,
  };
}

const VERDICT_LABEL: Record<Verdict, string> = { same: 'same', listed: 'LISTED', differs: 'DIFFERS', 'reference-fails': 'KAFKA-FAILS' };

/**
 * The table: one line per case and run of versions with the same pair of outcomes, both outcomes
 * side by side, then stale entries and the summary line.
 */
export function formatComparison(c: Comparison, options: { width?: number } = {}): string {
  const width = options.width ?? 160;
  const lines: string[] = [`Conformance: Kafka ${c.reference} vs Tributary ${c.target}`];
  const idWidth = Math.min(46, Math.max(4, ...c.rows.map((r) => r.id.length)));
  lines.push(`${'VERDICT'.padEnd(11)} ${'CASE'.padEnd(idWidth)} ${'VERSIONS'.padEnd(14)} ${'KAFKA'.padEnd(5)} ${'TRIBUTARY'.padEnd(9)} DETAIL`);
  for (const g of groupRows(c.rows)) {
    const head = `${VERDICT_LABEL[g.verdict].padEnd(11)} ${g.id.padEnd(idWidth)} ${g.versions.padEnd(14)} ${g.kafka.padEnd(5)} ${g.tributary.padEnd(9)} `;
    const detail = g.detail.replace(/\s+/g, ' ');
    const room = Math.max(20, width - head.length);
    lines.push(head + (detail.length <= room ? detail : detail.slice(0, room - 1) + '…'));
  }
  for (const s of c.stale) lines.push(`STALE       ${s.selector}: listed as a difference (Kafka ${s.kafka}, Tributary ${s.tributary}) that no longer occurs: remove it from known-gaps.json`);
  const n = countComparison(c);
  lines.push('');
  lines.push(`${n.runs} case-version runs: ${n.same} same (${n.passBoth} pass on both), ${n.listed} listed differences, `
    + `${n.differs} unlisted differences, ${n.referenceFails} failing on Kafka, ${n.stale} stale list entries: ${c.ok ? 'OK' : 'FAILED'}`
    + ` (suite ${seconds(c.durationMs.reference)} on Kafka, ${seconds(c.durationMs.target)} on Tributary)`);
  return lines.join('\n') + '\n';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface RowGroup {
  id: string;
  versions: string;
  kafka: Outcome;
  tributary: Outcome;
  verdict: Verdict;
  detail: string;
}

/** Consecutive versions of a case with the same outcomes, verdict and detail share one line. */
function groupRows(rows: ComparisonRow[]): RowGroup[] {
  const out: (RowGroup & { lo: number | null; hi: number | null })[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last !== undefined && last.id === r.id && last.kafka === r.kafka && last.tributary === r.tributary && last.verdict === r.verdict
      && last.detail === r.detail && last.hi !== null && r.version === last.hi + 1) {
      last.hi = r.version;
      continue;
    }
    out.push({ id: r.id, versions: '', kafka: r.kafka, tributary: r.tributary, verdict: r.verdict, detail: r.detail, lo: r.version, hi: r.version });
  }
  return out.map(({ lo, hi, ...g }) => ({ ...g, versions: lo === null ? '-' : lo === hi ? `v${lo}` : `v${lo}-${hi}` }));
}
