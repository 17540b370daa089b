// Small building blocks of the log: ring-buffer queue, handle pool, leader epoch cache, config parsing.

import { describe, expect, it } from 'vitest';
import { parseLogConfig, DEFAULT_LOG_CONFIG } from '../../src/log/config.js';
import { Fifo } from '../../src/log/fifo.js';
import { HandlePool } from '../../src/log/handle-pool.js';
import { LeaderEpochCache } from '../../src/log/leader-epoch.js';
import { MemoryStorage } from '../../src/storage/memory.js';

describe('Fifo', () => {
  it('keeps order across growth and wrap-around', () => {
    const q = new Fifo<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) q.push(next++);
      for (let i = 0; i < 5; i++) expect(q.shift()).toBe(expected++);
    }
    expect(q.length).toBe(100);
    expect(q.peek()).toBe(expected);
    expect(q.drain().length).toBe(100);
    expect(q.shift()).toBeUndefined();
  });
});

describe('HandlePool', () => {
  it('closes least recently used handles beyond the bound, never one in use', async () => {
    const s = new MemoryStorage();
    await s.mkdir('d');
    const pool = new HandlePool(s, 2);
    let release!: () => void;
    const pinned = pool.use('d/a', true, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setImmediate(r));
    for (const name of ['b', 'c', 'd']) await pool.use(`d/${name}`, true, async (f) => f.write([Buffer.from(name)], 0));
    expect(pool.openCount).toBeLessThanOrEqual(3);
    await pool.close('d/a'); // in use: closed when released
    release();
    await pinned;
    expect(pool.openCount).toBeLessThanOrEqual(2);
    expect((await pool.use('d/b', false, (f) => f.read(0, 1))).toString()).toBe('b');
    await pool.closeAll();
    expect(pool.openCount).toBe(0);
  });
});

describe('LeaderEpochCache', () => {
  it('follows Kafka rules for assignment and truncation', () => {
    const c = new LeaderEpochCache();
    expect(c.endOffsetForEpoch(0, 10)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    c.assign(1, 0);
    c.assign(2, 5);
    c.assign(2, 7); // same epoch: ignored
    c.assign(4, 9);
    expect(c.entries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 5 }, { epoch: 4, startOffset: 9 }]);
    expect(c.endOffsetForEpoch(3, 12)).toEqual({ leaderEpoch: 2, endOffset: 9 });
    expect(c.endOffsetForEpoch(4, 12)).toEqual({ leaderEpoch: 4, endOffset: 12 });
    expect(c.epochForOffset(6)).toBe(2);
    c.truncateFromEnd(6);
    expect(c.latestEpoch()).toBe(2);
    c.truncateFromStart(3);
    expect(c.entries()).toEqual([{ epoch: 1, startOffset: 3 }, { epoch: 2, startOffset: 5 }]);
    c.assign(5, 5); // a new epoch at the same offset replaces the empty one
    expect(c.entries()).toEqual([{ epoch: 1, startOffset: 3 }, { epoch: 5, startOffset: 5 }]);
  });
});

describe('parseLogConfig', () => {
  it('reads Kafka key names, numeric strings and Long.MAX_VALUE', () => {
    const c = parseLogConfig({
      'segment.bytes': '1048576',
      'retention.ms': -1,
      'cleanup.policy': 'compact,delete',
      'message.timestamp.type': 'LogAppendTime',
      'flush.ms': '9223372036854775807',
      durability: 'os',
      'unknown.key': 'ignored',
    });
    expect(c.segmentBytes).toBe(1048576);
    expect(c.retentionMs).toBe(-1);
    expect(c.cleanupPolicy).toEqual({ delete: true, compact: true });
    expect(c.timestampType).toBe('LogAppendTime');
    expect(c.flushMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(c.durability).toBe('os');
    expect(parseLogConfig(undefined)).toEqual(DEFAULT_LOG_CONFIG);
    expect(DEFAULT_LOG_CONFIG.durability).toBe('fsync');
    expect(() => parseLogConfig({ 'segment.bytes': 'lots' })).toThrow(/segment.bytes/);
  });
});
