import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { fetchAll } from '../helpers/fetch-all.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ config: { 'num.partitions': 4 } });
});
afterAll(() => broker.close());

function kafka() {
  return new Kafka({ clientId: 'kafkajs-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

describe('kafkajs producer against Tributary', () => {
  it('produces thousands of keyed records with headers, plain and gzip, readable back in order per partition', async () => {
    const producer = kafka().producer({ allowAutoTopicCreation: true });
    await producer.connect();
    for (let round = 0; round < 10; round++) {
      const messages = Array.from({ length: 300 }, (_, i) => {
        const n = round * 300 + i;
        return { key: `key-${n % 37}`, value: `value-${n}`, headers: { trace: `t${n}` } };
      });
      const results = await producer.send({
        topic: 'orders',
        compression: round % 2 === 0 ? CompressionTypes.None : CompressionTypes.GZIP,
        acks: round % 3 === 0 ? 1 : -1,
        messages,
      });
      for (const r of results) expect(r.errorCode).toBe(0);
    }
    await producer.disconnect();

    const client = await RawClient.connect(broker.port);
    let total = 0;
    for (let p = 0; p < 4; p++) {
      const records = await fetchAll(client, 'orders', p);
      total += records.length;
      records.forEach((r, i) => expect(r.offset).toBe(i));
      // Same key, same partition; values of one key appear in the order they were sent.
      const byKey = new Map<string, number[]>();
      for (const r of records) {
        const n = Number(r.value!.slice('value-'.length));
        expect(r.headers.trace).toBe(`t${n}`);
        expect(r.key).toBe(`key-${n % 37}`);
        byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), n]);
      }
      for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    expect(total).toBe(3000);
    client.close();
  });

  it('reports the end offsets through ListOffsets', async () => {
    const admin = kafka().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('orders');
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(3000);
    expect(offsets.every((o) => o.low === '0')).toBe(true);
    await admin.disconnect();
  });
});
