// Membership and leadership in the database with two brokers (two pools, as two processes would
// have): registration and node ids, leases, live brokers, topics, leaderships balanced over the
// live brokers, and a dead broker's leaderships taken over with a leader epoch bump.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NodeIdInUseError, RegistrationLostError } from '../../src/pg/broker-registry.js';
import { openPool, type Pool } from '../../src/pg/connection.js';
import { plan, rackAlternated, TopicExistsError } from '../../src/pg/leadership.js';
import { PgMembership } from '../../src/pg/pg-membership.js';
import { migrate } from '../../src/pg/schema.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

const HEARTBEAT = 100;
const SESSION = 600;

describe('leadership plan', () => {
  const p = (partition: number, leader: number, leaderEpoch = 0) => ({ topicId: 't', partition, leader, leaderEpoch });
  it('gives a dead leader’s partitions to the least loaded, each with an epoch bump', () => {
    expect(plan([p(0, 1), p(1, 2, 5), p(2, 2), p(3, 3)], [1, 3], false)).toEqual([p(1, 1, 6), p(2, 3, 1)]);
  });
  it('balances only when asked, to shares within one', () => {
    const all = [p(0, 1), p(1, 1), p(2, 1), p(3, 1)];
    expect(plan(all, [1, 2], false)).toEqual([]);
    const moves = plan(all, [1, 2], true);
    expect(moves).toHaveLength(2);
    expect(moves.every((m) => m.leader === 2 && m.leaderEpoch === 1)).toBe(true);
    expect(plan([p(0, 1), p(1, 1), p(2, 2)], [1, 2], true)).toEqual([]);
  });
  it('balances each topic on its own, and a tie goes to the rack leading fewer of the topic\'s partitions', () => {
    const racks: Record<number, string> = { 1: 'a', 2: 'a', 3: 'b', 4: 'b' };
    // Broker 3 (rack b) died leading two of four partitions: one goes to 4, and the other too
    // (brokers 1, 2 and 4 tie at one each; rack b leads one of the topic's partitions, rack a two).
    const moves = plan([p(0, 1), p(1, 2), p(2, 3), p(3, 3)], [1, 2, 4], false, (id) => racks[id]);
    expect(moves.map((m) => m.leader)).toEqual([4, 4]);
    // Without racks, the tie goes to the lowest node id.
    expect(plan([p(0, 1), p(1, 2), p(2, 3), p(3, 3)], [1, 2, 4], false).map((m) => m.leader)).toEqual([4, 1]);
    // Another topic's partitions do not count against this one's spread.
    const other = (partition: number, leader: number) => ({ topicId: 'u', partition, leader, leaderEpoch: 0 });
    expect(plan([p(0, 1), p(1, 2), other(0, 1), other(1, 1), other(2, 1)], [1, 2], false)).toEqual([]);
  });
  it('leads round robin over the brokers with racks alternating', () => {
    expect(rackAlternated([{ nodeId: 1, rack: 'a' }, { nodeId: 2, rack: 'a' }, { nodeId: 3, rack: 'b' }, { nodeId: 4, rack: 'c' }, { nodeId: 5, rack: 'b' }])).toEqual([1, 3, 4, 2, 5]);
    expect(rackAlternated([{ nodeId: 2, rack: null }, { nodeId: 1, rack: null }])).toEqual([1, 2]);
  });
});

