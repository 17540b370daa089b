import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker, topicName } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(() => b.close());

describe('CreatePartitions', () => {
  it('grows a topic at every version v0-v3, with and without assignments', async () => {
    const c = await b.client();
    const nodeId = b.broker.services.cluster.nodeId;
    for (let v = 0; v <= 3; v++) {
      const name = topicName(`grow-v${v}`);
      await b.broker.services.topics.createTopic(name, 1, {});
      const res = await c.request(37, v, { topics: [{ name, count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
      expect(res.results).toEqual([expect.objectContaining({ name, errorCode: 0 })]);
      expect(b.broker.services.topics.topic(name)?.partitions).toBe(3);
      expect(b.broker.services.logs.get(name, 2)).toBeDefined();
      const again = await c.request(37, v, { topics: [{ name, count: 4, assignments: [{ brokerIds: [nodeId] }] }], timeoutMs: 5000, validateOnly: false });
      expect(again.results[0].errorCode).toBe(0);
      expect(b.broker.services.topics.topic(name)?.partitions).toBe(4);
    }
  });

  it('validate_only changes nothing', async () => {
    const c = await b.client();
    const name = topicName('validate');
    await b.broker.services.topics.createTopic(name, 1, {});
    const res = await c.request(37, 3, { topics: [{ name, count: 5, assignments: null }], timeoutMs: 5000, validateOnly: true });
    expect(res.results[0].errorCode).toBe(0);
    expect(b.broker.services.topics.topic(name)?.partitions).toBe(1);
  });

  it("answers Kafka's errors", async () => {
    const c = await b.client();
    const name = topicName('errors');
    await b.broker.services.topics.createTopic(name, 2, {});
    const dup = topicName('dup');
    const res = await c.request(37, 2, {
      topics: [
        { name: 'nope-missing', count: 2, assignments: null },
        { name: dup, count: 2, assignments: null },
        { name: dup, count: 3, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.results).toContainEqual(expect.objectContaining({ name: 'nope-missing', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }));
    expect(res.results).toContainEqual(expect.objectContaining({ name: dup, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }));
    const same = await c.request(37, 1, { topics: [{ name, count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(same.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Topic already has 2 partition(s).' });
    const less = await c.request(37, 1, { topics: [{ name, count: 1, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(less.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `The topic ${name} currently has 2 partition(s); 1 would not be an increase.` });
    const count = await c.request(37, 3, { topics: [{ name, count: 4, assignments: [{ brokerIds: [1] }] }], timeoutMs: 5000, validateOnly: false });
    expect(count.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.' });
    const broker = await c.request(37, 3, { topics: [{ name, count: 3, assignments: [{ brokerIds: [42] }] }], timeoutMs: 5000, validateOnly: false });
    expect(broker.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 42, but no such broker is registered.' });
    expect(b.broker.services.topics.topic(name)?.partitions).toBe(2);
  });
});
