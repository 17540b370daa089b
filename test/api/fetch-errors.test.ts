// The shape of Fetch's per-partition errors, as Kafka 4.3 answers them (measured by the differential
// test, test/reference/differential, sequence fetch.errors): a failed read reports no offsets, and a
// partition refused before reading carries an empty aborted-transaction list, not null.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
  await b.broker.services.topics.createTopic('fe', 1, {});
  const log = (await b.broker.services.topics.partitionLog('fe', 0))!;
  await log.append(buildRecordBatch({ records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }] }));
});
afterAll(() => b.close());

const fetch = (partition: number, fetchOffset: number, currentLeaderEpoch = -1) => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: 'fe', partitions: [{ partition, currentLeaderEpoch, fetchOffset, partitionMaxBytes: 1 << 20, logStartOffset: -1 }] }],
  forgottenTopicsData: [], rackId: '',
});

describe('Fetch partition errors', () => {
  it('reports no offsets for an out-of-range offset or a leader epoch from the future', async () => {
    const c = await b.client();
    for (const [request, errorCode] of [[fetch(0, 100), ErrorCode.OFFSET_OUT_OF_RANGE], [fetch(0, 0, 5), ErrorCode.UNKNOWN_LEADER_EPOCH]] as const) {
      const p = (await c.request(1, 12, request)).responses[0].partitions[0];
      expect(p).toMatchObject({ errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null });
    }
  });

  it('answers an unknown partition with an empty aborted-transaction list', async () => {
    const c = await b.client();
    const p = (await c.request(1, 12, fetch(3, 0))).responses[0].partitions[0];
    expect(p).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, abortedTransactions: [] });
  });
});
