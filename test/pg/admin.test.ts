// Topic and log administration on postgres:// storage, through two brokers sharing one database:
// kafkajs admin deletes topics, grows them, deletes records (each made through one broker and seen
// through the other), DescribeTopicPartitions lists the database's leaders, OffsetForLeaderEpoch
// answers from the stored batches' leader epochs after a leader move, with Kafka's rules, and
// retention.ms / retention.bytes delete the oldest batches.

import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildLegacyMessageSet, buildRecordBatch, CompressionType, updateBatchCrc } from '../../src/codec/records/index.js';
import { startBroker } from '../../src/broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('topic and log administration over PostgreSQL', () => {
  const pg = pgSuite();

  async function twoBrokers() {
    const url = await pg.database('admin');
    const start = async () => {
      const b = await startPgBroker({ storage: url, config: { 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500, 'log.retention.check.interval.ms': 200 } });
      pg.cleanup(() => b.close());
      return b;
    };
    const a = await start();
    const b = await start();
    const client = (x: RunningPgBroker) => new Kafka({ clientId: 'pg-admin', brokers: [x.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = async (x: RunningPgBroker) => {
      const ad = client(x).admin();
      await ad.connect();
      pg.cleanup(() => ad.disconnect());
      return ad;
    };
    return { url, a, b, client, admin };
  }

  it('DeleteTopics, CreatePartitions and AlterConfigs act on the database: what one broker does, the other sees', async () => {
    const { a, b, admin } = await twoBrokers();
    const viaA = await admin(a);
    const viaB = await admin(b);
    await viaA.createTopics({ topics: [{ topic: 'grows', numPartitions: 2 }, { topic: 'goes', numPartitions: 1 }] });
    await viaB.createPartitions({ topicPartitions: [{ topic: 'grows', count: 5 }] });
    // The other broker sees it at its next refresh (a heartbeat, 200 ms here).
    const grown = await vi.waitFor(async () => {
      const m = await viaA.fetchTopicMetadata({ topics: ['grows'] });
      expect(m.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
      return m;
    }, { timeout: 5000, interval: 50 });
    expect(new Set(grown.topics[0].partitions.map((p) => p.leader))).toEqual(new Set([a.nodeId, b.nodeId]));
    // Not an increase: Kafka's INVALID_PARTITIONS.
    await expect(viaA.createPartitions({ topicPartitions: [{ topic: 'grows', count: 3 }] })).rejects.toThrow(/partitions is invalid/) // INVALID_PARTITIONS, as kafkajs words it;

    // A config altered through one broker is the database's: the other describes it within a heartbeat.
    // B has resolved the topic's configs before the change (its produce and retention use them): they follow too.
    expect(b.services.topics.topicConfig('grows')['retention.ms']).toBe(604_800_000);
    await viaA.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'grows', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    await vi.waitFor(async () => {
      const d = await viaB.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'grows', configNames: ['retention.ms'] }] });
      expect(d.resources[0].configEntries[0]).toMatchObject({ configName: 'retention.ms', configValue: '3600000', isDefault: false });
    }, { timeout: 5000, interval: 50 });
    // kafkajs may ask either broker: B's own view, and the retention it applies, follow at its next refresh.
    await vi.waitFor(() => expect(b.services.cluster.topic('grows')!.configs).toEqual({ 'retention.ms': 3_600_000 }), { timeout: 5000, interval: 50 });
    expect(b.services.topics.topicConfig('grows')['retention.ms']).toBe(3_600_000);

    await viaB.deleteTopics({ topics: ['goes'] });
    await vi.waitFor(async () => expect(await viaA.listTopics()).not.toContain('goes'), { timeout: 5000, interval: 50 });
    expect(a.pg.membership.topic('goes')).toBeUndefined();
    // The internal topic stays: Kafka's brokers would recreate it, ours keep the groups there.
    const raw = await RawClient.connect(a.port);
    const r = await raw.request(20, 4, { topicNames: ['__consumer_offsets', 'nothing-here'], timeoutMs: 5000 });
    expect(r.responses.map((x: { name: string; errorCode: number }) => [x.name, x.errorCode]).sort()).toEqual([
      ['__consumer_offsets', ErrorCode.POLICY_VIOLATION],
      ['nothing-here', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    raw.socket.destroy();
    // The name can be used again: a new topic, with a new id.
    await viaA.createTopics({ topics: [{ topic: 'goes', numPartitions: 1 }] });
    await vi.waitFor(() => expect(b.pg.membership.topic('goes')).toBeDefined(), { timeout: 5000, interval: 50 });
  });

  it('DeleteRecords moves the log start in the database: fetches and offsets from every broker follow', async () => {
    const { a, b, client, admin } = await twoBrokers();
    const viaA = await admin(a);
    await viaA.createTopics({ topics: [{ topic: 'trim', numPartitions: 1 }] });
    const producer = client(a).producer();
    await producer.connect();
    pg.cleanup(() => producer.disconnect());
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'trim', acks: -1, messages: [{ value: `v${i}` }, { value: `w${i}` }] });
    // Through the broker that does not lead the partition: kafkajs finds the leader.
    const viaB = await admin(b);
    await viaB.fetchTopicMetadata({ topics: ['trim'] }); // kafkajs deletes only for topics whose metadata it holds
    await viaB.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '4' }] });
    for (const x of [viaA, viaB]) {
      const [o] = await x.fetchTopicOffsets('trim');
      expect([o.low, o.high]).toEqual(['4', '10']);
    }
    // Past the high watermark: OFFSET_OUT_OF_RANGE, nothing moves.
    await expect(viaA.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '11' }] })).rejects.toThrow();
    // A consumer from the beginning starts at the new log start.
    const consumer = client(b).consumer({ groupId: 'trimmed' });
    await consumer.connect();
    pg.cleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic: 'trim', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(`${message.offset} ${message.value}`); } });
    await vi.waitFor(() => expect(seen.length).toBe(6), { timeout: 20_000, interval: 50 });
    expect(seen).toEqual(['4 v2', '5 w2', '6 v3', '7 w3', '8 v4', '9 w4']);
    // -1: up to the high watermark.
    await viaB.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '-1' }] });
    expect((await viaA.fetchTopicOffsets('trim'))[0].low).toBe('10');
  }, 60_000);

  it('DescribeTopicPartitions and OffsetForLeaderEpoch answer from the database after a leader move', async () => {
    const { a, b, client } = await twoBrokers();
    const producer = client(a).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    pg.cleanup(() => producer.disconnect());
    const kafkaAdmin = client(a).admin();
    await kafkaAdmin.connect();
    pg.cleanup(() => kafkaAdmin.disconnect());
    await kafkaAdmin.createTopics({ topics: [{ topic: 'epochs', numPartitions: 1 }] });
    await producer.send({ topic: 'epochs', acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    const topic = a.pg.membership.topic('epochs')!;
    const first = a.pg.membership.leaderOf(topic.id, 0)!;
    // Move the leadership with an epoch bump, as a takeover does, and let both brokers see it.
    const other = first.leader === a.nodeId ? b.nodeId : a.nodeId;
    await a.pg.pool.query('update tributary_partitions set leader = $1, leader_epoch = leader_epoch + 1 where topic_id = $2 and partition = 0', [other, topic.id]);
    await a.pg.membership.refresh();
    await b.pg.membership.refresh();
    await producer.send({ topic: 'epochs', acks: -1, messages: [{ value: 'd' }] });
    const leader = other === a.nodeId ? a : b;
    const follower = other === a.nodeId ? b : a;

    const raw = await RawClient.connect(leader.port);
    const dtp = await raw.request(75, 0, { topics: [{ name: 'epochs' }], responsePartitionLimit: 100, cursor: null });
    expect(dtp.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderId: other, leaderEpoch: first.leaderEpoch + 1 });
    expect([...dtp.topics[0].partitions[0].replicaNodes].sort()).toEqual([a.nodeId, b.nodeId].sort());

    const ask = (client: RawClient, leaderEpoch: number, currentLeaderEpoch = -1) =>
      client.request(23, 4, { replicaId: -1, topics: [{ topic: 'epochs', partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }] })
        .then((r) => r.topics[0].partitions[0] as { errorCode: number; leaderEpoch: number; endOffset: number });
    // The old epoch ends where the new one starts (offset 3); the current one at the log end (4).
    expect(await ask(raw, first.leaderEpoch)).toMatchObject({ errorCode: 0, leaderEpoch: first.leaderEpoch, endOffset: 3 });
    expect(await ask(raw, first.leaderEpoch + 1)).toMatchObject({ errorCode: 0, leaderEpoch: first.leaderEpoch + 1, endOffset: 4 });
    // A newer epoch than any: undefined, as Kafka answers.
    expect(await ask(raw, first.leaderEpoch + 5)).toMatchObject({ errorCode: 0, leaderEpoch: -1, endOffset: -1 });
    // current_leader_epoch checked as Fetch checks it.
    expect((await ask(raw, first.leaderEpoch, first.leaderEpoch)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await ask(raw, first.leaderEpoch, first.leaderEpoch + 2)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    raw.socket.destroy();
    const notLeader = await RawClient.connect(follower.port);
    expect((await ask(notLeader, first.leaderEpoch)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    notLeader.socket.destroy();
  }, 60_000);

  it('retention.ms and retention.bytes delete the oldest whole batches, run by each partition\'s leader', async () => {
    const { a, client, admin } = await twoBrokers();
    const viaA = await admin(a);
    await viaA.createTopics({
      topics: [
        { topic: 'aging', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] },
        { topic: 'sized', numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '300' }] },
        { topic: 'kept', numPartitions: 1 },
      ],
    });
    const producer = client(a).producer();
    await producer.connect();
    pg.cleanup(() => producer.disconnect());
    const hourAgo = String(Date.now() - 3_600_000);
    // Two batches an hour old, then a fresh one: the old two go.
    for (const topic of ['aging', 'kept']) {
      await producer.send({ topic, acks: -1, messages: [{ value: 'old-1', timestamp: hourAgo }] });
      await producer.send({ topic, acks: -1, messages: [{ value: 'old-2', timestamp: hourAgo }] });
      await producer.send({ topic, acks: -1, messages: [{ value: 'new' }] });
    }
    // Ten batches of about 80 bytes: the newest that fit in 300 bytes stay.
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'sized', acks: -1, messages: [{ value: `record-${i}` }] });
    const low = async (topic: string) => (await viaA.fetchTopicOffsets(topic))[0].low;
    await vi.waitFor(async () => expect(await low('aging')).toBe('2'), { timeout: 10_000, interval: 100 });
    // A pass may run between the sends: wait for one after the last.
    await vi.waitFor(async () => {
      const { rows } = await a.pg.pool.query(
        `select sum(octet_length(b.data))::int as bytes, count(*)::int as n from tributary_batches b join tributary_topics t on t.topic_id = b.topic_id where t.name = 'sized'`,
      );
      expect(rows[0].bytes).toBeLessThanOrEqual(300);
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
      expect(Number(await low('sized'))).toBe(10 - rows[0].n);
    }, { timeout: 10_000, interval: 100 });
    // The default retention (7 days) keeps the hour-old records.
    expect(await low('kept')).toBe('0');
  }, 60_000);

  it('the state of a producer id idle for producer.id.expiration.ms goes; an active one, and one with an open transaction, stay', async () => {
    const url = await pg.database('expiry');
    const broker = await startPgBroker({ storage: url, config: { 'log.retention.check.interval.ms': 200, 'producer.id.expiration.ms': 600_000 } });
    pg.cleanup(() => broker.close());
    const kafka = new Kafka({ clientId: 'pg-expiry', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    pg.cleanup(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'pids', numPartitions: 1 }] });
    const hourAgo = String(Date.now() - 3_600_000);
    const idle = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const active = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const open = kafka.producer({ transactionalId: 'open', idempotent: true, maxInFlightRequests: 1 });
    for (const p of [idle, active, open]) {
      await p.connect();
      pg.cleanup(() => p.disconnect());
    }
    await idle.send({ topic: 'pids', acks: -1, messages: [{ value: 'idle', timestamp: hourAgo }] });
    await active.send({ topic: 'pids', acks: -1, messages: [{ value: 'active' }] });
    const txn = await open.transaction();
    await txn.send({ topic: 'pids', messages: [{ value: 'open', timestamp: hourAgo }] });
    const producers = async () => (await broker.pg.pool.query<{ n: number }>('select count(*)::int as n from tributary_producers')).rows[0].n;
    // The idle one's last batch is an hour old, past the 10 minutes: a retention pass (every 200 ms,
    // maybe already between the sends above) removes it.
    await vi.waitFor(async () => expect(await producers()).toBe(2), { timeout: 10_000, interval: 100 });
    const raw = await RawClient.connect(broker.port);
    const described = await raw.request(61, 0, { topics: [{ name: 'pids', partitionIndexes: [0] }] });
    raw.socket.destroy();
    expect(described.topics[0].partitions[0].activeProducers.map((p: { currentTxnStartOffset: number }) => p.currentTxnStartOffset).sort()).toEqual([-1, 2]);
    await txn.abort();
  });

  it('CreateTopics answers the new topic\'s effective configs (v5+), and refuses configs that conflict once resolved', async () => {
    const { a } = await twoBrokers();
    const raw = await RawClient.connect(a.port);
    pg.cleanup(async () => raw.socket.destroy());
    const create = (name: string, configs: { name: string; value: string }[]) =>
      raw.request(19, 7, { topics: [{ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs }], timeoutMs: 5000, validateOnly: false });
    const r = await create('configured', [{ name: 'retention.ms', value: '3600000' }]);
    expect(r.topics[0].errorCode).toBe(0);
    const configs = new Map(r.topics[0].configs.map((c: { name: string; value: string; configSource: number }) => [c.name, c]));
    expect(configs.get('retention.ms')).toMatchObject({ value: '3600000', configSource: 1 }); // DYNAMIC_TOPIC_CONFIG
    expect(configs.get('cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 }); // DEFAULT_CONFIG
    // Valid one by one, conflicting together (Kafka: min.compaction.lag.ms above max.compaction.lag.ms).
    const bad = await create('conflicted', [{ name: 'min.compaction.lag.ms', value: '2000' }, { name: 'max.compaction.lag.ms', value: '1000' }]);
    expect(bad.topics[0].errorCode).toBe(40); // INVALID_CONFIG
  });

  it('the topic\'s produce rules hold as on one node: LogAppendTime, compression.type, keys on a compacted topic, timestamp bounds', async () => {
    const { a, b, client, admin } = await twoBrokers();
    const viaA = await admin(a);
    const hourAgo = String(Date.now() - 3_600_000);
    await viaA.createTopics({
      topics: [
        { topic: 'stamped', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
        { topic: 'zipped', numPartitions: 1, configEntries: [{ name: 'compression.type', value: 'gzip' }] },
        { topic: 'keyed', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: 'recent', numPartitions: 1, configEntries: [{ name: 'message.timestamp.before.max.ms', value: '60000' }] },
      ],
    });
    const producer = client(b).producer({ retry: { retries: 0 } });
    await producer.connect();
    pg.cleanup(() => producer.disconnect());
    const before = Date.now();
    const [stamped] = await producer.send({ topic: 'stamped', acks: -1, messages: [{ value: 'x', timestamp: hourAgo }] });
    expect(Number(stamped.logAppendTime)).toBeGreaterThanOrEqual(before);
    await producer.send({ topic: 'zipped', acks: -1, messages: [{ value: 'y'.repeat(100) }] });
    const stored = async (topic: string) => (await a.pg.pool.query<{ data: Buffer }>(
      `select b.data from tributary_batches b join tributary_topics t on t.topic_id = b.topic_id where t.name = $1`, [topic],
    )).rows[0].data;
    // The stored batch: LogAppendTime in its attributes (bit 3) and the broker's time as its max timestamp.
    const s = await stored('stamped');
    expect(s.readInt16BE(21) & 0x08).toBe(0x08);
    expect(Number(s.readBigInt64BE(35))).toBe(Number(stamped.logAppendTime));
    expect((await stored('zipped')).readInt16BE(21) & 0x07).toBe(1); // gzip
    await expect(producer.send({ topic: 'keyed', acks: -1, messages: [{ key: null, value: 'no key' }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
    await expect(producer.send({ topic: 'recent', acks: -1, messages: [{ value: 'old', timestamp: hourAgo }] })).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
    expect((await viaA.fetchTopicOffsets('keyed'))[0].high).toBe('0');
    expect((await viaA.fetchTopicOffsets('recent'))[0].high).toBe('0');
  });

  it('produce data that is not one valid batch, or is transactional without a transactional id, gets the one-node broker\'s answer: error code, message and record errors', async () => {
    const url = await pg.database('admin');
    const onPg = await startPgBroker({ storage: url });
    pg.cleanup(() => onPg.close());
    const oneNode = await startBroker({ storage: 'memory://', port: 0, logger: new MemoryLogger('error') });
    pg.cleanup(() => oneNode.close());
    await onPg.pg.membership.createTopic('input', 1);
    const created = await (await RawClient.connect(oneNode.port)).request(19, 7, {
      topics: [{ name: 'input', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    const batch = buildRecordBatch({ records: [{ key: null, value: Buffer.from('v') }] });
    const badCrc = Buffer.from(batch);
    badCrc[badCrc.length - 1] ^= 0xff;
    // Marked zstd (attributes bits 0-2), so no zstd codec is needed: Produce before v7 refuses it unread.
    const zstd = Buffer.from(batch);
    zstd.writeInt16BE(CompressionType.zstd, 21);
    updateBatchCrc(zstd, 0);
    const magic1 = buildLegacyMessageSet({ magic: 1, messages: [{ key: null, value: Buffer.from('old') }] });
    const transactional = buildRecordBatch({ producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [{ key: null, value: Buffer.from('t') }] });
    const cases: { version: number; records: Buffer | null; code: number }[] = [
      { version: 9, records: null, code: ErrorCode.INVALID_RECORD },
      { version: 9, records: Buffer.alloc(0), code: ErrorCode.INVALID_RECORD },
      { version: 9, records: Buffer.concat([batch, batch]), code: ErrorCode.INVALID_RECORD },
      { version: 9, records: magic1, code: ErrorCode.INVALID_RECORD },
      { version: 9, records: badCrc, code: ErrorCode.CORRUPT_MESSAGE },
      { version: 6, records: zstd, code: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE },
      { version: 2, records: Buffer.alloc(0), code: ErrorCode.INVALID_RECORD },
      // Kafka needs WRITE on the transactional id for transactional batches: without an id, none is granted.
      { version: 12, records: transactional, code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
    ];
    const answer = async (port: number, c: (typeof cases)[number]) => {
      const raw = await RawClient.connect(port);
      try {
        const res = await raw.request(0, c.version, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'input', partitionData: [{ index: 0, records: c.records }] }] });
        const { errorCode, errorMessage, recordErrors, baseOffset } = res.responses[0].partitionResponses[0];
        return { errorCode, errorMessage, recordErrors, baseOffset };
      } finally {
        raw.socket.destroy();
      }
    };
    for (const c of cases) {
      const fromPg = await answer(onPg.port, c);
      expect(fromPg.errorCode, `v${c.version} ${c.records?.length ?? 'null'} bytes`).toBe(c.code);
      expect(fromPg).toEqual(await answer(oneNode.port, c));
    }
    expect((await onPg.pg.pool.query<{ n: number }>('select count(*)::int as n from tributary_batches')).rows[0].n).toBe(0);
  });

  it('cleanup.policy=compact keeps the latest record of each key, with its offset, and a tombstone until delete.retention.ms; the newest batch is left alone', async () => {
    const { a, client, admin } = await twoBrokers();
    const viaA = await admin(a);
    await viaA.createTopics({
      topics: [{ topic: 'table', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'delete.retention.ms', value: '1500' }] }],
    });
    const producer = client(a).producer();
    await producer.connect();
    pg.cleanup(() => producer.disconnect());
    // One batch per send: offsets 0-5, then the newest batch (offset 6), which stays as it is.
    const sends = [['k1', 'v1'], ['k2', 'v1'], ['k1', 'v2'], ['k3', 'v1'], ['k2', null], ['k1', 'v3'], ['k3', 'v2']] as const;
    for (const [key, value] of sends) await producer.send({ topic: 'table', acks: -1, messages: [{ key, value }] });
    const read = async () => {
      const got: [string, string, string | null][] = [];
      const c = client(a).consumer({ groupId: `read-${Math.random()}`, maxWaitTimeInMs: 100 });
      await c.connect();
      await c.subscribe({ topic: 'table', fromBeginning: true });
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      await c.run({ eachMessage: async ({ message }) => {
        got.push([message.offset, message.key!.toString(), message.value?.toString() ?? null]);
        if (message.offset === '6') done();
      } });
      await all;
      await c.disconnect();
      return got;
    };
    // k1@0, k2@1, k1@2 superseded; k3@3 is superseded only by the newest batch, which is not cleaned
    // yet (it stands for Kafka's active segment); the tombstone k2@4 stays until its horizon.
    await vi.waitFor(async () => expect(await read()).toEqual([['3', 'k3', 'v1'], ['4', 'k2', null], ['5', 'k1', 'v3'], ['6', 'k3', 'v2']]), { timeout: 10_000, interval: 200 });
    // Past delete.retention.ms (1.5 s) the tombstone goes too.
    await vi.waitFor(async () => expect(await read()).toEqual([['3', 'k3', 'v1'], ['5', 'k1', 'v3'], ['6', 'k3', 'v2']]), { timeout: 10_000, interval: 200 });
    // Offsets are kept: the log still starts at 0 and ends at 7.
    const [offsets] = await viaA.fetchTopicOffsets('table');
    expect([offsets.low, offsets.high]).toEqual(['0', '7']);
  }, 60_000);

  /** Two brokers whose heartbeats (and so their metadata refreshes) are a minute apart. */
  async function twoQuietBrokers(): Promise<RunningPgBroker[]> {
    const url = await pg.database('admin');
    const brokers: RunningPgBroker[] = [];
    for (let i = 0; i < 2; i++) {
      const x = await startPgBroker({ storage: url, config: { 'broker.heartbeat.interval.ms': 60_000, 'broker.session.timeout.ms': 180_000 } });
      pg.cleanup(() => x.close());
      brokers.push(x);
    }
    return brokers;
  }

  it('a produce naming a topic made through another broker a moment ago is served (the broker reads the database), not UNKNOWN_TOPIC_OR_PARTITION', async () => {
    // Heartbeats a minute apart: the other broker learns of the topic only by asking the database.
    const [a, b] = await twoQuietBrokers();
    await b.pg.membership.refresh(); // b knows a is live; a's topic it does not know yet
    b.pg.store.notifier.onMetadata = undefined; // and it does not hear of it (a notification lost)
    const t = await a.pg.membership.createTopic('fresh', 2);
    const p = [0, 1].find((k) => a.pg.membership.leaderOf(t.id, k)!.leader === b.nodeId);
    expect(p, 'round robin gives b a partition').toBeDefined();
    expect(b.pg.membership.topic('fresh')).toBeUndefined();
    const raw = await RawClient.connect(b.port);
    const produced = await raw.request(0, 9, {
      transactionalId: null, acks: -1, timeoutMs: 5000,
      topicData: [{ name: 'fresh', partitionData: [{ index: p, records: buildRecordBatch({ records: [{ key: null, value: Buffer.from('first') }] }) }] }],
    });
    expect(produced.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    raw.socket.destroy();
  });

  it('partitions added by CreatePartitions are spread so that the controller\'s next heartbeat moves no leadership (a client that just learnt the leader is not told NOT_LEADER_OR_FOLLOWER)', async () => {
    const [a, b] = await twoQuietBrokers();
    await a.pg.membership.refresh();
    const controller = [a, b].find((x) => x.pg.membership.controllerId === x.nodeId)!;
    const names = Array.from({ length: 8 }, (_, i) => `grown-${i}`);
    for (const name of names) {
      await a.pg.membership.createTopic(name, 1);
      await a.pg.topicAdmin.setPartitionCount(name, 2); // a round robin from a random start doubled up half the time
      await a.pg.topicAdmin.setPartitionCount(name, 5);
    }
    const leaders = () => names.flatMap((name) => {
      const t = controller.pg.membership.topic(name)!;
      return Array.from({ length: t.partitions }, (_, p) => controller.pg.membership.leaderOf(t.id, p)!);
    });
    await controller.pg.membership.refresh();
    const before = leaders();
    expect(before).toHaveLength(8 * 5);
    for (const name of names) {
      const counts = [a, b].map((x) => before.filter((l) => l.topicId === controller.pg.membership.topic(name)!.id && l.leader === x.nodeId).length);
      expect(counts.sort(), name).toEqual([2, 3]);
    }
    await controller.pg.membership.heartbeat(); // the controller balances each topic's leaderships
    expect(leaders()).toEqual(before);
    expect(before.every((l) => l.leaderEpoch === 0)).toBe(true);
  });

  it('a topic created, grown, reconfigured or deleted through one broker shows on the others within moments (a notification, not the next heartbeat)', async () => {
    const [a, b] = await twoQuietBrokers();
    const soon = { timeout: 2000, interval: 20 };
    await a.pg.membership.createTopic('told', 1);
    await vi.waitFor(() => expect(b.pg.membership.topic('told')?.partitions).toBe(1), soon);
    await a.pg.topicAdmin.setPartitionCount('told', 3);
    await vi.waitFor(() => expect(b.pg.membership.topic('told')?.partitions).toBe(3), soon);
    await a.pg.topicAdmin.setTopicConfigs('told', { 'retention.ms': '1000' });
    await vi.waitFor(() => expect(b.services.cluster.topic('told')?.configs).toEqual({ 'retention.ms': 1000 }), soon);
    await a.pg.topicAdmin.deleteTopic('told');
    await vi.waitFor(() => expect(b.pg.membership.topic('told')).toBeUndefined(), soon);
  });
});