describe.skipIf(unavailable !== undefined)('membership and leadership in PostgreSQL', () => {
  let server: PgServer;
  let dbCount = 0;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function database(): Promise<string> {
    const url = await server.createDatabase(`m${++dbCount}`);
    const p = await openPool(url);
    await migrate(p);
    await p.end();
    return url;
  }
  async function pool(url: string): Promise<Pool> {
    // As openPgCluster opens a broker's pool: a transaction idle past the session is ended by the server.
    const p = await openPool(url, { max: 4, idleInTransactionTimeoutMs: SESSION });
    cleanups.push(() => p.end());
    return p;
  }
  async function broker(url: string, port: number, nodeId?: number, rack: string | null = null): Promise<PgMembership> {
    const m = new PgMembership(await pool(url), {
      nodeId, rack, endpoints: new Map([['PLAINTEXT', { host: '127.0.0.1', port }]]), heartbeatIntervalMs: HEARTBEAT, sessionTimeoutMs: SESSION,
    });
    await m.start();
    cleanups.push(() => m.stop());
    return m;
  }
  const counts = (m: PgMembership, topicId: string, partitions: number) => {
    const c = new Map<number, number>();
    for (let p = 0; p < partitions; p++) {
      const l = m.leaderOf(topicId, p)!.leader;
      c.set(l, (c.get(l) ?? 0) + 1);
    }
    return Object.fromEntries(c);
  };

  it('registers brokers with allocated or configured node ids; a live node id cannot be taken', async () => {
    const url = await database();
    const a = await broker(url, 9001);
    const b = await broker(url, 9002, undefined, 'rack-b');
    const c = await broker(url, 9003, 7);
    expect([a.nodeId, b.nodeId, c.nodeId]).toEqual([0, 1, 7]);
    await a.refresh();
    expect(a.liveBrokers().map((x) => [x.nodeId, x.rack, x.endpoints.get('PLAINTEXT')?.port])).toEqual([[0, null, 9001], [1, 'rack-b', 9002], [7, null, 9003]]);
    expect(a.controllerId).toBe(0);
    expect(a.endpoint(1, 'OTHER')).toEqual({ host: '127.0.0.1', port: 9002 }); // unknown listener: the first
    await expect(broker(url, 9004, 1)).rejects.toBeInstanceOf(NodeIdInUseError);
    // Two processes registering the same new id at once: one gets it, the other is refused; allocations all differ.
    const same = await Promise.allSettled([broker(url, 9005, 9), broker(url, 9006, 9)]);
    expect(same.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((same.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(NodeIdInUseError);
    const allocated = await Promise.all([broker(url, 9007), broker(url, 9008), broker(url, 9009)]);
    expect(allocated.map((m) => m.nodeId).sort((x, y) => x - y)).toEqual([10, 11, 12]);
  });

  it('topics are shared and their leaderships spread over the live brokers', async () => {
    const url = await database();
    const a = await broker(url, 9001);
    const b = await broker(url, 9002);
    const t = await a.createTopic('orders', 6, { 'retention.ms': '1000' });
    await expect(b.createTopic('orders', 1)).rejects.toBeInstanceOf(TopicExistsError);
    await b.refresh();
    expect(b.topic('orders')).toEqual({ name: 'orders', id: t.id, partitions: 6, configs: { 'retention.ms': '1000' }, parsedConfigs: { 'retention.ms': 1000 } });
    expect(counts(b, t.id, 6)).toEqual({ 0: 3, 1: 3 });
    for (let p = 0; p < 6; p++) expect(b.leaderOf(t.id, p)!.leaderEpoch).toBe(0);
  });

  it('a broker whose lease expires loses its leaderships to the live ones with an epoch bump; back, it gets its share again', async () => {
    const url = await database();
    const a = await broker(url, 9001);
    const b = await broker(url, 9002);
    const t = await a.createTopic('events', 4);
    const before = new Map(Array.from({ length: 4 }, (_, p) => [p, a.leaderOf(t.id, p)!]));
    const ledByB = [...before.values()].filter((l) => l.leader === 1).map((l) => l.partition);
    expect(ledByB).toHaveLength(2);
    await b.stop({ deregister: false }); // as kill -9: the lease runs out
    const died = Date.now();
    await vi.waitFor(() => {
      expect(a.liveBrokers().map((x) => x.nodeId)).toEqual([0]);
      expect(counts(a, t.id, 4)).toEqual({ 0: 4 });
    }, { timeout: SESSION * 5, interval: 20 });
    expect(Date.now() - died).toBeGreaterThanOrEqual(SESSION - HEARTBEAT * 2);
    for (const p of ledByB) expect(a.leaderOf(t.id, p)!.leaderEpoch).toBe(before.get(p)!.leaderEpoch + 1);
    for (const p of [0, 1, 2, 3].filter((x) => !ledByB.includes(x))) expect(a.leaderOf(t.id, p)!.leaderEpoch).toBe(before.get(p)!.leaderEpoch);
    // The same node id in a new process, once the lease expired.
    const b2 = await broker(url, 9012, 1);
    await vi.waitFor(() => expect(counts(a, t.id, 4)).toEqual({ 0: 2, 1: 2 }), { timeout: SESSION * 5, interval: 20 });
    await b2.refresh();
    expect(b2.endpoint(1, 'PLAINTEXT')?.port).toBe(9012);
  });

  it('a broker paused in the middle of a transaction holding partition rows: the live one takes over once the server ends it, keeping its own lease meanwhile', async () => {
    const url = await database();
    const a = await broker(url, 9001);
    const b = await broker(url, 9002);
    const t = await a.createTopic('locked', 4);
    // b is frozen (SIGSTOP, a VM pause) half-way through an append: its transaction holds every row it locked.
    const frozen = await b.pool.connect();
    frozen.on('error', () => {}); // the server ends this session: expected
    await frozen.query('begin');
    await frozen.query('select * from tributary_partitions where topic_id = $1 for update', [t.id]);
    await b.stop({ deregister: false });
    const paused = Date.now();
    let aLostItself = false;
    await vi.waitFor(() => {
      if (!a.liveBrokers().some((x) => x.nodeId === 0)) aLostItself = true;
      expect(counts(a, t.id, 4)).toEqual({ 0: 4 });
    }, { timeout: SESSION * 8, interval: 20 });
    console.log(`took over ${Date.now() - paused} ms after the pause (session ${SESSION} ms)`);
    expect(aLostItself).toBe(false);
    // The frozen broker's transaction is gone: waking up, it cannot commit what it held.
    await expect(frozen.query('commit')).rejects.toThrow();
    frozen.release(true);
  });

  it('a clean stop hands over at once; an old process whose node id was taken cannot renew', async () => {
    const url = await database();
    const a = await broker(url, 9001);
    const b = await broker(url, 9002);
    const t = await a.createTopic('jobs', 2);
    await b.stop();
    await a.heartbeat();
    expect(counts(a, t.id, 2)).toEqual({ 0: 2 });
    // A paused process (b) whose node id a new process took: its renewal is refused.
    const b2 = await broker(url, 9012, 1);
    await expect(b.registry.renew(SESSION)).rejects.toBeInstanceOf(RegistrationLostError);
    expect(b2.nodeId).toBe(1);
  });

  it('a new process taking an expired node id bumps the epochs that node id still leads (its old process is fenced)', async () => {
    const url = await database();
    const only = await broker(url, 9001, 5);
    const t = await only.createTopic('solo', 2);
    const before = [0, 1].map((p) => only.leaderOf(t.id, p)!);
    expect(before.every((l) => l.leader === 5)).toBe(true);
    await only.stop({ deregister: false }); // paused: nobody else is alive to take over
    await new Promise((r) => setTimeout(r, SESSION + 100));
    const again = await broker(url, 9002, 5);
    for (const p of [0, 1]) expect(again.leaderOf(t.id, p)).toEqual({ ...before[p], leaderEpoch: before[p].leaderEpoch + 1 });
    const { PgPartitionStore, FencedLeaderError } = await import('../../src/pg/partition-store.js');
    const { buildRecordBatch } = await import('../../src/codec/records/index.js');
    const late = new PgPartitionStore(only.pool).append(t.id, 0, 5, before[0].leaderEpoch, [buildRecordBatch({ records: [{ value: Buffer.from('late') }] })]);
    await expect(late).rejects.toBeInstanceOf(FencedLeaderError);
  });
});
