import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ZERO_UUID } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker, topicName } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker({ config: { 'num.partitions': 3 } });
});
afterAll(() => b.close());

const topic = (name: string, extra: object = {}) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...extra });

describe('CreateTopics', () => {
  it('creates topics at every version v0-v7', async () => {
    const c = await b.client();
    for (let v = 0; v <= 7; v++) {
      const name = topicName(`create-v${v}`);
      const res = await c.request(19, v, { topics: [topic(name)], timeoutMs: 5000, validateOnly: false });
      expect(res.topics).toHaveLength(1);
      expect(res.topics[0]).toMatchObject({ name, errorCode: ErrorCode.NONE });
      const created = b.broker.services.topics.topic(name);
      expect(created?.partitions).toBe(2);
      expect(await b.broker.services.topics.partitionLog(name, 1)).toBeDefined();
      if (v >= 5) {
        expect(res.topics[0].numPartitions).toBe(2);
        expect(res.topics[0].replicationFactor).toBe(1);
        const retention = res.topics[0].configs.find((x: any) => x.name === 'retention.ms');
        expect(retention).toMatchObject({ value: '604800000', readOnly: false, configSource: 5, isSensitive: false });
      }
      if (v >= 7) expect(res.topics[0].topicId).toBe(created!.id);
    }
  });

  it('applies -1 partitions as num.partitions and returns the configs given (v5+)', async () => {
    const c = await b.client();
    const name = topicName('defaults');
    const res = await c.request(19, 5, {
      topics: [topic(name, { numPartitions: -1, replicationFactor: -1, configs: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact' }] })],
      timeoutMs: 5000,
    });
    expect(res.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 3, replicationFactor: 1 });
    const configs = Object.fromEntries(res.topics[0].configs.map((x: any) => [x.name, x]));
    expect(configs['retention.ms']).toMatchObject({ value: '1000', configSource: 1 });
    expect(configs['cleanup.policy']).toMatchObject({ value: 'compact', configSource: 1 });
    expect(configs['segment.bytes']).toMatchObject({ value: '1073741824', configSource: 5 });
    expect(b.broker.services.topics.topicConfig(name)['retention.ms']).toBe(1000);
  });

  it('validate_only checks without creating', async () => {
    const c = await b.client();
    const name = topicName('validate');
    const res = await c.request(19, 7, { topics: [topic(name)], timeoutMs: 5000, validateOnly: true });
    expect(res.topics[0]).toMatchObject({ name, errorCode: 0, numPartitions: 2 });
    // A topic id as Kafka's controller draws one before validate-only stops it (differential: create-topics).
    expect(res.topics[0].topicId).not.toBe(ZERO_UUID);
    expect(b.broker.services.topics.topic(name)).toBeUndefined();
    const bad = await c.request(19, 1, { topics: [topic(name, { numPartitions: 0 })], timeoutMs: 5000, validateOnly: true });
    expect(bad.topics[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
  });

  it("answers Kafka's errors per topic", async () => {
    const c = await b.client();
    const existing = topicName('exists');
    await c.request(19, 4, { topics: [topic(existing)], timeoutMs: 5000 });
    const dup = topicName('dup');
    const res = await c.request(19, 6, {
      topics: [
        topic(existing),
        topic(dup),
        topic(dup),
        topic('bad name!'),
        topic('__cluster_metadata'),
        topic(topicName('rf'), { replicationFactor: 3 }),
        topic(topicName('rf0'), { replicationFactor: 0 }),
        topic(topicName('cfg'), { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        topic(topicName('cfg2'), { configs: [{ name: 'no.such.config', value: '1' }] }),
        topic(topicName('cfgnull'), { configs: [{ name: 'retention.ms', value: null }] }),
        topic(topicName('assign'), { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
      ],
      timeoutMs: 5000,
    });
    const byName = (n: string) => res.topics.find((t: any) => t.name === n);
    expect(byName(existing)).toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${existing}' already exists.` });
    expect(res.topics.filter((t: any) => t.name === dup)).toEqual([expect.objectContaining({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' })]);
    expect(byName('bad name!').errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(byName('__cluster_metadata')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Creation of internal topic __cluster_metadata is prohibited.' });
    const codes = res.topics.map((t: any) => t.errorCode);
    expect(codes).toContain(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(codes.filter((x: number) => x === ErrorCode.INVALID_CONFIG).length).toBe(3);
    expect(codes).toContain(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(res.topics.find((t: any) => t.name.startsWith('cfg2')).errorMessage).toBe('Unknown topic config name: no.such.config');
    expect(res.topics.find((t: any) => t.name.startsWith('cfg-')).errorMessage).toBe('Invalid value soon for configuration retention.ms: Not a number of type LONG');
    expect(res.topics.find((t: any) => t.name.startsWith('cfgnull')).errorMessage).toBe('Null value not supported for topic configs: retention.ms');
    // Nothing but the first "existing" was created.
    expect(b.broker.services.topics.topic(dup)).toBeUndefined();
  });

  it("words partition, replication and assignment errors as Kafka's controller does", async () => {
    const c = await b.client();
    const nodeId = b.broker.services.cluster.nodeId;
    const res = await c.request(19, 7, {
      topics: [
        topic('m-parts', { numPartitions: 0 }),
        topic('m-rf', { replicationFactor: -3 }),
        topic('m-both', { numPartitions: 1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [nodeId] }] }),
        topic('m-gap', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [nodeId] }] }),
        topic('m-twice', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [nodeId, nodeId] }] }),
        topic('m-lag', { configs: [{ name: 'min.compaction.lag.ms', value: '10' }, { name: 'max.compaction.lag.ms', value: '5' }] }),
        topic('m-ok', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [nodeId] }, { partitionIndex: 1, brokerIds: [nodeId] }] }),
        topic('m-last', { configs: [{ name: 'retention.ms', value: '1' }, { name: 'retention.ms', value: '2' }] }),
      ],
      timeoutMs: 5000,
    });
    const msg = (n: string) => res.topics.find((t: any) => t.name === n);
    expect(msg('m-parts')).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' });
    expect(msg('m-rf')).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' });
    expect(msg('m-both')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but numPartitions was not set to -1.' });
    expect(msg('m-gap')).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'partitions should be a consecutive 0-based integer sequence' });
    expect(msg('m-twice')).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `The manual partition assignment includes the broker ${nodeId} more than once.` });
    expect(msg('m-lag')).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)' });
    expect(msg('m-ok')).toMatchObject({ errorCode: 0, numPartitions: 2 });
    expect(msg('m-last').errorCode).toBe(0);
    expect(b.broker.services.topics.topicConfig('m-last')['retention.ms']).toBe(2);
  });

  it('concurrent creations of one topic: exactly one succeeds', async () => {
    const clients = await Promise.all([b.client(), b.client(), b.client()]);
    const name = topicName('race');
    const results = await Promise.all(clients.map((c) => c.request(19, 7, { topics: [topic(name)], timeoutMs: 5000 })));
    const codes = results.map((r: any) => r.topics[0].errorCode).sort();
    expect(codes).toEqual([ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.TOPIC_ALREADY_EXISTS]);
    const winner = results.find((r: any) => r.topics[0].errorCode === 0)!;
    expect(winner.topics[0].topicId).toBe(b.broker.services.topics.topic(name)!.id);
  });

  it('v0 carries no error messages but the same codes', async () => {
    const c = await b.client();
    const res = await c.request(19, 0, { topics: [topic('..')], timeoutMs: 5000 });
    expect(res.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});
