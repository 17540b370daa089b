import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
  await b.broker.services.topics.createTopic('dld-a', 2, {});
  await b.broker.services.topics.createTopic('dld-b', 1, {});
});
afterAll(() => b.close());

const sizeOf = (res: any, topic: string, partition: number) =>
  res.results[0].topics.find((t: any) => t.name === topic)?.partitions.find((p: any) => p.partitionIndex === partition)?.partitionSize;

describe('DescribeLogDirs', () => {
  it('reports partition sizes that grow with appended bytes, at v0-v5', async () => {
    const c = await b.client();
    const log = (await b.broker.services.topics.partitionLog('dld-a', 1))!;
    for (let v = 0; v <= 5; v++) {
      const before = await c.request(35, v, { topics: null });
      expect(before.results).toHaveLength(1);
      expect(before.results[0]).toMatchObject({ errorCode: 0, logDir: 'memory://' });
      const s0 = sizeOf(before, 'dld-a', 1);
      expect(s0).toBe(log.size);
      await log.append(buildRecordBatch({ records: [{ value: Buffer.alloc(1000, 1) }] }));
      const after = await c.request(35, v, { topics: [{ topic: 'dld-a', partitions: [1] }] });
      expect(sizeOf(after, 'dld-a', 1)).toBeGreaterThan(s0 + 1000);
      expect(after.results[0].topics).toEqual([{ name: 'dld-a', partitions: [expect.objectContaining({ partitionIndex: 1, offsetLag: 0, isFutureKey: false })] }]);
      if (v >= 4) expect(after.results[0]).toMatchObject({ totalBytes: -1, usableBytes: -1 });
    }
  });

  it('lists every partition for topics null and skips unknown ones', async () => {
    const c = await b.client();
    const all = await c.request(35, 2, { topics: null });
    expect(sizeOf(all, 'dld-a', 0)).toBeGreaterThanOrEqual(0);
    expect(sizeOf(all, 'dld-b', 0)).toBeGreaterThanOrEqual(0);
    const some = await c.request(35, 1, { topics: [{ topic: 'dld-b', partitions: [0, 9] }, { topic: 'dld-missing', partitions: [0] }] });
    expect(some.results[0].topics).toEqual([{ name: 'dld-b', partitions: [expect.objectContaining({ partitionIndex: 0 })] }]);
  });

  it('names the data directory and its volume on file storage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-logdirs-'));
    const broker = await startBroker({ storage: `file://${dir}`, logger: new MemoryLogger('warn') });
    try {
      const c = await RawClient.connect(broker.port);
      const res = await c.request(35, 4, { topics: null });
      expect(res.results[0].logDir).toBe(dir);
      expect(res.results[0].totalBytes).toBeGreaterThan(0);
      expect(res.results[0].usableBytes).toBeGreaterThan(0);
      c.close();
    } finally {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
