// Reports of a conformance run: a terminal table (one row per case, versions grouped by outcome,
// then a per-API summary), JSON, and JUnit XML (one testsuite per API, one testcase per case and
// version) for CI systems.

import type { SuiteReport } from './runner.js';
import type { CaseResult, Status } from './types.js';

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', 'known-gap': 'GAP', fixed: 'FIXED' };
const ORDER: Status[] = ['fail', 'fixed', 'known-gap', 'skip', 'pass'];

function versionList(vs: (number | null)[]): string {
  const nums = vs.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (nums.length === 0) return '-';
  const parts: string[] = [];
  let start = nums[0];
  let prev = nums[0];
  for (const v of nums.slice(1).concat([NaN])) {
    if (v === prev + 1) {
      prev = v;
      continue;
    }
    parts.push(start === prev ? `v${start}` : `v${start}-${prev}`);
    start = v;
    prev = v;
  }
  return parts.join(',');
}

function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length <= n ? one : one.slice(0, n - 1) + '…';
}

export function formatTable(report: SuiteReport, options: { color?: boolean; width?: number } = {}): string {
  const width = options.width ?? 160;
  const color = options.color ?? false;
  const paint = (s: Status, text: string) => {
    if (!color) return text;
    const code = s === 'pass' ? 32 : s === 'fail' || s === 'fixed' ? 31 : s === 'known-gap' ? 33 : 90;
    return `\x1b[${code}m${text}\x1b[0m`;
  };
  const lines: string[] = [];
  lines.push(`Conformance against ${report.bootstrap} (${report.advertised.length} APIs advertised)`);
  const byCase = new Map<string, CaseResult[]>();
  for (const r of report.results) {
    const list = byCase.get(r.id) ?? [];
    list.push(r);
    byCase.set(r.id, list);
  }
  const idWidth = Math.min(46, Math.max(4, ...[...byCase.keys()].map((k) => k.length)));
  lines.push(`${'STATUS'.padEnd(6)} ${'CASE'.padEnd(idWidth)} ${'VERSIONS'.padEnd(14)} DETAIL`);
  for (const [id, rs] of byCase) {
    for (const s of ORDER) {
      const sub = rs.filter((r) => r.status === s);
      if (sub.length === 0) continue;
      const detail = s === 'pass' ? sub[0].title : (sub.find((r) => r.message)?.message ?? '');
      const versions = versionList(sub.map((r) => r.version));
      const extra = s !== 'pass' && sub.length > 1 && new Set(sub.map((r) => r.message)).size > 1 ? ' (first of several)' : '';
      const fixed = `${LABEL[s].padEnd(6)} ${id.padEnd(idWidth)} ${versions.padEnd(14)} `;
      lines.push(paint(s, LABEL[s].padEnd(6)) + fixed.slice(6) + truncate(detail + extra, Math.max(20, width - fixed.length)));
    }
  }
  lines.push('');
  lines.push(`${'API'.padEnd(28)} ${'pass'.padStart(5)} ${'fail'.padStart(5)} ${'skip'.padStart(5)} ${'gap'.padStart(5)} ${'fixed'.padStart(5)}`);
  const tot = { pass: 0, fail: 0, skip: 0, knownGap: 0, fixed: 0 };
  for (const s of report.summary) {
    lines.push(`${`${s.api} (${s.apiKey})`.padEnd(28)} ${String(s.pass).padStart(5)} ${String(s.fail).padStart(5)} ${String(s.skip).padStart(5)} ${String(s.knownGap).padStart(5)} ${String(s.fixed).padStart(5)}`);
    tot.pass += s.pass; tot.fail += s.fail; tot.skip += s.skip; tot.knownGap += s.knownGap; tot.fixed += s.fixed;
  }
  lines.push(`${'total'.padEnd(28)} ${String(tot.pass).padStart(5)} ${String(tot.fail).padStart(5)} ${String(tot.skip).padStart(5)} ${String(tot.knownGap).padStart(5)} ${String(tot.fixed).padStart(5)}`);
  lines.push(`${report.ok ? 'OK' : 'FAILED'} in ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

export function formatJson(report: SuiteReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

export function formatJunit(report: SuiteReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = report.results.length;
  const failures = report.results.filter((r) => r.status === 'fail' || r.status === 'fixed').length;
  const skipped = report.results.filter((r) => r.status === 'skip' || r.status === 'known-gap').length;
  out.push(`<testsuites name="tributary-conformance" tests="${total}" failures="${failures}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`);
  for (const s of report.summary) {
    const rs = report.results.filter((r) => r.apiKey === s.apiKey);
    const time = rs.reduce((a, r) => a + r.durationMs, 0) / 1000;
    out.push(`  <testsuite name="${xml(s.api)}" tests="${rs.length}" failures="${s.fail + s.fixed}" skipped="${s.skip + s.knownGap}" time="${time.toFixed(3)}">`);
    for (const r of rs) {
      const name = r.version === null ? r.id : `${r.id}@v${r.version}`;
      out.push(`    <testcase classname="conformance.${xml(r.api)}" name="${xml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">`);
      if (r.status === 'fail' || r.status === 'fixed') {
        out.push(`      <failure message="${xml(r.message ?? '')}">${xml(`${r.title}\n${r.cite}\n${r.message ?? ''}`)}</failure>`);
      } else if (r.status === 'skip' || r.status === 'known-gap') {
        out.push(`      <skipped message="${xml(r.message ?? '')}"/>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
