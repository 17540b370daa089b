// Truncated, bit-flipped, spliced and random input: decoding returns a value or throws CodecError —
// never another error, never hangs.
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  decodeData,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeData,
} from '../../src/codec/index.js';
import { allMessages, rng, ValueGen, versionsOf } from './values.js';

function attempt(fn: () => unknown): 'ok' | 'codec' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof CodecError) return 'codec';
    throw e;
  }
}

interface Sample {
  name: string;
  decode: (b: Buffer) => unknown;
  bytes: Buffer;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  let seed = 1;
  for (const m of allMessages) {
    for (const v of versionsOf(m)) {
      const value = new ValueGen(m, v, rng(seed++), { nulls: 0.3, unknownTags: true, chunkedRecords: false }).message();
      if (m.type === 'request') {
        const frame = Buffer.concat(encodeRequest(m.apiKey!, v, { correlationId: 1, clientId: 'f' }, value)).subarray(4);
        out.push({ name: `${m.name} v${v}`, bytes: frame, decode: (b) => decodeRequest(m.apiKey!, v, b, decodeRequestHeader(b).bodyOffset) });
      } else if (m.type === 'response') {
        const frame = Buffer.concat(encodeResponse(m.apiKey!, v, 1, value)).subarray(4);
        out.push({ name: `${m.name} v${v}`, bytes: frame, decode: (b) => decodeResponse(m.apiKey!, v, b) });
      } else {
        const name = m.name as Parameters<typeof decodeData>[0];
        out.push({ name: `${m.name} v${v}`, bytes: encodeData(name, v, value as never), decode: (b) => decodeData(name, v, b) });
      }
    }
  }
  return out;
}

describe('fuzz', () => {
  const all = samples();

  it('every truncation of every sample throws CodecError or decodes', () => {
    let codec = 0;
    for (const s of all) {
      for (let n = 0; n < s.bytes.length; n++) {
        if (attempt(() => s.decode(s.bytes.subarray(0, n))) === 'codec') codec++;
      }
    }
    expect(codec).toBeGreaterThan(1000);
  });

  it('random mutations throw only CodecError', () => {
    const r = rng(42);
    const int = (n: number) => Math.floor(r() * n);
    let runs = 0;
    let codec = 0;
    for (let i = 0; i < 20000; i++) {
      const s = all[int(all.length)];
      const b = Buffer.from(s.bytes);
      if (b.length === 0) continue;
      const kind = int(4);
      let input: Buffer;
      if (kind === 0) {
        for (let k = 0, n = 1 + int(4); k < n; k++) b[int(b.length)] ^= 1 << int(8);
        input = b;
      } else if (kind === 1) {
        for (let k = 0, n = 1 + int(3); k < n; k++) b[int(b.length)] = [0x00, 0xff, 0x7f, 0x80][int(4)];
        input = b;
      } else if (kind === 2) {
        const at = int(b.length);
        input = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256))), b.subarray(at)]);
      } else {
        const at = int(b.length);
        input = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(8)))]);
      }
      runs++;
      if (attempt(() => s.decode(input)) === 'codec') codec++;
    }
    expect(runs).toBeGreaterThan(19000);
    expect(codec).toBeGreaterThan(1000);
  });

  it('random frames through the header and any api key', () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
      if (b.length >= 4) {
        b.writeInt16BE(Math.floor(r() * 95) - 1, 0);
        b.writeInt16BE(Math.floor(r() * 20) - 1, 2);
      }
      attempt(() => {
        const h = decodeRequestHeader(b);
        return decodeRequest(h.apiKey, h.apiVersion, b, h.bodyOffset);
      });
    }
  });
});
