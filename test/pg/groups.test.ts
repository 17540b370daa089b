// Consumer groups over PostgreSQL, with three broker processes (the real CLI) on one database: the
// coordinator of a group is the broker leading its __consumer_offsets partition in the database, as
// in Kafka. kill -9 of that broker: another takes the partition over (an epoch bump), loads the
// group's committed offsets from the database, and a consumer of the group resumes from them: no
// committed record read again, none skipped. SIGSTOP of a coordinator past its lease, then SIGCONT:
// a commit it receives is refused (NOT_COORDINATOR), and the committed offset stays the new one's.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { offsetsPartitionFor } from '../../src/group/index.js';
import { ROOT, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { requireTool, run } from '../helpers/tools.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';
import { expectInternalTopicsEvenedOut } from './suite.js';
import { transactionStatePartitionFor } from '../../src/txn/index.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);
const SESSION = 2000;
/** confluent-kafka 2.16 (librdkafka 2.16: KIP-848), pinned and installed by .ci/run. */
const PYTHON = path.join(ROOT, 'test/reference/clients/python/venv/bin/python');
// Reads `want` records as a member of a KIP-848 group (group.protocol=consumer), commits them, prints them.
const KIP848_CONSUMER = `
import json, sys, time
from confluent_kafka import Consumer
bootstrap, group, topic, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'group.protocol': 'consumer', 'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
c.subscribe([topic])
got, deadline = [], time.time() + 60
while len(got) < want and time.time() < deadline:
    m = c.poll(0.2)
    if m is None or m.error(): continue
    got.append(m.value().decode())
c.commit(asynchronous=False)
c.close()
print(json.dumps(got))
`;

describe.skipIf(unavailable !== undefined)('consumer groups over PostgreSQL', () => {
  let server: PgServer;
  const procs: BrokerProcess[] = [];
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
    }
    await Promise.all(procs.map((p) => p.exited));
    await server?.stop();
  });

  async function cluster(name: string) {
    const url = await server.createDatabase(name);
    const start = (nodeId: number) => startBrokerProcess(['--storage', url, '--port', '0', '--node-id', String(nodeId)], {
      TRIBUTARY_BROKER_HEARTBEAT_INTERVAL_MS: '250', TRIBUTARY_BROKER_SESSION_TIMEOUT_MS: String(SESSION),
    }).then((p) => (procs.push(p), p));
    const brokers = new Map<number, BrokerProcess>();
    for (const id of [1, 2, 3]) brokers.set(id, await start(id));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    db.on('error', () => {}); // each test ends it; after a failed one the server's stop cuts it
    /** Leader and epoch of the group's __consumer_offsets partition, from the database. */
    const coordinator = async (groupId: string) => {
      const { rows } = await db.query(
        `select p.leader, p.leader_epoch from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id
          where t.name = '__consumer_offsets' and p.partition = $1`,
        [offsetsPartitionFor(groupId, 50)],
      );
      return rows[0] as { leader: number; leader_epoch: number };
    };
    const kafka = new Kafka({
      clientId: `pg-${name}`, brokers: [...brokers.values()].map((b) => b.bootstrap), logLevel: logLevel.NOTHING,
      retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await vi.waitFor(async () => expect((await admin.describeCluster()).brokers.map((x) => x.nodeId).sort()).toEqual([1, 2, 3]), { timeout: 5000, interval: 100 });
    // The coordinators stay put once the controller has evened out the internal topics' leaderships
    // (at its heartbeat after the third broker joined): the tests read them from the database first.
    await vi.waitFor(async () => {
      await expectInternalTopicsEvenedOut(db);
    }, { timeout: 15_000, interval: 50 });
    return { url, brokers, db, coordinator, kafka, admin };
  }

  it('kill -9 of the group coordinator: the group moves with its committed offsets, a consumer resumes from them', async () => {
    const { brokers, db, coordinator, kafka, admin } = await cluster('groups_kill');
    const topic = 'orders';
    const groupId = 'billing';
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const send = async (prefix: string) => {
      for (let p = 0; p < 3; p++) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: p, value: `${prefix}-${p}-${i}` })) });
      }
    };
    await send('before');

    const consume = async (consumer: Consumer, into: string[], until: (seen: string[]) => boolean) => {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => { into.push(message.value!.toString()); } });
      await vi.waitFor(() => expect(until(into)).toBe(true), { timeout: 30_000, interval: 50 });
    };
    const first: string[] = [];
    const c1 = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });
    await consume(c1, first, (seen) => seen.length >= 15);
    await c1.commitOffsets([0, 1, 2].map((partition) => ({ topic, partition, offset: '5' })));
    await c1.disconnect();
    expect(first.sort()).toEqual(Array.from({ length: 15 }, (_, k) => `before-${Math.floor(k / 5)}-${k % 5}`).sort());

    const before = await coordinator(groupId);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0].partitions.map((p) => p.offset)).toEqual(['5', '5', '5']);

    const victim = brokers.get(before.leader)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    await send('after');

    // A new member of the group: it starts where the group committed, on the coordinator that took over.
    const second: string[] = [];
    const c2 = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });
    await consume(c2, second, (seen) => seen.length >= 15);
    const resumedMs = Date.now() - killedAt;
    await c2.disconnect();
    await producer.disconnect();
    expect(second.sort()).toEqual(Array.from({ length: 15 }, (_, k) => `after-${Math.floor(k / 5)}-${k % 5}`).sort());

    const after = await coordinator(groupId);
    expect(after.leader).not.toBe(before.leader);
    expect(after.leader_epoch).toBeGreaterThan(before.leader_epoch);
    // The committed offsets, read through the new coordinator, are those committed before the kill.
    const moved = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(moved[0].partitions.map((p) => p.offset)).toEqual(['5', '5', '5']);
    await admin.disconnect();
    await db.end();
    console.log(`group coordinator killed: consumption resumed on broker ${after.leader} after ${resumedMs} ms (session timeout ${SESSION} ms)`);
  }, 90_000);

  it.each([
    ['as its records are sent', 'send'],
    ['with its EndTxn in flight', 'commit'],
  ] as const)('kill -9 of the transaction coordinator during a transaction, %s: each acknowledged one is complete exactly once, none is half there, and its offsets are the group\'s', async (_, when) => {
    const { brokers, db, kafka, admin } = await cluster(`txn_kill_${when}`);
    await admin.createTopics({ topics: [{ topic: 'out', numPartitions: 3 }, { topic: 'in', numPartitions: 1 }] });
    // The leader of ctp-kill's __transaction_state partition (Kafka's hash of the id, 50 partitions).
    const txnCoordinator = async () => (await db.query(
      `select p.leader from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id where t.name = '__transaction_state' and p.partition = $1`,
      [transactionStatePartitionFor('ctp-kill', 50)],
    )).rows[0].leader as number;
    const before = await txnCoordinator();
    let producer = kafka.producer({ transactionalId: 'ctp-kill', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    /** Transaction n: a record to each partition of 'out', and the group's offset n + 1 on 'in'. */
    const kill = () => {
      brokers.get(before)!.child.kill('SIGKILL');
      killedAt = Date.now();
    };
    let killedAt = 0;
    const transact = async (n: number, killAt?: 'send' | 'commit') => {
      const t = await producer.transaction();
      if (killAt === 'send') kill();
      try {
        // One partition per send: kafkajs 2.2.4 drops the records of a partition whose leader moved to a
        // broker that already answered for another partition of the same send (tulios/kafkajs#1303).
        for (const partition of [0, 1, 2]) await t.send({ topic: 'out', acks: -1, messages: [{ partition, value: `t${n}-p${partition}` }] });
        await t.sendOffsets({ consumerGroupId: 'ctp-kill-group', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: String(n + 1) }] }] });
        const committing = t.commit();
        if (killAt === 'commit') kill();
        return await committing;
      } catch (err) {
        await t.abort().catch(() => {});
        throw err;
      }
    };
    const acknowledged: number[] = [];
    const unknown: number[] = [];
    for (let n = 0; n < 5; n++) {
      await transact(n);
      acknowledged.push(n);
    }
    // The kill lands during transaction 5: it may end either way, but all of it or none.
    await transact(5, when).then(() => acknowledged.push(5), () => unknown.push(5));
    for (let n = 6; n < 10; n++) {
      try {
        await transact(n);
        acknowledged.push(n);
      } catch {
        // A producer fenced or failed by the move: a new one with the same id aborts what is open.
        unknown.push(n);
        await producer.disconnect().catch(() => {});
        producer = kafka.producer({ transactionalId: 'ctp-kill', idempotent: true, maxInFlightRequests: 1 });
        // kafkajs's connect (InitProducerId) gives up at once while FindCoordinator still names the
        // dead broker, until its lease expires: as against Kafka before the coordinator moves.
        await vi.waitFor(() => producer.connect(), { timeout: 30_000, interval: 200 });
      }
    }
    const recoveredMs = Date.now() - killedAt;
    await producer.disconnect();
    const after = await txnCoordinator();
    expect(after).not.toBe(before);
    expect(acknowledged.filter((n) => n >= 6).length).toBeGreaterThan(0);

    // read_committed: every record of each acknowledged transaction once; of the others all or none.
    const seen: string[] = [];
    const reader = kafka.consumer({ groupId: 'ctp-kill-reader', readUncommitted: false, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: 'out', fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await vi.waitFor(() => expect(acknowledged.every((n) => [0, 1, 2].every((p) => seen.includes(`t${n}-p${p}`)))).toBe(true), { timeout: 30_000, interval: 100 });
    await reader.disconnect();
    expect(new Set(seen).size).toBe(seen.length);
    for (const n of unknown) expect([0, 3]).toContain(seen.filter((v) => v.startsWith(`t${n}-`)).length);
    const last = Math.max(...acknowledged, ...unknown.filter((n) => seen.includes(`t${n}-p0`)));
    const [offsets] = await admin.fetchOffsets({ groupId: 'ctp-kill-group', topics: ['in'] });
    expect(offsets.partitions[0].offset).toBe(String(last + 1));
    await admin.disconnect();
    await db.end();
    console.log(`transaction coordinator killed: transactions 5-9 done ${recoveredMs} ms after the kill (session ${SESSION} ms); acknowledged ${acknowledged.join(',')}, unknown ${unknown.join(',') || 'none'}`);
  }, 120_000);

  it('SIGSTOP of the coordinator beyond its lease, then SIGCONT: its commit is refused, the new coordinator keeps the offsets', async () => {
    const { brokers, db, coordinator, admin } = await cluster('groups_paused');
    const topic = 'ledger';
    const groupId = 'auditors';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const before = await coordinator(groupId);
    const victim = brokers.get(before.leader)!;
    const commit = (client: RawClient, offset: number) => client.request(8, 8, {
      groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
    });
    const fetchCommitted = async (client: RawClient) => {
      const r = await client.request(9, 7, { groupId, topics: [{ name: topic, partitionIndexes: [0] }], groups: [], requireStable: false });
      return { errorCode: r.errorCode as number, offset: r.topics[0]?.partitions[0]?.committedOffset as number };
    };
    const old = await RawClient.connect(victim.port);
    // The topic reaches the victim's metadata within a heartbeat.
    await vi.waitFor(async () => expect((await commit(old, 5)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE), { timeout: 5000, interval: 100 });

    victim.child.kill('SIGSTOP');
    await vi.waitFor(async () => expect((await coordinator(groupId)).leader).not.toBe(before.leader), { timeout: SESSION * 5, interval: 100 });
    const after = await coordinator(groupId);
    // Sent while the old coordinator is stopped: it reads it after SIGCONT, still believing it coordinates, or not.
    const late = commit(old, 9);
    victim.child.kill('SIGCONT');
    expect((await late).topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    old.socket.destroy();

    const fresh = await RawClient.connect(brokers.get(after.leader)!.port);
    await vi.waitFor(async () => expect(await fetchCommitted(fresh)).toEqual({ errorCode: ErrorCode.NONE, offset: 5 }), { timeout: 5000, interval: 100 });
    expect((await commit(fresh, 7)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(await fetchCommitted(fresh)).toEqual({ errorCode: ErrorCode.NONE, offset: 7 });
    fresh.socket.destroy();
    await admin.disconnect();
    await db.end();
  }, 60_000);

  it.skipIf(!requireTool(existsSync(PYTHON), 'test/reference/clients/python (confluent-kafka 2.16)'))('a KIP-848 group (librdkafka, group.protocol=consumer) resumes from its committed offsets after kill -9 of its coordinator', async () => {
    const { brokers, db, coordinator, kafka, admin } = await cluster('groups_kip848');
    const topic = 'events';
    const groupId = 'kip848';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const send = async (prefix: string) => {
      for (let p = 0; p < 2; p++) await producer.send({ topic, acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: p, value: `${prefix}-${p}-${i}` })) });
    };
    const consume = async (want: number) => {
      const bootstrap = [...brokers.values()].filter((b) => b.child.exitCode === null && b.child.signalCode === null).map((b) => b.bootstrap).join(',');
      const r = await run(PYTHON, ['-c', KIP848_CONSUMER, bootstrap, groupId, topic, String(want)], { timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as string[]).sort();
    };
    const expected = (prefix: string) => [0, 1].flatMap((p) => [0, 1, 2, 3].map((i) => `${prefix}-${p}-${i}`)).sort();
    await send('before');
    expect(await consume(8)).toEqual(expected('before'));
    const before = await coordinator(groupId);
    const victim = brokers.get(before.leader)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    await send('after');
    // The member that joins after the move starts at the offsets committed before it.
    expect(await consume(8)).toEqual(expected('after'));
    expect((await coordinator(groupId)).leader).not.toBe(before.leader);
    await producer.disconnect();
    await admin.disconnect();
    await db.end();
  }, 150_000);
});
