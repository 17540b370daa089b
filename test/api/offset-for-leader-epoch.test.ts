import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
  await b.broker.services.topics.createTopic('ofle', 1, {});
  const log = (await b.broker.services.topics.partitionLog('ofle', 0))!;
  log.setLeaderEpoch(0);
  for (let i = 0; i < 3; i++) await log.append(buildRecordBatch({ records: [{ value: Buffer.from('a') }] }));
  log.setLeaderEpoch(2);
  for (let i = 0; i < 2; i++) await log.append(buildRecordBatch({ records: [{ value: Buffer.from('b') }] }));
});
afterAll(() => b.close());

const ask = (leaderEpoch: number, currentLeaderEpoch = -1, topic = 'ofle', partition = 0) => ({
  replicaId: -1,
  topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
});

describe('OffsetForLeaderEpoch', () => {
  it('answers the end offset of each epoch at v0-v4', async () => {
    const c = await b.client();
    for (let v = 0; v <= 4; v++) {
      const p = async (epoch: number) => (await c.request(23, v, ask(epoch))).topics[0].partitions[0];
      expect(await p(0)).toMatchObject({ errorCode: 0, endOffset: 3, ...(v >= 1 ? { leaderEpoch: 0 } : {}) });
      // Epoch 1 was never used: its end is where epoch 2 starts, reported under epoch 0.
      expect(await p(1)).toMatchObject({ errorCode: 0, endOffset: 3, ...(v >= 1 ? { leaderEpoch: 0 } : {}) });
      expect(await p(2)).toMatchObject({ errorCode: 0, endOffset: 5, ...(v >= 1 ? { leaderEpoch: 2 } : {}) });
      expect(await p(7)).toMatchObject({ errorCode: 0, endOffset: -1 });
    }
  });

  it('checks current_leader_epoch and unknown partitions', async () => {
    const c = await b.client();
    expect((await c.request(23, 3, ask(0, 1))).topics[0].partitions[0].errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await c.request(23, 4, ask(0, 3))).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await c.request(23, 4, ask(0, 2))).topics[0].partitions[0]).toMatchObject({ errorCode: 0, endOffset: 3 });
    expect((await c.request(23, 2, ask(0, -1, 'ofle', 4))).topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, endOffset: -1 });
    expect((await c.request(23, 0, ask(0, -1, 'nope-ofle'))).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
