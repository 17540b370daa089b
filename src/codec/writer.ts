// Writer: writes into one Buffer sized in advance (the generated encoders compute the exact size
// first), grows only when a hand-written caller under-sizes it, and splices external Buffers (record
// sets) in as their own chunks without copying. `toBuffers()` gives the list for socket writev.
import { sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong, writeUnsignedVarint, writeVarint, writeVarlong } from './varint.js';
import type { TaggedField } from './reader.js';
import { type Uuid, uuidToBytes } from './uuid.js';

const TWO_32 = 4294967296;
const INT64_MAX_AS_NUMBER = 9223372036854775807; // == 2^63 as a double

/** Records as the encoder accepts them: one Buffer, a list of chunks (sent as they are), or null. */
export type RecordsInput = Buffer | readonly Buffer[] | null;

export class Writer {
  buf: Buffer;
  pos = 0;
  private start = 0;
  private readonly chunks: Buffer[] = [];
  /** Bytes in external chunks so far. */
  externalBytes = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 8));
  }

  private grow(n: number): void {
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n + 64));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }
  private room(n: number): number {
    if (this.pos + n > this.buf.length) this.grow(n);
    const p = this.pos;
    this.pos = p + n;
    return p;
  }

  /** Bytes written into the Writer's own buffers (external chunks excluded). */
  get inlineLength(): number {
    return this.length - this.externalBytes;
  }

  /** Total bytes written so far, external chunks included. */
  get length(): number {
    let n = this.pos - this.start;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  bool(v: boolean): void {
    this.buf[this.room(1)] = v ? 1 : 0;
  }
  int8(v: number): void {
    this.buf[this.room(1)] = v & 0xff;
  }
  int16(v: number): void {
    const p = this.room(2);
    this.buf[p] = (v >>> 8) & 0xff;
    this.buf[p + 1] = v & 0xff;
  }
  uint16(v: number): void {
    this.int16(v);
  }
  int32(v: number): void {
    const p = this.room(4);
    const b = this.buf;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
  }
  uint32(v: number): void {
    this.int32(v);
  }
  /** Saturating: ≥ 2^63 writes INT64_MAX, ≤ -2^63 writes INT64_MIN; beyond 2^53 low bits are already lost. */
  int64(v: number): void {
    let hi: number;
    let lo: number;
    if (v >= INT64_MAX_AS_NUMBER) {
      hi = 0x7fffffff;
      lo = 0xffffffff;
    } else if (v <= -INT64_MAX_AS_NUMBER) {
      hi = -0x80000000;
      lo = 0;
    } else if (v !== v) {
      hi = 0;
      lo = 0;
    } else {
      hi = Math.floor(v / TWO_32);
      lo = v - hi * TWO_32;
    }
    this.int32(hi);
    this.int32(lo >>> 0);
  }
  float64(v: number): void {
    this.buf.writeDoubleBE(v, this.room(8));
  }
  uuid(u: Uuid): void {
    const bytes = uuidBytes(u);
    const p = this.room(16); // before reading this.buf: room() may grow it
    bytes.copy(this.buf, p);
  }
  uvarint(v: number): void {
    if (v < 0x80 && v >= 0) {
      this.buf[this.room(1)] = v;
      return;
    }
    // Exact sizes, never a worst case: the generated encoders size the buffer exactly.
    const n = sizeOfUnsignedVarint(v);
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos = writeUnsignedVarint(this.buf, this.pos, v);
  }
  varint(v: number): void {
    const n = sizeOfVarint(v);
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos = writeVarint(this.buf, this.pos, v);
  }
  varlong(v: number): void {
    const n = sizeOfVarlong(v);
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos = writeVarlong(this.buf, this.pos, v);
  }
  /** Copies small bytes inline. */
  raw(b: Buffer): void {
    const p = this.room(b.length);
    b.copy(this.buf, p);
  }

  /**
   * Writes the UTF-8 bytes of s at `at` (room for s.length * 3 bytes must exist); returns the count.
   * Short ASCII strings (most topic names and ids) are copied by a JS loop: cheaper than the native call.
   */
  private utf8At(s: string, at: number): number {
    const len = s.length;
    if (len <= 48) {
      const b = this.buf;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[at + i] = c;
      }
      if (i === len) return len;
    }
    return this.buf.write(s, at, 'utf8');
  }

  /** Room for `prefix` bytes and the UTF-8 of s; the exact length is computed only near the end. */
  private ensureText(s: string, prefix: number): void {
    const room = this.buf.length - this.pos - prefix;
    if (s.length * 3 > room && Buffer.byteLength(s, 'utf8') > room) this.grow(prefix + s.length * 3);
  }

  string(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; write the text after a placeholder, then the length.
    this.ensureText(s, 2);
    const n = this.utf8At(s, this.pos + 2);
    // Kafka's serializer refuses these too: an int16 length would wrap and corrupt the frame.
    if (n > 32767) throw new RangeError(`a string of ${n} bytes does not fit a non-flexible (int16-length) string`);
    this.int16(n);
    this.pos += n;
  }
  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }
  compactString(s: string): void {
    if (s.length <= 42) {
      // At most 126 bytes: the length varint is one byte.
      this.ensureText(s, 1);
      const n = this.utf8At(s, this.pos + 1);
      this.buf[this.pos] = n + 1;
      this.pos += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.uvarint(n + 1);
    const p = this.room(n);
    this.buf.write(s, p, 'utf8');
  }
  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.compactString(s);
  }

  bytes(b: Buffer): void {
    this.int32(b.length);
    this.raw(b);
  }
  nullableBytes(b: Buffer | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }
  compactBytes(b: Buffer): void {
    this.uvarint(b.length + 1);
    this.raw(b);
  }
  compactNullableBytes(b: Buffer | null): void {
    if (b === null) this.uvarint(0);
    else this.compactBytes(b);
  }

  /** Appends an external buffer as its own chunk (no copy). */
  external(b: Buffer): void {
    if (b.length === 0) return;
    if (this.pos > this.start) this.chunks.push(this.buf.subarray(this.start, this.pos));
    this.chunks.push(b);
    this.externalBytes += b.length;
    this.start = this.pos;
  }
  /** A record set with its length prefix; the bytes go out as external chunks. */
  records(r: RecordsInput, compact: boolean, nullable: boolean): void {
    if (r === null) {
      if (!nullable) {
        if (compact) this.uvarint(1);
        else this.int32(0);
      } else if (compact) this.uvarint(0);
      else this.int32(-1);
      return;
    }
    const n = recordsLength(r);
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
    if (Buffer.isBuffer(r)) this.external(r);
    else for (const c of r) this.external(c);
  }

  /** One unknown tagged field: tag, size, bytes. */
  taggedField(t: TaggedField): void {
    this.uvarint(t.tag);
    this.uvarint(t.data.length);
    this.raw(t.data);
  }
  /** A whole tagged-field section made of unknown fields only. */
  taggedFields(fields: readonly TaggedField[] | undefined): void {
    if (!fields) {
      this.uvarint(0);
      return;
    }
    this.uvarint(fields.length);
    for (const f of fields) this.taggedField(f);
  }

  /** The written bytes as a list of chunks (inline parts and external buffers, in order). */
  toBuffers(): Buffer[] {
    const out = this.chunks.slice();
    if (this.pos > this.start) out.push(this.buf.subarray(this.start, this.pos));
    return out;
  }
  /** Everything in one Buffer (copies when there are external chunks). */
  toBuffer(): Buffer {
    const list = this.toBuffers();
    return list.length === 1 ? list[0] : Buffer.concat(list);
  }
}

