// Reader: a cursor over one Buffer (offset..end) with every primitive of the Kafka protocol. Every
// read checks its bounds and throws CodecError, so truncated or garbage input never escapes as
// another error. Byte and record fields come back as views (subarray) into the input: no copies.
import { CodecError } from './errors.js';
import { readUnsignedVarint, readVarint, readVarlong, VarintError } from './varint.js';
import { type Uuid, ZERO_UUID } from './uuid.js';

/** A tagged field the schema does not know (or not at this version), kept to be written back. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

const TWO_32 = 4294967296;

function truncated(what: string): CodecError {
  return new CodecError(`input ends inside ${what}`, 'truncated');
}

export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) throw new CodecError('reader range outside buffer', 'malformed');
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (p + n > this.end) throw truncated(what);
    this.pos = p + n;
    return p;
  }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }
  int16(): number {
    const p = this.need(2, 'int16');
    const b = this.buf;
    return (((b[p] << 8) | b[p + 1]) << 16) >> 16;
  }
  uint16(): number {
    const p = this.need(2, 'uint16');
    const b = this.buf;
    return (b[p] << 8) | b[p + 1];
  }
  int32(): number {
    const p = this.need(4, 'int32');
    const b = this.buf;
    return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
  }
  uint32(): number {
    const p = this.need(4, 'uint32');
    const b = this.buf;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }
  /** int64 as a number: hi * 2^32 + lo. Exact up to 2^53; INT64_MAX reads as 2^63 (written back as INT64_MAX). */
  int64(): number {
    const p = this.need(8, 'int64');
    const b = this.buf;
    const hi = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
    const lo = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    return hi * TWO_32 + lo;
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'));
  }
  uuid(): Uuid {
    const p = this.need(16, 'uuid');
    const b = this.buf;
    // Most uuids in requests are the zero "none" (a topic named, not identified): no string is made.
    for (let i = p; i < p + 16; i++) if (b[i] !== 0) return b.toString('base64url', p, p + 16);
    return ZERO_UUID;
  }

  uvarint(): number {
    const p = this.pos;
    if (p < this.end) {
      const b = this.buf[p];
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    try {
      const r = readUnsignedVarint(this.end === this.buf.length ? this.buf : this.buf.subarray(0, this.end), p);
      this.pos = r.next;
      return r.value;
    } catch (e) {
      if (e instanceof VarintError) throw new CodecError(e.message, 'truncated');
      throw e;
    }
  }
  varint(): number {
    try {
      const r = readVarint(this.end === this.buf.length ? this.buf : this.buf.subarray(0, this.end), this.pos);
      this.pos = r.next;
      return r.value;
    } catch (e) {
      if (e instanceof VarintError) throw new CodecError(e.message, 'truncated');
      throw e;
    }
  }
  varlong(): number {
    try {
      const r = readVarlong(this.end === this.buf.length ? this.buf : this.buf.subarray(0, this.end), this.pos);
      this.pos = r.next;
      return r.value;
    } catch (e) {
      if (e instanceof VarintError) throw new CodecError(e.message, 'truncated');
      throw e;
    }
  }

  /** A view of the next n bytes. */
  raw(n: number): Buffer {
    const p = this.need(n, 'bytes');
    return this.buf.subarray(p, p + n);
  }
  private utf8(n: number): string {
    const p = this.need(n, 'string');
    return this.buf.toString('utf8', p, p + n);
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new CodecError('null in a non-nullable string');
    return this.utf8(n);
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    return this.utf8(n);
  }
  compactString(): string {
    const n = this.uvarint() - 1;
    if (n < 0) throw new CodecError('null in a non-nullable compact string');
    return this.utf8(n);
  }
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.utf8(n);
  }

  bytes(): Buffer {
    const n = this.int32();
    if (n < 0) throw new CodecError('null in non-nullable bytes');
    return this.raw(n);
  }
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.raw(n);
  }
  compactBytes(): Buffer {
    const n = this.uvarint() - 1;
    if (n < 0) throw new CodecError('null in non-nullable compact bytes');
    return this.raw(n);
  }
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.raw(n);
  }

  /** Classic array length; -1 means null. A length that cannot fit the remaining input is malformed. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1 || n > this.end - this.pos) throw new CodecError(`impossible array length ${n}`);
    return n;
  }
  /** Compact array length; -1 means null. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.end - this.pos) throw new CodecError(`impossible array length ${n}`);
    return n;
  }

  /**
   * Reads the header of one tagged field; returns its end offset after checking that the declared size fits.
   * The caller reads the value and then calls `endTag(end)`.
   */
  tagEnd(size: number): number {
    const end = this.pos + size;
    if (end > this.end) throw truncated('tagged field');
    return end;
  }
  /** After a known tagged field: skips what a newer writer may have appended; overrunning is malformed. */
  endTag(end: number): void {
    if (this.pos > end) throw new CodecError('tagged field longer than its declared size');
    this.pos = end;
  }

  /** A whole tagged-field section kept as unknown fields (used for headers); undefined when empty. */
  taggedFields(): TaggedField[] | undefined {
    const n = this.uvarint();
    let out: TaggedField[] | undefined;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new CodecError('tagged fields out of order');
      last = tag;
      const size = this.uvarint();
      (out ??= []).push({ tag, data: this.raw(size) });
    }
    return out;
  }
}
