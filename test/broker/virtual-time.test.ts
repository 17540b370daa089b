// Virtual time (`startBroker({ clock: 'manual' })`): group sessions, transaction timeouts, retention
// and LogAppendTime follow broker.clock, which moves only on advance(). Each test takes milliseconds
// of wall time for minutes or hours of broker time.

import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import type { ManualClock } from '../../src/util/clock.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker<ManualClock> | undefined;
let client: RawClient | undefined;
afterEach(async () => {
  client?.close();
  await broker?.close();
  broker = client = undefined;
});

const kafka = (b: RunningBroker, clientId = 'vt') => new Kafka({ clientId, brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });

describe('virtual time', () => {
  it('a classic member that stops heartbeating is removed after advance(session timeout)', async () => {
    const started = performance.now();
    broker = await startBroker({ clock: 'manual' });
    client = await RawClient.connect(broker.port);
    const join = { groupId: 'g', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null };
    const first = await client.request(11, 9, { ...join, memberId: '' });
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await client.request(11, 9, { ...join, memberId: first.memberId }); // no wait: initial rebalance delay 0
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1 });
    const synced = await client.request(14, 5, { groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(synced.errorCode).toBe(0);
    const describe = async () => (await client!.request(15, 5, { groups: ['g'], includeAuthorizedOperations: false })).groups[0];

    await broker.clock.advance(29_999);
    expect(await describe()).toMatchObject({ groupState: 'Stable', members: [expect.objectContaining({ memberId: first.memberId })] });
    await broker.clock.advance(1);
    expect(await describe()).toMatchObject({ groupState: 'Empty', members: [] });
    const heartbeat = await client.request(12, 4, { groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: null });
    expect(heartbeat.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a KIP-848 member that stops heartbeating is fenced after advance(group.consumer.session.timeout.ms)', async () => {
    broker = await startBroker({ clock: 'manual', topics: [{ name: 'k', partitions: 2 }] });
    client = await RawClient.connect(broker.port);
    const joined = await client.request(68, 1, {
      groupId: 'kip848', memberId: 'm-a', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30000,
      subscribedTopicNames: ['k'], subscribedTopicRegex: null, serverAssignor: 'range', topicPartitions: [],
    });
    expect(joined.errorCode).toBe(0);
    const members = async () => (await client!.request(69, 0, { groupIds: ['kip848'], includeAuthorizedOperations: false })).groups[0].members.length;
    expect(await members()).toBe(1);
    await broker.clock.advance(44_999);
    expect(await members()).toBe(1);
    await broker.clock.advance(1);
    expect(await members()).toBe(0);
  });

  it('committed offsets of a simple group expire after advance(offsets.retention.minutes)', async () => {
    broker = await startBroker({ clock: 'manual', topics: [{ name: 'committed', partitions: 1 }], config: { 'offsets.retention.minutes': 60 } });
    client = await RawClient.connect(broker.port);
    const commit = await client.request(8, 8, {
      groupId: 'simple', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'committed', partitions: [{ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    const committed = async () => (await client!.request(9, 7, { groupId: 'simple', topics: [{ name: 'committed', partitionIndexes: [0] }], requireStable: false })).topics[0].partitions[0].committedOffset;
    expect(await committed()).toBe(7);
    await broker.clock.advance(3_000_000); // 50 min: the check (every 10 min) finds nothing expired yet
    expect(await committed()).toBe(7);
    await broker.clock.advance(600_000); // 60 min after the commit, at the next check
    expect(await committed()).toBe(-1);
  });

  it('an ongoing transaction is aborted after advance(transaction timeout), its producer fenced', async () => {
    broker = await startBroker({ clock: 'manual', topics: [{ name: 'tx-topic', partitions: 1 }] });
    const producer = kafka(broker).producer({ transactionalId: 'tx', transactionTimeout: 60_000, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const started = performance.now();
    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-topic', messages: [{ value: 'never committed' }] });
    const describeTxn = async () => {
      client ??= await RawClient.connect(broker!.port);
      return (await client.request(65, 0, { transactionalIds: ['tx'] })).transactionStates[0];
    };
    expect(await describeTxn()).toMatchObject({ transactionState: 'Ongoing' });
    // The coordinator checks every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms).
    await broker.clock.advance(70_001);
    expect(await describeTxn()).toMatchObject({ transactionState: 'CompleteAbort' });
    await expect(txn.commit()).rejects.toThrow(/fenced|epoch|ProducerFenced|INVALID_PRODUCER_EPOCH/i);
    // read_committed sees nothing: the record was aborted and the last stable offset moved past the marker.
    const offsets = await kafka(broker).admin();
    await offsets.connect();
    expect((await offsets.fetchTopicOffsets('tx-topic'))[0]).toMatchObject({ high: '2' }); // the record and the abort marker
    await offsets.disconnect();
    expect(performance.now() - started).toBeLessThan(1000);
    await producer.disconnect();
  });

  it('a long-poll Fetch still ends after max_wait_ms of wall time (request pacing is not virtual)', async () => {
    broker = await startBroker({ clock: 'manual', topics: [{ name: 'empty', partitions: 1 }] });
    client = await RawClient.connect(broker.port);
    const started = performance.now();
    const res = await client.request(1, 12, {
      replicaId: -1, maxWaitMs: 50, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'empty', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
  });

  it("an idle producer's state expires after advance(producer.id.expiration.ms)", async () => {
    broker = await startBroker({ clock: 'manual', topics: [{ name: 'pids', partitions: 1 }], config: { 'producer.id.expiration.ms': 3_600_000 } });
    const producer = kafka(broker).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'pids', messages: [{ value: 'v' }] });
    client = await RawClient.connect(broker.port);
    const active = async () => (await client!.request(61, 0, { topics: [{ name: 'pids', partitionIndexes: [0] }] })).topics[0].partitions[0].activeProducers.length;
    expect(await active()).toBe(1);
    await broker.clock.advance(3_000_000);
    expect(await active()).toBe(1);
    await broker.clock.advance(1_200_000); // past the hour, and the 10-minute expiry check has run
    expect(await active()).toBe(0);
    await producer.disconnect();
  });

  it('LogAppendTime records carry the virtual time of their append', async () => {
    broker = await startBroker({ clock: 'manual', topics: [{ name: 'lat', partitions: 1, config: { 'message.timestamp.type': 'LogAppendTime' } }] });
    await broker.clock.advance(3_600_000);
    const at = broker.clock.now();
    const producer = kafka(broker).producer();
    await producer.connect();
    const [result] = await producer.send({ topic: 'lat', messages: [{ value: 'a', timestamp: '1000' }] });
    expect(result.logAppendTime).toBe(String(at));
    await producer.disconnect();
    const consumer = kafka(broker).consumer({ groupId: 'lat-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lat', fromBeginning: true });
    const timestamp = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.timestamp) }));
    expect(timestamp).toBe(String(at));
    await consumer.disconnect();
  });

  it('retention by time deletes old segments once the clock has moved past retention.ms', async () => {
    broker = await startBroker({
      clock: 'manual',
      config: { 'log.retention.check.interval.ms': 60_000 },
      topics: [{ name: 'short', partitions: 1, config: { 'retention.ms': 3_600_000, 'segment.ms': 600_000 } }],
    });
    const producer = kafka(broker).producer();
    await producer.connect();
    const admin = kafka(broker).admin();
    await admin.connect();
    await producer.send({ topic: 'short', messages: [{ value: 'old' }] }); // CreateTime: now (the manual clock started at wall time)
    await broker.clock.advance(600_001); // segment.ms has passed: the next append rolls a new segment
    // Retention reads record timestamps, and the client stamps wall time: this one is given the broker's.
    await producer.send({ topic: 'short', messages: [{ value: 'new', timestamp: String(broker.clock.now()) }] });
    expect((await admin.fetchTopicOffsets('short'))[0]).toMatchObject({ low: '0', high: '2' });
    await broker.clock.advance(3_000_000); // 1 h after the first record, not yet the next check
    await broker.clock.advance(120_000);
    expect((await admin.fetchTopicOffsets('short'))[0]).toMatchObject({ low: '1', high: '2' });
    await producer.disconnect();
    await admin.disconnect();
  });
});
