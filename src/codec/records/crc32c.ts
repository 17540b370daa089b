// Checksums for record formats: CRC-32C (Castagnoli) covers v2 record batches, CRC-32 (IEEE) covers
// magic 0/1 messages. CRC-32C is computed here: it is on every produced batch's path (validateBatch),
// so it reads the data a 32-bit word at a time, eight bytes per step through eight tables ("slicing
// by 8"), 1.5x the `crc-32` package's byte-at-a-time slicing by 16 on this workload (bench/codec.ts).
// CRC-32 (IEEE), rarely used, comes from the `crc-32` package; this module adds ranges and unsigned results.

import { createRequire } from 'node:module';
import { endianness } from 'node:os';

interface CrcModule {
  buf(data: Uint8Array, seed?: number): number;
}

// crc-32 is a UMD/CommonJS package whose named exports Node's ESM loader cannot see, so load it with require.
const require = createRequire(import.meta.url);
const CRC32 = require('crc-32') as CrcModule;

/** Table k (at k * 256) maps a byte to its CRC-32C contribution k bytes further on (reflected polynomial 0x82F63B78). */
const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
})();

/** Word reads need the bytes in little-endian order, as the reflected CRC consumes them. */
const WORDS = endianness() === 'LE';

/** CRC-32C register update over buf[start, end) (the register, not the final inverted value). */
function update(register: number, buf: Uint8Array, start: number, end: number): number {
  const t = TABLES;
  let crc = register;
  let i = start;
  if (WORDS) {
    while (i < end && ((buf.byteOffset + i) & 3) !== 0) crc = (crc >>> 8) ^ t[(crc ^ buf[i++]) & 0xff];
    const words = ((end - i) >>> 3) << 1;
    if (words > 0) {
      const w32 = new Int32Array(buf.buffer, buf.byteOffset + i, words);
      for (let w = 0; w < words; w += 2) {
        const a = w32[w] ^ crc;
        const b = w32[w + 1];
        crc = t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)]
          ^ t[768 + (b & 0xff)] ^ t[512 + ((b >>> 8) & 0xff)] ^ t[256 + ((b >>> 16) & 0xff)] ^ t[b >>> 24];
      }
      i += words * 4;
    }
  }
  while (i < end) crc = (crc >>> 8) ^ t[(crc ^ buf[i++]) & 0xff];
  return crc;
}

/** CRC-32C of buf[start, end) as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return ~update(-1, buf, start, end) >>> 0;
}

/** Continues a CRC-32C: `crc32cUpdate(crc32c(a), b)` equals the CRC-32C of a followed by b. */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  return ~update(~crc, buf, start, end) >>> 0;
}

/** CRC-32 (IEEE 802.3, as zlib) of buf[start, end) as an unsigned 32-bit number. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return CRC32.buf(view, 0) >>> 0;
}

/** Continues a CRC-32 (IEEE) over more bytes. */
export function crc32Update(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return CRC32.buf(view, crc | 0) >>> 0;
}
