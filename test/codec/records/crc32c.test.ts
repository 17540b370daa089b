// CRC-32C is computed by the codec (word reads, slicing by 8): it must equal the reference for any
// length, alignment and continuation. Real clients' batches (golden-bytes, the client suites) check
// it against their own CRCs too; this covers the edges they may not hit.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cUpdate } from '../../../src/codec/records/index.js';

const packaged = createRequire(import.meta.url)('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number };

describe('crc32c', () => {
  it('has the check value of CRC-32C ("123456789" → 0xE3069283) and 0 for no bytes', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals the crc-32 package for every length and alignment, in ranges and continued', () => {
    const bytes = Buffer.alloc(4096 + 16);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    for (let offset = 0; offset < 8; offset++) {
      for (const length of [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 61, 64, 100, 1000, 4096]) {
        const view = bytes.subarray(offset, offset + length);
        const expected = packaged.buf(view, 0) >>> 0;
        expect(crc32c(view)).toBe(expected);
        expect(crc32c(bytes, offset, offset + length)).toBe(expected);
        const cut = length >>> 1;
        expect(crc32cUpdate(crc32c(view.subarray(0, cut)), view.subarray(cut))).toBe(expected);
      }
    }
  });
});
