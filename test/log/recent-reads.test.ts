// Which reads a partition log marks `recent` (StorageFile.read's hint: file:// then reads small ones
// from the event loop, not the thread pool): a tailing consumer's read of what was just appended;
// not a partition idle for a while, nor one not written since it was opened, whose bytes the page
// cache may have dropped.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../src/log/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { FaultyStorage } from '../helpers/log-faulty-storage.js';
import { batch, makeEngine, type EngineFixture } from '../helpers/log-helpers.js';

describe('reads of recently appended bytes', () => {
  let fx: EngineFixture;
  let clock: FakeClock;
  let storage: FaultyStorage;
  const managers: LogManager[] = [];
  const open = async () => {
    const m = await LogManager.open({ storage, clock, logger: new MemoryLogger(), background: false });
    managers.push(m);
    return m;
  };

  beforeEach(async () => {
    fx = await makeEngine('file');
    clock = new FakeClock();
    storage = new FaultyStorage(await fx.open());
  });
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close().catch(() => {});
    await fx.cleanup();
  });

  it('a read of what was just appended is recent; after 10 s without appends, or after reopening, it is not', async () => {
    const log = await (await open()).getOrCreate('t', 0);
    await log.append(batch(['a']));
    await log.append(batch(['b']));
    const readAt = async (offset: number) => {
      storage.readHints.length = 0;
      const r = await log.read(offset, 1 << 20, { minOneBatch: true });
      expect(r.bytes).toBeGreaterThan(0);
      expect(storage.readHints.length).toBeGreaterThan(0); // read from the file
      return [...storage.readHints];
    };
    // A tailing consumer: every read of the file (header scan and batches) is marked recent.
    expect(await readAt(0)).not.toContain(false);
    expect(await readAt(1)).not.toContain(false);
    clock.advance(10_001);
    expect(await readAt(0)).not.toContain(true);
    await log.append(batch(['c']));
    expect(await readAt(2)).not.toContain(false);

    await managers.pop()!.close();
    const reopened = await (await open()).getOrCreate('t', 0);
    storage.readHints.length = 0;
    expect((await reopened.read(0, 1 << 20, { minOneBatch: true })).bytes).toBeGreaterThan(0);
    expect(storage.readHints.length).toBeGreaterThan(0);
    expect(storage.readHints).not.toContain(true);
  });
});
