// librdkafka through kcat: metadata, produce and consume with every compression codec, keys and
// headers, read back by kcat itself and by our own fetch (byte-level record check).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { fetchAll } from '../helpers/fetch-all.js';
import { RawClient } from '../helpers/raw-client.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';

const enabled = requireTool(HAVE_KCAT, 'kcat');
let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ config: { 'num.partitions': 3 } });
});
afterAll(() => broker?.close());

describe.runIf(enabled)('kcat (librdkafka)', () => {
  it('lists metadata with this broker and an auto-created topic', async () => {
    await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'kcat-meta'], { input: 'x\n' });
    const r = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', 'kcat-meta']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`broker 1 at ${broker.bootstrap}`);
    expect(r.stdout).toMatch(/topic "kcat-meta" with 3 partitions/);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces and consumes keyed records with headers, compression ${codec}`, async () => {
      const topic = `kcat-${codec}`;
      const lines = Array.from({ length: 200 }, (_, i) => `k${i % 7}:v${i}`);
      const produced = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-z', codec, '-H', 'h1=one', '-X', 'acks=all'], {
        input: lines.join('\n') + '\n',
      });
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%o %k:%s %h\n']);
      expect(consumed.code, consumed.stderr).toBe(0);
      const got = consumed.stdout.trim().split('\n');
      expect(got).toEqual(lines.map((l, i) => `${i} ${l} h1=one`));
      if (codec !== 'zstd' || typeof (await import('node:zlib')).zstdDecompressSync === 'function') {
        const client = await RawClient.connect(broker.port);
        const records = await fetchAll(client, topic, 0);
        client.close();
        expect(records.map((r) => `${r.key}:${r.value}`)).toEqual(lines);
        expect(records.every((r) => r.headers.h1 === 'one')).toBe(true);
      }
    });
  }
});
