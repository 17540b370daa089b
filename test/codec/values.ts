// Random message values driven by our schema (protocol/*.kdef): for one message at one version,
// fill every field the version has with values that exercise nulls, empty and non-empty arrays,
// tagged fields (known and unknown), int64 extremes and non-ASCII strings.
import { expect } from 'vitest';
import { loadSchema, type SchemaField, type SchemaMessage } from '../../protocol/tools/schema.mjs';
import { inRange } from '../../protocol/tools/versions.mjs';
import { uuidFromBytes, ZERO_UUID } from '../../src/codec/index.js';

export const schemaFiles = loadSchema();
export const allMessages: SchemaMessage[] = schemaFiles.flatMap((f) => f.messages);

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const camel = (s: string) => s[0].toLowerCase() + s.slice(1);
const PRIM = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records']);
const INT64S = [0, -1, 1, 2 ** 63, -(2 ** 63), 2 ** 53 - 1, -(2 ** 53) + 1, 4294967296, -4294967296, 1_700_000_000_000];
const STRINGS = ['', 'a', 'topic-1', 'üñí©ødé ✓', 'x'.repeat(50), '日本語のトピック'];

export interface GenOptions {
  /** Probability of choosing null where nullable. */
  nulls: number;
  /** Add unknown tagged fields in flexible versions. */
  unknownTags: boolean;
  /** Responses may carry records as Buffer[] chunks. */
  chunkedRecords: boolean;
}

export class ValueGen {
  constructor(
    private readonly msg: SchemaMessage,
    private readonly v: number,
    private readonly rnd: () => number,
    private readonly opt: GenOptions,
  ) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }
  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  private flexible(f?: SchemaField): boolean {
    return inRange(f?.flexibleVersions ?? this.msg.flexibleVersions, this.v);
  }
  private structFields(f: SchemaField): SchemaField[] {
    if (f.fields) return f.fields;
    const t = f.type.replace(/^\[\]/, '');
    const c = this.msg.commonStructs.find((x) => x.name === t);
    if (!c) throw new Error(`unknown struct ${t}`);
    return c.fields;
  }

  message(): Record<string, unknown> {
    return this.struct(this.msg.fields);
  }

  struct(fields: SchemaField[]): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const f of fields) {
      if (!inRange(f.versions, this.v)) continue;
      if (f.tag !== undefined && this.rnd() < 0.3) continue; // leave tagged at default (absent)
      o[camel(f.name)] = this.value(f);
    }
    if (this.opt.unknownTags && this.flexible() && this.rnd() < 0.3) {
      const n = this.int(1, 2);
      const tags = [];
      let t = 1000 + this.int(0, 5);
      for (let i = 0; i < n; i++) {
        tags.push({ tag: t, data: Buffer.from(Array.from({ length: this.int(0, 4) }, () => this.int(0, 255))) });
        t += this.int(1, 3);
      }
      o._unknownTaggedFields = tags;
    }
    return o;
  }

  value(f: SchemaField): unknown {
    const nullable = inRange(f.nullableVersions, this.v);
    if (nullable && this.rnd() < this.opt.nulls) return null;
    if (f.type.startsWith('[]')) {
      const et = f.type.slice(2);
      const n = this.pick([0, 1, 2, 3]);
      return Array.from({ length: n }, () => this.element(et, f));
    }
    return this.element(f.type, f);
  }

  private element(t: string, f: SchemaField): unknown {
    switch (t) {
      case 'bool':
        return this.rnd() < 0.5;
      case 'int8':
        return this.pick([0, -1, 127, -128, this.int(-128, 127)]);
      case 'int16':
        return this.pick([0, -1, 32767, -32768, this.int(-32768, 32767)]);
      case 'uint16':
        return this.pick([0, 65535, this.int(0, 65535)]);
      case 'int32':
        return this.pick([0, -1, 2147483647, -2147483648, this.int(-1e9, 1e9)]);
      case 'uint32':
        return this.pick([0, 4294967295, this.int(0, 4294967295)]);
      case 'int64':
        return this.pick([...INT64S, this.int(-1e15, 1e15)]);
      case 'float64':
        return this.pick([0, -0.5, 1e300, Math.PI, this.rnd()]);
      case 'uuid': {
        if (this.rnd() < 0.2) return ZERO_UUID;
        return uuidFromBytes(Buffer.from(Array.from({ length: 16 }, () => this.int(0, 255))));
      }
      case 'string':
        return this.pick(STRINGS);
      case 'bytes':
        return Buffer.from(Array.from({ length: this.int(0, 6) }, () => this.int(0, 255)));
      case 'records': {
        const b = Buffer.from(Array.from({ length: this.int(0, 70) }, () => this.int(0, 255)));
        if (this.opt.chunkedRecords && this.msg.type === 'response' && b.length > 4 && this.rnd() < 0.5) {
          return [b.subarray(0, 3), b.subarray(3)];
        }
        return b;
      }
      default:
        if (PRIM.has(t)) throw new Error(t);
        return this.struct(this.structFields(f));
    }
  }
}

/** Concatenates chunked records so a decoded value can be compared with what was encoded. */
function norm(x: unknown): unknown {
  if (Array.isArray(x) && x.length > 0 && x.every((e) => Buffer.isBuffer(e))) return Buffer.concat(x as Buffer[]);
  return x;
}

/** Every key of `expected` (recursively) equals the same key of `actual`. */
export function expectSubset(actual: unknown, expected: unknown, path = '$'): void {
  expected = norm(expected);
  if (Buffer.isBuffer(expected)) {
    expect(Buffer.isBuffer(actual), `${path} is a Buffer`).toBe(true);
    expect((actual as Buffer).equals(expected), `${path} bytes`).toBe(true);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    const a = actual as unknown[];
    expect(a.length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectSubset(a[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    for (const [k, e] of Object.entries(expected)) {
      if (k === '_unknownTaggedFields') {
        const a = (actual as Record<string, unknown>)[k] as { tag: number; data: Buffer }[] | undefined;
        const ex = e as { tag: number; data: Buffer }[];
        expect(a?.length ?? 0, `${path}.${k}`).toBe(ex.length);
        ex.forEach((t, i) => {
          expect(a![i].tag).toBe(t.tag);
          expect(a![i].data.equals(t.data)).toBe(true);
        });
        continue;
      }
      expectSubset((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
    }
    return;
  }
  expect(actual, path).toStrictEqual(expected);
}

/** Versions of a message's valid range. */
export function versionsOf(m: SchemaMessage): number[] {
  const [lo, hi] = m.validVersions.split('-').map(Number);
  const top = Number.isNaN(hi) || hi === undefined ? lo : hi;
  return Array.from({ length: top - lo + 1 }, (_, i) => lo + i);
}
