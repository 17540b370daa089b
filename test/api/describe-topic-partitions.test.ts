import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
  await b.broker.services.topics.createTopic('dtp-a', 3, {});
  await b.broker.services.topics.createTopic('dtp-b', 2, {});
  await b.broker.services.topics.createTopic('dtp-c', 1, {});
});
afterAll(() => b.close());

describe('DescribeTopicPartitions', () => {
  it('describes named topics and reports unknown and invalid names', async () => {
    const c = await b.client();
    const res = await c.request(75, 0, { topics: [{ name: 'dtp-b' }, { name: 'dtp-missing' }, { name: 'bad/name' }], responsePartitionLimit: 2000, cursor: null });
    const nodeId = b.broker.services.cluster.nodeId;
    expect(res.topics.map((t: any) => t.name)).toEqual(['bad/name', 'dtp-b', 'dtp-missing']);
    const topicB = res.topics[1];
    expect(topicB).toMatchObject({ errorCode: 0, topicId: b.broker.services.topics.topic('dtp-b')!.id, isInternal: false });
    expect(topicB.partitions).toEqual([
      expect.objectContaining({ partitionIndex: 0, leaderId: nodeId, replicaNodes: [nodeId], isrNodes: [nodeId], errorCode: 0 }),
      expect.objectContaining({ partitionIndex: 1, leaderId: nodeId }),
    ]);
    expect(res.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(res.topics[2].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.nextCursor).toBeNull();
  });

  it('pages through all topics with the cursor', async () => {
    const c = await b.client();
    const seen: string[] = [];
    let cursor: any = null;
    let pages = 0;
    do {
      const res = await c.request(75, 0, { topics: [], responsePartitionLimit: 2, cursor });
      for (const t of res.topics) for (const p of t.partitions) seen.push(`${t.name}:${p.partitionIndex}`);
      expect(res.topics.reduce((n: number, t: any) => n + t.partitions.length, 0)).toBeLessThanOrEqual(2);
      cursor = res.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(['dtp-a:0', 'dtp-a:1', 'dtp-a:2', 'dtp-b:0', 'dtp-b:1', 'dtp-c:0']);
  });

  it('answers INVALID_REQUEST for a cursor topic outside the list', async () => {
    const c = await b.client();
    const res = await c.request(75, 0, { topics: [{ name: 'dtp-a' }], responsePartitionLimit: 10, cursor: { topicName: 'dtp-b', partitionIndex: 0 } });
    expect(res.topics).toEqual([expect.objectContaining({ name: 'dtp-a', errorCode: ErrorCode.INVALID_REQUEST })]);
  });
});
