// The leader's batch cache: a read it answers is exactly what the database answers (batches, offsets,
// high watermark), a tailing read at the end costs no query, another epoch or a moved log start goes
// to the database, a retried idempotent batch is not cached twice, and the cache keeps its bound.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch, readBaseOffset } from '../../src/codec/records/index.js';
import { BatchCache } from '../../src/pg/batch-cache.js';
import { openPool, type Pool } from '../../src/pg/connection.js';
import { PgLeadership } from '../../src/pg/leadership.js';
import { deleteRecordsBefore } from '../../src/pg/log-start.js';
import { PgPartitionStore } from '../../src/pg/partition-store.js';
import { migrate } from '../../src/pg/schema.js';
import { checkProducerBatch } from '../../src/txn/produce-check.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

const batch = (...values: string[]) => buildRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });

describe('batch cache bound', () => {
  it('drops the oldest batches past its size; a read of a dropped offset is a miss', () => {
    const cache = new BatchCache(1000);
    let next = 0;
    for (let i = 0; i < 40; i++) {
      const b = batch(`value-${i}`.padEnd(60, '.'));
      b.writeBigInt64BE(BigInt(next), 0);
      cache.appended('t', 0, 3, [b], { baseOffset: next, highWatermark: next + 1, logStartOffset: 0, lastStableOffset: next + 1 });
      next++;
    }
    expect(cache.size).toBeLessThanOrEqual(1000);
    expect(cache.read('t', 0, 3, 0, 1 << 20)).toBeUndefined();
    const tail = cache.read('t', 0, 3, 39, 1 << 20)!;
    expect(tail.batches.map((x) => readBaseOffset(x, 0))).toEqual([39]);
    expect(cache.read('t', 0, 3, 40, 1 << 20)).toEqual({ batches: [], highWatermark: 40, logStartOffset: 0, lastStableOffset: 40 });
    expect(cache.read('t', 0, 4, 40, 1 << 20)).toBeUndefined(); // another epoch
  });
});

describe.skipIf(unavailable !== undefined)('the leader\'s batch cache over PostgreSQL', () => {
  let server: PgServer;
  let n = 0;
  const pools: Pool[] = [];
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function setup() {
    const url = await server.createDatabase(`cache${++n}`);
    const a = await openPool(url, { max: 8 });
    const b = await openPool(url, { max: 8 });
    pools.push(a, b);
    await migrate(a);
    const t = await new PgLeadership(a).createTopic('t', 1, {}, [0]);
    return { leader: new PgPartitionStore(a), follower: new PgPartitionStore(b), t, pool: a };
  }

  it('answers as the database does, tails without a query, and forgets a partition whose log start moved', async () => {
    const { leader, follower, t, pool } = await setup();
    for (let i = 0; i < 6; i++) await leader.append(t.id, 0, 0, 0, [batch(`v${i}`, `w${i}`)]);
    const asLeader = (from: number, max = 1 << 20) => leader.read(t.id, 0, from, max, { leaderEpoch: 0 });
    const fromDb = (from: number, max = 1 << 20) => follower.read(t.id, 0, from, max);
    const same = async (from: number, max?: number) => {
      const c = await asLeader(from, max);
      const d = await fromDb(from, max);
      expect({ ...c, batches: c.batches.map((x) => x.toString('hex')) }).toEqual({ ...d, batches: d.batches.map((x) => x.toString('hex')) });
    };
    const hits = () => leader.cache.stats.hits;
    const before = hits();
    for (const from of [0, 1, 2, 5, 11, 12]) await same(from);
    await same(3, 80); // at least one whole batch, then only what fits
    expect(hits() - before).toBe(7);
    // The tail: nothing new, the high watermark, no query.
    expect(await asLeader(12)).toEqual({ batches: [], highWatermark: 12, logStartOffset: 0, lastStableOffset: 12 });
    // Another epoch (this broker was replaced and leads again): the database answers.
    const misses = leader.cache.stats.misses;
    await leader.read(t.id, 0, 12, 1 << 20, { leaderEpoch: 1 });
    expect(leader.cache.stats.misses).toBe(misses + 1);
    // DeleteRecords moves the log start: the handler invalidates; the database then answers.
    await deleteRecordsBefore(pool, t.id, 0, 0, 0, 4);
    leader.cache.invalidate(t.id, 0);
    await same(4);
    expect((await asLeader(4)).logStartOffset).toBe(4);
    // Appends after the invalidation are cached again from there.
    await leader.append(t.id, 0, 0, 0, [batch('later')]);
    const h = hits();
    await same(12);
    expect(hits()).toBe(h + 1);
  });

  it('a retried idempotent batch (its original offsets, nothing appended) is not cached again', async () => {
    const { leader, follower, t } = await setup();
    const idempotent = () => buildRecordBatch({ producerId: 7, producerEpoch: 0, baseSequence: 0, records: [{ key: null, value: Buffer.from('once') }] });
    const check = (producers: Parameters<typeof checkProducerBatch>[0], x: Buffer) => checkProducerBatch(producers, x, () => 90);
    const first = await leader.append(t.id, 0, 0, 0, [idempotent()], check);
    const retry = await leader.append(t.id, 0, 0, 0, [idempotent()], check);
    expect([first.baseOffset, retry.baseOffset]).toEqual([0, 0]);
    const c = await leader.read(t.id, 0, 0, 1 << 20, { leaderEpoch: 0 });
    const d = await follower.read(t.id, 0, 0, 1 << 20);
    expect(c.batches.length).toBe(1);
    expect(c.batches.map((x) => x.toString('hex'))).toEqual(d.batches.map((x) => x.toString('hex')));
    expect(c.highWatermark).toBe(1);
  });
});
