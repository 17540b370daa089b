// Mutations of a valid request frame: bit flips, truncation (with a consistent or a stale size
// prefix), length fields set to -1 or compact null, huge and off-by-one integers, random API keys and
// versions, wrong header versions, spliced and duplicated bytes, bad size prefixes, pure garbage.
// Everything is driven by a seeded PRNG so a run is reproducible from its seed.

import { decodeRequest, decodeRequestHeader, encodeRequest, requestHeaderVersion } from '../../src/codec/index.js';
import { iterateBatches, updateBatchCrc } from '../../src/codec/records/index.js';
import { withHeaderVersion, type Seed, type SeedContext } from './seeds.js';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

export interface Mutated {
  bytes: Buffer;
  mutation: string;
}

/** Offset where the request header's client id begins (after key, version, correlation id). */
const BODY_GUESS = 4 + 8;

function fixSize(b: Buffer): Buffer {
  b.writeInt32BE(b.length - 4, 0);
  return b;
}

function randomPos(rng: Rng, b: Buffer, width: number, from = 4): number {
  const span = b.length - width - from;
  return span <= 0 ? -1 : from + rng.int(span + 1);
}

const HUGE32 = [0x7fffffff, -0x80000000, 0x7ffffffe, 0x10000000, 65536, -2];
const HUGE16 = [0x7fff, -0x8000, -2, 0x7ffe];
const BIG_UVARINTS = [
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]),
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
  Buffer.from([0xff, 0xff, 0x03]),
];

export const MUTATIONS = [
  'bitflip', 'truncate', 'truncate-stale-size', 'minus-one-int32', 'minus-one-int16', 'compact-null', 'huge-int32', 'huge-int16',
  'huge-uvarint', 'off-by-one', 'api-key', 'api-version', 'header-version', 'splice', 'duplicate', 'size-prefix', 'garbage', 'multi',
  'field', 'field', 'field', 'batch', 'batch',
] as const;
export type MutationName = (typeof MUTATIONS)[number];

export function mutate(rng: Rng, seed: Seed, ctx: SeedContext, which?: MutationName): Mutated {
  const m = which ?? rng.pick(MUTATIONS);
  try {
    return mutateUnchecked(rng, seed, ctx, m);
  } catch {
    // A mutation that does not fit an already-shortened frame (inside 'multi') leaves it as it is.
    return { bytes: Buffer.from(seed.bytes), mutation: m };
  }
}

