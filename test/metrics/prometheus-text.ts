// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it rejects
// what Prometheus would reject and more (samples before their TYPE, a family split in two, a
// duplicate series, bad escapes, histograms whose buckets decrease or whose +Inf bucket is not the
// count), so a test that parses /metrics checks the format as well as the numbers.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value '${text}'`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at text[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(text: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without '='`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name '${name}'`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value of ${name} not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[j + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${e}`);
        j += 2;
        continue;
      }
      if (c === '\n') throw new Error(`line ${line}: raw newline in label value`);
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected ',' or '}' after label ${name}`);
  }
}

/** The family a sample name belongs to, given the family being read. */
function familyOf(sample: string, current: Family | undefined): boolean {
  if (current === undefined) return false;
  if (sample === current.name) return current.type !== 'histogram';
  if (current.type === 'histogram') return [`${current.name}_bucket`, `${current.name}_sum`, `${current.name}_count`].includes(sample);
  if (current.type === 'summary') return [`${current.name}_sum`, `${current.name}_count`].includes(sample);
  return false;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const seenSeries = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw === '') throw new Error(`line ${line}: empty line`);
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (m === null) return; // a comment
      const [, kind, name, rest] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name '${name}'`);
      let family = families.get(name);
      if (family !== undefined && family !== current) throw new Error(`line ${line}: ${name} appears in two places`);
      if (family === undefined) {
        if (current !== undefined && current.samples.length === 0 && current.type === 'untyped') throw new Error(`line ${line}: ${current.name} has HELP and no TYPE`);
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
        current = family;
      }
      if (family.samples.length > 0) throw new Error(`line ${line}: ${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        if (family.type !== 'untyped') throw new Error(`line ${line}: second TYPE of ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`line ${line}: unknown type '${rest}'`);
        family.type = rest as Family['type'];
      } else {
        if (family.help !== '') throw new Error(`line ${line}: second HELP of ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`line ${line}: bad escape in HELP`);
        family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name '${name}'`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (raw[i] === '{') [labels, i] = parseLabels(raw, i, line);
    if (raw[i] !== ' ') throw new Error(`line ${line}: expected a space before the value`);
    const parts = raw.slice(i + 1).split(' ');
    if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]))) throw new Error(`line ${line}: bad value or timestamp`);
    const value = parseValue(parts[0], line);
    if (!familyOf(name, current)) throw new Error(`line ${line}: sample ${name} outside its family (no TYPE line before it)`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(key)) throw new Error(`line ${line}: duplicate series ${raw}`);
    seenSeries.add(key);
    const family = current as Family;
    if (family.type === 'counter' && !(value >= 0)) throw new Error(`line ${line}: counter ${name} is ${value}`);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) checkFamily(f);
  return families;
}

function seriesKey(labels: Record<string, string>, without: string): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => k !== without).sort());
}

function checkFamily(f: Family): void {
  if (f.type === 'histogram') {
    const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
    const of = (labels: Record<string, string>) => {
      const k = seriesKey(labels, 'le');
      let s = series.get(k);
      if (s === undefined) series.set(k, (s = { buckets: [] }));
      return s;
    };
    for (const s of f.samples) {
      if (s.name.endsWith('_bucket')) {
        if (s.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
        of(s.labels).buckets.push([parseValue(s.labels.le, 0), s.value]);
      } else if (s.name.endsWith('_sum')) of(s.labels).sum = s.value;
      else of(s.labels).count = s.value;
    }
    for (const [k, s] of series) {
      if (s.sum === undefined || s.count === undefined) throw new Error(`${f.name}${k}: no _sum or _count`);
      for (let i = 1; i < s.buckets.length; i++) {
        if (!(s.buckets[i][0] > s.buckets[i - 1][0])) throw new Error(`${f.name}${k}: le not increasing`);
        if (s.buckets[i][1] < s.buckets[i - 1][1]) throw new Error(`${f.name}${k}: buckets decrease`);
      }
      const last = s.buckets[s.buckets.length - 1];
      if (last === undefined || last[0] !== Infinity) throw new Error(`${f.name}${k}: no +Inf bucket`);
      if (last[1] !== s.count) throw new Error(`${f.name}${k}: +Inf bucket ${last[1]} is not the count ${s.count}`);
    }
  }
  if (f.type === 'summary') {
    for (const s of f.samples) {
      if (s.name === f.name && s.labels.quantile === undefined) throw new Error(`${f.name}: summary sample without quantile`);
    }
  }
}

/** The value of one series (labels must match exactly); undefined if absent. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
