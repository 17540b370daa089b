// Long polls wake on appends by any broker: a waiter on one broker's pool is woken by the NOTIFY of
// an append committed through another pool, well before its wait ends; without LISTEN it times out.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { openPool, type Pool } from '../../src/pg/connection.js';
import { PgLeadership } from '../../src/pg/leadership.js';
import { PgPartitionStore } from '../../src/pg/partition-store.js';
import { migrate } from '../../src/pg/schema.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('append notifications', () => {
  let server: PgServer;
  const pools: Pool[] = [];
  const closers: (() => void)[] = [];
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    for (const c of closers) c();
    await Promise.all(pools.map((p) => p.end()));
    await server?.stop();
  });

  it('an append through one broker wakes a long poll on another; a local append wakes at once', async () => {
    const url = await server.createDatabase('notify');
    const [a, b] = [await openPool(url), await openPool(url)];
    pools.push(a, b);
    await migrate(a);
    const t = await new PgLeadership(a).createTopic('t', 1, {}, [0]);
    const writer = new PgPartitionStore(a);
    const reader = new PgPartitionStore(b);
    expect(await reader.notifier.listen(b)).toBe(true);
    closers.push(() => reader.notifier.close());
    const never = new AbortController().signal;
    const started = Date.now();
    const woken = reader.notifier.wait(10_000, never);
    await writer.append(t.id, 0, 0, 0, [buildRecordBatch({ records: [{ value: Buffer.from('x') }] })]);
    expect(await woken).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The writer does not listen: its own appends still wake its waiters (no round trip).
    const readerBefore = reader.notifier.generation;
    const local = writer.notifier.wait(10_000, never);
    await writer.append(t.id, 0, 0, 0, [buildRecordBatch({ records: [{ value: Buffer.from('y') }] })]);
    expect(await local).toBe(true);
    expect(await reader.notifier.wait(10_000, never, readerBefore)).toBe(true); // its NOTIFY reached the reader too
    // Nothing appended: the wait ends at its time, unwoken; a wake-up since the caller's read returns at once.
    expect(await reader.notifier.wait(50, never)).toBe(false);
    const since = reader.notifier.generation - 1;
    expect(await reader.notifier.wait(10_000, never, since)).toBe(true);
  });
});
