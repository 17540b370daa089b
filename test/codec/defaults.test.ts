// Defaults: encoding an empty object writes every field's default, and decoding gives the schema
// default for every field, whether the version has the field or not (so handlers read fields
// uniformly across versions). Expected defaults are computed here from the schema, independently.
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeBody, encodeResponse, ZERO_UUID } from '../../src/codec/index.js';
import type { SchemaField as SchemaFieldLike } from '../../protocol/tools/schema.mjs';
import { allMessages, versionsOf } from './values.js';

function expectedDefault(f: SchemaFieldLike): unknown {
  const d = f.default;
  if (f.type.startsWith('[]')) return d === 'null' ? null : [];
  switch (f.type) {
    case 'records':
      return null;
    case 'bytes':
      return d === 'null' ? null : Buffer.alloc(0);
    case 'string':
      return d === 'null' ? null : String(d ?? '');
    case 'bool':
      return d === true || d === 'true';
    case 'uuid':
      return ZERO_UUID;
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
      return d === undefined ? 0 : Number(d);
    default:
      return d === 'null' ? null : 'struct';
  }
}

describe('defaults of every top-level field', () => {
  for (const m of allMessages.filter((x) => x.type === 'request' || x.type === 'response')) {
    it(`${m.name}`, () => {
      for (const v of versionsOf(m)) {
        let body: Record<string, unknown>;
        if (m.type === 'request') body = decodeRequest(m.apiKey!, v, encodeBody(m.apiKey!, v, 'request', {}), 0) as unknown as Record<string, unknown>;
        else body = decodeResponse(m.apiKey!, v, Buffer.concat(encodeResponse(m.apiKey!, v, 0, {})).subarray(4)).body as unknown as Record<string, unknown>;
        for (const f of m.fields) {
          const key = f.name[0].toLowerCase() + f.name.slice(1);
          const exp = expectedDefault(f);
          if (exp === 'struct') expect(typeof body[key], `${m.name} v${v} ${key}`).toBe('object');
          else expect(body[key], `${m.name} v${v} ${key}`).toStrictEqual(exp);
        }
      }
    });
  }
});
