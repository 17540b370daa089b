// Many partitions (issue 19) through the real broker process: partitions left unopened by a clean
// start are served, and every acks=all record acknowledged across many partitions survives kill -9,
// whether its partition was opened since the start or not.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { fetchAll } from '../helpers/fetch-all.js';
import { RawClient } from '../helpers/raw-client.js';

const PARTITIONS = 60;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('many partitions', () => {
  it('keeps every acknowledged acks=all record across kill -9, in partitions opened since the clean start and not', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-many-'));
    dirs.push(dataDir);
    const args = ['--port', '0', '--data-dir', dataDir, '--log-format', 'json'];
    let b = await startBrokerProcess(args);
    let kafka = new Kafka({ clientId: 'many', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: PARTITIONS }] });
    await admin.disconnect();
    let producer = kafka.producer();
    await producer.connect();
    const acked: { partition: number; value: string }[] = [];
    const before = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `before-${partition}` }));
    await producer.send({ topic: 'wide', acks: -1, messages: before });
    acked.push(...before);
    await producer.disconnect();
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);

    // A clean start opens no partition; the even ones are written (so opened) until the kill.
    b = await startBrokerProcess(args);
    expect(b.stderr()).toMatch(/"partitions":\d+,"opened":0,"cleanShutdown":true/);
    kafka = new Kafka({ clientId: 'many', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    producer = kafka.producer();
    await producer.connect();
    let n = 0;
    let killed = false;
    const sending = (async () => {
      while (!killed) {
        const batch = Array.from({ length: 10 }, () => ({ partition: (n % (PARTITIONS / 2)) * 2, value: `after-${n++}` }));
        try {
          await producer.send({ topic: 'wide', acks: -1, messages: batch });
          acked.push(...batch);
        } catch {
          return; // the broker is gone: nothing after this was acknowledged
        }
      }
    })();
    while (acked.length < PARTITIONS + 1000) await new Promise((r) => setImmediate(r));
    b.child.kill('SIGKILL');
    killed = true;
    await b.exited;
    await sending;
    await producer.disconnect().catch(() => {});

    b = await startBrokerProcess(args);
    expect(b.stderr()).toMatch(/"opened":0,"cleanShutdown":false/);
    const client = await RawClient.connect(b.port);
    const stored = new Set<string>();
    for (let p = 0; p < PARTITIONS; p++) {
      const records = await fetchAll(client, 'wide', p);
      records.forEach((r, i) => expect(r.offset).toBe(i));
      for (const r of records) stored.add(`${p}/${r.value!}`);
    }
    client.close();
    expect(acked.filter((a) => !stored.has(`${a.partition}/${a.value}`))).toEqual([]);
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });
});
