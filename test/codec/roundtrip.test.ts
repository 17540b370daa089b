// Round trips for every (API, version) of requests and responses, and every data schema version,
// with schema-driven random values: encode → decode gives the values back, and re-encoding the
// decoded object gives the same bytes.
import { describe, expect, it } from 'vitest';
import {
  decodeData,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeData,
  encodeRequest,
  encodeResponse,
  apiInfo,
  Writer,
} from '../../src/codec/index.js';
import { allMessages, expectSubset, rng, ValueGen, versionsOf } from './values.js';

const SEEDS = [1, 2, 3, 4];

// The encoders size the buffer exactly: the Writer must never have to grow (a grow means a copy and
// a size pass that disagrees with the write pass).
let grows = 0;
const proto = Writer.prototype as unknown as { grow: (n: number) => void };
const originalGrow = proto.grow;
proto.grow = function (this: unknown, n: number) {
  grows++;
  originalGrow.call(this, n);
};
const apiMessages = allMessages.filter((m) => m.type === 'request' || m.type === 'response');
const dataMessages = allMessages.filter((m) => m.type === 'data' || m.type === 'header');

describe('round trip of every api and version', () => {
  for (const m of apiMessages) {
    it(`${m.name} v${m.validVersions}`, () => {
      const key = m.apiKey!;
      expect(apiInfo(key)).toBeDefined();
      for (const v of versionsOf(m)) {
        for (const seed of SEEDS) {
          const gen = new ValueGen(m, v, rng(seed * 1000 + v), { nulls: seed === 1 ? 0 : 0.4, unknownTags: seed !== 1, chunkedRecords: true });
          const value = gen.message();
          const ctx = `${m.name} v${v} seed ${seed}`;
          if (m.type === 'request') {
            const bufs = encodeRequest(key, v, { correlationId: seed, clientId: seed === 2 ? null : 'client' }, value);
            const all = Buffer.concat(bufs);
            expect(all.readInt32BE(0), ctx).toBe(all.length - 4);
            const frame = all.subarray(4);
            const h = decodeRequestHeader(frame);
            expect(h.apiKey).toBe(key);
            expect(h.apiVersion).toBe(v);
            const decoded = decodeRequest(key, v, frame, h.bodyOffset);
            expectSubset(decoded, value, ctx);
            const again = Buffer.concat(encodeRequest(key, v, { correlationId: seed, clientId: seed === 2 ? null : 'client' }, decoded));
            expect(again.equals(all), `${ctx} re-encode`).toBe(true);
            expect(grows, `${ctx}: writer grew`).toBe(0);
          } else {
            const bufs = encodeResponse(key, v, seed, value);
            const all = Buffer.concat(bufs);
            expect(all.readInt32BE(0), ctx).toBe(all.length - 4);
            const { header, body } = decodeResponse(key, v, all.subarray(4));
            expect(header.correlationId).toBe(seed);
            expectSubset(body, value, ctx);
            const again = Buffer.concat(encodeResponse(key, v, seed, body));
            expect(again.equals(all), `${ctx} re-encode`).toBe(true);
            expect(grows, `${ctx}: writer grew`).toBe(0);
          }
        }
      }
    });
  }
});

describe('round trip of data schemas', () => {
  for (const m of dataMessages) {
    it(`${m.name} v${m.validVersions}`, () => {
      for (const v of versionsOf(m)) {
        for (const seed of SEEDS) {
          const value = new ValueGen(m, v, rng(seed * 7 + v), { nulls: 0.4, unknownTags: true, chunkedRecords: false }).message();
          const name = m.name as Parameters<typeof encodeData>[0];
          const buf = encodeData(name, v, value as never);
          const decoded = decodeData(name, v, buf);
          expectSubset(decoded, value, `${m.name} v${v}`);
          expect(encodeData(name, v, decoded as never).equals(buf)).toBe(true);
        }
      }
    });
  }
});
