// Interop matrix row: confluent-kafka-python on librdkafka 2.0.2 (Debian python3-confluent-kafka),
// driven by test/e2e/py/interop_confluent.py: metadata, CreateTopics, keyed produce with headers,
// a group that commits and resumes, and cross-client reads with kafkajs and kafka-python.
// (Codecs are covered by kcat.test.ts; assignors and static membership by the group tests.)

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { HAVE_CONFLUENT_KAFKA, HAVE_KAFKA_PYTHON, PYTHON, requireTool } from '../helpers/tools.js';
import { type ClientRecord, expectCanonical, kafkajsConsume, kafkajsProduce, runClient } from './interop-common.js';

const SCRIPT = fileURLToPath(new URL('./py/interop_confluent.py', import.meta.url));
const KAFKA_PYTHON = fileURLToPath(new URL('./py/interop_kafka_python.py', import.meta.url));
const enabled = requireTool(HAVE_CONFLUENT_KAFKA, 'python3-confluent-kafka');
const withKafkaPython = enabled && requireTool(HAVE_KAFKA_PYTHON, 'python3-kafka (kafka-python)');

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ config: { 'num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 } });
});
afterAll(() => broker?.close());

function ck<T = any>(...args: string[]): Promise<T> {
  return runClient<T>(PYTHON, [SCRIPT, broker.bootstrap, ...args], 60_000);
}

function kp<T = any>(...args: string[]): Promise<T> {
  return runClient<T>(PYTHON, [KAFKA_PYTHON, broker.bootstrap, ...args], 60_000);
}

describe.runIf(enabled)('confluent-kafka-python (librdkafka)', () => {
  it('metadata, create topic, keyed produce with headers across partitions, group commit and resume', async () => {
    const r = await ck('matrix', 'ck-matrix', 'ck-group');
    expect(r.clusterId).toBe(broker.services.cluster.clusterId);
    expect(r.partitions).toBe(3);
    expect(r.partitionsUsed).toEqual([0, 1, 2]);
    expect(r.resumed).toBe(30);
  }, 60_000);

  it('librdkafka writes, kafkajs reads the same bytes and headers', async () => {
    await ck('produce', 'ck-to-kafkajs', '40', 'ckw');
    expectCanonical(await kafkajsConsume(broker.bootstrap, 'ck-to-kafkajs', 40, 'ck-x1'), 'ckw', 40, true);
  }, 60_000);

  it('kafkajs writes, librdkafka reads the same bytes and headers', async () => {
    await kafkajsProduce(broker.bootstrap, 'kafkajs-to-ck', 40, 'kjs');
    const r = await ck<{ records: ClientRecord[] }>('consume', 'kafkajs-to-ck', '40', 'ck-x2');
    expectCanonical(r.records, 'kjs', 40, true);
  }, 60_000);

  it.runIf(withKafkaPython)('librdkafka writes (gzip; the Debian kafka-python lacks lz4 and snappy), kafka-python reads the same bytes and headers', async () => {
    await ck('produce', 'ck-to-kp', '40', 'ckw2', 'gzip');
    const r = await kp<{ records: ClientRecord[] }>('consume', 'auto', 'ck-to-kp', '40', 'ck-x3');
    expectCanonical(r.records, 'ckw2', 40, true);
  }, 60_000);

  it.runIf(withKafkaPython)('kafka-python writes, librdkafka reads the same bytes and headers', async () => {
    await kp('produce', 'auto', 'kp-to-ck', '40', 'kpw');
    const r = await ck<{ records: ClientRecord[] }>('consume', 'kp-to-ck', '40', 'ck-x4');
    expectCanonical(r.records, 'kpw', 40, true);
  }, 60_000);
});
