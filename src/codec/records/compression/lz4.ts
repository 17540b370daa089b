// LZ4 for Kafka: the LZ4 frame format (magic 04 22 4d 18) over LZ4 blocks, compress + decompress, with
// xxHash32 descriptor/block/content checksums. Kafka writes independent 64 KiB blocks with no block checksum,
// content size or content checksum, and (magic 0 only) a descriptor checksum computed over the magic too.

import { RecordFormatError } from '../errors.js';
import { xxhash32 } from './xxhash32.js';

export const LZ4_FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MIN = 0x184d2a50;
const SKIPPABLE_MAGIC_MAX = 0x184d2a5f;

const FLG_VERSION = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;

const BLOCK_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

// ---- Block format ---------------------------------------------------------------------------------------

const MIN_MATCH = 4;
const LAST_LITERALS = 5; // the last 5 bytes are always literals
const MF_LIMIT = 12; // a match must start at least 12 bytes before the end of the block
const HASH_BITS = 16;
const MAX_OFFSET = 65535;

/** Worst case compressed size of an `n`-byte block. */
export function lz4BlockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function writeLength(out: Uint8Array, op: number, len: number): number {
  while (len >= 255) {
    out[op++] = 255;
    len -= 255;
  }
  out[op++] = len;
  return op;
}

/** Compresses src[start, end) into one LZ4 block written at out[op]; returns the new op. Greedy, hash of 4 bytes. */
export function lz4CompressBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, op: number, table: Int32Array): number {
  let anchor = start;
  const len = end - start;
  if (len >= MF_LIMIT + 1) {
    table.fill(-1);
    const matchLimit = end - LAST_LITERALS; // matches may not cover the last 5 bytes
    const searchLimit = end - MF_LIMIT; // last position a match may start
    let ip = start;
    let step = 1 << 6;
    while (ip <= searchLimit) {
      const seq = src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24);
      const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
      const ref = table[h];
      table[h] = ip;
      if (
        ref < 0 ||
        ip - ref > MAX_OFFSET ||
        src[ref] !== src[ip] ||
        src[ref + 1] !== src[ip + 1] ||
        src[ref + 2] !== src[ip + 2] ||
        src[ref + 3] !== src[ip + 3]
      ) {
        ip += step++ >>> 6; // accelerate over incompressible data
        continue;
      }
      step = 1 << 6;
      let mlen = MIN_MATCH;
      while (ip + mlen < matchLimit && src[ref + mlen] === src[ip + mlen]) mlen++;
      // extend backwards over bytes that would otherwise go out as literals
      let ref0 = ref;
      while (ip > anchor && ref0 > start && src[ip - 1] === src[ref0 - 1]) {
        ip--;
        ref0--;
        mlen++;
      }
      // sequence: token, literal length, literals, offset, match length
      const litLen = ip - anchor;
      const token = op++;
      out[token] = (Math.min(litLen, 15) << 4) | Math.min(mlen - MIN_MATCH, 15);
      if (litLen >= 15) op = writeLength(out, op, litLen - 15);
      out.set(src.subarray(anchor, ip), op);
      op += litLen;
      const offset = ip - ref0;
      out[op++] = offset & 0xff;
      out[op++] = offset >>> 8;
      if (mlen - MIN_MATCH >= 15) op = writeLength(out, op, mlen - MIN_MATCH - 15);
      ip += mlen;
      anchor = ip;
      if (ip - 2 >= start && ip - 2 <= searchLimit) {
        const p = ip - 2;
        const s2 = src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24);
        table[Math.imul(s2, 2654435761) >>> (32 - HASH_BITS)] = p;
      }
    }
  }
  // last sequence: literals only
  const litLen = end - anchor;
  out[op++] = Math.min(litLen, 15) << 4;
  if (litLen >= 15) op = writeLength(out, op, litLen - 15);
  out.set(src.subarray(anchor, end), op);
  return op + litLen;
}

/**
 * Decompresses one LZ4 block src[start, end) into out at op; out[windowStart, op) is the window for back
 * references (which is how dependent blocks see earlier ones). Returns the new op; throws RecordFormatError if malformed
 * or if the output would pass `outLimit`.
 */
