// The embedded broker as a test fixture: topics, ACLs and users declared in the options are there
// before the first request is answered; reset() gives a fresh broker on the same port and ids (one
// broker reused across "test files" by kafkajs); the embedded group.initial.rebalance.delay.ms is
// 0; the logger is configured from the options or the log.* keys.

import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { loadConfig } from '../../src/config/load.js';
import { ErrorCode } from '../../src/codec/index.js';
import { Logger } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';

const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

describe('fixtures in the options', () => {
  it('topics with partitions and configs, ACLs and SCRAM users exist before the first request is answered', async () => {
    const broker = await startBroker({
      topics: [{ name: 'orders', partitions: 3, config: { 'cleanup.policy': 'compact', 'retention.ms': 60_000 } }, { name: 'events' }],
      acls: [{ principal: 'User:alice', operation: 'READ', resourceType: 'topic', resourceName: 'secret' }],
      addScram: ['SCRAM-SHA-256=[name=alice,password=alice-secret]'],
      config: { 'authorizer.class.name': STANDARD, 'allow.everyone.if.no.acl.found': true, 'num.partitions': 2 },
    });
    const c = await RawClient.connect(broker.port);
    try {
      // The very first request on the first connection.
      const md = await c.request(3, 12, { topics: [{ name: 'orders', topicId: undefined }, { name: 'events', topicId: undefined }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(md.topics.map((t: { name: string; errorCode: number; partitions: unknown[] }) => [t.name, t.errorCode, t.partitions.length])).toEqual([['orders', 0, 3], ['events', 0, 2]]);
      const cfg = await c.request(32, 4, { resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: ['cleanup.policy', 'retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
      expect(Object.fromEntries(cfg.results[0].configs.map((e: { name: string; value: string }) => [e.name, e.value]))).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '60000' });
      const acls = await c.request(29, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
      expect(acls.resources).toEqual([expect.objectContaining({ resourceName: 'secret', acls: [expect.objectContaining({ principal: 'User:alice', operation: 3, permissionType: 3 })] })]);
      const users = await c.request(50, 0, { users: null });
      expect(users.results.map((u: { user: string }) => u.user)).toEqual(['alice']);
    } finally {
      c.close();
      await broker.close();
    }
  });

  it('a refused fixture stops start-up naming it', async () => {
    await expect(startBroker({ topics: [{ name: 'bad', config: { 'cleanup.policy': 'sometimes' } }] })).rejects.toThrow(/bad.*cleanup\.policy|cleanup\.policy.*bad/s);
  });
});

describe('reset(): one broker reused across test files', () => {
  it('a second "file" finds a fresh broker on the same port and ids, with its fixtures', async () => {
    const broker = await startBroker({ topics: [{ name: 'fixture', partitions: 2, config: { 'retention.ms': 1000 } }] });
    const kafka = (clientId: string) => new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });

    // "File A": topics, a group with committed offsets, a transaction left open, producer state.
    const a = kafka('file-a');
    const adminA = a.admin();
    await adminA.connect();
    await adminA.createTopics({ topics: [{ topic: 'a-topic', numPartitions: 1 }] });
    const producer = a.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'a-topic', messages: [{ value: 'from file A' }] });
    const raw = await RawClient.connect(broker.port);
    const commit = await raw.request(8, 8, {
      groupId: 'a-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'a-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    raw.close();
    expect((await adminA.listGroups()).groups.map((g) => g.groupId)).toEqual(['a-group']);
    const txp = a.producer({ transactionalId: 'a-tx', idempotent: true, maxInFlightRequests: 1 });
    await txp.connect();
    const tx = await txp.transaction();
    await tx.send({ topic: 'fixture', messages: [{ value: 'open' }] });
    const { clusterId } = await adminA.describeCluster();
    const { port } = broker;

    await broker.reset();
    await Promise.all([adminA.disconnect(), producer.disconnect(), txp.disconnect()]);

    // "File B": new clients see a broker as freshly started, with the fixture declared again.
    const adminB = kafka('file-b').admin();
    await adminB.connect();
    expect(broker.port).toBe(port);
    expect((await adminB.describeCluster()).clusterId).toBe(clusterId);
    expect((await adminB.listTopics()).sort()).toEqual(['fixture']);
    expect((await adminB.fetchTopicOffsets('fixture')).map((p) => p.high)).toEqual(['0', '0']);
    expect(await adminB.listGroups()).toEqual({ groups: [] });
    const c = await RawClient.connect(broker.port);
    expect((await c.request(66, 0, { stateFilters: [], producerIdFilters: [] })).transactionStates).toEqual([]);
    c.close();
    const cfg = await adminB.describeConfigs({ resources: [{ type: 2, name: 'fixture', configNames: ['retention.ms'] }], includeSynonyms: false });
    expect(cfg.resources[0].configEntries[0].configValue).toBe('1000');
    // And it works as before.
    const producerB = kafka('file-b').producer();
    await producerB.connect();
    const [sent] = await producerB.send({ topic: 'fixture', messages: [{ key: 'k', value: 'from file B' }] });
    expect(sent.errorCode).toBe(0);
    await producerB.disconnect();
    await adminB.disconnect();
    await broker.close();
    await expect(broker.reset()).rejects.toThrow(/closed/);
  });

  it('completes while a consumer group is running and long-polling; the consumer carries on against the fresh broker', async () => {
    const broker = await startBroker({ topics: [{ name: 'live', partitions: 1 }] });
    const kafka = new Kafka({ clientId: 'live', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 20 } });
    const consumer = kafka.consumer({ groupId: 'live-readers', maxWaitTimeInMs: 5000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'live', fromBeginning: true });
    const seen: string[] = [];
    let wake: () => void = () => {};
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(String(message.value)); wake(); } });
    const producer = kafka.producer();
    await producer.connect();
    const until = (n: number) => new Promise<void>((resolve) => { wake = () => seen.length >= n && resolve(); wake(); });
    await producer.send({ topic: 'live', messages: [{ value: 'before' }] });
    await until(1);
    const started = performance.now();
    await broker.reset(); // the consumer's fetch is parked in a long poll
    expect(performance.now() - started).toBeLessThan(2000);
    await producer.send({ topic: 'live', messages: [{ value: 'after' }] });
    await until(2);
    expect(seen).toEqual(['before', 'after']);
    await consumer.disconnect();
    await producer.disconnect();
    await broker.close();
  });

  it('refuses file storage', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const broker = await startBroker({ storage: `file://${mkdtempSync(`${tmpdir()}/reset-`)}` });
    await expect(broker.reset()).rejects.toThrow(/memory storage/);
    await broker.close();
  });
});

