// Two broker processes (`tributary --storage postgres://…`, the real CLI) sharing one database:
// kafkajs produces acks=all through the one leading a partition, that process is killed with
// SIGKILL, the other takes the partition over once the lease expired (an epoch bump) and the
// producer goes on through it; kcat then reads every acknowledged record exactly once, in order.

import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);
const SESSION = 2000;
/** Leader and epoch of partition 0 of a topic (the database also holds __consumer_offsets). */
const LEADER_OF = `select p.leader, p.leader_epoch from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id
  where t.name = $1 and p.partition = 0`;

describe.skipIf(unavailable !== undefined || !requireTool(HAVE_KCAT, 'kcat'))('broker processes over PostgreSQL', () => {
  let server: PgServer;
  const procs: BrokerProcess[] = [];
  /** The tests' own database connections, ended before the server stops even when a test failed. */
  const clients: pg.Client[] = [];
  const connect = async (url: string) => {
    const db = new pg.Client({ connectionString: url });
    clients.push(db);
    await db.connect();
    return db;
  };
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await server?.stop();
  });

  it('kill -9 of the leader: the other process takes over with an epoch bump, no acknowledged record lost', async () => {
    const url = await server.createDatabase('procs');
    const start = (nodeId: number) => startBrokerProcess(['--storage', url, '--port', '0', '--node-id', String(nodeId)], {
      TRIBUTARY_BROKER_HEARTBEAT_INTERVAL_MS: '250', TRIBUTARY_BROKER_SESSION_TIMEOUT_MS: String(SESSION),
    }).then((p) => (procs.push(p), p));
    const a = await start(1);
    const b = await start(2);
    expect(a.banner).toContain('data in postgres://postgres@');
    const kafka = new Kafka({ clientId: 'pg-procs', brokers: [a.bootstrap, b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    // Each broker learns of the other at its next heartbeat.
    await vi.waitFor(async () => expect((await admin.describeCluster()).brokers.map((x) => x.nodeId).sort()).toEqual([1, 2]), { timeout: 5000, interval: 100 });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const acked: string[] = [];
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'pay', acks: -1, messages: [{ value: `before-${i}` }] });
      acked.push(`before-${i}`);
    }
    const db = await connect(url);
    const leader = async () => (await db.query(LEADER_OF, ['pay'])).rows[0] as { leader: number; leader_epoch: number };
    const before = await leader();
    const victim = before.leader === 1 ? a : b;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'pay', acks: -1, messages: [{ value: `after-${i}` }] });
      acked.push(`after-${i}`);
    }
    const recoveredMs = Date.now() - killedAt;
    console.log(`producer succeeded again ${recoveredMs} ms after kill -9 (session timeout ${SESSION} ms)`);
    await producer.disconnect();
    const after = await leader();
    expect(after).toEqual({ leader: before.leader === 1 ? 2 : 1, leader_epoch: before.leader_epoch + 1 });
    const survivor = victim === a ? b : a;
    const r = await run('kcat', ['-C', '-b', survivor.bootstrap, '-t', 'pay', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toEqual(acked.map((v, k) => `${k} ${v}`));
  });

  it('SIGSTOP of the leader beyond the session timeout, then SIGCONT: its late write is refused, the record lands once through the new leader', async () => {
    const url = await server.createDatabase('paused');
    const start = (nodeId: number) => startBrokerProcess(['--storage', url, '--port', '0', '--node-id', String(nodeId)], {
      TRIBUTARY_BROKER_HEARTBEAT_INTERVAL_MS: '250', TRIBUTARY_BROKER_SESSION_TIMEOUT_MS: String(SESSION),
    }).then((p) => (procs.push(p), p));
    const a = await start(1);
    const b = await start(2);
    const db = await connect(url);
    const leader = async () => (await db.query(LEADER_OF, ['held'])).rows[0] as { leader: number; leader_epoch: number } | undefined;
    const setup = new Kafka({ brokers: [a.bootstrap, b.bootstrap], logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
    await setup.connect();
    await setup.send({ topic: 'held', acks: -1, messages: [{ value: 'first' }] });
    await setup.disconnect();
    const before = (await leader())!;
    const victim = before.leader === 1 ? a : b;
    // A client that knows only the victim: its produce waits inside the stopped process.
    const kafka = new Kafka({ brokers: [victim.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 30_000, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer();
    await producer.connect();
    victim.child.kill('SIGSTOP');
    const late = producer.send({ topic: 'held', acks: -1, messages: [{ value: 'late' }] });
    await vi.waitFor(async () => expect((await leader())!.leader).not.toBe(before.leader), { timeout: SESSION * 5, interval: 100 });
    victim.child.kill('SIGCONT');
    await late;
    await producer.disconnect();
    const after = (await leader())!;
    expect(after.leader_epoch).toBe(before.leader_epoch + 1);
    // The late record was written by the new leader, at its epoch: the old one's append was refused.
    const { rows } = await db.query(
      `select b.base_offset::int as o, b.leader_epoch as e from tributary_batches b join tributary_topics t on t.topic_id = b.topic_id
        where t.name = 'held' order by b.base_offset`,
    );
    expect(rows).toEqual([{ o: 0, e: before.leader_epoch }, { o: 1, e: after.leader_epoch }]);
    const r = await run('kcat', ['-C', '-b', victim === a ? b.bootstrap : a.bootstrap, '-t', 'held', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], { timeoutMs: 30_000 });
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual(['0 first', '1 late']);
  });
});
