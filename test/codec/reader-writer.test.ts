// Reader and Writer primitives: int64 saturation and sentinels, varints, strings, external chunks.
import { describe, expect, it } from 'vitest';
import { CodecError, Reader, Writer, ZERO_UUID, parseUuid, randomUuid, uuidToBytes, uuidToHex, uuidFromBytes } from '../../src/codec/index.js';

describe('int64 as number', () => {
  const cases: [number, string][] = [
    [0, '0000000000000000'],
    [-1, 'ffffffffffffffff'],
    [1, '0000000000000001'],
    [2 ** 63, '7fffffffffffffff'], // Long.MAX_VALUE reads as 2^63 and writes back exactly
    [2 ** 64, '7fffffffffffffff'], // saturates
    [-(2 ** 63), '8000000000000000'], // Long.MIN_VALUE
    [-(2 ** 70), '8000000000000000'],
    [4294967296, '0000000100000000'],
    [-4294967296, 'ffffffff00000000'],
    [2 ** 53 - 1, '001fffffffffffff'],
    [-(2 ** 53) + 1, 'ffe0000000000001'],
    [1_700_000_000_123, '0000018bcfe5687b'],
  ];
  it.each(cases)('%d ↔ %s', (n, hex) => {
    const w = new Writer(8);
    w.int64(n);
    expect(w.toBuffer().toString('hex')).toBe(hex);
    const back = new Reader(Buffer.from(hex, 'hex')).int64();
    expect(back).toBe(Math.max(-(2 ** 63), Math.min(2 ** 63, n)));
  });
});

describe('Writer', () => {
  it('grows when a caller under-sizes it', () => {
    const w = new Writer(8);
    for (let i = 0; i < 100; i++) w.int32(i);
    w.string('héllo');
    w.compactString('x'.repeat(200));
    const r = new Reader(w.toBuffer());
    for (let i = 0; i < 100; i++) expect(r.int32()).toBe(i);
    expect(r.string()).toBe('héllo');
    expect(r.compactString()).toBe('x'.repeat(200));
    expect(r.remaining).toBe(0);
  });

  it('writes a multi-byte string into an exactly sized buffer without growing', () => {
    const s = 'ü✓日本';
    const n = Buffer.byteLength(s);
    const w = new Writer(2 + n + 1 + n);
    const buf = w.buf;
    w.string(s);
    w.compactString(s);
    expect(w.buf).toBe(buf);
    const r = new Reader(w.toBuffer());
    expect(r.string()).toBe(s);
    expect(r.compactString()).toBe(s);
  });

  it('splices external buffers as their own chunks', () => {
    const a = Buffer.from('aaaa');
    const b = Buffer.from('bb');
    const w = new Writer(64);
    w.int8(1);
    w.records([a, b], true, true);
    w.int8(2);
    w.records(null, false, true);
    w.records(a, false, false);
    const out = w.toBuffers();
    expect(out[1]).toBe(a);
    expect(out[2]).toBe(b);
    expect(out[4]).toBe(a);
    expect(Buffer.concat(out).toString('hex')).toBe('01' + '07' + '61616161' + '6262' + '02' + 'ffffffff' + '00000004' + '61616161');
    expect(w.length).toBe(Buffer.concat(out).length);
  });

  it('varints', () => {
    const w = new Writer(4);
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) w.uvarint(v);
    for (const v of [0, -1, 1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) w.varint(v);
    for (const v of [0, -1, 2 ** 40, -(2 ** 40), 2 ** 53 - 1]) w.varlong(v);
    const r = new Reader(w.toBuffer());
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) expect(r.uvarint()).toBe(v);
    for (const v of [0, -1, 1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) expect(r.varint()).toBe(v);
    for (const v of [0, -1, 2 ** 40, -(2 ** 40), 2 ** 53 - 1]) expect(r.varlong()).toBe(v);
  });
});

describe('Reader', () => {
  it('never reads past end, even inside a larger buffer', () => {
    const b = Buffer.from('00000001ffffffff', 'hex');
    const r = new Reader(b, 0, 4);
    expect(r.int32()).toBe(1);
    expect(() => r.int8()).toThrow(CodecError);
    expect(() => new Reader(b, 2, 4).int32()).toThrow(CodecError);
    expect(() => new Reader(Buffer.from('0005616263', 'hex')).string()).toThrow(CodecError);
    expect(() => new Reader(Buffer.from('ffff', 'hex')).string()).toThrow(CodecError);
    expect(new Reader(Buffer.from('ffff', 'hex')).nullableString()).toBe(null);
    expect(() => new Reader(Buffer.from('7fffffff', 'hex')).arrayLength()).toThrow(CodecError);
    expect(() => new Reader(Buffer.from('ffffffffff', 'hex')).uvarint()).toThrow(CodecError);
    expect(() => new Reader(Buffer.from('80', 'hex')).uvarint()).toThrow(CodecError);
  });

  it('bytes are views, not copies', () => {
    const b = Buffer.from('00000003616263', 'hex');
    const v = new Reader(b).bytes();
    expect(v.buffer).toBe(b.buffer);
    expect(v.byteOffset).toBe(b.byteOffset + 4);
  });
});

describe('uuid', () => {
  it('is the base64url form Kafka prints, with helpers', () => {
    expect(uuidFromBytes(Buffer.alloc(16))).toBe(ZERO_UUID);
    const hex = '0123456789abcdef0123456789abcdef';
    const u = uuidFromBytes(Buffer.from(hex, 'hex'));
    expect(u).toBe('ASNFZ4mrze8BI0VniavN7w');
    expect(uuidToHex(u)).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(parseUuid('01234567-89ab-cdef-0123-456789abcdef')).toBe(u);
    expect(uuidToBytes(u).toString('hex')).toBe(hex);
    for (let i = 0; i < 100; i++) {
      const r = randomUuid();
      expect(r).toHaveLength(22);
      expect(r[0]).not.toBe('-');
      expect(uuidFromBytes(uuidToBytes(r))).toBe(r);
    }
  });

  it('reads and writes through Reader and Writer: zero, any bytes, the same id many times; a malformed id throws every time', () => {
    const ids = [ZERO_UUID, ...Array.from({ length: 5000 }, () => randomUuid())]; // more than the writer keeps
    const w = new Writer(16);
    for (const u of [...ids, ...ids.slice(0, 10)]) w.uuid(u);
    const r = new Reader(w.toBuffer());
    for (const u of [...ids, ...ids.slice(0, 10)]) expect(r.uuid()).toBe(u);
    const one = Buffer.alloc(16);
    one[15] = 1; // zero but for its last byte: not the zero uuid
    expect(new Reader(one).uuid()).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
    for (let i = 0; i < 2; i++) expect(() => new Writer(16).uuid('not-a-uuid')).toThrow(TypeError);
    expect(() => new Writer(16).uuid('AAAAAAAAAAAAAAAAAAAAA')).toThrow(TypeError);
  });
});