export function lz4DecompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  op: number,
  outLimit: number,
  windowStart = 0,
): number {
  let ip = start;
  for (;;) {
    if (ip >= end) throw new RecordFormatError('lz4: block ends inside a sequence');
    const token = src[ip++];
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (ip >= end) throw new RecordFormatError('lz4: truncated literal length');
        b = src[ip++];
        litLen += b;
      } while (b === 255);
    }
    if (ip + litLen > end) throw new RecordFormatError('lz4: literals run past the block');
    if (op + litLen > outLimit) throw new RecordFormatError('lz4: output exceeds the block maximum');
    if (litLen < 32) {
      for (let i = 0; i < litLen; i++) out[op + i] = src[ip + i]; // short copies: a loop beats a native call
    } else {
      out.set(src.subarray(ip, ip + litLen), op);
    }
    ip += litLen;
    op += litLen;
    if (ip === end) return op; // the last sequence has no match part
    if (ip + 2 > end) throw new RecordFormatError('lz4: truncated match offset');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) throw new RecordFormatError(`lz4: match offset ${offset} at output position ${op}`);
    let mlen = token & 15;
    if (mlen === 15) {
      let b: number;
      do {
        if (ip >= end) throw new RecordFormatError('lz4: truncated match length');
        b = src[ip++];
        mlen += b;
      } while (b === 255);
    }
    mlen += MIN_MATCH;
    if (op + mlen > outLimit) throw new RecordFormatError('lz4: output exceeds the block maximum');
    let from = op - offset;
    if (offset >= mlen && mlen >= 32) {
      out.copyWithin(op, from, from + mlen);
      op += mlen;
    } else {
      for (let i = 0; i < mlen; i++) out[op++] = out[from++]; // also right for overlapping matches
    }
  }
}

// ---- Frame format ------------------------------------------------------------------------------------------

export interface Lz4CompressOptions {
  /** Block maximum size id 4-7 (64 KiB, 256 KiB, 1 MiB, 4 MiB); Kafka uses 4. */
  blockSizeId?: 4 | 5 | 6 | 7;
  blockChecksum?: boolean;
  contentChecksum?: boolean;
  contentSize?: boolean;
  /** Kafka magic-0 quirk: the descriptor checksum also covers the 4 magic bytes. */
  brokenHeaderChecksum?: boolean;
}

/** Compresses into one LZ4 frame with independent blocks. Defaults match what Kafka writes. */
export function lz4Compress(input: Uint8Array, options: Lz4CompressOptions = {}): Buffer {
  const blockSize = BLOCK_SIZES[options.blockSizeId ?? 4];
  const blocks = Math.ceil(input.length / blockSize);
  const out = Buffer.allocUnsafe(19 + blocks * (8 + lz4BlockBound(blockSize)) + 8);
  out.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  let flg = FLG_VERSION | FLG_BLOCK_INDEPENDENCE;
  if (options.blockChecksum) flg |= FLG_BLOCK_CHECKSUM;
  if (options.contentSize) flg |= FLG_CONTENT_SIZE;
  if (options.contentChecksum) flg |= FLG_CONTENT_CHECKSUM;
  out[4] = flg;
  out[5] = (options.blockSizeId ?? 4) << 4;
  let op = 6;
  if (options.contentSize) {
    out.writeUInt32LE(input.length >>> 0, 6);
    out.writeUInt32LE(Math.floor(input.length / 2 ** 32), 10);
    op = 14;
  }
  out[op] = (xxhash32(out, options.brokenHeaderChecksum ? 0 : 4, op) >>> 8) & 0xff;
  op++;
  const table = new Int32Array(1 << HASH_BITS);
  for (let pos = 0; pos < input.length; pos += blockSize) {
    const end = Math.min(pos + blockSize, input.length);
    const sizeAt = op;
    op += 4;
    const blockEnd = lz4CompressBlock(input, pos, end, out, op, table);
    let stored = blockEnd - op;
    if (stored >= end - pos) {
      // incompressible: store raw, flagged by the high bit of the size
      out.set(input.subarray(pos, end), op);
      stored = end - pos;
      out.writeUInt32LE((stored | 0x80000000) >>> 0, sizeAt);
    } else {
      out.writeUInt32LE(stored, sizeAt);
    }
    if (options.blockChecksum) {
      out.writeUInt32LE(xxhash32(out, op, op + stored), op + stored);
      op += 4;
    }
    op += stored;
  }
  out.writeUInt32LE(0, op); // EndMark
  op += 4;
  if (options.contentChecksum) {
    out.writeUInt32LE(xxhash32(input), op);
    op += 4;
  }
  return out.subarray(0, op);
}

export interface Lz4DecompressOptions {
  /** Refuse output beyond this many bytes (decompression-bomb guard). Default: Buffer's maximum. */
  maxOutputLength?: number;
}

/**
 * Decompresses one or more concatenated LZ4 frames (skippable frames are skipped). Verifies every checksum the
 * frame declares. The descriptor checksum is accepted both correct and in Kafka's magic-0 variant (covering the
 * magic), as Kafka's own reader of old data and librdkafka do.
 */