function mutateUnchecked(rng: Rng, seed: Seed, ctx: SeedContext, m: MutationName): Mutated {
  let b: Buffer = Buffer.from(seed.bytes);
  switch (m) {
    case 'bitflip': {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const p = 4 + rng.int(Math.max(1, b.length - 4));
        if (p < b.length) b[p] ^= 1 << rng.int(8);
      }
      break;
    }
    case 'truncate':
      b = fixSize(b.subarray(0, 4 + rng.int(Math.max(1, b.length - 4))));
      break;
    case 'truncate-stale-size':
      // The size prefix still promises the full frame: the broker must wait, not misbehave.
      b = b.subarray(0, 4 + rng.int(Math.max(1, b.length - 4)));
      break;
    case 'minus-one-int32': {
      const p = randomPos(rng, b, 4, BODY_GUESS);
      if (p >= 0) b.writeInt32BE(-1, p);
      break;
    }
    case 'minus-one-int16': {
      const p = randomPos(rng, b, 2, BODY_GUESS);
      if (p >= 0) b.writeInt16BE(-1, p);
      break;
    }
    case 'compact-null': {
      const p = randomPos(rng, b, 1, BODY_GUESS);
      if (p >= 0) b[p] = 0;
      break;
    }
    case 'huge-int32': {
      const p = randomPos(rng, b, 4, BODY_GUESS);
      if (p >= 0) b.writeInt32BE(rng.pick(HUGE32), p);
      break;
    }
    case 'huge-int16': {
      const p = randomPos(rng, b, 2, BODY_GUESS);
      if (p >= 0) b.writeInt16BE(rng.pick(HUGE16), p);
      break;
    }
    case 'huge-uvarint': {
      const p = randomPos(rng, b, 1, BODY_GUESS);
      if (p >= 0) b = fixSize(Buffer.concat([b.subarray(0, p), rng.pick(BIG_UVARINTS), b.subarray(p + 1)]));
      break;
    }
    case 'off-by-one': {
      const width = rng.pick([1, 2, 4]);
      const p = randomPos(rng, b, width, 4);
      if (p >= 0) {
        const d = rng.next() < 0.5 ? 1 : -1;
        if (width === 1) b[p] = (b[p] + d) & 0xff;
        else if (width === 2) b.writeUInt16BE((b.readUInt16BE(p) + d) & 0xffff, p);
        else b.writeUInt32BE((b.readUInt32BE(p) + d) >>> 0, p);
      }
      break;
    }
    case 'api-key':
      b.writeInt16BE(rng.next() < 0.7 ? rng.int(100) - 2 : rng.int(65536) - 32768, 4);
      break;
    case 'api-version':
      b.writeInt16BE(rng.pick([-1, -32768, 32767, seed.version + 1, seed.version - 1, rng.int(40)]), 6);
      break;
    case 'header-version': {
      const right = requestHeaderVersion(seed.apiKey, seed.version);
      const wrong = ([0, 1, 2] as const).filter((h) => h !== right);
      const re = withHeaderVersion(seed, ctx, rng.pick(wrong));
      if (re !== null) b = re;
      break;
    }
    case 'splice': {
      const p = 4 + rng.int(Math.max(1, b.length - 4));
      const junk = Buffer.alloc(1 + rng.int(16));
      for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
      b = fixSize(Buffer.concat([b.subarray(0, p), junk, b.subarray(p)]));
      break;
    }
    case 'duplicate': {
      const p = 4 + rng.int(Math.max(1, b.length - 4));
      const len = 1 + rng.int(Math.min(32, b.length - p));
      b = fixSize(Buffer.concat([b.subarray(0, p + len), b.subarray(p, p + len), b.subarray(p + len)]));
      break;
    }
    case 'size-prefix':
      b.writeInt32BE(rng.pick([-1, 0, 1, 3, b.length - 5, b.length - 3, 0x7fffffff, 104857601]), 0);
      break;
    case 'garbage': {
      const n = rng.int(64);
      const g = Buffer.alloc(4 + n);
      for (let i = 4; i < g.length; i++) g[i] = rng.int(256);
      b = fixSize(g);
      break;
    }
    case 'field':
      return { bytes: mutateFields(rng, seed, b), mutation: 'field' };
    case 'batch':
      return { bytes: mutateBatch(rng, seed, b), mutation: 'batch' };
    case 'multi': {
      let cur: Seed = { ...seed, bytes: b };
      const names: string[] = [];
      for (let i = 0; i < 2 + rng.int(3); i++) {
        const inner = rng.pick(MUTATIONS.filter((x) => x !== 'multi' && x !== 'header-version' && x !== 'field' && x !== 'batch'));
        cur = { ...cur, bytes: mutate(rng, cur, ctx, inner).bytes };
        names.push(inner);
      }
      return { bytes: cur.bytes, mutation: `multi(${names.join('+')})` };
    }
  }
  return { bytes: b, mutation: m };
}

// ---- Structure-aware mutations ----------------------------------------------------------------------

const NUMBERS = [-1, 0, 1, -2, 2, 127, 128, 255, 32767, -32768, 65535, 2147483647, -2147483648, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53), 1e15];
const STRINGS: (string | null)[] = ['', ' ', 'x'.repeat(300), 'x'.repeat(40_000), '.', '..', '__consumer_offsets', '\u0000', 'ü€😀', 'a/b', null];

interface Slot {
  obj: Record<string, unknown> | unknown[];
  key: string | number;
}

