// Connection limits over real sockets, with Kafka's keys: max.connections.per.ip closes the
// connection one over the limit at once while the others (a kafkajs client among them) keep
// working; max.connections.per.ip.overrides gives one address its own limit; max.connections makes
// one more wait until a slot frees; max.connection.creation.rate delays accepts; all of them change
// live with AlterConfigs; refusals are logged (rate-limited) and counted by reason.

import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { loadAllApiCodecs } from '../../src/codec/index.js';
import { Logger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { parsePrometheusText, valueOf } from '../metrics/prometheus-text.js';
import { makeTestCerts } from '../helpers/tls-certs.js';
import tls from 'node:tls';

let broker: RunningBroker | undefined;
const open: RawClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await broker?.close();
  broker = undefined;
});

async function start(config: Record<string, string | number>, logLines: string[] = []): Promise<RunningBroker> {
  broker = await startBroker({
    config: { 'metrics.listener': 'http://127.0.0.1:0', ...config },
    logger: new Logger({ write: (line) => logLines.push(line) }, 'info'),
  });
  return broker;
}

/** A raw client from a local address of our choosing (127.0.0.2 is loopback too on Linux). */
async function connectFrom(port: number, localAddress = '127.0.0.1'): Promise<RawClient> {
  await loadAllApiCodecs();
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.once('error', reject);
  });
  // RawClient's constructor is private: reach it through connect()'s shape.
  const client = new (RawClient as unknown as new (s: net.Socket) => RawClient)(socket);
  open.push(client);
  return client;
}

/** Does the broker answer ApiVersions on this connection (true), or close it (false)? */
async function answers(c: RawClient): Promise<boolean> {
  try {
    const res = await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    return res.errorCode === 0;
  } catch {
    return false;
  }
}

async function refusedCount(reason: string): Promise<number> {
  const text = await (await fetch(`${broker!.metricsUrl}/metrics`)).text();
  return valueOf(parsePrometheusText(text), 'tributary_connections_refused_total', { listener: 'PLAINTEXT', reason }) ?? 0;
}