export function lz4Decompress(input: Uint8Array, options: Lz4DecompressOptions = {}): Buffer {
  const src = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const maxOut = options.maxOutputLength ?? 2 ** 31 - 1;
  let out = Buffer.allocUnsafe(Math.min(Math.max(src.length * 3, 1024), maxOut));
  let op = 0;
  let ip = 0;
  // Grows `out` to hold `need` more bytes, but never past maxOut (the block decoder stops at out.length).
  const ensure = (need: number): void => {
    if (op + need <= out.length || out.length >= maxOut) return;
    const grown = Buffer.allocUnsafe(Math.min(Math.max(out.length * 2, op + need), maxOut));
    out.copy(grown, 0, 0, op);
    out = grown;
  };
  if (src.length === 0) throw new RecordFormatError('lz4: empty input');
  while (ip < src.length) {
    if (ip + 4 > src.length) throw new RecordFormatError('lz4: truncated frame magic');
    const magic = src.readUInt32LE(ip);
    if (magic >= SKIPPABLE_MAGIC_MIN && magic <= SKIPPABLE_MAGIC_MAX) {
      if (ip + 8 > src.length) throw new RecordFormatError('lz4: truncated skippable frame');
      ip += 8 + src.readUInt32LE(ip + 4);
      if (ip > src.length) throw new RecordFormatError('lz4: skippable frame runs past the input');
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw new RecordFormatError(`lz4: bad frame magic 0x${magic.toString(16)}`);
    const frameStart = ip;
    ip += 4;
    if (ip + 3 > src.length) throw new RecordFormatError('lz4: truncated frame descriptor');
    const flg = src[ip];
    const bd = src[ip + 1];
    if ((flg & 0xc0) !== FLG_VERSION) throw new RecordFormatError(`lz4: unsupported frame version ${flg >>> 6}`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw new RecordFormatError('lz4: reserved descriptor bits set');
    const blockMax = BLOCK_SIZES[(bd >>> 4) & 7];
    if (blockMax === undefined) throw new RecordFormatError(`lz4: invalid block maximum size id ${(bd >>> 4) & 7}`);
    let descEnd = ip + 2;
    let contentSize = -1;
    if (flg & FLG_CONTENT_SIZE) {
      if (descEnd + 8 > src.length) throw new RecordFormatError('lz4: truncated content size');
      contentSize = src.readUInt32LE(descEnd) + src.readUInt32LE(descEnd + 4) * 2 ** 32;
      descEnd += 8;
    }
    if (flg & FLG_DICT_ID) {
      throw new RecordFormatError('lz4: frames with a dictionary id are not supported');
    }
    if (descEnd >= src.length) throw new RecordFormatError('lz4: truncated descriptor checksum');
    const hc = src[descEnd];
    const good = (xxhash32(src, ip, descEnd) >>> 8) & 0xff;
    if (hc !== good && hc !== ((xxhash32(src, frameStart, descEnd) >>> 8) & 0xff)) {
      throw new RecordFormatError(`lz4: descriptor checksum 0x${hc.toString(16)}, expected 0x${good.toString(16)}`);
    }
    ip = descEnd + 1;
    const frameOutStart = op;
    const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
    for (;;) {
      if (ip + 4 > src.length) throw new RecordFormatError('lz4: truncated block size');
      const word = src.readUInt32LE(ip);
      ip += 4;
      if (word === 0) break; // EndMark
      const raw = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > blockMax && !raw) {
        // compressed blocks may not exceed the maximum either; tolerate nothing larger
        throw new RecordFormatError(`lz4: block of ${size} bytes exceeds the ${blockMax}-byte maximum`);
      }
      if (ip + size > src.length) throw new RecordFormatError('lz4: block runs past the input');
      if (flg & FLG_BLOCK_CHECKSUM) {
        if (ip + size + 4 > src.length) throw new RecordFormatError('lz4: truncated block checksum');
        if (xxhash32(src, ip, ip + size) !== src.readUInt32LE(ip + size)) throw new RecordFormatError('lz4: block checksum mismatch');
      }
      if (raw) {
        if (size > blockMax) throw new RecordFormatError(`lz4: block of ${size} bytes exceeds the ${blockMax}-byte maximum`);
        ensure(size);
        if (op + size > out.length) throw new RecordFormatError(`lz4: output exceeds ${maxOut} bytes`);
        src.copy(out, op, ip, ip + size);
        op += size;
      } else {
        ensure(blockMax);
        if (op >= out.length) throw new RecordFormatError(`lz4: output exceeds ${maxOut} bytes`);
        // Dependent blocks may refer back into earlier blocks of the frame; independent ones only into themselves.
        const windowStart = independent ? op : frameOutStart;
        op = lz4DecompressBlock(src, ip, ip + size, out, op, Math.min(out.length, op + blockMax), windowStart);
      }
      ip += size + (flg & FLG_BLOCK_CHECKSUM ? 4 : 0);
    }
    if (flg & FLG_CONTENT_CHECKSUM) {
      if (ip + 4 > src.length) throw new RecordFormatError('lz4: truncated content checksum');
      if (xxhash32(out, frameOutStart, op) !== src.readUInt32LE(ip)) throw new RecordFormatError('lz4: content checksum mismatch');
      ip += 4;
    }
    if (contentSize >= 0 && contentSize !== op - frameOutStart) {
      throw new RecordFormatError(`lz4: frame declares ${contentSize} bytes, produced ${op - frameOutStart}`);
    }
  }
  return out.subarray(0, op);
}
