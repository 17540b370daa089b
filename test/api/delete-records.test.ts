import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { type ApiTestBroker, startTestBroker, topicName } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(() => b.close());

async function topicWith(records: number, configs: Record<string, any> = {}): Promise<string> {
  const name = topicName('dr');
  await b.broker.services.topics.createTopic(name, 2, configs);
  const log = (await b.broker.services.topics.partitionLog(name, 0))!;
  for (let i = 0; i < records; i++) await log.append(buildRecordBatch({ records: [{ value: Buffer.from(`v${i}`) }] }));
  return name;
}

const earliest = async (c: any, topic: string) => {
  const res = await c.request(2, 1, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -2 }] }] });
  return res.topics[0].partitions[0].offset;
};

describe('DeleteRecords', () => {
  it('moves the low watermark at v0-v2, seen by ListOffsets earliest', async () => {
    const c = await b.client();
    for (let v = 0; v <= 2; v++) {
      const name = await topicWith(10);
      const res = await c.request(21, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 4 }] }], timeoutMs: 5000 });
      expect(res.topics[0]).toMatchObject({ name, partitions: [{ partitionIndex: 0, lowWatermark: 4, errorCode: 0 }] });
      expect(await earliest(c, name)).toBe(4);
      // Below the current start: nothing changes.
      const lower = await c.request(21, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 2 }] }], timeoutMs: 5000 });
      expect(lower.topics[0].partitions[0]).toMatchObject({ lowWatermark: 4, errorCode: 0 });
      // -1 means the high watermark.
      const hw = await c.request(21, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: -1 }] }], timeoutMs: 5000 });
      expect(hw.topics[0].partitions[0]).toMatchObject({ lowWatermark: 10, errorCode: 0 });
      expect(await earliest(c, name)).toBe(10);
    }
  });

  it("answers Kafka's errors per partition", async () => {
    const c = await b.client();
    const name = await topicWith(3);
    const compacted = await topicWith(3, { 'cleanup.policy': ['compact'] });
    await b.broker.services.topics.createTopic('__consumer_offsets', 1, {}, true);
    const res = await c.request(21, 2, {
      topics: [
        { name, partitions: [{ partitionIndex: 0, offset: 99 }, { partitionIndex: 0 + 5, offset: 1 }, { partitionIndex: 1, offset: -7 }] },
        { name: 'no-such-topic-dr', partitions: [{ partitionIndex: 0, offset: 1 }] },
        { name: compacted, partitions: [{ partitionIndex: 0, offset: 1 }] },
        { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0 }] },
      ],
      timeoutMs: 5000,
    });
    expect(res.topics[0].partitions).toEqual([
      { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
      { partitionIndex: 5, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      { partitionIndex: 1, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
    ]);
    expect(res.topics[1].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.topics[2].partitions[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    expect(res.topics[3].partitions[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await earliest(c, name)).toBe(0);
  });
});
