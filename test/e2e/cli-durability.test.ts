// The CLI as users run it, and durability: an acks=all produce that was acknowledged survives
// kill -9 of the broker process.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { fetchAll } from '../helpers/fetch-all.js';
import { RawClient } from '../helpers/raw-client.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tributary-cli-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('tributary CLI', () => {
  it('starts, prints where it listens and where its data is, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const b = await startBrokerProcess(['--port', '0', '--data-dir', dataDir]);
    expect(b.banner).toMatch(new RegExp(`^Tributary listening on localhost:${b.port} .*data in ${dataDir}$`));
    const client = await RawClient.connect(b.port);
    const res = await client.request(18, 3, { clientSoftwareName: 'cli-test', clientSoftwareVersion: '1' });
    expect(res.errorCode).toBe(0);
    client.close();
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    // The clean-shutdown marker lets the next start skip recovery.
    const again = await startBrokerProcess(['--port', '0', '--data-dir', dataDir, '--log-format', 'json']);
    again.child.kill('SIGTERM');
    await again.exited;
    expect(again.stderr()).toMatch(/"cleanShutdown":true/);
  });

  it('refuses an unknown setting, naming it', async () => {
    await expect(startBrokerProcess(['--port', '0', '--no.such.setting', '3'])).rejects.toThrow(/no\.such\.setting/);
  });

  it('reads TRIBUTARY_* environment variables as the container does', async () => {
    const dataDir = tempDir();
    const b = await startBrokerProcess([], { TRIBUTARY_PORT: '0', TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_ADVERTISED_HOST: '127.0.0.1' });
    expect(b.banner).toContain(`listening on 127.0.0.1:${b.port}`);
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });
});

describe('durability', () => {
  it('keeps every acknowledged acks=all record across kill -9', async () => {
    const dataDir = tempDir();
    let b = await startBrokerProcess(['--port', '0', '--data-dir', dataDir, '--num.partitions', '2']);
    const kafka = new Kafka({ clientId: 'durability', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const acked: string[] = [];
    let n = 0;
    let killed = false;
    const sending = (async () => {
      while (!killed) {
        const batch = Array.from({ length: 20 }, () => ({ key: `k${n % 5}`, value: `v${n++}` }));
        try {
          await producer.send({ topic: 'durable', acks: -1, messages: batch });
          acked.push(...batch.map((m) => m.value));
        } catch {
          return; // the broker is gone: nothing after this was acknowledged
        }
      }
    })();
    // Kill once a good number of records were acknowledged, while sends are still in flight.
    while (acked.length < 2000) await new Promise((r) => setImmediate(r));
    b.child.kill('SIGKILL');
    killed = true;
    await b.exited;
    await sending;
    await producer.disconnect().catch(() => {});

    b = await startBrokerProcess(['--port', '0', '--data-dir', dataDir]);
    const client = await RawClient.connect(b.port);
    const stored = new Set<string>();
    for (let p = 0; p < 2; p++) {
      const records = await fetchAll(client, 'durable', p);
      records.forEach((r, i) => expect(r.offset).toBe(i));
      for (const r of records) stored.add(r.value!);
    }
    client.close();
    const missing = acked.filter((v) => !stored.has(v));
    expect(missing).toEqual([]);
    b.child.kill('SIGTERM');
    await b.exited;
  });
});
