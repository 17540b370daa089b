// Checksums for record formats: CRC-32C (Castagnoli) covers v2 record batches, CRC-32 (IEEE) covers
// magic 0/1 messages. Both come from the `crc-32` package; this module only adds ranges and unsigned results.

import { createRequire } from 'node:module';

interface CrcModule {
  buf(data: Uint8Array, seed?: number): number;
}

// crc-32 is a UMD/CommonJS package whose named exports Node's ESM loader cannot see, so load it with require.
const require = createRequire(import.meta.url);
const CRC32C = require('crc-32/crc32c') as CrcModule;
const CRC32 = require('crc-32') as CrcModule;

/** CRC-32C of buf[start, end) as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return CRC32C.buf(view, 0) >>> 0;
}

/** Continues a CRC-32C: `crc32cUpdate(crc32c(a), b)` equals the CRC-32C of a followed by b. */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return CRC32C.buf(view, crc | 0) >>> 0;
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
