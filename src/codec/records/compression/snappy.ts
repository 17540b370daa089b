// Snappy for Kafka: the raw block format (compress + decompress) and the snappy-java "xerial" stream that
// Kafka's Java client writes (magic 82 'SNAPPY' 00, two INT32 versions, INT32-length-prefixed raw blocks).

import { RecordFormatError } from '../errors.js';

// ---- Raw block format ---------------------------------------------------------------------------------

const FRAGMENT = 1 << 16; // compress in independent 64 KiB fragments, like the reference; offsets stay < 65536
const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;

function hash4(buf: Uint8Array, i: number): number {
  const v = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
  return Math.imul(v, 0x1e35a7bd) >>> HASH_SHIFT;
}

/** Upper bound of the compressed size of `n` bytes (the reference's MaxCompressedLength). */
export function snappyMaxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function writeUvarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

function emitLiteral(out: Uint8Array, op: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = (n >>> 16) & 0xff;
    out[op++] = n >>> 24;
  }
  out.set(src.subarray(start, end), op);
  return op + end - start;
}

function emitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    out[op++] = ((64 - 1) << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    out[op++] = ((60 - 1) << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[op++] = ((offset >>> 8) << 5) | ((len - 4) << 2) | 1;
    out[op++] = offset & 0xff;
  } else {
    out[op++] = ((len - 1) << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

/** Compresses into one raw Snappy block (varint length preamble, then literals and copies). */
export function snappyCompress(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(snappyMaxCompressedLength(input.length));
  let op = writeUvarint(out, 0, input.length);
  const table = new Int32Array(1 << HASH_BITS);
  for (let fragStart = 0; fragStart < input.length; fragStart += FRAGMENT) {
    const fragEnd = Math.min(fragStart + FRAGMENT, input.length);
    op = compressFragment(input, fragStart, fragEnd, out, op, table);
  }
  return out.subarray(0, op);
}

function compressFragment(src: Uint8Array, start: number, end: number, out: Uint8Array, op: number, table: Int32Array): number {
  let literalStart = start;
  if (end - start >= 15) {
    table.fill(-1);
    const limit = end - 4; // last position where 4 bytes can be read
    let ip = start;
    let skip = 32; // after misses, probe more sparsely (the reference's heuristic)
    while (ip <= limit) {
      const h = hash4(src, ip);
      const candidate = table[h];
      table[h] = ip;
      if (
        candidate >= start &&
        src[candidate] === src[ip] &&
        src[candidate + 1] === src[ip + 1] &&
        src[candidate + 2] === src[ip + 2] &&
        src[candidate + 3] === src[ip + 3]
      ) {
        if (literalStart < ip) op = emitLiteral(out, op, src, literalStart, ip);
        let len = 4;
        while (ip + len < end && src[candidate + len] === src[ip + len]) len++;
        op = emitCopy(out, op, ip - candidate, len);
        ip += len;
        literalStart = ip;
        skip = 32;
        // index one position inside the match so runs keep matching
        if (ip - 1 <= limit) table[hash4(src, ip - 1)] = ip - 1;
      } else {
        ip += skip++ >>> 5;
      }
    }
  }
  if (literalStart < end) op = emitLiteral(out, op, src, literalStart, end);
  return op;
}

/** Reads the uncompressed length preamble of a raw Snappy block. */
export function snappyUncompressedLength(input: Uint8Array): number {
  return readPreamble(input).length;
}

function readPreamble(input: Uint8Array): { length: number; pos: number } {
  let length = 0;
  let shift = 0;
  let pos = 0;
  for (;;) {
    if (pos >= input.length || shift > 28) throw new RecordFormatError('snappy: bad length preamble');
    const b = input[pos++];
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  if (length > 0xffffffff) throw new RecordFormatError('snappy: length preamble exceeds 32 bits');
  return { length, pos };
}

/** Decompresses one raw Snappy block. Throws RecordFormatError on malformed input. */
export function snappyDecompress(input: Uint8Array): Buffer {
  const { length, pos: start } = readPreamble(input);
  // A copy element yields at most 64 bytes from 3 input bytes (or 11 from 2), so a larger declared length is a lie;
  // refusing it up front stops a 5-byte input from allocating gigabytes.
  if (length > (input.length - start) * 22 + 64) throw new RecordFormatError(`snappy: declared length ${length} is impossible for ${input.length} input bytes`);
  const out = Buffer.allocUnsafe(length);
  let ip = start;
  let op = 0;
  const n = input.length;
  while (ip < n) {
    const tag = input[ip++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (ip + bytes > n) throw new RecordFormatError('snappy: truncated literal length');
        len = 0;
        for (let i = 0; i < bytes; i++) len += input[ip + i] * 2 ** (8 * i);
        ip += bytes;
      }
      len += 1;
      if (ip + len > n) throw new RecordFormatError('snappy: literal runs past the input');
      if (op + len > length) throw new RecordFormatError('snappy: output exceeds the declared length');
      if (len < 32) {
        for (let i = 0; i < len; i++) out[op + i] = input[ip + i]; // short copies: a loop beats a native call
      } else {
        out.set(input.subarray(ip, ip + len), op);
      }
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (ip >= n) throw new RecordFormatError('snappy: truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[ip++];
    } else if (type === 2) {
      if (ip + 2 > n) throw new RecordFormatError('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = input[ip] | (input[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > n) throw new RecordFormatError('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16) | (input[ip + 3] << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op) throw new RecordFormatError(`snappy: copy offset ${offset} at output position ${op}`);
    if (op + len > length) throw new RecordFormatError('snappy: output exceeds the declared length');
    let from = op - offset;
    if (offset >= len && len >= 32) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++) out[op++] = out[from++]; // overlapping copy repeats the pattern
    }
  }
  if (op !== length) throw new RecordFormatError(`snappy: produced ${op} bytes, the preamble says ${length}`);
  return out;
}

// ---- xerial (snappy-java) stream ------------------------------------------------------------------

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's SnappyOutputStream default block size. */
export const XERIAL_DEFAULT_BLOCK_SIZE = 32 * 1024;

/** True when data starts with the snappy-java stream magic. */
export function isXerial(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < 8; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Writes the snappy-java stream: header (versions 1, 1), then INT32-length-prefixed raw blocks. */
export function xerialCompress(input: Uint8Array, blockSize = XERIAL_DEFAULT_BLOCK_SIZE): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < input.length; pos += blockSize) {
    const block = snappyCompress(input.subarray(pos, Math.min(pos + blockSize, input.length)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

/** Reads a snappy-java stream (caller checked isXerial). */
export function xerialDecompress(input: Uint8Array): Buffer {
  const view = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < view.length) {
    if (pos + 4 > view.length) throw new RecordFormatError('snappy (xerial): truncated block length');
    const len = view.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > view.length) throw new RecordFormatError(`snappy (xerial): block of ${len} bytes runs past the input`);
    parts.push(snappyDecompress(view.subarray(pos, pos + len)));
    pos += len;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Decompresses what a Kafka client sent as snappy: the xerial stream when it has the magic, else one raw block. */
export function snappyDecompressAuto(input: Uint8Array): Buffer {
  return isXerial(input) ? xerialDecompress(input) : snappyDecompress(input);
}
