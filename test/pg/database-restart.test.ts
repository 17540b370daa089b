// A restart of PostgreSQL under a producer: the brokers keep running and keep their clients'
// connections, produces fail with a retriable error while the database is down and succeed once
// it is back, nothing acknowledged is lost or duplicated, and long polls are woken by appends again.
// And under a consumer group: a commit during the outage is refused with a retriable error, the
// group goes on after it, and a new member resumes from the offsets committed.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined || !requireTool(HAVE_KCAT, 'kcat'))('PostgreSQL restart under load', () => {
  let server: PgServer;
  const brokers: RunningPgBroker[] = [];
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    for (const b of brokers) await b.close().catch(() => {});
    await server?.stop();
  });

  it('produces fail while the database is down and succeed once it is back; every acknowledged record is there once', async () => {
    const url = await server.createDatabase('restart');
    for (let k = 0; k < 2; k++) {
      brokers.push(await startPgBroker({ storage: url, logLevel: 'error', config: { 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500, 'num.partitions': 2 } }));
    }
    const kafka = new Kafka({ brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const acked: string[] = [];
    const send = async (v: string) => {
      await producer.send({ topic: 'ledger', acks: -1, messages: [{ key: v, value: v }] });
      acked.push(v);
    };
    for (let i = 0; i < 10; i++) await send(`before-${i}`);
    await server.down();
    const downAt = Date.now();
    const during = send('during'); // retried by the client until the database answers again
    await new Promise((r) => setTimeout(r, 1000));
    expect(acked).not.toContain('during');
    await server.up();
    await during;
    console.log(`produce acknowledged ${Date.now() - downAt} ms after the database went down for ~1 s`);
    for (let i = 0; i < 10; i++) await send(`after-${i}`);
    await producer.disconnect();
    // Every broker listens for appends again (its listening connection was replaced).
    await vi.waitFor(() => expect(brokers.every((b) => b.pg.store.notifier.listening)).toBe(true), { timeout: 10_000, interval: 100 });
    const r = await run('kcat', ['-C', '-b', brokers[1].bootstrap, '-t', 'ledger', '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.map((l) => l.split(' ')[2]).sort()).toEqual([...acked].sort());
    for (const p of ['0', '1']) {
      const offsets = lines.filter((l) => l.startsWith(`${p} `)).map((l) => Number(l.split(' ')[1]));
      expect(offsets).toEqual(offsets.map((_, k) => k));
    }
  });

  it('a consumer group across a database restart: commits resume, and a new member starts at the committed offsets', async () => {
    const url = await server.createDatabase('restart_groups');
    const local: RunningPgBroker[] = [];
    for (let k = 0; k < 2; k++) {
      local.push(await startPgBroker({ storage: url, logLevel: 'error', config: { 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500, 'group.initial.rebalance.delay.ms': 0 } }));
    }
    brokers.push(...local);
    const kafka = new Kafka({ brokers: local.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'tasks', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'tasks', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `t${i}` })) });
    const consumer = kafka.consumer({ groupId: 'workers', retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 500 } });
    await consumer.connect();
    await consumer.subscribe({ topic: 'tasks', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
    await vi.waitFor(() => expect(seen.length).toBe(10), { timeout: 20_000, interval: 50 });
    await server.down();
    // The coordinator cannot store the commit: a retriable error, retried by kafkajs until the database is back.
    const commit = consumer.commitOffsets([{ topic: 'tasks', partition: 0, offset: '10' }]);
    await new Promise((r) => setTimeout(r, 1000));
    await server.up();
    await commit;
    await consumer.disconnect();
    await producer.send({ topic: 'tasks', acks: -1, messages: [{ value: 't10' }, { value: 't11' }] });
    // A new member starts at the committed offset: only the records after it.
    const next = kafka.consumer({ groupId: 'workers', retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 500 } });
    await next.connect();
    await next.subscribe({ topic: 'tasks', fromBeginning: true });
    const resumed: string[] = [];
    await next.run({ eachMessage: async ({ message }) => { resumed.push(message.value!.toString()); } });
    await vi.waitFor(() => expect(resumed).toEqual(['t10', 't11']), { timeout: 20_000, interval: 50 });
    await next.disconnect();
    await producer.disconnect();
    expect((await admin.fetchOffsets({ groupId: 'workers', topics: ['tasks'] }))[0].partitions[0].offset).toBe('12');
    await admin.disconnect();
  }, 60_000);
});
