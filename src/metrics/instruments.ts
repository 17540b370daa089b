// Counters, gauges and histograms with labels, and their Prometheus text rendering. Updating a
// child (`inc`, `set`, `observe`) allocates nothing: callers on the hot path look a child up once
// (or keep it) and update numbers; the text is built only when /metrics is scraped.

import type { MetricDef } from './definitions.js';

/** One labelled series of a counter or gauge. */
export class Value {
  value = 0;
  constructor(readonly labelText: string) {}
  inc(n = 1): void {
    this.value += n;
  }
  set(n: number): void {
    this.value = n;
  }
}

/** One labelled series of a histogram: cumulative only when rendered. */
export class Distribution {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly labelText: string, private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

/** `{a="x",b="y"}` with Prometheus escaping (backslash, double quote, newline); '' without labels. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  const parts = names.map((n, i) => `${n}="${values[i].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${parts.join(',')}}`;
}

/** A number as the text format writes it: +Inf, -Inf, NaN, or the shortest exact decimal. */
export function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

abstract class Family<C> {
  private readonly children = new Map<string, C>();
  constructor(readonly def: MetricDef) {}

  /** The child for these label values (in the order of def.labels), created on first use. */
  labels(...values: string[]): C {
    const key = values.length === 1 ? values[0] : values.join('\u0000');
    let child = this.children.get(key);
    if (child === undefined) {
      if (values.length !== this.def.labels.length) throw new Error(`${this.def.name}: expected labels ${this.def.labels.join(', ')}`);
      child = this.create(labelText(this.def.labels, values));
      this.children.set(key, child);
    }
    return child;
  }

  /** Drops every child (scrape-time gauges refill themselves). */
  clear(): void {
    this.children.clear();
  }

  /** Drops the child of these label values (a deleted topic). */
  remove(...values: string[]): void {
    this.children.delete(values.length === 1 ? values[0] : values.join('\u0000'));
  }

  protected abstract create(labelText: string): C;
  protected abstract renderChild(child: C, out: string[]): void;

  render(out: string[]): void {
    const { name, help, type } = this.def;
    out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    for (const child of this.children.values()) this.renderChild(child, out);
  }
}

export class CounterFamily extends Family<Value> {
  protected create(labelText: string): Value {
    return new Value(labelText);
  }
  protected renderChild(child: Value, out: string[]): void {
    out.push(`${this.def.name}${child.labelText} ${formatNumber(child.value)}`);
  }
}

/** Rendered like a counter; the type line says gauge. */
export class GaugeFamily extends CounterFamily {}

export class HistogramFamily extends Family<Distribution> {
  constructor(def: MetricDef, private readonly bounds: readonly number[]) {
    super(def);
  }
  protected create(labelText: string): Distribution {
    return new Distribution(labelText, this.bounds);
  }
  protected renderChild(child: Distribution, out: string[]): void {
    const { name } = this.def;
    // The le label goes last, inside the child's braces.
    const prefix = child.labelText === '' ? '{' : `${child.labelText.slice(0, -1)},`;
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += child.counts[i];
      const le = i < this.bounds.length ? formatNumber(this.bounds[i]) : '+Inf';
      out.push(`${name}_bucket${prefix}le="${le}"} ${cumulative}`);
    }
    out.push(`${name}_sum${child.labelText} ${formatNumber(child.sum)}`, `${name}_count${child.labelText} ${child.count}`);
  }
}

/** Buckets for durations in seconds: 100 µs to 10 s. */
export const SECONDS_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets for sizes in bytes: 64 B to 16 MiB, by fours. */
export const BYTES_BUCKETS: readonly number[] = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];
/** Buckets for small counts (appends covered by one fsync). */
export const COUNT_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024];
