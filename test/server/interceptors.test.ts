// Fault injection (broker.intercept, src/server/interceptors.ts): every action against real clients
// over real sockets. kafkajs must cope with each fault by itself (retry, metadata refresh,
// reconnect, request timeout) and its idempotent producer must leave every record exactly once;
// raw requests check where the errors land, and the matchers.

import { Producer as FlexibleProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { fetchAll } from '../helpers/fetch-all.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
let raw: RawClient;
const logger = new MemoryLogger('warn');

beforeAll(async () => {
  broker = await startBroker({ config: { 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0 }, logger });
  raw = await RawClient.connect(broker.port);
});
afterEach(() => broker.clearInterceptors());
afterAll(async () => {
  raw.close();
  await broker.close();
});

function kafka(options: { requestTimeout?: number } = {}) {
  return new Kafka({
    clientId: 'fault-injection',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 8 },
    ...options,
  });
}

async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** An idempotent kafkajs producer (one request in flight, as kafkajs requires for idempotence). */
async function idempotentProducer(options: { requestTimeout?: number } = {}) {
  const producer = kafka(options).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

async function values(topic: string, partition = 0): Promise<(string | null)[]> {
  return (await fetchAll(raw, topic, partition)).map((r) => r.value);
}

function batch(...values: string[]): Buffer {
  return buildRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

function produceBody(topic: string, partitions: [index: number, records: Buffer][], acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: partitions.map(([index, records]) => ({ index, records })) }] };
}

function fetchBody(topic: string, partitions: number[]) {
  return {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: partitions.map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 })) }],
    forgottenTopicsData: [], rackId: '',
  };
}

