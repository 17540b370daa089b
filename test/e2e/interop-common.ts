// Shared pieces of the real-client interop matrix (test/e2e/interop-*.test.ts): the canonical
// records every client writes and checks (binary values and headers, so cross-client reads compare
// bytes, not strings), a runner for the client programs' 'RESULT <json>' line, kafkajs as a
// reference reader/writer, and a raw fetch that reports the message format a client wrote.

import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import { iterateBatches } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/tools.js';

/** A record as the client programs print it: bytes as hex, headers in order. */
export interface ClientRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

/**
 * Record i of a run with this prefix: key `key-{i%6}`, value `{prefix}-{i}` + bytes 00 ff (i%256),
 * headers idx=i and bin=00 01 fe. The same formula is in the Python and Go programs.
 */
export function canonical(prefix: string, i: number, withHeaders: boolean): { key: Buffer; value: Buffer; headers: [string, Buffer][] } {
  return {
    key: Buffer.from(`key-${i % 6}`),
    value: Buffer.concat([Buffer.from(`${prefix}-${i}`), Buffer.from([0, 255, i % 256])]),
    headers: withHeaders ? [['idx', Buffer.from(String(i))], ['bin', Buffer.from([0, 1, 254])]] : [],
  };
}

/** Checks that records are exactly the canonical records 0..n-1 of prefix, byte for byte. */
export function expectCanonical(records: ClientRecord[], prefix: string, n: number, withHeaders: boolean): void {
  const seen = new Set<number>();
  for (const r of records) {
    const value = Buffer.from(r.value ?? '', 'hex');
    const text = value.subarray(0, value.length - 3).toString();
    expect(text.startsWith(`${prefix}-`), `value ${value.toString('hex')}`).toBe(true);
    const i = Number(text.slice(prefix.length + 1));
    const want = canonical(prefix, i, withHeaders);
    expect(value.equals(want.value), `value of record ${i}`).toBe(true);
    expect(r.key, `key of record ${i}`).toBe(want.key.toString('hex'));
    expect(r.headers, `headers of record ${i}`).toEqual(want.headers.map(([k, v]) => [k, v.toString('hex')]));
    expect(seen.has(i), `record ${i} delivered twice`).toBe(false);
    seen.add(i);
  }
  expect(seen.size).toBe(n);
  // Offsets within a partition are distinct and the records of one key stay in one partition.
  const partitionOfKey = new Map<string | null, number>();
  for (const r of records) {
    if (!partitionOfKey.has(r.key)) partitionOfKey.set(r.key, r.partition);
    expect(partitionOfKey.get(r.key), `key ${r.key} in two partitions`).toBe(r.partition);
  }
}

/** Runs a client program and returns the JSON of its 'RESULT ' line; fails with its output otherwise. */
export async function runClient<T = any>(cmd: string, args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await run(cmd, args, { timeoutMs, env });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.code !== 0 || line === undefined) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  }
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

function kafka(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'interop-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

/** kafkajs writes the canonical records 0..n-1 (keyed, so they spread over the partitions). */
export async function kafkajsProduce(bootstrap: string, topic: string, n: number, prefix: string, withHeaders = true): Promise<void> {
  const producer = kafka(bootstrap).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const messages = Array.from({ length: n }, (_, i) => {
      const r = canonical(prefix, i, withHeaders);
      return { key: r.key, value: r.value, headers: Object.fromEntries(r.headers) };
    });
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** kafkajs reads n records of topic from the beginning in a fresh group (deadline, no sleeps). */
export async function kafkajsConsume(bootstrap: string, topic: string, n: number, groupId: string, timeoutMs = 20_000): Promise<ClientRecord[]> {
  const consumer = kafka(bootstrap).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  const records: ClientRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const enough = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        // kafkajs keeps header order in the object's insertion order.
        const headers = Object.entries(message.headers ?? {}).map(([k, v]): [string, string | null] => [
          k,
          v === undefined || v === null ? null : Buffer.from(v as Buffer | string).toString('hex'),
        ]);
        records.push({
          partition,
          offset: Number(message.offset),
          key: message.key === null ? null : message.key.toString('hex'),
          value: message.value === null ? null : message.value.toString('hex'),
          headers,
        });
        if (records.length >= n) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([enough, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** The magic byte of every batch in a partition (0/1: legacy message sets, 2: record batches). */
export async function batchMagics(port: number, topic: string, partition: number): Promise<number[]> {
  return (await batchHeaders(port, topic, partition)).map((b) => b.magic);
}

/** Magic and (for v2 batches) producer id of every batch in a partition, read with raw Fetch v4. */
export async function batchHeaders(port: number, topic: string, partition: number): Promise<{ magic: number; producerId: number }[]> {
  const client = await RawClient.connect(port);
  try {
    const res = await client.request(1, 4, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = res.responses[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
    const records: Buffer | Buffer[] | null = p.records;
    const buf = records === null ? Buffer.alloc(0) : Array.isArray(records) ? Buffer.concat(records) : records;
    const out: { magic: number; producerId: number }[] = [];
    for (const span of iterateBatches(buf)) {
      if (span.status !== 'complete') break;
      // v2 header: base offset 8, length 4, leader epoch 4, magic 1, CRC 4, attributes 2, last offset
      // delta 4, first and max timestamps 8 + 8, then the producer id at byte 43.
      const producerId = span.magic === 2 ? Number(buf.readBigInt64BE(span.position + 43)) : -1;
      out.push({ magic: span.magic, producerId });
    }
    return out;
  } finally {
    client.close();
  }
}
