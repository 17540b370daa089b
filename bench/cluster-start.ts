// Start-up and close of a 3-identity cluster in one process (startCluster, memory storage), against
// one broker (startBroker) in the same run, and the memory each extra identity costs: RSS and heap
// with 1 broker vs 3 and 9 identities, each after a GC. Run: `npm run bench:cluster`.

import { startBroker } from '../src/broker.js';
import { startCluster } from '../src/cluster-broker.js';

const ROUNDS = 10;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function time(label: string, start: () => Promise<{ close(): Promise<void> }>): Promise<number> {
  await (await start()).close(); // warm-up: module loading
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) await (await start()).close();
  const ms = (performance.now() - t0) / ROUNDS;
  console.log(`${label}: start+close ${ms.toFixed(1)} ms`);
  return ms;
}

async function memory(label: string, start: () => Promise<{ close(): Promise<void> }>): Promise<{ rss: number; heap: number }> {
  gc();
  const before = process.memoryUsage();
  const running = await start();
  gc();
  const after = process.memoryUsage();
  await running.close();
  const out = { rss: (after.rss - before.rss) / 2 ** 20, heap: (after.heapUsed - before.heapUsed) / 2 ** 20 };
  console.log(`${label}: +${out.rss.toFixed(1)} MiB RSS, +${out.heap.toFixed(2)} MiB heap`);
  return out;
}

const one = await time('startBroker (1 identity)', () => startBroker());
const three = await time('startCluster (3 identities)', () => startCluster({ brokers: 3 }));
console.log(`ratio 3-identity cluster / 1 broker: ${(three / one).toFixed(2)}x`);
const m1 = await memory('1 broker', () => startBroker());
const m3 = await memory('3 identities', () => startCluster({ brokers: 3 }));
const m9 = await memory('9 identities', () => startCluster({ brokers: 9 }));
console.log(`per extra identity: ${((m9.heap - m3.heap) / 6 * 1024).toFixed(0)} KiB heap, ${((m9.rss - m3.rss) / 6 * 1024).toFixed(0)} KiB RSS (3→9 identities); 1→3: ${((m3.heap - m1.heap) / 2 * 1024).toFixed(0)} KiB heap each`);