describe('embedded defaults and logging', () => {
  it('group.initial.rebalance.delay.ms is 0 embedded and 3000 (Kafka) from the CLI', async () => {
    const broker = await startBroker();
    expect(broker.config.int('group.initial.rebalance.delay.ms')).toBe(0);
    await broker.close();
    expect(loadConfig({ argv: [] }).int('group.initial.rebalance.delay.ms')).toBe(3000);
    const set = await startBroker({ config: { 'group.initial.rebalance.delay.ms': 100 } });
    expect(set.config.int('group.initial.rebalance.delay.ms')).toBe(100);
    await set.close();
  });

  it('logLevel, logFormat and logSink; the log.level and log.format keys; quiet by default', async () => {
    const lines: string[] = [];
    const json = await startBroker({ logLevel: 'info', logFormat: 'json', logSink: (line) => lines.push(line) });
    await json.close();
    const events = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(events.map((e) => e.msg)).toEqual(expect.arrayContaining(['listening', 'stopped']));

    const keyed: string[] = [];
    const byKeys = await startBroker({ config: { 'log.level': 'info', 'log.format': 'text' }, logSink: (line) => keyed.push(line) });
    await byKeys.close();
    expect(keyed.some((l) => / INFO  \[broker\] listening /.test(l))).toBe(true);

    const quiet: string[] = [];
    const byDefault = await startBroker({ logSink: (line) => quiet.push(line) });
    await byDefault.close();
    expect(quiet).toEqual([]);

    const own: string[] = [];
    const custom = await startBroker({ logger: new Logger({ write: (line) => own.push(line) }, 'info') });
    await custom.close();
    expect(own.length).toBeGreaterThan(0);
  });
});
