// A real consumer (kcat / librdkafka) reads what we write: v2 batches in every codec we can produce, and
// down-converted magic 0/1 message sets. Skipped when kcat is not installed.
import { execFile, execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isCompressionSupported } from '../../../src/codec/records/compression/index.js';
import { buildControlBatch } from '../../../src/codec/records/control.js';
import { downConvert } from '../../../src/codec/records/legacy.js';
import { CompressionType } from '../../../src/codec/records/record-batch.js';
import { buildRecordBatch } from '../../../src/codec/records/record.js';
import { startFetchStub, TOPIC } from './helpers/fetch-stub.js';

const HAS_KCAT = (() => {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const N = 30;
const records = Array.from({ length: N }, (_, i) => ({
  key: `key-${i}`,
  value: `value ${i} `.repeat((i % 7) + 1).trim(),
  timestamp: 1700000000000 + i,
  headers: [{ key: 'hk', value: `hv${i}` }],
}));

function consume(port: number, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-o', '0', '-c', String(count), '-e', '-q', '-f', '%o|%k|%s|%h|%T\n'],
      { timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim().split('\n'))),
    );
  });
}

async function served(blob: Buffer, lastOffset: number, magic: 0 | 1 | 2, count: number): Promise<string[]> {
  const stub = await startFetchStub(blob, lastOffset, magic);
  try {
    return await consume(stub.port, count);
  } finally {
    stub.close();
  }
}

const codecs: CompressionType[] = [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4];
if (isCompressionSupported(CompressionType.zstd)) codecs.push(CompressionType.zstd);

describe.skipIf(!HAS_KCAT)('librdkafka consumes our bytes', () => {
  it.each(codecs)('v2 batch with codec %i (snappy as xerial)', async (codec) => {
    const blob = Buffer.concat([
      buildRecordBatch({ baseOffset: 0, compression: codec, records: records.slice(0, 20) }),
      buildRecordBatch({ baseOffset: 20, compression: codec, records: records.slice(20) }),
    ]);
    const lines = await served(blob, N - 1, 2, N);
    expect(lines).toEqual(records.map((r, i) => `${i}|${r.key}|${r.value}|hk=hv${i}|${r.timestamp}`));
  });

  it('v2 batch with one raw (non-xerial) snappy block', async () => {
    const blob = buildRecordBatch({ compression: CompressionType.snappy, compressOptions: { xerial: false }, records });
    expect(blob.subarray(61, 69).equals(Buffer.from('82534e4150505900', 'hex'))).toBe(false);
    const lines = await served(blob, N - 1, 2, N);
    expect(lines).toEqual(records.map((r, i) => `${i}|${r.key}|${r.value}|hk=hv${i}|${r.timestamp}`));
  });

  it.each([
    [0, CompressionType.none],
    [0, CompressionType.gzip],
    [0, CompressionType.snappy],
    [0, CompressionType.lz4],
    [1, CompressionType.none],
    [1, CompressionType.gzip],
    [1, CompressionType.snappy],
    [1, CompressionType.lz4],
  ] as const)('down-converted to magic %i with codec %i', async (magic, codec) => {
    const blob = Buffer.concat([
      buildRecordBatch({ baseOffset: 0, compression: codec, records: records.slice(0, 20) }),
      buildControlBatch({ type: 'commit', producerId: 5, producerEpoch: 0, coordinatorEpoch: 0, baseOffset: 20 }),
      buildRecordBatch({ baseOffset: 21, compression: codec, records: records.slice(20) }),
    ]);
    const converted = downConvert(blob, magic).records;
    const lines = await served(converted, N, magic, N);
    expect(lines).toEqual(
      // magic 0 has no timestamps; librdkafka reports them as 0
      records.map((r, i) => `${i < 20 ? i : i + 1}|${r.key}|${r.value}||${magic === 1 ? r.timestamp : 0}`),
    );
  });
});
