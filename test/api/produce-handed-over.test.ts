// memory:// keeps a produced batch as the request's own bytes when the request's frame is a buffer of
// its own (larger than one socket read: src/storage/memory.ts): no copy. So those bytes must stay the
// batch's: pipelined Produce requests of four ~18 KB batches each (a ~72 KB frame) over one socket;
// then every record comes back intact with its offsets, the stored bytes are the requests' own
// buffers (not the engine's 1 MiB chunks), and more traffic on the same connection changes none of them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
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
});
