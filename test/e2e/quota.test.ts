// Byte-rate quotas (KIP-13) on the data path: a producer over its quota is told throttle_time_ms,
// and when it waits as told its throughput converges to the quota. Measured over seconds with a
// generous margin, not a fragile timing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ config: { durability: 'os' } });
});
afterAll(() => broker.close());

const QUOTA = 200_000; // bytes per second

describe('produce byte-rate quota', () => {
  it('throttles a client over its quota and its rate converges to the quota', { timeout: 60_000 }, async () => {
    const client = await RawClient.connect(broker.port);
    const created = await client.request(19, 5, { topics: [{ name: 'quota', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);
    const altered = await client.request(49, 1, {
      entries: [{ entity: [{ entityType: 'client-id', entityName: 'slow' }], ops: [{ key: 'producer_byte_rate', value: QUOTA, remove: false }] }],
      validateOnly: false,
    });
    expect(altered.entries[0].errorCode).toBe(0);

    const batch = buildRecordBatch({ records: [{ key: null, value: Buffer.alloc(20_000, 1) }] });
    // Kafka's rate sensor spans 11 one-second samples: the first ~2 MB pass as a burst, then longer
    // throttles pay it back. Over a dozen seconds the average comes back to the quota.
    const started = performance.now();
    let bytes = 0;
    let throttled = 0;
    while (performance.now() - started < 12_000) {
      const res = await client.request(0, 9, {
        transactionalId: null, acks: 1, timeoutMs: 1000,
        topicData: [{ name: 'quota', partitionData: [{ index: 0, records: Buffer.from(batch) }] }],
      }, 'slow');
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      bytes += batch.length;
      if (res.throttleTimeMs > 0) {
        throttled++;
        await new Promise((r) => setTimeout(r, res.throttleTimeMs)); // what a v6+ client does
      }
    }
    const rate = bytes / ((performance.now() - started) / 1000);
    expect(throttled).toBeGreaterThan(0);
    // Unthrottled, this loop runs at tens of MB/s; with the quota it averages near 200 KB/s.
    expect(rate).toBeLessThan(QUOTA * 1.6);
    expect(rate).toBeGreaterThan(QUOTA * 0.5);
    client.close();
  });
});