function slots(v: unknown, out: Slot[], depth = 0): void {
  if (depth > 6 || v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return;
  if (Array.isArray(v)) {
    v.forEach((e, i) => {
      out.push({ obj: v, key: i });
      slots(e, out, depth + 1);
    });
    return;
  }
  for (const [k, e] of Object.entries(v as Record<string, unknown>)) {
    if (k === '_unknownTaggedFields') continue;
    out.push({ obj: v as Record<string, unknown>, key: k });
    slots(e, out, depth + 1);
  }
}

function hostile(rng: Rng, cur: unknown): unknown {
  if (typeof cur === 'number') return rng.next() < 0.8 ? rng.pick(NUMBERS) : cur + (rng.next() < 0.5 ? 1 : -1);
  if (typeof cur === 'string' || cur === null) return rng.pick(STRINGS);
  if (typeof cur === 'boolean') return !cur;
  if (Buffer.isBuffer(cur)) {
    const r = rng.int(4);
    if (r === 0) return null;
    if (r === 1) return Buffer.alloc(0);
    if (r === 2) return cur.subarray(0, rng.int(cur.length + 1));
    const g = Buffer.alloc(rng.int(200));
    for (let i = 0; i < g.length; i++) g[i] = rng.int(256);
    return g;
  }
  if (Array.isArray(cur)) {
    const r = rng.int(4);
    if (r === 0) return [];
    if (r === 1) return null;
    if (r === 2 && cur.length > 0) return [...cur, ...cur];
    if (cur.length > 0) return Array.from({ length: 200 + rng.int(800) }, () => cur[0]);
    return cur;
  }
  return cur;
}

/** Decodes the seed's body, replaces 1-3 fields (anywhere in the tree) with hostile values, re-encodes. */
function mutateFields(rng: Rng, seed: Seed, b: Buffer): Buffer {
  const frame = b.subarray(4);
  const h = decodeRequestHeader(frame);
  const body = decodeRequest(seed.apiKey, seed.version, frame, h.bodyOffset) as unknown as Record<string, unknown>;
  const all: Slot[] = [];
  slots(body, all);
  if (all.length === 0) return b;
  for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
    const s = rng.pick(all);
    (s.obj as Record<string | number, unknown>)[s.key] = hostile(rng, (s.obj as Record<string | number, unknown>)[s.key]);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return Buffer.concat(encodeRequest(seed.apiKey, seed.version, { correlationId: h.correlationId, clientId: h.clientId }, body));
    } catch {
      // A value the field's type cannot hold (2^31 in an int16): pick another.
      const s = rng.pick(all);
      (s.obj as Record<string | number, unknown>)[s.key] = 0;
    }
  }
  return b;
}

const BATCH_FIELDS: [offset: number, width: 1 | 2 | 4 | 8][] = [
  [0, 8], [8, 4], [12, 4], [16, 1], [21, 2], [23, 4], [27, 8], [35, 8], [43, 8], [51, 2], [53, 4], [57, 4],
];

/** Changes a header field or a record byte inside each v2 batch of the request and fixes the CRC, so validation goes past the checksum. */
function mutateBatch(rng: Rng, seed: Seed, b: Buffer): Buffer {
  const frame = b.subarray(4);
  const h = decodeRequestHeader(frame);
  const body = decodeRequest(seed.apiKey, seed.version, frame, h.bodyOffset) as unknown as { topicData?: { partitionData: { records: Buffer | null }[] }[] };
  let changed = false;
  for (const t of body.topicData ?? []) {
    for (const p of t.partitionData) {
      if (p.records === null || p.records.length < 61) continue;
      const recs = Buffer.from(p.records);
      const spans = [...iterateBatches(recs)].filter((x) => x.status === 'complete' && x.magic === 2);
      for (const span of spans) {
        const off = span.position;
        const end = off + span.size;
        if (rng.next() < 0.5) {
          const [fo, w] = rng.pick(BATCH_FIELDS);
          const v = rng.pick(NUMBERS);
          if (w === 1) recs.writeInt8(((v % 128) + 128) % 128, off + fo);
          else if (w === 2) recs.writeInt16BE(((v % 32768) + 32768) % 32768 - (rng.next() < 0.5 ? 32768 : 0), off + fo);
          else if (w === 4) recs.writeInt32BE(v | 0, off + fo);
          else recs.writeBigInt64BE(BigInt(Math.trunc(v)), off + fo);
        } else {
          const pos = off + 61 + rng.int(Math.max(1, end - off - 61));
          if (pos < recs.length) recs[pos] = rng.int(256);
        }
        // The CRC covers attributes..end of the declared batch; recompute over the original extent.
        if (recs.readInt8(off + 16) === 2 && recs.readInt32BE(off + 8) + 12 <= recs.length - off) updateBatchCrc(recs, off);
        changed = true;
      }
      p.records = recs;
    }
  }
  if (!changed) return b;
  return Buffer.concat(encodeRequest(seed.apiKey, seed.version, { correlationId: h.correlationId, clientId: h.clientId }, body as object));
}
