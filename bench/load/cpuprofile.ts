// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per file, so the
// bench can say where the broker's time goes. Usage as a module, or: node cpuprofile.js FILE [TOP].
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  ms: number;
  pct: number;
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const i = url.lastIndexOf('/dist/');
  if (i >= 0) return url.slice(i + 6);
  const n = url.lastIndexOf('node_modules/');
  if (n >= 0) return url.slice(n);
  return url.replace(/^file:\/\//, '');
}

/** Top functions and files by self time; (idle), (program) and (garbage collector) stay as V8 names them. */
export function summarise(file: string, top = 25): { total: number; functions: ProfileRow[]; files: ProfileRow[]; callers: Map<string, ProfileRow[]> } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode): string => {
    const url = shortUrl(n.callFrame.url);
    return `${n.callFrame.functionName || '(anonymous)'}${url ? ` ${url}:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  /** For natives (no url) the nearest JS caller outside node: internals says who pays for them. */
  const caller = (id: number): string => {
    let q = parent.get(id);
    while (q !== undefined) {
      const n = byId.get(q)!;
      const url = n.callFrame.url;
      if (url !== '' && !url.startsWith('node:')) return label(n);
      q = parent.get(q);
    }
    return '(none)';
  };
  const callerTimes = new Map<string, Map<string, number>>();
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const f = n.callFrame;
    const url = shortUrl(f.url);
    const name = `${f.functionName || '(anonymous)'}${url ? ` ${url}:${f.lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    if (url === '' && !name.startsWith('(')) {
      const m = callerTimes.get(name) ?? new Map<string, number>();
      const c = caller(id);
      m.set(c, (m.get(c) ?? 0) + us);
      callerTimes.set(name, m);
    }
    const fileKey = url === '' ? f.functionName : url.startsWith('node:') ? 'node: internals' : url;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
    total += us;
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  const callers = new Map<string, ProfileRow[]>();
  for (const [name, m] of callerTimes) callers.set(name, rows(m).slice(0, 4));
  return { total: total / 1000, functions: rows(fn), files: rows(files), callers };
}

export function printSummary(file: string, top = 25): void {
  const s = summarise(file, top);
  const busy = s.total - (s.functions.find((r) => r.name === '(idle)')?.ms ?? 0);
  console.log(`profile ${file}: ${(s.total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s not idle`);
  console.log('  top functions by self time:');
  for (const r of s.functions) {
    console.log(`    ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
    // Native functions: show which of our functions (nearest JS frame outside node internals) called them.
    for (const c of s.callers.get(r.name) ?? []) if (r.pct >= 1) console.log(`             ${c.ms.toFixed(0).padStart(7)} ms  ← ${c.name}`);
  }
  console.log('  by file:');
  for (const r of s.files.slice(0, 15)) console.log(`    ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printSummary(process.argv[2], Number(process.argv[3] ?? 25));
