// /metrics, /healthz and /readyz of a running broker over real sockets: the exposition parses
// strictly, every defined metric is exported, and counters move by exactly the traffic sent.

import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { METRIC_DEFINITIONS } from '../../src/metrics/definitions.js';
import { FakeClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { type Family, parsePrometheusText, valueOf } from './prometheus-text.js';

let broker: RunningBroker;
let client: RawClient;

beforeAll(async () => {
  broker = await startBroker({ config: { 'metrics.listener': 'http://127.0.0.1:0' } });
  client = await RawClient.connect(broker.port);
  await client.request(19, 5, {
    topics: [
      { name: 'm-orders', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'm-raw', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
});
afterAll(async () => {
  client?.close();
  await broker?.close();
});

async function get(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${broker.metricsUrl}${path}`, init);
}

async function scrape(): Promise<Map<string, Family>> {
  const res = await get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

const metric = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) => valueOf(families, name, labels) ?? 0;

function produceBody(topic: string, batch: Buffer | null, acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] };
}

describe('/metrics', () => {
  it('parses strictly and exports every defined metric with its type', async () => {
    const families = await scrape();
    for (const def of METRIC_DEFINITIONS) {
      expect(families.get(def.name)?.type, def.name).toBe(def.type);
      expect(families.get(def.name)?.help, def.name).toBe(def.help);
    }
    // Nothing exported that the definitions (and so the README table) do not list.
    expect([...families.keys()].sort()).toEqual(METRIC_DEFINITIONS.map((d) => d.name).sort());
    for (const def of METRIC_DEFINITIONS) {
      if (def.type === 'counter') expect(def.name).toMatch(/_total$/);
    }
  });

  it('counts the records of N produced records exactly, from the batch headers', async () => {
    const before = await scrape();
    const producer = new Kafka({ clientId: 'metrics-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    let n = 0;
    for (let round = 0; round < 5; round++) {
      const messages = Array.from({ length: 37 + round }, (_, i) => ({ key: `k${i}`, value: `value-${round}-${i}` }));
      await producer.send({ topic: 'm-orders', messages, acks: -1 });
      n += messages.length;
    }
    await producer.disconnect();
    const after = await scrape();
    expect(metric(after, 'tributary_topic_records_in_total', { topic: 'm-orders' }) - metric(before, 'tributary_topic_records_in_total', { topic: 'm-orders' })).toBe(n);
    expect(metric(after, 'tributary_partition_log_end_offset', { topic: 'm-orders', partition: '0' })).toBe(n);
    expect(metric(after, 'tributary_partition_high_watermark', { topic: 'm-orders', partition: '0' })).toBe(n);
    expect(metric(after, 'tributary_partition_size_bytes', { topic: 'm-orders', partition: '0' })).toBeGreaterThan(0);
    // Five Produce requests: five batches observed, and acks=all waited for group-commit fsyncs.
    const produces = (f: Map<string, Family>) => (f.get('tributary_requests_total')?.samples ?? []).filter((s) => s.labels.request === 'Produce').reduce((a, s) => a + s.value, 0);
    expect(produces(after) - produces(before)).toBe(5);
    expect(metric(after, 'tributary_produce_batch_size_bytes_count') - metric(before, 'tributary_produce_batch_size_bytes_count')).toBe(5);
    expect(metric(after, 'tributary_log_fsync_duration_seconds_count')).toBeGreaterThan(metric(before, 'tributary_log_fsync_duration_seconds_count'));
  });

  it('counts bytes in and out exactly, requests per API and version, and error codes', async () => {
    const batch = buildRecordBatch({ records: [{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('bb') }, { key: null, value: Buffer.from('ccc') }] });
    const before = await scrape();
    for (let i = 0; i < 4; i++) {
      const res = await client.request(0, 9, produceBody('m-raw', batch));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    // Produce to a topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION, counted per partition.
    const missing = await client.request(0, 9, produceBody('m-missing', batch));
    expect(missing.responses[0].partitionResponses[0].errorCode).toBe(3);
    const fetched = await client.request(1, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'm-raw', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const records = fetched.responses[0].partitions[0].records as Buffer | Buffer[];
    const bytesOut = Array.isArray(records) ? records.reduce((a, b) => a + b.length, 0) : records.length;
    expect(bytesOut).toBe(4 * batch.length);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => metric(after, name, labels) - metric(before, name, labels);
    expect(delta('tributary_topic_bytes_in_total', { topic: 'm-raw' })).toBe(4 * batch.length);
    expect(delta('tributary_topic_records_in_total', { topic: 'm-raw' })).toBe(12);
    expect(delta('tributary_topic_bytes_out_total', { topic: 'm-raw' })).toBe(bytesOut);
    expect(delta('tributary_topic_records_out_total', { topic: 'm-raw' })).toBe(12);
    // max_wait_ms 0: answered at once, so the fetch's long poll is observed as 0.
    expect(delta('tributary_fetch_wait_seconds_count', {})).toBe(1);
    expect(delta('tributary_fetch_wait_seconds_bucket', { le: '0.0001' })).toBe(1);
    expect(delta('tributary_requests_total', { request: 'Produce', version: '9' })).toBe(5);
    expect(delta('tributary_requests_total', { request: 'Fetch', version: '11' })).toBe(1);
    expect(delta('tributary_request_errors_total', { request: 'Produce', error: 'UNKNOWN_TOPIC_OR_PARTITION' })).toBe(1);
    expect(delta('tributary_request_duration_seconds_count', { request: 'Produce', version: '9' })).toBe(5);
  });

  it('observes a long-polling Fetch\'s wait for new records', async () => {
    const before = await scrape();
    // At the log end nothing is there to return: the Fetch waits its max_wait_ms.
    const end = metric(before, 'tributary_partition_log_end_offset', { topic: 'm-orders', partition: '0' });
    const fetched = await client.request(1, 11, {
      replicaId: -1, maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'm-orders', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: end, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    expect(fetched.responses[0].partitions[0].errorCode).toBe(0);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => metric(after, name, labels) - metric(before, name, labels);
    expect(delta('tributary_fetch_wait_seconds_count')).toBe(1);
    // Held until max_wait_ms passed (nothing arrived): the wait is in the (0.25, 0.5] bucket or above.
    expect(delta('tributary_fetch_wait_seconds_bucket', { le: '0.25' })).toBe(0);
    expect(delta('tributary_fetch_wait_seconds_sum')).toBeGreaterThanOrEqual(0.25);
  });

  it('counts transactional ids per transaction state', async () => {
    const openBefore = metric(await scrape(), 'tributary_connections_open', { listener: 'PLAINTEXT' });
    const producer = new Kafka({ clientId: 'metrics-txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
      .producer({ transactionalId: 'm-txn', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    try {
      const before = await scrape();
      const txn = await producer.transaction();
      await txn.send({ topic: 'm-orders', messages: [{ value: 'in a transaction' }] });
      const during = await scrape();
      expect(metric(during, 'tributary_transactions', { state: 'Ongoing' }) - metric(before, 'tributary_transactions', { state: 'Ongoing' })).toBe(1);
      await txn.commit();
      const after = await scrape();
      expect(metric(after, 'tributary_transactions', { state: 'Ongoing' })).toBe(metric(before, 'tributary_transactions', { state: 'Ongoing' }));
      expect(metric(after, 'tributary_transactions', { state: 'CompleteCommit' }) - metric(before, 'tributary_transactions', { state: 'CompleteCommit' })).toBe(1);
      // Every live state is exported, 0 included.
      for (const state of ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence']) {
        expect(valueOf(after, 'tributary_transactions', { state }), state).toBeDefined();
      }
    } finally {
      await producer.disconnect();
      // The broker sees the producer's connections close a moment later; later tests count connections.
      for (let i = 0; i < 200 && metric(await scrape(), 'tributary_connections_open', { listener: 'PLAINTEXT' }) !== openBefore; i++) await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('tracks connections per listener, opened and closed', async () => {
    const before = await scrape();
    const c = await RawClient.connect(broker.port);
    await c.request(18, 3, { clientSoftwareName: 'metrics-test', clientSoftwareVersion: '1' });
    const during = await scrape();
    expect(metric(during, 'tributary_connections_open', { listener: 'PLAINTEXT' })).toBe(metric(before, 'tributary_connections_open', { listener: 'PLAINTEXT' }) + 1);
    expect(metric(during, 'tributary_connections_created_total', { listener: 'PLAINTEXT' })).toBe(metric(before, 'tributary_connections_created_total', { listener: 'PLAINTEXT' }) + 1);
    c.close();
    // The broker sees the close a moment later: wait for the counter (bounded), no fixed sleep.
    let after = await scrape();
    for (let i = 0; i < 100 && metric(after, 'tributary_connections_closed_total', { listener: 'PLAINTEXT' }) === metric(before, 'tributary_connections_closed_total', { listener: 'PLAINTEXT' }); i++) {
      await new Promise((r) => setTimeout(r, 10));
      after = await scrape();
    }
    expect(metric(after, 'tributary_connections_closed_total', { listener: 'PLAINTEXT' })).toBe(metric(before, 'tributary_connections_closed_total', { listener: 'PLAINTEXT' }) + 1);
    expect(metric(after, 'tributary_connections_open', { listener: 'PLAINTEXT' })).toBe(metric(before, 'tributary_connections_open', { listener: 'PLAINTEXT' }));
  });

  it('computes a group\'s lag per partition when scraped', async () => {
    const end = metric(await scrape(), 'tributary_partition_high_watermark', { topic: 'm-orders', partition: '0' });
    expect(end).toBeGreaterThan(10);
    const res = await client.request(8, 8, {
      groupId: 'm-lag-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'm-orders', partitions: [{ partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(res.topics[0].partitions[0].errorCode).toBe(0);
    const after = await scrape();
    expect(metric(after, 'tributary_group_lag', { group: 'm-lag-group', topic: 'm-orders', partition: '0' })).toBe(end - 10);
    expect(metric(after, 'tributary_group_members', { group: 'm-lag-group' })).toBe(0);
    expect(metric(after, 'tributary_group_state', { group: 'm-lag-group', state: 'Empty' })).toBe(1);
    expect(metric(after, 'tributary_groups', { state: 'Empty' })).toBeGreaterThanOrEqual(1);
  });

  it('exports process metrics: memory, CPU, event-loop delay', async () => {
    const f = await scrape();
    expect(metric(f, 'tributary_process_resident_memory_bytes')).toBeGreaterThan(1 << 20);
    expect(metric(f, 'tributary_process_cpu_seconds_total', { mode: 'user' })).toBeGreaterThan(0);
    expect(f.get('tributary_event_loop_delay_seconds')?.samples.map((s) => s.labels.quantile ?? s.name)).toEqual(['0.5', '0.99', '1', 'tributary_event_loop_delay_seconds_sum', 'tributary_event_loop_delay_seconds_count']);
  });
});

describe('/healthz and /readyz', () => {
  it('answers 200 once the broker serves; 404, 405 and HEAD as HTTP expects', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');
    expect((await get('/nope')).status).toBe(404);
    const post = await get('/metrics', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await get('/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('a bad HTTP request gets 400 and never harms the broker', async () => {
    const port = Number(new URL(broker.metricsUrl!).port);
    for (const garbage of [Buffer.from('\x00\x01\x02 not http\r\n\r\n'), Buffer.from(`GET /metrics HTTP/1.1\r\nX: ${'a'.repeat(20000)}\r\n\r\n`), Buffer.from('GET /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n')]) {
      const answer = await new Promise<string>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.end(garbage));
        let text = '';
        s.on('data', (d) => (text += d.toString('latin1')));
        s.on('close', () => resolve(text));
        s.on('error', () => {});
      });
      expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    // A client that connects and goes away mid-request.
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write('GET /metr');
        s.destroy();
        resolve();
      });
    });
    const res = await client.request(18, 3, { clientSoftwareName: 'metrics-test', clientSoftwareVersion: '1' });
    expect(res.errorCode).toBe(0);
    expect((await get('/healthz')).status).toBe(200);
    await scrape();
  });
});

describe('metrics.listener at start-up', () => {
  it('a port in use stops start-up with a message naming metrics.listener and the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startBroker({ config: { 'metrics.listener': `http://127.0.0.1:${port}` } })).rejects.toThrow(
        `cannot listen on metrics.listener http://127.0.0.1:${port}: port ${port} is already in use`,
      );
    } finally {
      blocker.close();
    }
  });

  it('is off by default: no listener, no URL', async () => {
    const b = await startBroker();
    try {
      expect(b.metricsUrl).toBeNull();
      expect(b.services.metrics).toBeUndefined();
    } finally {
      await b.close();
    }
  });

  it('stops answering when the broker closes', async () => {
    const b = await startBroker({ config: { 'metrics.listener': '0' } });
    const url = b.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await b.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('log.stats.interval.ms', () => {
  it('writes one info line of rates and totals per interval', async () => {
    const clock = new FakeClock(Date.now()); // the records' CreateTime must be within bounds
    const logger = new MemoryLogger('info');
    const b = await startBroker({ clock, logger, config: { 'log.stats.interval.ms': 1000 } });
    try {
      const c = await RawClient.connect(b.port);
      await c.request(19, 5, { topics: [{ name: 's', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
      const batch = buildRecordBatch({ records: Array.from({ length: 50 }, () => ({ key: null, value: Buffer.from('x') })) });
      const res = await c.request(0, 9, produceBody('s', batch, 1)); // two requests in the second
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      expect(logger.lines.filter((l) => l.includes('[stats]'))).toEqual([]);
      clock.advance(1000);
      const lines = logger.lines.filter((l) => l.includes('[stats] stats'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(String.raw`^\S+ INFO  \[stats\] stats connections=1 requestsPerSec=2 recordsInPerSec=50 bytesInPerSec=${batch.length} bytesOutPerSec=0 requestMemoryBytes=0 rssMiB=\d+ heapUsedMiB=\d+\n$`));
      c.close();
    } finally {
      await b.close();
    }
  });
});
