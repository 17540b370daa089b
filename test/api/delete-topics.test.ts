import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ZERO_UUID } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker, topicName } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(() => b.close());

async function create(name: string, partitions = 1): Promise<string> {
  const t = await b.broker.services.topics.createTopic(name, partitions, {});
  return t.id;
}

describe('DeleteTopics', () => {
  it('deletes by name at v0-v5 and the partition logs go', async () => {
    const c = await b.client();
    for (let v = 0; v <= 5; v++) {
      const name = topicName(`del-v${v}`);
      await create(name, 2);
      const res = await c.request(20, v, { topicNames: [name], timeoutMs: 5000 });
      expect(res.responses).toEqual([expect.objectContaining({ name, errorCode: ErrorCode.NONE })]);
      expect(b.broker.services.topics.topic(name)).toBeUndefined();
      expect(b.broker.services.logs.get(name, 0)).toBeUndefined();
    }
  });

  it('deletes by name and by id at v6', async () => {
    const c = await b.client();
    const byName = topicName('del-name');
    const byId = topicName('del-id');
    const nameId = await create(byName);
    const id = await create(byId);
    const res = await c.request(20, 6, { topics: [{ name: byName, topicId: ZERO_UUID }, { name: null, topicId: id }], timeoutMs: 5000 });
    expect(res.responses).toHaveLength(2);
    expect(res.responses).toContainEqual(expect.objectContaining({ name: byName, topicId: nameId, errorCode: 0 }));
    expect(res.responses).toContainEqual(expect.objectContaining({ name: byId, topicId: id, errorCode: 0 }));
    expect(b.broker.services.topics.topic(byId)).toBeUndefined();
  });

  it("answers Kafka's errors", async () => {
    const c = await b.client();
    const dup = topicName('dup');
    await create(dup);
    const other = topicName('other');
    const otherId = await create(other);
    const res = await c.request(20, 6, {
      topics: [
        { name: dup, topicId: ZERO_UUID },
        { name: dup, topicId: ZERO_UUID },
        { name: 'missing-topic', topicId: ZERO_UUID },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAw' },
        { name: null, topicId: ZERO_UUID },
        { name: other, topicId: otherId },
      ],
      timeoutMs: 5000,
    });
    expect(res.responses).toContainEqual(expect.objectContaining({ name: dup, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }));
    expect(res.responses).toContainEqual(expect.objectContaining({ name: 'missing-topic', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }));
    expect(res.responses).toContainEqual(expect.objectContaining({ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAw', errorCode: ErrorCode.UNKNOWN_TOPIC_ID }));
    expect(res.responses).toContainEqual(expect.objectContaining({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Neither topic name nor id were specified.' }));
    expect(res.responses).toContainEqual(expect.objectContaining({ name: other, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'You may not specify both topic name and topic id.' }));
    expect(b.broker.services.topics.topic(dup)).toBeDefined();
    expect(b.broker.services.topics.topic(other)).toBeDefined();
    const v1 = await c.request(20, 1, { topicNames: ['missing-topic'], timeoutMs: 5000 });
    expect(v1.responses[0]).toMatchObject({ name: 'missing-topic', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });

  it('refuses internal topics with POLICY_VIOLATION', async () => {
    const c = await b.client();
    await b.broker.services.topics.createTopic('__consumer_offsets', 1, {}, true);
    const res = await c.request(20, 5, { topicNames: ['__consumer_offsets'], timeoutMs: 5000 });
    expect(res.responses[0]).toMatchObject({ name: '__consumer_offsets', errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: expect.stringContaining('internal topic') });
    expect(b.broker.services.topics.topic('__consumer_offsets')).toBeDefined();
  });

  it('refuses every topic when delete.topic.enable=false (INVALID_REQUEST before v3)', async () => {
    const off = await startTestBroker({ config: { 'delete.topic.enable': false } });
    try {
      await off.broker.services.topics.createTopic('kept', 1, {});
      const c = await off.client();
      const v2 = await c.request(20, 2, { topicNames: ['kept'], timeoutMs: 5000 });
      expect(v2.responses[0]).toMatchObject({ name: 'kept', errorCode: ErrorCode.INVALID_REQUEST });
      const v6 = await c.request(20, 6, { topics: [{ name: 'kept', topicId: ZERO_UUID }], timeoutMs: 5000 });
      expect(v6.responses[0]).toMatchObject({ name: 'kept', errorCode: ErrorCode.TOPIC_DELETION_DISABLED });
      expect(off.broker.services.topics.topic('kept')).toBeDefined();
    } finally {
      await off.close();
    }
  });
});
