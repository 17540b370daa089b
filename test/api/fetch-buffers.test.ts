// Fetch responses carry record bytes read into recycled buffers (src/util/buffer-pool.ts) that go back
// to the pool once the socket has written them. If one went back too early, a later read would
// overwrite bytes still queued for an earlier response. So: pipelined fetches of distinct ranges over
// one connection whose client does not read, until responses are known to be queued behind a full
// socket (their buffers still lent); then every response must hold exactly its own records. On file
// storage: memory:// lends views of its own chunks instead (test/log/partition-log.test.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { buildRecordBatch, readBatchRecords } from '../../src/codec/records/index.js';
import { decodeResponse } from '../../src/codec/index.js';
import { RawClient } from '../helpers/raw-client.js';

const PER_BATCH = 8;
const BATCHES = 120; // 120 × 8 × 2 KiB ≈ 2 MiB per partition
const valueOf = (partition: number, offset: number) => `p${partition}-o${offset}-${'z'.repeat(2000)}`;


describe('fetch responses from borrowed read buffers', () => {
  let broker: RunningBroker;
  let c: RawClient;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tributary-fetch-buffers-'));
    // One request at a time per connection: the next fetch reads only after the previous response was
    // handed to the socket, so an early return of its buffers would be reused while still queued.
    broker = await startBroker({ storage: `file://${dir}`, config: { 'max.inflight.requests.per.connection': 1 } });
    await broker.services.topics.createTopic('buffers', 2, {});
    c = await RawClient.connect(broker.port);
    for (let partition = 0; partition < 2; partition++) {
      for (let b = 0; b < BATCHES; b++) {
        const records = Array.from({ length: PER_BATCH }, (_, j) => ({ key: null, value: Buffer.from(valueOf(partition, b * PER_BATCH + j)) }));
        const res = await c.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'buffers', partitionData: [{ index: partition, records: buildRecordBatch({ records }) }] }] });
        expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      }
    }
  });
  afterAll(async () => {
    c.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pipelined fetches of distinct ranges each get their own bytes', async () => {
    const total = BATCHES * PER_BATCH;
    const starts = Array.from({ length: 40 }, (_, i) => (i * 37 * PER_BATCH) % (total - 50));
    const fetchBody = (offset: number) => ({
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'buffers', partitions: [0, 1].map((partition) => ({ partition, fetchOffset: offset, partitionMaxBytes: 400 * 1024, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 })) }],
      forgottenTopicsData: [], rackId: '',
    });
    const pool = broker.services.readBuffers;
    const lentBefore = pool.lentBuffers;
    c.socket.pause();
    const ids = starts.map((offset) => c.send(1, 12, fetchBody(offset)));
    // The kernel's socket buffers hold a few MiB; the rest of the 16 MiB of responses waits in the
    // broker with its buffers still lent (a connection that returned them early would show none).
    const deadline = Date.now() + 10_000;
    while (pool.lentBuffers - lentBefore < 10) {
      if (Date.now() > deadline) throw new Error(`only ${pool.lentBuffers - lentBefore} read buffers held by queued responses`);
      await new Promise((r) => setTimeout(r, 10));
    }
    c.socket.resume();
    let checked = 0;
    for (let i = 0; i < ids.length; i++) {
      const { header, body } = decodeResponse(1, 12, await c.readFrame());
      expect(header.correlationId).toBe(ids[i]);
      for (const p of body.responses[0].partitions) {
        expect(p.errorCode).toBe(0);
        const bytes = Array.isArray(p.records) ? Buffer.concat(p.records) : (p.records as Buffer);
        expect(bytes.length).toBeGreaterThan(64 * 1024);
        for (let pos = 0; pos < bytes.length; ) {
          const { header: h, records } = readBatchRecords(bytes, pos);
          for (const r of records) {
            expect(r.value?.toString()).toBe(valueOf(p.partitionIndex, h.baseOffset + r.offsetDelta));
            checked++;
          }
          pos += h.sizeInBytes;
        }
      }
    }
    expect(checked).toBeGreaterThan(starts.length * 2 * 50);
  });
});
