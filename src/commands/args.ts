// Flag parsing for the `tributary` admin commands: each command declares its flags, and anything
// else (an unknown flag, a missing value, a bad number) is a UsageError, exit code 2.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagKind = 'string' | 'int' | 'bool' | 'list';

export interface FlagSpec {
  kind: FlagKind;
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** Flags every command takes. */
export const GLOBAL_FLAGS: FlagSpecs = {
  bootstrap: { kind: 'string', short: 'b' },
  json: { kind: 'bool' },
  'timeout-ms': { kind: 'int' },
  'client-id': { kind: 'string' },
  // Kafka client properties (security.protocol, sasl.*, ssl.*), as kcat's -X and Kafka tools' --command-config.
  property: { kind: 'list', short: 'X' },
  'command-config': { kind: 'string' },
};

export class Args {
  constructor(
    readonly positionals: string[],
    private readonly values: Map<string, string | true | string[]>,
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  str(name: string): string | undefined;
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : fallback;
  }

  int(name: string, fallback?: number, min = -Infinity): number | undefined {
    const v = this.values.get(name);
    if (typeof v !== 'string') return fallback;
    const n = parseInteger(v, `--${name}`);
    if (n < min) throw new UsageError(`--${name} must be at least ${min}, got ${v}`);
    return n;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }

  /** The i-th positional argument, or a UsageError naming it. */
  positional(i: number, label: string): string {
    const v = this.positionals[i];
    if (v === undefined || v === '') throw new UsageError(`missing ${label}`);
    return v;
  }

  /** Refuses positionals beyond the first `n`. */
  noMorePositionals(n: number): void {
    if (this.positionals.length > n) throw new UsageError(`unexpected argument ${JSON.stringify(this.positionals[n])}`);
  }
}

export function parseInteger(text: string, what: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`${what} must be an integer, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what} is out of range: ${text}`);
  return n;
}

/** Parses `--name value`, `--name=value`, `-x value` and bare positionals against the specs. */
export function parseArgs(argv: string[], specs: FlagSpecs): Args {
  const all: FlagSpecs = { ...GLOBAL_FLAGS, ...specs };
  const byShort = new Map(Object.entries(all).filter(([, s]) => s.short !== undefined).map(([n, s]) => [s.short!, n]));
  const positionals: string[] = [];
  const values = new Map<string, string | true | string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else if (/^-[a-zA-Z]$/.test(a)) {
      name = byShort.get(a.slice(1));
      if (name === undefined) throw new UsageError(`unknown flag ${a}`);
    } else {
      positionals.push(a);
      continue;
    }
    const spec = all[name];
    if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (spec.kind === 'int') parseInteger(value, `--${name}`);
    if (spec.kind === 'list') {
      const prev = values.get(name);
      values.set(name, Array.isArray(prev) ? [...prev, value] : [value]);
    } else {
      values.set(name, value);
    }
  }
  return new Args(positionals, values);
}

/** `key=value` → [key, value]; a UsageError for anything else. */
export function keyValue(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${what} must be key=value, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
