// kafkajs against our idempotence and transactions: an idempotent producer whose produce response is
// lost (the connection drops after the broker appended) retries without a duplicate; transactional
// sendOffsets + commit makes records and offsets visible together, abort hides both; a second
// producer with the same transactional.id fences the first.

import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { fetchAll } from '../helpers/fetch-all.js';
import { RawClient } from '../helpers/raw-client.js';

/** A TCP proxy that can drop the connection instead of forwarding the next Produce response. */
class DroppingProxy {
  readonly server: net.Server;
  target = 0;
  dropNextProduceResponse = false;
  dropped = 0;

  constructor() {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      const produceIds = new Set<number>();
      let fromClient = Buffer.alloc(0);
      let fromBroker = Buffer.alloc(0);
      client.on('data', (d: Buffer) => {
        fromClient = Buffer.concat([fromClient, d]);
        while (fromClient.length >= 4 && fromClient.length >= 4 + fromClient.readInt32BE(0)) {
          const size = fromClient.readInt32BE(0);
          if (fromClient.readInt16BE(4) === 0) produceIds.add(fromClient.readInt32BE(8));
          upstream.write(fromClient.subarray(0, 4 + size));
          fromClient = fromClient.subarray(4 + size);
        }
      });
      upstream.on('data', (d: Buffer) => {
        fromBroker = Buffer.concat([fromBroker, d]);
        while (fromBroker.length >= 4 && fromBroker.length >= 4 + fromBroker.readInt32BE(0)) {
          const size = fromBroker.readInt32BE(0);
          const correlationId = fromBroker.readInt32BE(4);
          if (produceIds.delete(correlationId) && this.dropNextProduceResponse) {
            this.dropNextProduceResponse = false;
            this.dropped++;
            client.destroy();
            upstream.destroy();
            return;
          }
          client.write(fromBroker.subarray(0, 4 + size));
          fromBroker = fromBroker.subarray(4 + size);
        }
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }
}

let broker: RunningBroker;
let proxy: DroppingProxy;
beforeAll(async () => {
  proxy = new DroppingProxy();
  const proxyPort = await proxy.listen();
  broker = await startBroker({ advertisedPort: proxyPort, config: { 'num.partitions': 1 } });
  proxy.target = broker.port;
});
afterAll(async () => {
  await broker.close();
  proxy.server.close();
});

function kafka(clientId = 'txn-e2e') {
  return new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
}

async function values(topic: string, partition = 0): Promise<string[]> {
  const client = await RawClient.connect(broker.port);
  try {
    return (await fetchAll(client, topic, partition)).map((r) => r.value ?? '').filter((v) => v.startsWith('v'));
  } finally {
    client.socket.destroy();
  }
}

describe('kafkajs idempotent producer', () => {
  it('retries a batch whose response was lost without writing it twice', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'idem', messages: [{ value: 'v0' }] });
    proxy.dropNextProduceResponse = true;
    await producer.send({ topic: 'idem', messages: [{ value: 'v1' }, { value: 'v2' }] });
    await producer.send({ topic: 'idem', messages: [{ value: 'v3' }] });
    await producer.disconnect();
    expect(proxy.dropped).toBe(1);
    expect(await values('idem')).toEqual(['v0', 'v1', 'v2', 'v3']);
  });
});

describe('kafkajs transactions', () => {
  it('commits records and offsets together, aborts both, and fences an older producer', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txn-out', numPartitions: 1 }, { topic: 'txn-in', numPartitions: 1 }] });

    const producer = kafka('txn-a').producer({ transactionalId: 'tx-1', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t1 = await producer.transaction();
    await t1.send({ topic: 'txn-out', messages: [{ value: 'v-commit-1' }, { value: 'v-commit-2' }] });
    await t1.sendOffsets({ consumerGroupId: 'g-txn', topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '42' }] }] });
    await t1.commit();

    let offsets = await admin.fetchOffsets({ groupId: 'g-txn', topics: ['txn-in'] });
    expect(offsets[0].partitions[0].offset).toBe('42');

    const t2 = await producer.transaction();
    await t2.send({ topic: 'txn-out', messages: [{ value: 'v-abort-1' }] });
    await t2.sendOffsets({ consumerGroupId: 'g-txn', topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '99' }] }] });
    await t2.abort();
    offsets = await admin.fetchOffsets({ groupId: 'g-txn', topics: ['txn-in'] });
    expect(offsets[0].partitions[0].offset).toBe('42');

    // read_committed consumer: only committed records.
    const consumer = kafka('reader').consumer({ groupId: 'reader-rc', readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: 'txn-out', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length >= 2) resolve();
          },
        })
        .catch(reject);
    });
    // One more committed transaction lets us know the consumer has gone past the aborted one.
    const t3 = await producer.transaction();
    await t3.send({ topic: 'txn-out', messages: [{ value: 'v-commit-3' }] });
    await t3.commit();
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (seen.includes('v-commit-3')) resolve();
        else setImmediate(check);
      };
      check();
    });
    await consumer.disconnect();
    expect(seen).toEqual(['v-commit-1', 'v-commit-2', 'v-commit-3']);
    // read_uncommitted (raw fetch) sees the aborted record too.
    expect(await values('txn-out')).toEqual(['v-commit-1', 'v-commit-2', 'v-abort-1', 'v-commit-3']);

    // A second producer with the same transactional id fences the first.
    const t4 = await producer.transaction();
    await t4.send({ topic: 'txn-out', messages: [{ value: 'v-fenced' }] });
    const newer = kafka('txn-b').producer({ transactionalId: 'tx-1', maxInFlightRequests: 1, idempotent: true });
    await newer.connect();
    const t5 = await newer.transaction();
    await expect(t4.commit()).rejects.toThrow(/epoch|fenced/i);
    await t5.send({ topic: 'txn-out', messages: [{ value: 'v-new' }] });
    await t5.commit();
    await newer.disconnect();
    await producer.disconnect().catch(() => {});
    // The fenced transaction was aborted by the coordinator: its record is never read_committed-visible.
    const all = await values('txn-out');
    expect(all).toContain('v-fenced');
    expect(all[all.length - 1]).toBe('v-new');
    await admin.disconnect();
  });
});
