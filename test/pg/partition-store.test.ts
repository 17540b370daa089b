// Record batches in the database: appended by the leader at its epoch with offsets assigned under
// the partition's lock, refused from a replaced leader (fencing), read back whole by any broker.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch, computeBatchCrc, readBaseOffset, readCrc, readPartitionLeaderEpoch } from '../../src/codec/records/index.js';
import { openPool, type Pool } from '../../src/pg/connection.js';
import { PgLeadership } from '../../src/pg/leadership.js';
import { FencedLeaderError, PgPartitionStore, UnknownPartitionError } from '../../src/pg/partition-store.js';
import { migrate } from '../../src/pg/schema.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

const batch = (...values: string[]) => buildRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });

describe.skipIf(unavailable !== undefined)('partition data in PostgreSQL', () => {
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

  /** Two brokers' pools on a fresh database with topic t (2 partitions: 0 led by broker 0, 1 by broker 1). */
  async function setup() {
    const url = await server.createDatabase(`d${++n}`);
    const a = await openPool(url, { max: 8 });
    const b = await openPool(url, { max: 8 });
    pools.push(a, b);
    await migrate(a);
    const t = await new PgLeadership(a).createTopic('t', 2, {}, [0, 1]);
    const { rows } = await a.query('select partition, leader from tributary_partitions order by partition');
    return { a: new PgPartitionStore(a), b: new PgPartitionStore(b), t, leaderOf: (p: number) => rows[p].leader as number, pool: a };
  }

  it('assigns contiguous offsets, patches offset and epoch without breaking the CRC, and any broker reads', async () => {
    const { a, b, t, leaderOf } = await setup();
    const leader = leaderOf(0);
    const b1 = batch('a', 'b', 'c');
    const r1 = await a.append(t.id, 0, leader, 0, [b1]);
    expect(r1).toEqual({ baseOffset: 0, highWatermark: 3, logStartOffset: 0, lastStableOffset: 3 });
    const r2 = await a.append(t.id, 0, leader, 0, [batch('d'), batch('e', 'f')]);
    expect(r2).toEqual({ baseOffset: 3, highWatermark: 6, logStartOffset: 0, lastStableOffset: 6 });
    const read = await b.read(t.id, 0, 4, 1 << 20); // the batch holding offset 4 begins at 4
    expect(read.highWatermark).toBe(6);
    expect(read.batches.map((x) => readBaseOffset(x, 0))).toEqual([4]);
    const all = await b.read(t.id, 0, 0, 1 << 20);
    expect(all.batches.map((x) => readBaseOffset(x, 0))).toEqual([0, 3, 4]);
    for (const x of all.batches) {
      expect(readPartitionLeaderEpoch(x, 0)).toBe(0);
      expect(readCrc(x, 0)).toBe(computeBatchCrc(x, 0));
    }
    // maxBytes smaller than a batch: still one whole batch, as Kafka answers.
    expect((await b.read(t.id, 0, 0, 1)).batches).toHaveLength(1);
    expect((await b.read(t.id, 0, 6, 1 << 20)).batches).toEqual([]);
    expect(await b.offsets(t.id, 1)).toEqual({ logStartOffset: 0, highWatermark: 0, lastStableOffset: 0 });
  });

  it('a replaced leader can never append: its epoch is stale, or it is not the leader', async () => {
    const { a, b, t, leaderOf, pool } = await setup();
    const old = leaderOf(0);
    const other = 1 - old;
    await a.append(t.id, 0, old, 0, [batch('before')]);
    await pool.query('update tributary_partitions set leader = $1, leader_epoch = 1 where topic_id = $2 and partition = 0', [other, t.id]);
    const err = await a.append(t.id, 0, old, 0, [batch('late write')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FencedLeaderError);
    expect(err).toMatchObject({ leader: other, leaderEpoch: 1 });
    await expect(a.append(t.id, 0, old, 1, [batch('late write')])).rejects.toBeInstanceOf(FencedLeaderError); // right epoch, wrong broker
    await expect(b.append(t.id, 0, other, 0, [batch('x')])).rejects.toBeInstanceOf(FencedLeaderError); // stale epoch of the new leader
    const r = await b.append(t.id, 0, other, 1, [batch('after')]);
    expect(r.baseOffset).toBe(1);
    const read = await a.read(t.id, 0, 0, 1 << 20);
    expect(read.batches.map((x) => [readBaseOffset(x, 0), readPartitionLeaderEpoch(x, 0)])).toEqual([[0, 0], [1, 1]]);
    await expect(a.append(t.id, 5, old, 0, [batch('x')])).rejects.toBeInstanceOf(UnknownPartitionError);
  });

  it('concurrent appends from the leader get distinct contiguous offsets; a takeover in the middle loses nothing acknowledged', async () => {
    const { a, b, t, leaderOf, pool } = await setup();
    const old = leaderOf(1);
    const other = 1 - old;
    const acked: number[] = [];
    const attempts = Array.from({ length: 40 }, (_, i) =>
      a.append(t.id, 1, old, 0, [batch(`v${i}`, `w${i}`)]).then((r) => acked.push(r.baseOffset), (e: unknown) => {
        if (!(e instanceof FencedLeaderError)) throw e;
      }),
    );
    // The takeover lands a moment after the appends began, and before the new leader appends.
    const takeover = new Promise((r) => setTimeout(r, 5))
      .then(() => pool.query('update tributary_partitions set leader = $1, leader_epoch = 1 where topic_id = $2 and partition = 1', [other, t.id]));
    await Promise.all([...attempts, takeover]);
    const after = await b.append(t.id, 1, other, 1, [batch('new leader')]);
    const read = await b.read(t.id, 1, 0, 1 << 24);
    const bases = read.batches.map((x) => readBaseOffset(x, 0));
    // Every acknowledged append is there, offsets are contiguous (2 records per batch), none twice.
    expect(bases).toEqual([...acked.sort((x, y) => x - y), after.baseOffset]);
    expect(bases).toEqual(Array.from({ length: bases.length }, (_, k) => 2 * k));
    // The appends waiting while a transaction was in flight went together in the next ones.
    expect(a.committer.stats.appends).toBe(40);
    expect(a.committer.stats.transactions).toBeLessThan(40);
  });

  it('in one group commit, a fenced append fails alone and the others commit; other partitions commit meanwhile', async () => {
    const { a, t, leaderOf } = await setup();
    const [p0, p1] = [leaderOf(0), leaderOf(1)];
    const results = await Promise.allSettled([
      a.append(t.id, 1, p1, 0, [batch('first')]), // a transaction of its own; the next two (same partition) wait and go together
      a.append(t.id, 1, p1, 7, [batch('stale epoch')]),
      a.append(t.id, 1, p1, 0, [batch('x', 'y')]),
      a.append(t.id, 0, p0, 0, [batch('z')]), // another partition: a transaction of its own at once
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.baseOffset : (r.reason as Error).name))).toEqual([0, 'FencedLeaderError', 1, 0]);
    expect(a.committer.stats).toEqual({ transactions: 3, appends: 4 });
    expect((results[2] as PromiseFulfilledResult<{ highWatermark: number }>).value.highWatermark).toBe(3);
  });

  it('a partition\'s appends commit in the order they came, with transactions of other partitions in flight', async () => {
    const { a, b, t, leaderOf } = await setup();
    const [p0, p1] = [leaderOf(0), leaderOf(1)];
    const appends = Array.from({ length: 60 }, (_, i) => a.append(t.id, i % 2, i % 2 === 0 ? p0 : p1, 0, [batch(`v${i}`)]));
    const offsets = (await Promise.all(appends)).map((r) => r.baseOffset);
    // Each partition numbered its appends in arrival order.
    expect(offsets).toEqual(Array.from({ length: 60 }, (_, i) => Math.floor(i / 2)));
    for (const p of [0, 1]) {
      const read = await b.read(t.id, p, 0, 1 << 24);
      expect(read.batches.map((x) => readBaseOffset(x, 0))).toEqual(Array.from({ length: 30 }, (_, k) => k));
    }
  });

  it('idempotent producers: a retried batch gets its original offsets, a gap or an old epoch is refused, and the state moves with the leadership', async () => {
    const { a, b, t, leaderOf, pool } = await setup();
    const { checkProducerBatch } = await import('../../src/txn/produce-check.js');
    const check = (producers: Parameters<typeof checkProducerBatch>[0], x: Buffer) => checkProducerBatch(producers, x, () => 90);
    const idem = (seq: number, epoch = 0, ...values: string[]) =>
      buildRecordBatch({ producerId: 7, producerEpoch: epoch, baseSequence: seq, records: values.map((v) => ({ value: Buffer.from(v) })) });
    const old = leaderOf(0);
    expect((await a.append(t.id, 0, old, 0, [idem(0, 0, 'a', 'b')], check)).baseOffset).toBe(0);
    expect((await a.append(t.id, 0, old, 0, [idem(2, 0, 'c')], check)).baseOffset).toBe(2);
    // The retry of the first batch (same sequences): its original offset, nothing appended.
    expect(await a.append(t.id, 0, old, 0, [idem(0, 0, 'a', 'b')], check)).toMatchObject({ baseOffset: 0, highWatermark: 3 });
    await expect(a.append(t.id, 0, old, 0, [idem(5, 0, 'gap')], check)).rejects.toMatchObject({ name: 'ProducerStateError', errorCode: 45 }); // OUT_OF_ORDER_SEQUENCE_NUMBER
    // The leadership moves: the new leader continues the producer's sequence from the database.
    const other = 1 - old;
    await pool.query('update tributary_partitions set leader = $1, leader_epoch = 1 where topic_id = $2 and partition = 0', [other, t.id]);
    expect(await b.append(t.id, 0, other, 1, [idem(2, 0, 'c')], check)).toMatchObject({ baseOffset: 2, highWatermark: 3 }); // still a duplicate
    expect((await b.append(t.id, 0, other, 1, [idem(3, 0, 'd')], check)).baseOffset).toBe(3);
    expect((await b.append(t.id, 0, other, 1, [idem(0, 1, 'new epoch')], check)).baseOffset).toBe(4);
    await expect(b.append(t.id, 0, other, 1, [idem(4, 0, 'old epoch')], check)).rejects.toMatchObject({ errorCode: 47 }); // INVALID_PRODUCER_EPOCH
    expect((await b.read(t.id, 0, 0, 1 << 20)).batches).toHaveLength(4);
    const ids = [await a.allocateProducerId(), await b.allocateProducerId(), await a.allocateProducerId()];
    expect(ids).toEqual([0, 1, 2]);
  });
});
