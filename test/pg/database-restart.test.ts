// A restart of PostgreSQL under a producer: the brokers keep running and keep their clients'
// connections, produces fail with a retriable error while the database is down and succeed once
// it is back, nothing acknowledged is lost or duplicated, and long polls are woken by appends again.

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
});
