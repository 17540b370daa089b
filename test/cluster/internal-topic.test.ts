// A coordinator's internal topic replays every record at start-up, also when its log is read as
// several buffers (memory:// lends its 1 MiB chunks as views, so a batch may span two of them).

import { describe, expect, it } from 'vitest';
import { InternalTopicLog } from '../../src/cluster/internal-topic.js';
import { LogManager } from '../../src/log/index.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { FakeClock } from '../../src/util/clock.js';

describe('InternalTopicLog.replay', () => {
  it('replays every record in order from memory storage, batches across its chunks included', async () => {
    const mgr = await LogManager.open({ storage: new MemoryStorage(), clock: new FakeClock(), background: false });
    try {
      const topic = new InternalTopicLog(mgr, null, '__consumer_offsets', 1);
      // 40 batches of ~50 KiB: 2 MiB, so batches span the chunks' ends.
      const written = Array.from({ length: 40 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(50_000 + i, i) }));
      for (const r of written) await topic.append(0, [r]);
      const replayed: { key: string; length: number }[] = [];
      await new InternalTopicLog(mgr, null, '__consumer_offsets', 1).replay((key, value) => replayed.push({ key: key.toString(), length: value?.length ?? -1 }));
      expect(replayed).toEqual(written.map((r) => ({ key: r.key.toString(), length: r.value.length })));
    } finally {
      await mgr.close();
    }
  });
});
