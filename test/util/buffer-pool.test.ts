// The read-buffer pool: what it lends, what it takes back (only its own buffers, once), its bound,
// and that an idle pool lets go of its memory.

import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/util/buffer-pool.js';

const KiB = 1024;

describe('BufferPool', () => {
  it('lends power-of-two buffers and reuses one that came back (through any view of it)', () => {
    const pool = new BufferPool({ maxFreeBytes: 1024 * KiB });
    const a = pool.acquire(100 * KiB);
    expect(a.length).toBe(128 * KiB);
    expect(pool.isLent(a.subarray(10, 20))).toBe(true);
    pool.release(a.subarray(0, 5));
    expect(pool.isLent(a)).toBe(false);
    expect(pool.freeBytesHeld).toBe(128 * KiB);
    const b = pool.acquire(120 * KiB);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.freeBytesHeld).toBe(0);
  });

  it('ignores buffers it did not lend, small ones, and a second release', () => {
    const pool = new BufferPool({ maxFreeBytes: 1024 * KiB });
    const small = pool.acquire(1000);
    expect(small.length).toBe(1000);
    expect(pool.isLent(small)).toBe(false);
    pool.release(small);
    pool.release(Buffer.alloc(256 * KiB));
    expect(pool.freeBytesHeld).toBe(0);
    const a = pool.acquire(64 * KiB);
    pool.release(a);
    pool.release(a);
    expect(pool.freeBytesHeld).toBe(64 * KiB);
    // Two takers never share a buffer.
    const x = pool.acquire(64 * KiB);
    const y = pool.acquire(64 * KiB);
    expect(x.buffer).not.toBe(y.buffer);
  });

  it('keeps at most maxFreeBytes of free buffers', () => {
    const pool = new BufferPool({ maxFreeBytes: 256 * KiB });
    const lent = [1, 2, 3].map(() => pool.acquire(128 * KiB));
    for (const b of lent) pool.release(b);
    expect(pool.freeBytesHeld).toBe(256 * KiB);
  });

  it('drops its free buffers once a trim period passes without use', () => {
    const pool = new BufferPool({ maxFreeBytes: 1024 * KiB });
    pool.release(pool.acquire(64 * KiB));
    pool.trimIfIdle(); // used since the last trim: kept
    expect(pool.freeBytesHeld).toBe(64 * KiB);
    pool.trimIfIdle();
    expect(pool.freeBytesHeld).toBe(0);
  });
});
