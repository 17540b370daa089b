// murmur2 and the keyed partition must match Kafka's (values from Kafka's UtilsTest.testMurmur2),
// or records produced by `tributary produce` would land apart from the Java client's.
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../src/client/partitioner.js';

describe('partitioner', () => {
  it('murmur2 matches Kafka for keys of every tail length', () => {
    const cases: [string, number][] = [
      ['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829], ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107],
    ];
    for (const [key, expected] of cases) expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('a key goes to positive(murmur2) mod the partition count', () => {
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });
});
