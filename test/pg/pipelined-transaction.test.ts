// Transactions whose statements go out without waiting for one another (src/pg/connection.ts,
// inPipelinedTransaction: the group commit's two round trips). What one commits is all there; a
// statement that fails takes every statement of its transaction with it, those sent after it
// included, and the transaction throws that failure; the connection goes back to the pool usable.

import { describe, expect, it } from 'vitest';
import { inPipelinedTransaction, openPool } from '../../src/pg/connection.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('pipelined transactions', () => {
  const suite = pgSuite();

  async function pool() {
    const p = await openPool(await suite.database('pipelined'), { max: 1 }); // one connection: each transaction reuses the last one's
    suite.cleanup(() => p.end());
    await p.query('create table t (x int primary key)');
    return p;
  }
  const values = async (p: Awaited<ReturnType<typeof pool>>) => (await p.query<{ x: number }>('select x from t order by x')).rows.map((r) => r.x);

  it('commits every statement sent, awaited or not, and answers each', async () => {
    const p = await pool();
    const answer = await inPipelinedTransaction(p, async (c) => {
      const first = c.query<{ x: number }>('insert into t values (1) returning x');
      const second = c.send('insert into t values (2)');
      c.send('insert into t values ($1)', [3]);
      c.commit();
      return [(await first).rows[0].x, (await second).rowCount];
    });
    expect(answer).toEqual([1, 1]);
    expect(await values(p)).toEqual([1, 2, 3]);
  });

  it('a failing statement rolls back the whole transaction, statements sent after it included', async () => {
    const p = await pool();
    await p.query('insert into t values (1)');
    const attempt = inPipelinedTransaction(p, async (c) => {
      c.send('insert into t values (2)');
      c.send('insert into t values (1)'); // duplicate key
      c.send('insert into t values (3)');
      c.commit();
    });
    await expect(attempt).rejects.toThrow(/duplicate key/);
    expect(await values(p)).toEqual([1]);
    // The same (only) connection, back in the pool, runs the next transaction.
    await inPipelinedTransaction(p, async (c) => void c.send('insert into t values (4)'));
    expect(await values(p)).toEqual([1, 4]);
  });

  it('a failure before a statement awaited throws there; an error of fn rolls back', async () => {
    const p = await pool();
    await expect(inPipelinedTransaction(p, async (c) => {
      c.send('insert into nowhere values (1)');
      await c.query('insert into t values (5)'); // runs in the aborted transaction: the first failure is thrown
      throw new Error('not reached');
    })).rejects.toThrow(/nowhere/);
    await expect(inPipelinedTransaction(p, async (c) => {
      await c.query('insert into t values (6)');
      throw new Error('changed my mind');
    })).rejects.toThrow(/changed my mind/);
    expect(await values(p)).toEqual([]);
  });
});
