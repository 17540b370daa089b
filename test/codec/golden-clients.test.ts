// Golden frames captured from real clients (kafkajs and kcat/librdkafka) producing one message to
// test/helpers/recorder.ts: they decode to exact field values and re-encode to the same bytes. The
// live part runs the clients again against the recorder, so our encoded ApiVersions/Metadata/Produce
// responses are parsed by real clients. Re-capture the fixtures with CAPTURE_GOLDEN=1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import {
  ApiKey,
  decodeRequest,
  decodeRequestHeader,
  encodeRequest,
  type RequestHeader,
} from '../../src/codec/index.js';
import { GOLDEN_TOPIC, Recorder, type RecordedFrame } from '../helpers/recorder.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
const capture = process.env.CAPTURE_GOLDEN === '1';

interface Fixture {
  apiKey: number;
  apiVersion: number;
  frame: Buffer;
}

/** Fixture files: one request per line, "apiKey apiVersion hex" (frame without size prefix). */
function readFixture(name: string): Fixture[] {
  const text = fs.readFileSync(path.join(fixtureDir, name), 'utf8');
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [k, v, hex] = l.split(' ');
      return { apiKey: +k, apiVersion: +v, frame: Buffer.from(hex, 'hex') };
    });
}
function writeFixture(name: string, client: string, frames: RecordedFrame[], what = 'to produce one message'): void {
  fs.mkdirSync(fixtureDir, { recursive: true });
  const lines = [`# Request frames (no size prefix) ${client} sent to test/helpers/recorder.ts ${what}.`, '# apiKey apiVersion hex'];
  for (const f of frames) lines.push(`${f.apiKey} ${f.apiVersion} ${f.frame.toString('hex')}`);
  fs.writeFileSync(path.join(fixtureDir, name), lines.join('\n') + '\n');
}

/** Decodes a frame and checks that re-encoding header and body gives the same bytes. */
function roundTrip(f: Fixture): { header: RequestHeader; body: any } {
  const header = decodeRequestHeader(f.frame);
  expect(header.apiKey).toBe(f.apiKey);
  expect(header.apiVersion).toBe(f.apiVersion);
  const body = decodeRequest(f.apiKey, f.apiVersion, f.frame, header.bodyOffset);
  const again = Buffer.concat(encodeRequest(f.apiKey, f.apiVersion, { correlationId: header.correlationId, clientId: header.clientId, taggedFields: header.taggedFields }, body));
  expect(again.subarray(4).toString('hex')).toBe(f.frame.toString('hex'));
  return { header, body };
}

/** The v2 record batch header of a produce payload: a few fields read by hand. */
function batchSummary(records: Buffer) {
  return {
    magic: records[16],
    batchLength: records.readInt32BE(8),
    recordCount: records.readInt32BE(57),
    total: records.length,
  };
}

async function runKafkajs(port: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const res = await producer.send({ topic: GOLDEN_TOPIC, acks: -1, messages: [{ key: 'k', value: 'hello from kafkajs' }] });
    expect(res).toEqual([expect.objectContaining({ topicName: GOLDEN_TOPIC, partition: 0, errorCode: 0 })]);
  } finally {
    await producer.disconnect();
  }
}

function kcatAvailable(): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, 'kcat')));
}

function kcat(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 }); // killed if it ever hangs
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(stdin);
  });
}
const runKcat = (port: number) => kcat(['-b', `127.0.0.1:${port}`, '-P', '-t', GOLDEN_TOPIC, '-p', '0', '-X', 'client.id=golden-kcat'], 'hello from kcat\n');
/** Consumes one message from the beginning and exits at the end of the partition. */
const runKcatConsumer = (port: number) =>
  kcat(['-b', `127.0.0.1:${port}`, '-C', '-t', GOLDEN_TOPIC, '-p', '0', '-o', 'beginning', '-c', '1', '-e', '-q', '-f', '%s\\n', '-X', 'client.id=golden-kcat'], '');

