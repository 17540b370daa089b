// The command line's heap tuning (src/util/heap-headroom.ts): the growing factor it gives V8, and
// what it is for: a broker process under produce load runs few full garbage collections. Without
// it a broker on Node 20 ran one every 50-100 ms under this load (about 37 per GB produced; Node 24
// about 38); with it about one per run on Node 20 and 19 per GB on Node 24.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection, createTopic, makeBatch, produceError, produceFrame } from '../../bench/load/raw-client.js';
import { HEADROOM_BYTES, heapGrowingPercent } from '../../src/util/heap-headroom.js';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker-process.js';

const MiB = 1024 * 1024;

describe('heapGrowingPercent', () => {
  it('gives a small live heap HEADROOM_BYTES of room and leaves a large one to V8', () => {
    expect(heapGrowingPercent(8 * MiB)).toBe(800); // 8 MiB × 9 = 8 + 64 MiB
    expect(heapGrowingPercent(10 * MiB)).toBe(650); // 640 rounded up to 50
    expect(heapGrowingPercent(1 * MiB)).toBe(1600); // as for 4 MiB
    expect(heapGrowingPercent(HEADROOM_BYTES)).toBe(0);
    expect(heapGrowingPercent(500 * MiB)).toBe(0);
  });
});

describe('a broker process under produce load', () => {
  let broker: BrokerProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    broker?.child.kill('SIGKILL');
    await broker?.exited;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs few full garbage collections: fewer than 28 per GB produced', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heap-headroom-'));
    broker = await startBrokerProcess(['--port', '0', '--host', '127.0.0.1', '--data-dir', dir], {}, ['--trace-gc']);
    const admin = await RawConnection.connect(broker.port);
    await createTopic(admin, 'load', 4);
    admin.close();
    const conns = await Promise.all([0, 1, 2, 3].map(() => RawConnection.connect(broker!.port)));
    const frames = conns.map((_, p) => Array.from({ length: 8 }, (_, i) => produceFrame('load', p, makeBatch(1024, 100, p * 100 + i), -1, i)));
    const requestsPerConnection = 2500; // 4 × 2,500 × ~100 KiB: about 1 GB
    const before = (broker.stdout().match(/Mark-Compact/g) ?? []).length;
    await Promise.all(conns.map((conn, p) => new Promise<void>((resolve, reject) => {
      let sent = 0;
      let answered = 0;
      const next = (): void => {
        const frame = frames[p][sent % frames[p].length];
        sent++;
        conn.send(frame, (response) => {
          if (produceError(response) !== 0) return reject(new Error(`produce error ${produceError(response)}`));
          if (++answered === requestsPerConnection) return resolve();
          if (sent < requestsPerConnection) next();
        });
      };
      for (let i = 0; i < 8; i++) next();
    })));
    const bytes = conns.length * requestsPerConnection * frames[0][0].length;
    for (const conn of conns) conn.close();
    const fullCollections = (broker.stdout().match(/Mark-Compact/g) ?? []).length - before;
    expect(fullCollections / (bytes / 1e9)).toBeLessThan(28);
  }, 120_000);
});
