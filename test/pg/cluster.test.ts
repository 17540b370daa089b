// Two brokers of the PostgreSQL cluster (each with its own pool, as two processes would have)
// sharing one database, driven by real clients: kafkajs produces through one, kcat (librdkafka)
// consumes through the other; a crashed leader's partitions are taken over with an epoch bump and
// no acknowledged record is lost; a leader whose heartbeat stopped (as a paused process) is fenced.

import { Kafka, logLevel, type Producer } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeResponse, encodeRequest, ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch, iterateBatches, readBaseOffset } from '../../src/codec/records/index.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);
const HEARTBEAT = 200;
const SESSION = 1500;

describe.skipIf(unavailable !== undefined)('a cluster of brokers over PostgreSQL, with real clients', () => {
  const pg = pgSuite();

  async function broker(url: string, nodeId?: number): Promise<RunningPgBroker> {
    const b = await startPgBroker({
      storage: url,
      config: { ...(nodeId !== undefined && { 'node.id': nodeId }), 'broker.heartbeat.interval.ms': HEARTBEAT, 'broker.session.timeout.ms': SESSION, 'num.partitions': 2 },
    });
    pg.cleanup(() => b.close());
    return b;
  }
  it('a broker\'s start-up log: the cluster it joined, and one line per coordinator topic loaded rather than one per partition', async () => {
    const url = await pg.database('startlog');
    const logger = new MemoryLogger('info');
    const b = await startPgBroker({ storage: url, logger, config: { 'broker.heartbeat.interval.ms': HEARTBEAT, 'broker.session.timeout.ms': SESSION } });
    pg.cleanup(() => b.close());
    await vi.waitFor(() => expect(logger.lines.filter((l) => l.includes('coordinator partitions loaded'))).toHaveLength(2), { timeout: 10_000, interval: 50 });
    expect(logger.lines.find((l) => l.includes('member of the PostgreSQL cluster'))).toContain(`clusterId=${b.pg.clusterId}`);
    expect(logger.lines.filter((l) => l.includes('new cluster in memory'))).toEqual([]);
    expect(logger.lines.filter((l) => /coordinator partition loaded|coordinating transactions|transactions loaded/.test(l))).toEqual([]);
  });

  async function producer(bootstrap: string): Promise<Producer> {
    const kafka = new Kafka({ clientId: 'pg-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
    const p = kafka.producer({ allowAutoTopicCreation: true });
    await p.connect();
    pg.cleanup(() => p.disconnect());
    return p;
  }
  /** Every record of the topic as "partition offset value", read with kcat through `bootstrap`. */
  async function consumeAll(bootstrap: string, topic: string): Promise<string[]> {
    const r = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter((l) => l !== '');
  }
  const check = (lines: string[], values: string[]) => {
    // Each acknowledged value exactly once; offsets contiguous from 0 in each partition.
    expect(lines.map((l) => l.split(' ')[2]).sort()).toEqual([...values].sort());
    for (const p of ['0', '1']) {
      const offsets = lines.filter((l) => l.startsWith(`${p} `)).map((l) => Number(l.split(' ')[1]));
      expect(offsets).toEqual(offsets.map((_, k) => k));
    }
  };

  it.skipIf(!requireTool(HAVE_KCAT, 'kcat'))('kafkajs produces through one broker, kcat consumes through the other; both list both brokers', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    const b = await broker(url);
    expect([a.nodeId, b.nodeId]).toEqual([0, 1]);
    const p = await producer(a.bootstrap);
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    for (const v of values) await p.send({ topic: 'orders', acks: -1, messages: [{ key: v, value: v }] });
    check(await consumeAll(b.bootstrap, 'orders'), values);
    const admin = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    pg.cleanup(() => admin.disconnect());
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((x) => x.nodeId).sort()).toEqual([0, 1]);
    // kafkajs asks Metadata; the Java Admin asks DescribeCluster (and names a partition's leader only
    // if it is among the brokers that lists): the same live brokers.
    const raw = await RawClient.connect(b.port);
    const described = await raw.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    raw.socket.destroy();
    expect(described.brokers.map((x: { brokerId: number; port: number }) => [x.brokerId, x.port])).toEqual([[0, a.port], [1, b.port]]);
    expect(described.clusterId).toBe(a.services.cluster.clusterId);
    // DescribeLogDirs: the database is the one log directory of every broker, with each partition's bytes there.
    const dirs = await Promise.all([a, b].map(async (x) => {
      const c = await RawClient.connect(x.port);
      const r = await c.request(35, 4, { topics: [{ topic: 'orders', partitions: [0, 1] }] });
      c.socket.destroy();
      return r.results;
    }));
    expect(dirs[0]).toEqual(dirs[1]);
    expect(dirs[0]).toHaveLength(1);
    expect(dirs[0][0].logDir).toMatch(/^postgres:\/\/postgres@/);
    const sizes = dirs[0][0].topics[0].partitions.map((p: { partitionIndex: number; partitionSize: bigint | number }) => Number(p.partitionSize));
    const { rows } = await a.pg.pool.query(`select sum(octet_length(data))::int as n from tributary_batches b join tributary_topics t on t.topic_id = b.topic_id where t.name = 'orders'`);
    expect(sizes.reduce((x: number, y: number) => x + y, 0)).toBe(rows[0].n);
    expect(sizes.every((n: number) => n > 0)).toBe(true);
    // One cluster id, kept in the database, answered by every broker.
    expect(cluster.clusterId).toBe(a.services.cluster.clusterId);
    expect(b.services.cluster.clusterId).toBe(a.services.cluster.clusterId);
    // ListOffsets from the database: earliest, latest, and by timestamp.
    const offsets = await admin.fetchTopicOffsets('orders');
    expect(offsets.map((o) => Number(o.low))).toEqual([0, 0]);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(20);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('orders', Date.now() + 60_000);
    expect(byTime.map((o) => o.offset).sort()).toEqual(offsets.map((o) => o.high).sort()); // none yet: the end
    const fromStart = await admin.fetchTopicOffsetsByTimestamp('orders', 0);
    expect(fromStart.map((o) => o.offset)).toEqual(['0', '0']);
    // CreateTopics in the database, seen through the other broker.
    expect(await admin.createTopics({ topics: [{ topic: 'made', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'made', numPartitions: 3 }] })).toBe(false); // exists already
    const refusal = (topic: Parameters<typeof admin.createTopics>[0]['topics'][number]) =>
      admin.createTopics({ topics: [topic] }).then(() => 'created', (e: { errors?: { type: string }[] }) => e.errors?.map((x) => x.type).join());
    expect(await refusal({ topic: 'bad', configEntries: [{ name: 'no.such.config', value: '1' }] })).toBe('INVALID_CONFIG');
    expect(await refusal({ topic: 'rf3', replicationFactor: 3 })).toBe('INVALID_REPLICATION_FACTOR');
    await a.pg.membership.refresh();
    expect(a.pg.membership.topic('made')).toMatchObject({ partitions: 3, configs: { 'retention.ms': '60000' } });
    const [meta] = (await admin.fetchTopicMetadata({ topics: ['orders'] })).topics;
    expect(meta.partitions.map((x) => x.leader).sort()).toEqual([0, 1]); // one partition each
  });

  it.skipIf(!requireTool(HAVE_KCAT, 'kcat'))('a crashed leader’s partitions move to the live broker with an epoch bump; nothing acknowledged is lost', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    const b = await broker(url);
    await a.pg.membership.createTopic('events', 2);
    await b.pg.membership.refresh();
    const t = b.pg.membership.topic('events')!;
    const ledByA = [0, 1].filter((p) => b.pg.membership.leaderOf(t.id, p)!.leader === a.nodeId);
    expect(ledByA).toHaveLength(1);
    const epochBefore = b.pg.membership.leaderOf(t.id, ledByA[0])!.leaderEpoch;
    const p = await producer(`${a.bootstrap}`);
    const acked: string[] = [];
    for (let i = 0; i < 10; i++) {
      await p.send({ topic: 'events', acks: -1, messages: [{ partition: i % 2, value: `before-${i}` }] });
      acked.push(`before-${i}`);
    }
    await a.crash(); // listeners gone, lease left to expire
    const crashedAt = Date.now();
    await vi.waitFor(() => expect(b.pg.membership.leaderOf(t.id, ledByA[0])!.leader).toBe(b.nodeId), { timeout: SESSION * 4, interval: 20 });
    const takeoverMs = Date.now() - crashedAt;
    expect(takeoverMs).toBeGreaterThanOrEqual(SESSION - 2 * HEARTBEAT);
    expect(b.pg.membership.leaderOf(t.id, ledByA[0])!.leaderEpoch).toBe(epochBefore + 1);
    const p2 = await producer(b.bootstrap);
    for (let i = 0; i < 10; i++) {
      await p2.send({ topic: 'events', acks: -1, messages: [{ partition: i % 2, value: `after-${i}` }] });
      acked.push(`after-${i}`);
    }
    check(await consumeAll(b.bootstrap, 'events'), acked);
  });

  it('a leader whose heartbeat stopped (a paused process) is fenced once replaced: its client is redirected, nothing is written twice', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    const b = await broker(url);
    await a.pg.membership.createTopic('jobs', 2);
    const t = a.pg.membership.topic('jobs')!;
    const ledByA = [0, 1].find((p) => a.pg.membership.leaderOf(t.id, p)!.leader === a.nodeId)!;
    const epoch = a.pg.membership.leaderOf(t.id, ledByA)!.leaderEpoch;
    // As a paused or cut-off process: no more heartbeats, no metadata notifications; a still serves and believes it leads.
    a.pg.store.notifier.onMetadata = undefined;
    await a.pg.membership.stop({ deregister: false });
    await vi.waitFor(async () => {
      await b.pg.membership.refresh();
      expect(b.pg.membership.leaderOf(t.id, ledByA)!.leader).toBe(b.nodeId);
    }, { timeout: SESSION * 4, interval: 50 });
    expect(a.pg.membership.leaderOf(t.id, ledByA)).toMatchObject({ leader: a.nodeId, leaderEpoch: epoch }); // stale
    // A late write by the old leader at its old epoch is refused by the database.
    const { FencedLeaderError } = await import('../../src/pg/partition-store.js');
    const { buildRecordBatch } = await import('../../src/codec/records/index.js');
    await expect(a.pg.store.append(t.id, ledByA, a.nodeId, epoch, [buildRecordBatch({ records: [{ value: Buffer.from('late') }] })])).rejects.toBeInstanceOf(FencedLeaderError);
    // A client of the old leader is told NOT_LEADER_OR_FOLLOWER, learns the new leader, and succeeds there.
    const p = await producer(a.bootstrap);
    const [r] = await p.send({ topic: 'jobs', acks: -1, messages: [{ partition: ledByA, value: 'redirected' }] });
    expect(r.errorCode).toBe(0);
    expect(Number(r.baseOffset)).toBe(0);
    expect(await b.pg.store.offsets(t.id, ledByA)).toEqual({ logStartOffset: 0, highWatermark: 1, lastStableOffset: 1 });
  });

  it.skipIf(!requireTool(HAVE_KCAT, 'kcat'))('idempotent producers (kafkajs, librdkafka) across a leader crash: every record once', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    const b = await broker(url);
    await a.pg.membership.createTopic('idem', 1);
    await b.pg.membership.refresh();
    const t = b.pg.membership.topic('idem')!;
    const leader = b.pg.membership.leaderOf(t.id, 0)!.leader === a.nodeId ? a : b;
    const survivor = leader === a ? b : a;
    const kafka = new Kafka({ brokers: [a.bootstrap, b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    pg.cleanup(() => p.disconnect());
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      await p.send({ topic: 'idem', acks: -1, messages: [{ value: `js-${i}` }] });
      acked.push(`js-${i}`);
    }
    await leader.crash();
    for (let i = 5; i < 10; i++) {
      await p.send({ topic: 'idem', acks: -1, messages: [{ value: `js-${i}` }] });
      acked.push(`js-${i}`);
    }
    // librdkafka's idempotent producer through the surviving broker.
    const lines = Array.from({ length: 5 }, (_, i) => `rd-${i}`);
    const produced = await run('kcat', ['-P', '-b', survivor.bootstrap, '-t', 'idem', '-X', 'enable.idempotence=true', '-X', 'acks=all'], { input: lines.join('\n') + '\n', timeoutMs: 30_000 });
    expect(produced.code, produced.stderr).toBe(0);
    acked.push(...lines);
    const got = await run('kcat', ['-C', '-b', survivor.bootstrap, '-t', 'idem', '-o', 'beginning', '-e', '-q', '-f', '%o %s\n'], { timeoutMs: 30_000 });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.split('\n').filter((l) => l !== '')).toEqual(acked.map((v, k) => `${k} ${v}`));
    const { rows } = await survivor.pg.pool.query('select count(*)::int as n from tributary_producers');
    expect(rows[0].n).toBe(2); // kafkajs's and librdkafka's producer ids, one partition
  });

  it('a pipelining producer\'s requests share database transactions, keep their order, and a Fetch behind them sees them all', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    await a.pg.membership.createTopic('piped', 1);
    const raw = await RawClient.connect(a.port);
    pg.cleanup(async () => raw.close());
    const REQUESTS = 20;
    const batch = (i: number) => buildRecordBatch({ records: [{ key: null, value: Buffer.from(`v${i}`) }, { key: null, value: Buffer.from(`w${i}`) }] });
    const produce = (i: number) => ({ transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'piped', partitionData: [{ index: 0, records: batch(i) }] }] });
    const fetch = {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'piped', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
      forgottenTopicsData: [], rackId: '',
    };
    const before = { ...a.pg.store.committer.stats };
    // Every request in one socket write: the broker has them all before the first commits.
    raw.writeRaw(Buffer.concat([
      ...Array.from({ length: REQUESTS }, (_, i) => encodeRequest(0, 9, { correlationId: i, clientId: 'piped' }, produce(i))).flat(),
      ...encodeRequest(1, 12, { correlationId: REQUESTS, clientId: 'piped' }, fetch),
    ]));
    const answers = await raw.produceResponses(9, REQUESTS);
    expect(answers.map((a) => [a.correlationId, a.errorCode])).toEqual(answers.map((_, i) => [i, ErrorCode.NONE]));
    const bases = answers.map((a) => a.baseOffset);
    // In request order, two records each.
    expect(bases).toEqual(Array.from({ length: REQUESTS }, (_, i) => 2 * i));
    // The later requests waited in the queue while the first transaction was in flight, and went together.
    const stats = a.pg.store.committer.stats;
    expect(stats.appends - before.appends).toBeGreaterThanOrEqual(REQUESTS); // the broker's own coordinator appends would count too
    expect(stats.transactions - before.transactions).toBeLessThan(REQUESTS / 2);
    // The Fetch behind them started only once they were committed: it sees every record.
    const { body: fetched } = decodeResponse(1, 12, await raw.readFrame());
    const part = (fetched as { responses: { partitions: { highWatermark: number; records: Buffer | null }[] }[] }).responses[0].partitions[0];
    expect(part.highWatermark).toBe(2 * REQUESTS);
    const records = part.records ?? Buffer.alloc(0);
    const fetchedBases = [...iterateBatches(records)].filter((b) => b.status === 'complete').map((b) => readBaseOffset(records, b.position));
    expect(fetchedBases).toEqual(bases);
  });

  it('a broker asked for a topic another broker just created reads the database instead of answering unknown', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    const b = await broker(url);
    await b.pg.membership.stop({ deregister: false }); // no heartbeat (no refresh) on b from now on; its lease is still live
    b.pg.store.notifier.onMetadata = undefined; // nor a refresh when told of the change (else it could know the topic first)
    await a.pg.membership.createTopic('late', 2);
    expect(b.pg.membership.topic('late')).toBeUndefined();
    const admin = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    pg.cleanup(() => admin.disconnect());
    const [late] = (await admin.fetchTopicMetadata({ topics: ['late'] })).topics;
    expect(late.partitions).toHaveLength(2);
  });

  it('a clean shutdown hands its leaderships over at once (controlled shutdown), with an epoch bump', async () => {
    const url = await pg.database('c');
    const a = await broker(url);
    const b = await broker(url);
    await a.pg.membership.createTopic('handed', 2);
    const t = a.pg.membership.topic('handed')!;
    const before = [0, 1].map((p) => a.pg.membership.leaderOf(t.id, p)!);
    const closing = before.some((l) => l.leader === a.nodeId) ? a : b;
    const staying = closing === a ? b : a;
    await closing.close();
    // At once, not after the session timeout: the database names the other broker, each moved partition at a new epoch.
    const { rows } = await staying.pg.pool.query('select partition, leader, leader_epoch from tributary_partitions where topic_id = $1 order by partition', [t.id]);
    for (const r of rows) {
      expect(r.leader).toBe(staying.nodeId);
      const was = before[r.partition];
      expect(r.leader_epoch).toBe(was.leader === closing.nodeId ? was.leaderEpoch + 1 : was.leaderEpoch);
    }
    const producer = new Kafka({ clientId: 'pg-test', brokers: [staying.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } }).producer();
    await producer.connect();
    pg.cleanup(() => producer.disconnect());
    const started = Date.now();
    for (const partition of [0, 1]) expect((await producer.send({ topic: 'handed', acks: -1, messages: [{ partition, value: 'after' }] }))[0].errorCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(SESSION);
  });
});
