// compression.type on a topic: batches arriving in another codec are stored in the topic's (Kafka's
// broker-side recompression), with every record, header, key and producer field kept — librdkafka
// (kcat) writes one codec and reads back the other; our fetch sees the stored codec; an idempotent
// retry of a recompressed batch is still recognised as a duplicate; bad values are INVALID_CONFIG.

import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch, iterateBatches, readBatchHeader, readBatchRecords } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';

const enabled = requireTool(HAVE_KCAT, 'kcat');
const HAVE_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const CODEC_ID: Record<string, number> = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

let broker: RunningBroker;
let c: RawClient;
beforeAll(async () => {
  broker = await startBroker();
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c?.close();
  await broker?.close();
});

async function createTopic(name: string, compressionType: string) {
  const res = await c.request(19, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'compression.type', value: compressionType }] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  return res.topics[0] as { errorCode: number; errorMessage: string | null };
}

/** The codec of every stored batch and every record of partition 0. */
async function stored(topic: string) {
  const res = await c.request(1, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 24, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 24, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const records = res.responses[0].partitions[0].records as Buffer | Buffer[] | null;
  const buf = records === null ? Buffer.alloc(0) : Array.isArray(records) ? Buffer.concat(records) : records;
  const codecs = new Set<number>();
  const values: string[] = [];
  for (const span of iterateBatches(buf)) {
    const b = buf.subarray(span.position, span.position + span.size);
    codecs.add(readBatchHeader(b).compression);
    for (const r of readBatchRecords(b).records) values.push(`${r.key?.toString()}:${r.value?.toString()}`);
  }
  return { codecs: [...codecs], values };
}

describe('compression.type recompression', () => {
  it('refuses unknown codecs, and zstd where Node.js has none', async () => {
    const bad = await createTopic('rc-bad', 'brotli');
    expect(bad.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    const zstd = await createTopic('rc-zstd-check', 'zstd');
    expect(zstd.errorCode).toBe(HAVE_ZSTD ? ErrorCode.NONE : ErrorCode.INVALID_CONFIG);
  });

  for (const target of ['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it.runIf(enabled && (target !== 'zstd' || HAVE_ZSTD))(`stores batches of another codec as ${target}; librdkafka reads them back`, async () => {
      const topic = `rc-${target}`;
      expect((await createTopic(topic, target)).errorCode).toBe(0);
      const sent = target === 'gzip' ? 'lz4' : 'gzip';
      const lines = Array.from({ length: 300 }, (_, i) => `k${i % 5}:v${i}-${'x'.repeat(i % 40)}`);
      const produced = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-z', sent, '-H', 'h=1', '-X', 'acks=all'], { input: lines.join('\n') + '\n' });
      expect(produced.code, produced.stderr).toBe(0);
      const got = await stored(topic);
      expect(got.codecs).toEqual([CODEC_ID[target]]);
      expect(got.values).toEqual(lines);
      const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%o %k:%s %h\n']);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toEqual(lines.map((l, i) => `${i} ${l} h=1`));
    });
  }

  it('keeps the producer fields: a retried idempotent batch is still a duplicate', async () => {
    expect((await createTopic('rc-idem', 'gzip')).errorCode).toBe(0);
    const { producerId } = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const batch = buildRecordBatch({ producerId, producerEpoch: 0, baseSequence: 0, records: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
    const produce = async () =>
      (await c.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'rc-idem', partitionData: [{ index: 0, records: batch }] }] })).responses[0].partitionResponses[0];
    expect(await produce()).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce()).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(broker.services.logs.get('rc-idem', 0)!.logEndOffset).toBe(2);
    const got = await stored('rc-idem');
    expect(got.codecs).toEqual([1]);
    expect(got.values).toEqual(['a:one', 'b:two']);
  });
});

describe('compression.type as a broker default', () => {
  it('applies to topics without their own setting', async () => {
    const b = await startBroker({ config: { 'compression.type': 'snappy' } });
    const client = await RawClient.connect(b.port);
    try {
      await b.services.topics.createTopic('rc-default', 1, {});
      const batch = buildRecordBatch({ records: [{ key: 'k', value: 'v' }] });
      const res = await client.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'rc-default', partitionData: [{ index: 0, records: batch }] }] });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      const read = await b.services.logs.get('rc-default', 0)!.read(0, 1 << 20, { minOneBatch: true });
      expect(readBatchHeader(read.buffers[0]).compression).toBe(CODEC_ID.snappy);
    } finally {
      client.close();
      await b.close();
    }
  });
});
