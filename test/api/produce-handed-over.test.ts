// memory:// keeps a produced batch as the request's own bytes when the request's frame owns its memory
// (src/codec/frames.ts): no copy. So those bytes must stay the batch's: pipelined Produce requests of
// four ~18 KB batches each (a ~72 KB frame, joined from socket reads) over one socket; then every
// record comes back intact with its offsets, the stored bytes are the requests' own buffers (not the
// engine's 1 MiB chunks), and more traffic on the same connection changes none of them. A request that
// came alone in a socket read is kept too; requests sharing one read are copied (keeping one would
// keep the others' bytes alive).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { encodeRequest } from '../../src/codec/index.js';
import { buildRecordBatch, iterateBatches, readBatchRecords, validateBatch } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';

const REQUESTS = 12;
const PER_BATCH = 6;
const PARTITIONS = [0, 1, 2, 3];
const valueOf = (partition: number, offset: number) => `p${partition}-o${offset}-${'v'.repeat(3000)}`; // ~18 KB batches

describe('memory:// keeps produced batches as sent', () => {
  let broker: RunningBroker;
  let c: RawClient;
  beforeAll(async () => {
    broker = await startBroker({ storage: 'memory://' });
    await broker.services.topics.createTopic('kept', PARTITIONS.length, {});
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c.close();
    await broker.close();
  });

  const produceAll = async (round: number) => {
    for (let i = 0; i < REQUESTS; i++) {
      const partitionData = PARTITIONS.map((index) => ({
        index,
        records: buildRecordBatch({ records: Array.from({ length: PER_BATCH }, (_, j) => ({ key: null, value: Buffer.from(valueOf(index, (round * REQUESTS + i) * PER_BATCH + j)) })) }),
      }));
      c.send(0, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'kept', partitionData }] });
    }
    const answers = await c.produceResponses(9, REQUESTS);
    expect(answers.map((a) => a.errorCode)).toEqual(new Array(REQUESTS).fill(0));
  };

  const readBack = async (partition: number) => {
    const log = broker.services.logs.get('kept', partition)!;
    const read = await log.read(0, 64 << 20, { minOneBatch: true });
    return read.buffers;
  };

  const checkRecords = (partition: number, buffers: Buffer[], count: number) => {
    const bytes = Buffer.concat(buffers);
    let seen = 0;
    for (const span of iterateBatches(bytes)) {
      expect(span.status).toBe('complete');
      expect(validateBatch(bytes, span.position, span.size).ok).toBe(true);
      const { header, records } = readBatchRecords(bytes, span.position);
      for (const r of records) expect(r.value?.toString()).toBe(valueOf(partition, header.baseOffset + r.offsetDelta));
      seen += records.length;
    }
    expect(seen).toBe(count);
  };

  it('serves every record intact, from the requests\' own buffers, while more is produced', async () => {
    await produceAll(0);
    const first = await readBack(0);
    expect(first.length).toBe(REQUESTS);
    // Each stored batch is a view of its request's frame (about 72 KB), not of a 1 MiB chunk.
    for (const b of first) expect(b.buffer.byteLength).toBeLessThan(100_000);
    const before = Buffer.concat(first);
    await produceAll(1);
    expect(Buffer.concat(first).equals(before)).toBe(true);
    for (const partition of PARTITIONS) checkRecords(partition, await readBack(partition), 2 * REQUESTS * PER_BATCH);
  });

  const CHUNK = 1 << 20; // the memory engine's chunk for copied bytes
  const oneBatch = (partition: number, bytes: number) => ({
    transactionalId: null, acks: 1, timeoutMs: 5000,
    topicData: [{ name: 'kept', partitionData: [{ index: partition, records: buildRecordBatch({ records: [{ key: null, value: Buffer.alloc(bytes, 7) }] }) }] }],
  });
  const lastStored = async (partition: number) => (await readBack(partition)).at(-1)!;

  it('keeps a batch whose request came alone in a socket read (smaller than one read), and copies those of requests that shared a read', async () => {
    const alone = await c.request(0, 9, oneBatch(0, 18_000));
    expect(alone.responses[0].partitionResponses[0].errorCode).toBe(0);
    const kept = await lastStored(0);
    expect(kept.length).toBeGreaterThan(18_000);
    expect(kept.buffer.byteLength).toBeLessThan(20_000); // the request's own read, not a chunk
    // Two requests in one write of ~10 KB: one read on loopback, holding both frames.
    const twice = [1, 2].map((partition, i) => Buffer.concat(encodeRequest(0, 9, { correlationId: 1000 + i, clientId: 'raw-client' }, oneBatch(partition, 5_000))));
    c.writeRaw(Buffer.concat(twice));
    await c.readFrame();
    await c.readFrame();
    for (const partition of [1, 2]) expect((await lastStored(partition)).buffer.byteLength).toBe(CHUNK);
  });
});
