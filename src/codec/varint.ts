// Unsigned and zigzag varints (protobuf style) as Kafka uses them: compact lengths, tagged-field
// headers, and every field of a v2 record. Functions work on a Buffer at an offset so the Reader,
// the Writer and the record codec share one implementation.

/** Result of a varint read: the value and the offset just past it. */
export interface VarintRead {
  value: number;
  next: number;
}

/** Thrown when a varint runs past the end of its buffer or past its maximum width. */
export class VarintError extends Error {}

/** Reads an unsigned 32-bit varint (at most 5 bytes). */
export function readUnsignedVarint(buf: Buffer, offset: number): VarintRead {
  let value = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) throw new VarintError('varint runs past the end of the buffer');
    const byte = buf[pos++];
    if (shift === 28) {
      if (byte > 0x0f) throw new VarintError('varint is wider than 32 bits');
      value += byte * 2 ** 28;
      return { value, next: pos };
    }
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: value >>> 0, next: pos };
    shift += 7;
  }
}

/** Reads a zigzag-encoded signed 32-bit varint. */
export function readVarint(buf: Buffer, offset: number): VarintRead {
  const r = readUnsignedVarint(buf, offset);
  const u = r.value;
  r.value = (u >>> 1) ^ -(u & 1);
  return r;
}

/**
 * Reads a zigzag-encoded signed 64-bit varint (at most 10 bytes) as a number. Values beyond 2^53
 * lose low bits; Kafka puts only offsets deltas and timestamps deltas here, which are far smaller.
 */
export function readVarlong(buf: Buffer, offset: number): VarintRead {
  let lo = 0; // low 28 bits
  let hi = 0; // bits 28 and up, as a float
  let shift = 0;
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) throw new VarintError('varlong runs past the end of the buffer');
    if (shift > 63) throw new VarintError('varlong is wider than 64 bits');
    const byte = buf[pos++];
    if (shift < 28) lo |= (byte & 0x7f) << shift;
    else hi += (byte & 0x7f) * 2 ** (shift - 28);
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  // u = hi * 2^28 + lo; zigzag: (u >>> 1) ^ -(u & 1)
  const u = hi * 2 ** 28 + lo;
  const value = lo & 1 ? -(u + 1) / 2 : u / 2;
  return { value, next: pos };
}

/** Bytes needed for an unsigned 32-bit varint. */
export function sizeOfUnsignedVarint(value: number): number {
  let v = value >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Bytes needed for a zigzag signed 32-bit varint. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

/** Bytes needed for a zigzag signed 64-bit varint. */
export function sizeOfVarlong(value: number): number {
  let u = value >= 0 ? value * 2 : -value * 2 - 1;
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Writes an unsigned 32-bit varint; returns the offset past it. */
export function writeUnsignedVarint(buf: Buffer, offset: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

/** Writes a zigzag signed 32-bit varint; returns the offset past it. */
export function writeVarint(buf: Buffer, offset: number, value: number): number {
  return writeUnsignedVarint(buf, offset, ((value << 1) ^ (value >> 31)) >>> 0);
}

/** Writes a zigzag signed 64-bit varint; returns the offset past it. */
export function writeVarlong(buf: Buffer, offset: number, value: number): number {
  let u = value >= 0 ? value * 2 : -value * 2 - 1;
  while (u >= 128) {
    buf[offset++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[offset++] = u;
  return offset;
}
