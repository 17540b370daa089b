// Interop matrix row: kafka-python 2.0.2 (Debian python3-kafka), driven by
// test/e2e/py/interop_kafka_python.py. It probes the broker's version (ApiVersions, then its table
// of known request versions) and also runs forced to old brokers' protocols: 0.11 (magic 2),
// 0.10.1 (magic 1, CreateTopics v0), 0.9 (magic 0, JoinGroup v0, Metadata v0 auto-creation).

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { HAVE_KAFKA_PYTHON, PYTHON, requireTool } from '../helpers/tools.js';
import { batchMagics, type ClientRecord, expectCanonical, kafkajsConsume, kafkajsProduce, runClient } from './interop-common.js';

const SCRIPT = fileURLToPath(new URL('./py/interop_kafka_python.py', import.meta.url));
const enabled = requireTool(HAVE_KAFKA_PYTHON, 'python3-kafka (kafka-python)');

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ config: { 'num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 } });
});
afterAll(() => broker?.close());

function py<T = any>(...args: string[]): Promise<T> {
  return runClient<T>(PYTHON, [SCRIPT, broker.bootstrap, ...args], 60_000);
}

async function magicsOf(topic: string): Promise<Set<number>> {
  const all = new Set<number>();
  for (let p = 0; p < 3; p++) for (const m of await batchMagics(broker.port, topic, p)) all.add(m);
  return all;
}

describe.runIf(enabled)('kafka-python 2.0.2', () => {
  it('infers a modern broker version from its ApiVersions probe (admin, consumer and producer)', async () => {
    const r = await py<{ admin: number[]; consumer: number[]; producer: number[]; apiVersionsSeen: boolean }>('probe');
    expect(r.apiVersionsSeen).toBe(true);
    expect(r.consumer).toEqual(r.admin);
    expect(r.producer).toEqual(r.admin);
    // (2, 4, 0) is Produce v8 in its table; (2, 5, 0) would need DescribeAcls v2.
    expect(r.admin[0]! * 100 + r.admin[1]!).toBeGreaterThanOrEqual(204);
  });

  // magic: what the client writes. Like Kafka 3.x (message.format.version is ignored), the broker
  // stores every produce as v2 batches, up-converting magic 0/1 message sets.
  const rows: { version: string; magic: number; headers: boolean; createdBy: string }[] = [
    { version: 'auto', magic: 2, headers: true, createdBy: 'CreateTopics' },
    { version: '0.11.0', magic: 2, headers: true, createdBy: 'CreateTopics' },
    { version: '0.10.1', magic: 1, headers: false, createdBy: 'CreateTopics' },
    { version: '0.9', magic: 0, headers: false, createdBy: 'auto-create' },
  ];
  for (const row of rows) {
    it(`api_version=${row.version} (writes magic ${row.magic}): metadata, create topic, keyed produce across partitions, group commit and resume`, async () => {
      const topic = `kp-${row.version}`;
      const r = await py('matrix', row.version, topic, `kp-group-${row.version}`);
      expect(r.createdBy).toBe(row.createdBy);
      expect(r.partitions).toBe(3);
      expect(r.headers).toBe(row.headers);
      expect(r.partitionsUsed).toEqual([0, 1, 2]);
      expect(r.resumed).toBe(30);
      expect([...(await magicsOf(topic))]).toEqual([2]);
    }, 60_000);
  }

  it('kafka-python writes (magic 2, headers), kafkajs reads the same bytes', async () => {
    await py('produce', 'auto', 'kp-to-kafkajs', '40', 'kpw');
    const records = await kafkajsConsume(broker.bootstrap, 'kp-to-kafkajs', 40, 'kp-x1');
    expectCanonical(records, 'kpw', 40, true);
  }, 60_000);

  it('kafka-python as 0.10.1 writes magic 1 message sets (stored up-converted to v2), kafkajs reads them', async () => {
    await py('produce', '0.10.1', 'kp-v1-to-kafkajs', '40', 'kpw1');
    expect([...(await magicsOf('kp-v1-to-kafkajs'))]).toEqual([2]);
    const records = await kafkajsConsume(broker.bootstrap, 'kp-v1-to-kafkajs', 40, 'kp-x2');
    expectCanonical(records, 'kpw1', 40, false);
  }, 60_000);

  it('kafkajs writes, kafka-python reads the same bytes and headers', async () => {
    await kafkajsProduce(broker.bootstrap, 'kafkajs-to-kp', 40, 'kjs');
    const r = await py<{ records: ClientRecord[] }>('consume', 'auto', 'kafkajs-to-kp', '40', 'kp-x3');
    expectCanonical(r.records, 'kjs', 40, true);
  }, 60_000);

  it('kafkajs writes magic 2, kafka-python as 0.9 reads them down-converted to magic 0 (no headers)', async () => {
    await kafkajsProduce(broker.bootstrap, 'kafkajs-to-kp09', 40, 'kjs0');
    const r = await py<{ records: ClientRecord[] }>('consume', '0.9', 'kafkajs-to-kp09', '40', 'kp-x4');
    expectCanonical(r.records, 'kjs0', 40, false);
  }, 60_000);
});