describe('error action', () => {
  it('NOT_LEADER_OR_FOLLOWER on the first Produce: kafkajs refreshes its metadata, retries and succeeds', async () => {
    await createTopic('not-leader');
    const producer = await idempotentProducer();
    // A pass-through function counts the Metadata requests.
    const metadata = broker.intercept('Metadata', () => undefined);
    let metadataAtFault = -1;
    const fault = broker.intercept(
      // The retried Produce meets the criteria too: only the first one records the count.
      { apiKey: 'Produce', topic: 'not-leader', nth: 1, when: () => ((metadataAtFault = metadataAtFault < 0 ? metadata.hits : metadataAtFault), true) },
      { error: 'NOT_LEADER_OR_FOLLOWER' },
    );
    await producer.send({ topic: 'not-leader', messages: [{ value: 'v1' }, { value: 'v2' }] });
    await producer.disconnect();
    expect(fault.hits).toBe(1);
    expect(metadata.hits).toBeGreaterThan(metadataAtFault);
    expect(await values('not-leader')).toEqual(['v1', 'v2']);
  });

  it('a topic and partition matcher errors only that partition: the others are appended and answered normally', async () => {
    await createTopic('one-partition-fails', 2);
    const fault = broker.intercept({ apiKey: 'Produce', topic: 'one-partition-fails', partition: 1 }, { error: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    const res = await raw.request(0, 9, produceBody('one-partition-fails', [[0, batch('p0')], [1, batch('p1')]]));
    const byPartition = new Map(res.responses[0].partitionResponses.map((p: any) => [p.index, p]));
    expect((byPartition.get(0) as any).errorCode).toBe(ErrorCode.NONE);
    expect((byPartition.get(0) as any).baseOffset).toBe(0);
    expect((byPartition.get(1) as any).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await values('one-partition-fails', 0)).toEqual(['p0']);
    expect(await values('one-partition-fails', 1)).toEqual([]); // never appended

    // A request without the selected partition is not matched.
    const other = await raw.request(0, 9, produceBody('one-partition-fails', [[0, batch('p0-again')]]));
    expect(other.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    expect(fault.hits).toBe(1);
    fault.remove();

    // Reads: the whole Fetch is handled and only the selected partition's answer is replaced.
    const readFault = broker.intercept({ topic: 'one-partition-fails', partition: 1 }, { error: 'NOT_LEADER_OR_FOLLOWER' });
    const fetched = await raw.request(1, 12, fetchBody('one-partition-fails', [0, 1]));
    const parts = new Map(fetched.responses.flatMap((t: any) => t.partitions).map((p: any) => [p.partitionIndex, p]));
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect((parts.get(0) as any).errorCode).toBe(ErrorCode.NONE);
    expect((parts.get(0) as any).highWatermark).toBe(2);
    expect((parts.get(0) as any).records).not.toBeNull();
    expect((parts.get(1) as any).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(readFault.hits).toBe(1);
    readFault.remove();

    // Offset commits: the selected partition's offset is not committed, the other one is.
    broker.intercept({ apiKey: 'OffsetCommit', partition: 1 }, { error: 'COORDINATOR_LOAD_IN_PROGRESS' });
    const commit = await raw.request(8, 2, {
      groupId: 'fault-group', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1,
      topics: [{ name: 'one-partition-fails', partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, committedOffset: 1, committedMetadata: '' })) }],
    });
    const committed = new Map(commit.topics[0].partitions.map((p: any) => [p.partitionIndex, p.errorCode]));
    expect([committed.get(0), committed.get(1)]).toEqual([ErrorCode.NONE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
    const offsets = await raw.request(9, 2, { groupId: 'fault-group', topics: [{ name: 'one-partition-fails', partitionIndexes: [0, 1] }] });
    expect(offsets.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset])).toEqual([[0, 1], [1, -1]]);
  });

  it('partition-scoped errors are valid responses at every version of Produce, Fetch, ListOffsets and Metadata (topic ids included)', async () => {
    const topic = 'every-version';
    await createTopic(topic, 2);
    const md = await raw.request(3, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const topicId = md.topics[0].topicId as string;
    broker.intercept({ topic, partition: 1 }, { error: 'NOT_LEADER_OR_FOLLOWER' });
    const E = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const byIndex = (parts: any[], field: string) => Object.fromEntries(parts.map((p) => [p[field], p.errorCode]));
    for (let v = 3; v <= 13; v++) {
      const body = produceBody(topic, [[0, batch(`v${v}`)], [1, batch(`v${v}`)]]);
      if (v >= 13) body.topicData = body.topicData.map((t) => ({ ...t, name: '', topicId }));
      const res = await raw.request(0, v, body);
      expect(byIndex(res.responses.flatMap((t: any) => t.partitionResponses), 'index'), `Produce v${v}`).toEqual({ 0: 0, 1: E });
    }
    for (let v = 4; v <= 18; v++) {
      const body = fetchBody(topic, [0, 1]);
      if (v >= 13) body.topics = body.topics.map((t) => ({ ...t, topic: '', topicId }));
      const res = await raw.request(1, v, body);
      expect(byIndex(res.responses.flatMap((t: any) => t.partitions), 'partitionIndex'), `Fetch v${v}`).toEqual({ 0: 0, 1: E });
    }
    for (let v = 1; v <= 11; v++) {
      const res = await raw.request(2, v, {
        replicaId: -1, isolationLevel: 0, timeoutMs: 1000,
        topics: [{ name: topic, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: -1 })) }],
      });
      expect(byIndex(res.topics.flatMap((t: any) => t.partitions), 'partitionIndex'), `ListOffsets v${v}`).toEqual({ 0: 0, 1: E });
    }
    for (let v = 1; v <= 13; v++) {
      const res = await raw.request(3, v, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(byIndex(res.topics[0].partitions, 'partitionIndex'), `Metadata v${v}`).toEqual({ 0: 0, 1: E });
    }
    expect(await values(topic, 0)).toHaveLength(11);
  });

  it('kafkajs producing to two partitions, one of them refused once, writes every record once', async () => {
    await createTopic('kafkajs-one-partition', 2);
    const producer = await idempotentProducer();
    const fault = broker.intercept({ apiKey: 'Produce', topic: 'kafkajs-one-partition', partition: 1, times: 1 }, { error: 'NOT_LEADER_OR_FOLLOWER' });
    await producer.send({ topic: 'kafkajs-one-partition', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
    await producer.disconnect();
    expect(fault.hits).toBe(1);
    expect(await values('kafkajs-one-partition', 0)).toEqual(['a']);
    expect(await values('kafkajs-one-partition', 1)).toEqual(['b']);
  });

  it('a kafkajs consumer whose first Fetch is refused retries and reads every record once', async () => {
    await createTopic('refused-fetch');
    const producer = await idempotentProducer();
    await producer.send({ topic: 'refused-fetch', messages: ['r1', 'r2', 'r3'].map((value) => ({ value })) });
    await producer.disconnect();
    const fault = broker.intercept({ apiKey: 'Fetch', topic: 'refused-fetch', nth: 1 }, { error: 'NOT_LEADER_OR_FOLLOWER' });
    const consumer = kafka().consumer({ groupId: 'refused-fetch-readers', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'refused-fetch', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length === 3) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(fault.hits).toBe(1);
    expect(seen).toEqual(['r1', 'r2', 'r3']);
  });

  it('a flexible-version client (@platformatic/kafka, Produce v9+) retries a refused partition and writes each record once', async () => {
    await createTopic('flexible-client', 2);
    const fault = broker.intercept({ apiKey: 'Produce', topic: 'flexible-client', partition: 0, times: 1 }, { error: 'NOT_LEADER_OR_FOLLOWER' });
    const producer = new FlexibleProducer({ clientId: 'fault-injection-flexible', bootstrapBrokers: [broker.bootstrap], acks: -1, idempotent: true, retries: 5, retryDelay: 50 });
    try {
      await producer.send({ messages: [{ topic: 'flexible-client', value: Buffer.from('f0'), partition: 0 }, { topic: 'flexible-client', value: Buffer.from('f1'), partition: 1 }] });
    } finally {
      await producer.close();
    }
    expect(fault.hits).toBe(1);
    expect(await values('flexible-client', 0)).toEqual(['f0']);
    expect(await values('flexible-client', 1)).toEqual(['f1']);
  });

  it('without a topic matcher the error lands on every partition, or at the top level where the API has it', async () => {
    await createTopic('whole-request', 2);
    broker.intercept('Produce', { error: 'KAFKA_STORAGE_ERROR' });
    const res = await raw.request(0, 9, produceBody('whole-request', [[0, batch('x')], [1, batch('y')]]));
    expect(res.responses[0].partitionResponses.map((p: any) => p.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR]);
    // Fetch: on each partition, not at the top level (which Kafka keeps for fetch-session errors).
    broker.intercept('Fetch', { error: 'NOT_LEADER_OR_FOLLOWER' });
    const fetched = await raw.request(1, 12, fetchBody('whole-request', [0, 1]));
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.responses[0].partitions.map((p: any) => p.errorCode)).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_LEADER_OR_FOLLOWER]);
    broker.intercept('FindCoordinator', { error: 'COORDINATOR_NOT_AVAILABLE' });
    const v3 = await raw.request(10, 3, { key: 'g', keyType: 0 });
    expect(v3.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const v4 = await raw.request(10, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    expect(v4.coordinators.map((c: any) => c.errorCode)).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    // Metadata, which has no error response of its own, carries it on each topic.
    broker.intercept({ apiKey: 'Metadata', topic: 'whole-request' }, { error: 'LEADER_NOT_AVAILABLE' });
    const md = await raw.request(3, 9, { topics: [{ name: 'whole-request' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.topics[0].errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
    expect(md.brokers.length).toBe(1);
  });

  it('an acks=0 Produce in error closes the connection, as Kafka answers a failed acks=0 produce', async () => {
    const c = await RawClient.connect(broker.port);
    const fault = broker.intercept('Produce', { error: 'NOT_LEADER_OR_FOLLOWER' });
    c.send(0, 9, produceBody('acks-zero', [[0, batch('lost')]], 0));
    await c.closedPromise;
    expect(fault.hits).toBe(1);
  });
});

describe('delay, drop and swallow', () => {
  it('delayMs holds the request at least that long before it is handled', async () => {
    await createTopic('delayed');
    const producer = await idempotentProducer();
    const slow = broker.intercept({ apiKey: 'Produce', topic: 'delayed' }, { delayMs: 300 });
    const started = performance.now();
    await producer.send({ topic: 'delayed', messages: [{ value: 'late' }] });
    const took = performance.now() - started;
    await producer.disconnect();
    expect(slow.hits).toBe(1);
    expect(took).toBeGreaterThanOrEqual(300);
    expect(await values('delayed')).toEqual(['late']);
  });

  for (const when of ['before', 'after'] as const) {
    it(`drop ${when} handling: kafkajs reconnects and retries, the idempotent producer leaves no duplicate`, async () => {
      const topic = `dropped-${when}`;
      await createTopic(topic);
      const producer = await idempotentProducer();
      const drop = broker.intercept({ apiKey: 'Produce', topic, nth: 1 }, { drop: when });
      await producer.send({ topic, messages: [{ value: 'd1' }, { value: 'd2' }] });
      await producer.send({ topic, messages: [{ value: 'd3' }] });
      await producer.disconnect();
      expect(drop.hits).toBe(1);
      expect(await values(topic)).toEqual(['d1', 'd2', 'd3']);
    });
  }

  it('swallow: the request is handled but never answered; kafkajs times out, retries, and the record is kept once', async () => {
    await createTopic('swallowed');
    const producer = await idempotentProducer({ requestTimeout: 1000 });
    const swallow = broker.intercept({ apiKey: 'Produce', topic: 'swallowed', nth: 1 }, { swallow: true });
    await producer.send({ topic: 'swallowed', messages: [{ value: 's1' }] });
    await producer.disconnect();
    expect(swallow.hits).toBe(1);
    expect(await values('swallowed')).toEqual(['s1']);
  });

  it('swallow leaves the connection serving: the next request on it is answered', async () => {
    const c = await RawClient.connect(broker.port);
    broker.intercept({ apiKey: 'ListGroups', nth: 1 }, { swallow: true });
    c.send(16, 3, { statesFilter: [] });
    const next = await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(next.errorCode).toBe(ErrorCode.NONE);
    c.close();
  });
});

describe('function action', () => {
  it('answers with the body it returns: kafkajs sees the custom Metadata', async () => {
    const custom = broker.intercept('Metadata', async (_request, ctx) => {
      const real = await ctx.forward();
      return { ...real, clusterId: `injected-by-${ctx.apiName}-v${ctx.apiVersion}` };
    });
    const admin = kafka().admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.clusterId).toMatch(/^injected-by-Metadata-v\d+$/);
    expect(cluster.brokers.length).toBe(1);
    expect(custom.hits).toBeGreaterThan(0);
  });

  it('a function that throws is logged and closes the connection; the broker serves the next one', async () => {
    const c = await RawClient.connect(broker.port);
    const boom = broker.intercept({ apiKey: 'ListGroups', clientPort: c.socket.localPort }, () => {
      throw new Error('test function failed');
    });
    await expect(c.request(16, 3, { statesFilter: [] })).rejects.toThrow('connection closed');
    expect(boom.hits).toBe(1);
    expect(logger.lines.some((l) => l.includes('interceptor function failed') && l.includes('test function failed'))).toBe(true);
    const d = await RawClient.connect(broker.port);
    expect((await d.request(16, 3, { statesFilter: [] })).errorCode).toBe(ErrorCode.NONE);
    d.close();
  });

  it('a response the codec cannot encode closes the connection instead of crashing the broker', async () => {
    const c = await RawClient.connect(broker.port);
    broker.intercept({ apiKey: 'ListGroups', connection: (conn) => conn.remotePort === c.socket.localPort }, () => ({ groups: 5 }));
    await expect(c.request(16, 3, { statesFilter: [] })).rejects.toThrow('connection closed');
    expect(logger.lines.some((l) => l.includes('interceptor response failed'))).toBe(true);
    expect((await raw.request(16, 3, { statesFilter: [] })).errorCode).toBe(ErrorCode.NONE);
  });
});

describe('matchers, hits and removal', () => {
  const listGroups = (c: RawClient, version: number, clientId = 'raw-client') => c.request(16, version, { statesFilter: [], typesFilter: [] }, clientId).then((r) => r.errorCode as number);

  it('nth and times select which matching requests are acted on', async () => {
    const i = broker.intercept({ apiKey: 16, nth: 2, times: 2 }, { error: 'COORDINATOR_LOAD_IN_PROGRESS' });
    const codes = [];
    for (let n = 0; n < 5; n++) codes.push(await listGroups(raw, 3));
    const E = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    expect(codes).toEqual([0, E, E, 0, 0]);
    expect(i.hits).toBe(2);
  });

  it('by version range, client id and connection', async () => {
    const E = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const byVersion = broker.intercept({ apiKey: 'ListGroups', version: { min: 3 } }, { error: E });
    expect([await listGroups(raw, 2), await listGroups(raw, 3), await listGroups(raw, 4)]).toEqual([0, E, E]);
    byVersion.remove();
    const byClient = broker.intercept({ apiKey: 'ListGroups', clientId: /^flaky-/ }, { error: E });
    expect([await listGroups(raw, 3, 'steady'), await listGroups(raw, 3, 'flaky-1')]).toEqual([0, E]);
    byClient.remove();
    const c = await RawClient.connect(broker.port);
    const byPort = broker.intercept({ apiKey: 'ListGroups', clientPort: c.socket.localPort }, { error: E });
    expect([await listGroups(raw, 3), await listGroups(c, 3)]).toEqual([0, E]);
    expect(byPort.hits).toBe(1);
    c.close();
  });

  it('remove() stops an interceptor and keeps its count; the first interceptor that acts wins', async () => {
    const first = broker.intercept('ListGroups', { error: 'COORDINATOR_NOT_AVAILABLE' });
    const second = broker.intercept('ListGroups', { error: 'NOT_COORDINATOR' });
    expect(await listGroups(raw, 3)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    first.remove();
    expect(await listGroups(raw, 3)).toBe(ErrorCode.NOT_COORDINATOR);
    second.remove();
    expect(await listGroups(raw, 3)).toBe(ErrorCode.NONE);
    expect([first.hits, second.hits]).toEqual([1, 1]);
  });

  it('unknown API and error names, and topic matchers on APIs without topics, are refused when added', () => {
    expect(() => broker.intercept('Produce2', { error: 'NONE' })).toThrow(/unknown API 'Produce2'/);
    expect(() => broker.intercept('Produce', { error: 'NO_SUCH_ERROR' })).toThrow(/unknown error 'NO_SUCH_ERROR'/);
    expect(() => broker.intercept({ apiKey: 'ListGroups', topic: 't' }, { error: 'NONE' })).toThrow(/carry topics/);
    expect(() => broker.intercept({ apiKey: 'ListGroups', nth: 0 }, { error: 'NONE' })).toThrow(/nth counts from 1/);
    expect(() => broker.intercept('ListGroups', { delayMs: -1 })).toThrow(/delayMs/);
    expect(() => broker.intercept('ListGroups', { drop: 'during' } as never)).toThrow(/drop is 'before' or 'after'/);
  });

  it('interceptors belong to one broker: another broker in the process is not affected', async () => {
    const other = await startBroker({ logger });
    try {
      const c = await RawClient.connect(other.port);
      const fault = broker.intercept('ListGroups', { error: 'COORDINATOR_NOT_AVAILABLE' });
      expect(await listGroups(c, 3)).toBe(ErrorCode.NONE);
      expect(await listGroups(raw, 3)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      expect(fault.hits).toBe(1);
      c.close();
    } finally {
      await other.close();
    }
  });
});
