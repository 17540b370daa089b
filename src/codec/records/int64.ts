// INT64 fields as plain JS numbers (hi * 2^32 + lo). Values beyond ±2^53 lose low bits on read; writes
// saturate at the INT64 extremes so sentinels such as INT64_MAX survive a read/write round trip.

const TWO_32 = 2 ** 32;
const TWO_63 = 2 ** 63;

/** Reads a big-endian signed INT64 as a number. */
export function readInt64(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

/** Writes a number as a big-endian signed INT64: fractions truncated, ±2^63 and beyond saturate, NaN writes 0. */
export function writeInt64(buf: Buffer, offset: number, value: number): void {
  let hi = 0;
  let lo = 0;
  if (value >= TWO_63) {
    hi = 0x7fffffff;
    lo = 0xffffffff;
  } else if (value <= -TWO_63) {
    hi = -0x80000000;
  } else if (!Number.isNaN(value)) {
    const v = Math.trunc(value);
    hi = Math.floor(v / TWO_32);
    lo = v - hi * TWO_32;
  }
  buf.writeInt32BE(hi, offset);
  buf.writeUInt32BE(lo, offset + 4);
}
