// Field-by-field comparison of two brokers' outcomes for one sequence, after normalise.ts, and the
// check of the differences found against known-differences.json.

import { IGNORED, normalise } from './normalise.js';
import type { Outcome } from './replay.js';

export interface Difference {
  sequence: string;
  step: string;
  /** Dot path in the normalised response (keyed lists show as `key=value`), or `outcome`. */
  field: string;
  kafka: unknown;
  tributary: unknown;
}

export interface Comparison {
  fields: number;
  differences: Difference[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function diff(a: unknown, b: unknown, path: string, found: (field: string, a: unknown, b: unknown) => void, count: () => void): void {
  if (a === IGNORED && b === IGNORED) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = path ? `${path}.${i}` : String(i);
      if (i >= a.length || i >= b.length) {
        count();
        found(p, i < a.length ? a[i] : '<absent>', i < b.length ? b[i] : '<absent>');
      } else diff(a[i], b[i], p, found, count);
    }
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a) || !(k in b)) {
        count();
        found(p, k in a ? a[k] : '<absent>', k in b ? b[k] : '<absent>');
      } else diff(a[k], b[k], p, found, count);
    }
    return;
  }
  count();
  if (!Object.is(a, b)) found(path, a, b);
}

/** Compares outcome by outcome: the kind (response, closed, ...) and then every field of the body. */
export function compareOutcomes(sequence: string, kafka: Outcome[], tributary: Outcome[]): Comparison {
  const differences: Difference[] = [];
  let fields = 0;
  for (let i = 0; i < Math.max(kafka.length, tributary.length); i++) {
    const k = kafka[i];
    const t = tributary[i];
    const step = k?.step ?? t!.step;
    fields++;
    if (!k || !t || k.kind !== t.kind) {
      differences.push({ sequence, step, field: 'outcome', kafka: k?.kind ?? '<absent>', tributary: t?.kind ?? '<absent>' });
      continue;
    }
    if (k.kind !== 'response' || t.kind !== 'response') continue;
    diff(
      normalise(k.api, k.body),
      normalise(t.api, t.body),
      '',
      (field, a, b) => differences.push({ sequence, step, field, kafka: a, tributary: b }),
      () => fields++,
    );
  }
  return { fields, differences };
}

export interface KnownDifference {
  sequence: string;
  step: string;
  /** Field paths; `*` matches any characters (keyed list elements hold dotted names). */
  field: string | string[];
  reason: string;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Splits the differences into listed and unlisted, and names the listed ones that did not occur. */
export function checkKnown(differences: Difference[], known: KnownDifference[]): {
  listed: Difference[];
  unlisted: Difference[];
  stale: KnownDifference[];
} {
  const used = new Set<KnownDifference>();
  const listed: Difference[] = [];
  const unlisted: Difference[] = [];
  const patterns = known.map((k) => ({ k, step: globToRegExp(k.step), fields: ([] as string[]).concat(k.field).map(globToRegExp) }));
  for (const d of differences) {
    const hit = patterns.find((p) => p.k.sequence === d.sequence && p.step.test(d.step) && p.fields.some((f) => f.test(d.field)));
    if (hit) {
      used.add(hit.k);
      listed.push(d);
    } else unlisted.push(d);
  }
  return { listed, unlisted, stale: known.filter((k) => !used.has(k)) };
}