/** Waits until the broker has seen its open connections drop to `count` (a client's close reaches it a moment later). */
async function untilOpen(count: number): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${broker!.metricsUrl}/metrics`)).text();
    if (valueOf(parsePrometheusText(text), 'tributary_connections_open', { listener: 'PLAINTEXT' }) === count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function alterBroker(port: number, configs: { name: string; value: string | null; configOperation: number }[]): Promise<{ errorCode: number; errorMessage: string | null }> {
  const c = await connectFrom(port);
  const res = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '', configs }], validateOnly: false });
  c.close();
  await c.closedPromise;
  return res.responses[0];
}

describe('max.connections.per.ip', () => {
  it('closes the connection one over the limit at once, while a kafkajs client keeps working', async () => {
    const logLines: string[] = [];
    const b = await start({ 'max.connections.per.ip': 4 }, logLines);
    const kafka = new Kafka({ clientId: 'limits', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'limits', messages: [{ value: 'before' }] });
    // kafkajs holds its connections (seed and broker); raw ones fill the rest of the four.
    const extra: RawClient[] = [];
    for (;;) {
      const c = await connectFrom(b.port);
      if (!(await answers(c))) break;
      extra.push(c);
      expect(extra.length).toBeLessThan(4);
    }
    expect(await refusedCount('max_connections_per_ip')).toBe(1);
    expect(logLines.some((l) => l.includes('Rejected connection from 127.0.0.1') && l.includes('configured maximum of 4 connections'))).toBe(true);
    // Those already open are untouched.
    await producer.send({ topic: 'limits', messages: [{ value: 'after' }] });
    for (const c of extra) expect(await answers(c)).toBe(true);
    await producer.disconnect();
    // A closed connection frees its slot.
    await untilOpen(extra.length);
    const again = await connectFrom(b.port);
    expect(await answers(again)).toBe(true);
  });

  it('counts a TLS connection from its accept: a failed handshake frees its slot', async () => {
    const certs = makeTestCerts();
    try {
      const b = await start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.keystoreFile, 'max.connections.per.ip': 1 });
      const port = b.listeners[0].port;
      // Plaintext on the TLS port: the handshake fails and the socket closes.
      const garbage = await connectFrom(port);
      garbage.writeRaw(Buffer.from('not a TLS record at all, just bytes\r\n'));
      await garbage.closedPromise;
      const handshake = () =>
        new Promise<boolean>((resolve) => {
          const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [certs.ca] }, () => {
            resolve(true);
            s.destroy();
          });
          s.once('error', () => resolve(false));
        });
      // Its slot is free again (the broker may see the close a moment after the client).
      while (!(await handshake())) await new Promise((r) => setTimeout(r, 20));
    } finally {
      certs.cleanup();
    }
  });

  it('gives an address of max.connections.per.ip.overrides its own limit', async () => {
    const b = await start({ 'max.connections.per.ip': 1, 'max.connections.per.ip.overrides': '127.0.0.2:3' });
    const fromOne = [await connectFrom(b.port), await connectFrom(b.port)];
    expect(await answers(fromOne[0])).toBe(true);
    expect(await answers(fromOne[1])).toBe(false);
    const fromTwo = [await connectFrom(b.port, '127.0.0.2'), await connectFrom(b.port, '127.0.0.2'), await connectFrom(b.port, '127.0.0.2'), await connectFrom(b.port, '127.0.0.2')];
    const answered = [];
    for (const c of fromTwo) answered.push(await answers(c));
    expect(answered).toEqual([true, true, true, false]);
    expect(await refusedCount('max_connections_per_ip')).toBe(2);
  });

  it('logs a flood of refusals once a second with the count of the others', async () => {
    const logLines: string[] = [];
    const b = await start({ 'max.connections.per.ip': 1 }, logLines);
    const first = await connectFrom(b.port);
    expect(await answers(first)).toBe(true);
    for (let i = 0; i < 30; i++) expect(await answers(await connectFrom(b.port))).toBe(false);
    expect(await refusedCount('max_connections_per_ip')).toBe(30);
    const lines = logLines.filter((l) => l.includes('Rejected connection'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(30);
  });

  it('changes live with AlterConfigs, and refuses 0 without overrides as Kafka does', async () => {
    const b = await start({});
    const a = await connectFrom(b.port);
    expect(await answers(a)).toBe(true);
    const settled = () => untilOpen(1); // only `a` once an admin connection is gone
    const zero = await alterBroker(b.port, [{ name: 'max.connections.per.ip', value: '0', configOperation: 0 }]);
    expect(zero.errorCode).toBe(42); // INVALID_REQUEST
    expect(zero.errorMessage).toBe('requirement failed: max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.');
    // Kafka 4.3.1's answers to malformed overrides (checked against a reference broker).
    const noColon = await alterBroker(b.port, [{ name: 'max.connections.per.ip.overrides', value: 'x', configOperation: 0 }]);
    expect(noColon).toMatchObject({ errorCode: 42, errorMessage: "Error parsing configuration property 'max.connections.per.ip.overrides': begin 0, end -1, length 1" });
    const badHost = await alterBroker(b.port, [{ name: 'max.connections.per.ip.overrides', value: 'a b:3', configOperation: 0 }]);
    expect(badHost).toMatchObject({ errorCode: 42, errorMessage: 'max.connections.per.ip.overrides contains invalid addresses : a b' });
    await settled();
    // a, plus the admin connection while it is open: a limit of 2 lets the admin in, then holds new ones to 1 more than a.
    expect((await alterBroker(b.port, [{ name: 'max.connections.per.ip', value: '2', configOperation: 0 }])).errorCode).toBe(0);
    await settled();
    const second = await connectFrom(b.port);
    expect(await answers(second)).toBe(true);
    const third = await connectFrom(b.port);
    expect(await answers(third)).toBe(false);
    // Deleting the dynamic value restores the default (no limit).
    second.close();
    await settled();
    expect((await alterBroker(b.port, [{ name: 'max.connections.per.ip', value: null, configOperation: 1 }])).errorCode).toBe(0);
    const many = [await connectFrom(b.port), await connectFrom(b.port), await connectFrom(b.port)];
    for (const c of many) expect(await answers(c)).toBe(true);
  });
});

describe('max.connections', () => {
  it('makes one more connection wait until a slot frees, then serves it', async () => {
    const b = await start({ 'max.connections': 2 });
    const a = await connectFrom(b.port);
    const c2 = await connectFrom(b.port);
    expect(await answers(a)).toBe(true);
    expect(await answers(c2)).toBe(true);
    const waiting = await connectFrom(b.port);
    let answered = false;
    const answer = answers(waiting).then((ok) => (answered = ok));
    // Another round trip on an open connection: the waiting one is still unanswered.
    expect(await answers(c2)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    expect(waiting.closed).toBe(false);
    a.close();
    await answer;
    expect(answered).toBe(true);
  });

  it('lowered below the connections open, closes the least recently used ones, as Kafka does', async () => {
    const b = await start({});
    const [a, idle, c] = [await connectFrom(b.port), await connectFrom(b.port), await connectFrom(b.port)];
    expect(await answers(idle)).toBe(true);
    expect(await answers(c)).toBe(true);
    // Sent over `a`: it is the most recently used, `idle` the least.
    const res = await a.request(44, 1, { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'max.connections', value: '2', configOperation: 0 }] }], validateOnly: false });
    expect(res.responses[0].errorCode).toBe(0);
    await idle.closedPromise;
    expect(await answers(a)).toBe(true);
    expect(await answers(c)).toBe(true);
  });

  it('takes listener.name.<l>.max.connections live from AlterConfigs; a raised limit lets the waiting one in', async () => {
    const b = await start({});
    const a = await connectFrom(b.port);
    expect(await answers(a)).toBe(true);
    // The admin connection counts while it is open: 2 = a + admin.
    expect((await alterBroker(b.port, [{ name: 'listener.name.plaintext.max.connections', value: '1', configOperation: 0 }])).errorCode).toBe(0);
    const waiting = await connectFrom(b.port);
    let answered = false;
    const answer = answers(waiting).then((ok) => (answered = ok));
    expect(await answers(a)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    // Raising it needs a connection: the waiting one is first in line, so a raise is sent over `a`.
    const res = await a.request(44, 1, { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'listener.name.plaintext.max.connections', value: '5', configOperation: 0 }] }], validateOnly: false });
    expect(res.responses[0].errorCode).toBe(0);
    await answer;
    expect(answered).toBe(true);
    const refused = await a.request(44, 1, { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'listener.name.plaintext.max.connections', value: '0', configOperation: 0 }] }], validateOnly: false });
    expect(refused.responses[0].errorCode).toBe(42);
    // Kafka 4.3.1's answer, checked against a reference broker.
    expect(refused.responses[0].errorMessage).toBe('Invalid value org.apache.kafka.common.config.ConfigException: Invalid max.connections 0 for configuration Invalid dynamic configuration');
  });
});

describe('connection_creation_rate of an ip client quota (KIP-612)', () => {
  it('holds a connection over its address\'s rate for Kafka\'s delay, then closes it; other addresses are not limited', { timeout: 30_000 }, async () => {
    const b = await start({});
    const admin = await connectFrom(b.port);
    const set = await admin.request(49, 1, { entries: [{ entity: [{ entityType: 'ip', entityName: '127.0.0.2' }], ops: [{ key: 'connection_creation_rate', value: 1, remove: false }] }], validateOnly: false });
    expect(set.entries[0].errorCode).toBe(0);
    // Kafka's rate spans 11 one-second samples: 10 at once are within 1/s, the 11th is over.
    const within: RawClient[] = [];
    for (let i = 0; i < 10; i++) within.push(await connectFrom(b.port, '127.0.0.2'));
    for (const c of within) expect(await answers(c)).toBe(true);
    const over = await connectFrom(b.port, '127.0.0.2');
    expect(await answers(over)).toBe(false);
    expect(await refusedCount('ip_connection_rate')).toBe(1);
    // 127.0.0.1 has no quota.
    for (let i = 0; i < 12; i++) expect(await answers(await connectFrom(b.port))).toBe(true);
  });
});

describe('max.connection.creation.rate', () => {
  it('delays accepts over the rate (Kafka\'s 11 one-second samples: a burst of 10 at 1/s passes)', { timeout: 30_000 }, async () => {
    const b = await start({ 'max.connection.creation.rate': 1 });
    const burst: RawClient[] = [];
    for (let i = 0; i < 10; i++) burst.push(await connectFrom(b.port));
    for (const c of burst) expect(await answers(c)).toBe(true);
    // The 11th and 12th are each held back up to the one-second quota window before they are served.
    const late = [await connectFrom(b.port), await connectFrom(b.port)];
    const lateStarted = performance.now();
    for (const c of late) expect(await answers(c)).toBe(true);
    const lateMs = performance.now() - lateStarted;
    // A lower bound only: the delay is the behaviour asked for (at least 1 s each), never how fast the rest runs.
    expect(lateMs).toBeGreaterThanOrEqual(1500);
  });
});
