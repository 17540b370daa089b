// Incremental fetch sessions (KIP-227) on a 3-identity cluster: a partition whose fetch detects a
// diverging epoch (KIP-320, after a leader change) is always in the response, even when its offsets
// did not change, as Kafka's CachedPartition.maybeUpdateResponseData decides; else the consumer would
// never learn to truncate.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { batch } from '../helpers/log-helpers.js';
import { RawClient } from '../helpers/raw-client.js';

let cluster: RunningCluster;
const clients: RawClient[] = [];
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
  await cluster.services.topics.createTopic('div', 1, {}, false, 3);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

async function clientOf(nodeId: number): Promise<RawClient> {
  const raw = await RawClient.connect(Number(cluster.brokers.find((b) => b.nodeId === nodeId)!.bootstrap.split(':')[1]));
  clients.push(raw);
  return raw;
}

async function produceTwo(nodeId: number): Promise<void> {
  const res = await (await clientOf(nodeId)).request(0, 10, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'div', partitionData: [{ index: 0, records: batch(['a', 'b']) }] }] });
  expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
}

function fetchBody(fetchOffset: number, lastFetchedEpoch: number, session: { sessionId: number; sessionEpoch: number }) {
  return {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, ...session,
    topics: [{ topic: 'div', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch }] }],
    forgottenTopicsData: [], rackId: '',
  };
}

describe('incremental fetch sessions on a cluster', () => {
  it('lists a partition with a diverging epoch even when its offsets did not change', async () => {
    const first = cluster.partitionLeader('div', 0);
    await produceTwo(first);
    const log = cluster.services.topics.openPartitionLog('div', 0)!;
    const oldEpoch = log.leaderEpoch;
    const second = cluster.brokers.find((b) => b.nodeId !== first)!.nodeId;
    cluster.moveLeader('div', 0, second);
    await produceTwo(second);
    const c = await clientOf(second);
    const opened = await c.request(1, 12, fetchBody(4, log.leaderEpoch, { sessionId: 0, sessionEpoch: 0 }));
    expect(opened.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 4 });
    // A consumer that fetched offset 2 and beyond in the old epoch: the old epoch ended at offset 2.
    const next = await c.request(1, 12, fetchBody(3, oldEpoch, { sessionId: opened.sessionId, sessionEpoch: 1 }));
    expect(next.errorCode).toBe(ErrorCode.NONE);
    expect(next.responses[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 4, divergingEpoch: { epoch: oldEpoch, endOffset: 2 } });
  });
});