describe('golden frames from kafkajs', () => {
  it.runIf(capture)('captures', async () => {
    const rec = await Recorder.start();
    try {
      await runKafkajs(rec.port);
      writeFixture('kafkajs.txt', 'kafkajs 2.2.4', rec.frames);
    } finally {
      await rec.close();
    }
  });

  it('decode exactly and re-encode to the same bytes', () => {
    const frames = readFixture('kafkajs.txt');
    const byKey = (k: number) => frames.filter((f) => f.apiKey === k);
    expect(byKey(ApiKey.ApiVersions).length).toBeGreaterThan(0);
    for (const f of frames) roundTrip(f);

    const av = roundTrip(byKey(ApiKey.ApiVersions)[0]);
    expect(av.header).toMatchObject({ apiVersion: 2, clientId: 'golden-kafkajs', headerVersion: 1 });

    const md = roundTrip(byKey(ApiKey.Metadata)[0]);
    expect(md.header.apiVersion).toBe(6);
    expect(md.body.topics).toEqual([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: GOLDEN_TOPIC, _unknownTaggedFields: undefined }]);
    expect(md.body.allowAutoTopicCreation).toBe(false);

    const pr = roundTrip(byKey(ApiKey.Produce)[0]);
    expect(pr.header).toMatchObject({ apiVersion: 7, clientId: 'golden-kafkajs', headerVersion: 1 });
    expect(pr.body).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: 30000 });
    expect(pr.body.topicData).toHaveLength(1);
    expect(pr.body.topicData[0].name).toBe(GOLDEN_TOPIC);
    const p0 = pr.body.topicData[0].partitionData[0];
    expect(p0.index).toBe(0);
    expect(batchSummary(p0.records)).toMatchObject({ magic: 2, recordCount: 1 });
    expect(batchSummary(p0.records).batchLength + 12).toBe(p0.records.length);
    expect(p0.records.includes(Buffer.from('hello from kafkajs'))).toBe(true);
  });

  it('kafkajs parses our responses (live)', async () => {
    const rec = await Recorder.start();
    try {
      await runKafkajs(rec.port);
      const produce = await rec.waitFor(ApiKey.Produce);
      expect(produce.apiVersion).toBe(7);
    } finally {
      await rec.close();
    }
  });
});

describe('golden frames from kcat (librdkafka)', () => {
  it.runIf(capture && kcatAvailable())('captures', async () => {
    const rec = await Recorder.start();
    try {
      const r = await runKcat(rec.port);
      expect(r.code, r.stderr).toBe(0);
      writeFixture('kcat.txt', 'kcat 1.7.1 (librdkafka 2.0.2)', rec.frames);
    } finally {
      await rec.close();
    }
  });

  it('decode exactly and re-encode to the same bytes', () => {
    const frames = readFixture('kcat.txt');
    const byKey = (k: number) => frames.filter((f) => f.apiKey === k);
    for (const f of frames) roundTrip(f);

    const av = roundTrip(byKey(ApiKey.ApiVersions)[0]);
    expect(av.header).toMatchObject({ apiVersion: 3, clientId: 'golden-kcat', headerVersion: 2 });
    expect(av.body.clientSoftwareName).toBe('librdkafka');
    expect(av.body.clientSoftwareVersion).toBe('2.0.2');

    const pr = roundTrip(byKey(ApiKey.Produce)[0]);
    expect(pr.body.transactionalId).toBe(null);
    expect(pr.body.acks).toBe(-1);
    expect(pr.body.topicData[0].name).toBe(GOLDEN_TOPIC);
    const p0 = pr.body.topicData[0].partitionData[0];
    expect(p0.index).toBe(0);
    expect(batchSummary(p0.records)).toMatchObject({ magic: 2, recordCount: 1 });
    expect(p0.records.includes(Buffer.from('hello from kcat'))).toBe(true);
  });

  it.runIf(kcatAvailable())('kcat parses our responses (live)', async () => {
    const rec = await Recorder.start();
    try {
      const r = await runKcat(rec.port);
      expect(r.code, r.stderr).toBe(0);
      expect((await rec.waitFor(ApiKey.Produce)).apiKey).toBe(ApiKey.Produce);
    } finally {
      await rec.close();
    }
  });
});

describe('golden frames from a kcat consumer (ListOffsets, Fetch)', () => {
  it.runIf(capture && kcatAvailable())('captures', async () => {
    const rec = await Recorder.start();
    try {
      expect((await runKcat(rec.port)).code).toBe(0);
      const from = rec.frames.length;
      const r = await runKcatConsumer(rec.port);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('hello from kcat\n');
      writeFixture('kcat-consume.txt', 'kcat 1.7.1 (librdkafka 2.0.2) -C -o beginning -c 1 -e', rec.frames.slice(from), 'to consume that message back');
    } finally {
      await rec.close();
    }
  });

  it('decode exactly and re-encode to the same bytes', () => {
    const frames = readFixture('kcat-consume.txt');
    for (const f of frames) roundTrip(f);
    const lo = frames.find((f) => f.apiKey === ApiKey.ListOffsets)!;
    const l = roundTrip(lo);
    expect(l.body.replicaId).toBe(-1);
    expect(l.body.topics[0].name).toBe(GOLDEN_TOPIC);
    expect(l.body.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, timestamp: -2 });
    const fetches = frames.filter((f) => f.apiKey === ApiKey.Fetch).map(roundTrip);
    expect(fetches.length).toBeGreaterThan(0);
    const first = fetches[0].body;
    expect(first.replicaId).toBe(-1);
    expect(first.topics[0].topic).toBe(GOLDEN_TOPIC);
    expect(first.topics[0].partitions[0]).toMatchObject({ partition: 0, fetchOffset: 0 });
  });

  it.runIf(kcatAvailable())('kcat reads back what it produced through our Fetch responses (live)', async () => {
    const rec = await Recorder.start();
    try {
      expect((await runKcat(rec.port)).code).toBe(0);
      const r = await runKcatConsumer(rec.port);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('hello from kcat\n');
    } finally {
      await rec.close();
    }
  });
});
