// Stored batches read as several buffers laid end to end (the memory engine lends its 1 MiB chunks
// as views, so a batch may start in one and end in the next): finding batch headers in them, and
// cutting them to whole batches, without joining them.

import { RECORD_BATCH_HEADER_SIZE } from '../codec/records/index.js';

/** Whole stored batches from a log read, ready for writev. */
export interface Batches {
  buffers: Buffer[];
  bytes: number;
  /** Offset after the last batch. */
  nextOffset: number;
}

/**
 * The batch header at a position of the parts (positions never decreasing from one seek to the
 * next): `buf` holds it from `at`. A header that straddles two parts is copied into a scratch buffer.
 */
export class BatchHeaders {
  /** Total bytes of the parts. */
  readonly length: number;
  buf: Buffer = Buffer.alloc(0);
  at = 0;
  private index = 0;
  /** Position of parts[index] in the whole. */
  private start = 0;
  private scratch: Buffer | undefined;

  constructor(private readonly parts: Buffer[]) {
    let n = 0;
    for (const b of parts) n += b.length;
    this.length = n;
  }

  /** Points buf/at at the header at `position`; false when fewer than a header's bytes remain there. */
  seek(position: number): boolean {
    if (position + RECORD_BATCH_HEADER_SIZE > this.length) return false;
    const parts = this.parts;
    while (position >= this.start + parts[this.index].length) this.start += parts[this.index++].length;
    const part = parts[this.index];
    const off = position - this.start;
    if (off + RECORD_BATCH_HEADER_SIZE <= part.length) {
      this.buf = part;
      this.at = off;
      return true;
    }
    const scratch = (this.scratch ??= Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE));
    let filled = part.copy(scratch, 0, off);
    for (let i = this.index + 1; filled < RECORD_BATCH_HEADER_SIZE; i++) filled += parts[i].copy(scratch, filled, 0, RECORD_BATCH_HEADER_SIZE - filled);
    this.buf = scratch;
    this.at = 0;
    return true;
  }
}

/** The first `bytes` bytes of the parts, as the same buffers (the last one cut short). */
export function firstBytes(parts: Buffer[], bytes: number): Buffer[] {
  const out: Buffer[] = [];
  let left = bytes;
  for (const b of parts) {
    if (left <= 0) break;
    out.push(b.length <= left ? b : b.subarray(0, left));
    left -= b.length;
  }
  return out;
}