export function recordsLength(r: Buffer | readonly Buffer[]): number {
  if (Buffer.isBuffer(r)) return r.length;
  let n = 0;
  for (const c of r) n += c.length;
  return n;
}

// Sizes, used by the generated size functions (first pass).
export const sizeUvarint = sizeOfUnsignedVarint;

export function sizeString(s: string): number {
  return 2 + Buffer.byteLength(s, 'utf8');
}
export function sizeNullableString(s: string | null): number {
  return s === null ? 2 : 2 + Buffer.byteLength(s, 'utf8');
}
export function sizeCompactString(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  return sizeOfUnsignedVarint(n + 1) + n;
}
export function sizeCompactNullableString(s: string | null): number {
  if (s === null) return 1;
  const n = Buffer.byteLength(s, 'utf8');
  return sizeOfUnsignedVarint(n + 1) + n;
}
export function sizeBytes(b: Buffer): number {
  return 4 + b.length;
}
export function sizeNullableBytes(b: Buffer | null): number {
  return b === null ? 4 : 4 + b.length;
}
export function sizeCompactBytes(b: Buffer): number {
  return sizeOfUnsignedVarint(b.length + 1) + b.length;
}
export function sizeCompactNullableBytes(b: Buffer | null): number {
  return b === null ? 1 : sizeOfUnsignedVarint(b.length + 1) + b.length;
}
/** Record bytes counted by `sizeRecordsPrefix` since the encoder reset it (they are not inline). */
export const sizeState = { external: 0 };

/** Inline bytes of a records field: only its length prefix (the bytes travel as external chunks). */
export function sizeRecordsPrefix(r: RecordsInput, compact: boolean): number {
  if (r === null) return compact ? 1 : 4;
  const n = recordsLength(r);
  sizeState.external += n;
  return compact ? sizeOfUnsignedVarint(n + 1) : 4;
}
export function sizeTaggedField(t: TaggedField): number {
  return sizeOfUnsignedVarint(t.tag) + sizeOfUnsignedVarint(t.data.length) + t.data.length;
}
export function sizeTaggedFields(fields: readonly TaggedField[] | undefined): number {
  if (!fields) return 1;
  let n = sizeOfUnsignedVarint(fields.length);
  for (const f of fields) n += sizeTaggedField(f);
  return n;
}

// The bytes of the uuids written lately. Responses name the same few topic ids over and over (every
// Metadata, Fetch v13+ and Produce v13+ answer): decoding base64 each time was a visible share of a
// small request's CPU. Bounded: emptied when full, so ids of deleted topics do not pile up.
const UUID_CACHE_MAX = 4096;
const uuidCache = new Map<Uuid, Buffer>();
function uuidBytes(u: Uuid): Buffer {
  let b = uuidCache.get(u);
  if (b === undefined) {
    b = uuidToBytes(u); // throws on a malformed string, before it could be cached
    if (uuidCache.size >= UUID_CACHE_MAX) uuidCache.clear();
    uuidCache.set(u, b);
  }
  return b;
}
