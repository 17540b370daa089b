// producer.id.expiration.ms: idle producers without an open transaction leave the partition's
// producer state; a producer with an open transaction stays.

import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { LogManager } from '../../src/log/index.js';
import { startProducerExpiry } from '../../src/txn/index.js';
import { FakeClock } from '../../src/util/clock.js';

describe('producer id expiration', () => {
  it('removes idle producers on the expiry timer, keeps those with an open transaction', async () => {
    const clock = new FakeClock();
    const logs = await LogManager.open({ url: 'memory://', clock, background: false });
    const log = await logs.getOrCreate('t', 0);
    const t0 = clock.now();
    await log.append(buildRecordBatch({ producerId: 1, producerEpoch: 0, baseSequence: 0, records: [{ value: Buffer.from('a'), timestamp: t0 }] }));
    await log.append(buildRecordBatch({ producerId: 2, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [{ value: Buffer.from('b'), timestamp: t0 }] }));
    const expiry = startProducerExpiry(logs, clock, () => 60_000, 10_000);
    clock.advance(50_000);
    expect([...log.producers.entries()].map((e) => e.producerId).sort()).toEqual([1, 2]);
    clock.advance(10_000);
    expect([...log.producers.entries()].map((e) => e.producerId)).toEqual([2]);
    expiry.cancel();
    await logs.close();
  });
});
