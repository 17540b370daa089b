// Calls between brokers through the database (src/pg/broker-calls.ts), each broker here a pool with its
// own listening connection: a call reaches the broker it names and no other, its answer (or its
// handler's error) comes back to the caller; a call nobody answers times out; a payload too large for a
// notification is refused before it is sent; a notification that is not a call is ignored with a log
// line and later calls still work.

import { describe, expect, it } from 'vitest';
import { AppendNotifier } from '../../src/pg/append-notifier.js';
import { BrokerCallError, CALL_CHANNEL, PgBrokerCalls } from '../../src/pg/broker-calls.js';
import { openPool } from '../../src/pg/connection.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('calls between brokers through the database', () => {
  const suite = pgSuite();

  async function broker(url: string, nodeId: number, timeoutMs = 5000) {
    const pool = await openPool(url, { max: 2 });
    const notifier = new AppendNotifier();
    const logger = new MemoryLogger('warn');
    const calls = new PgBrokerCalls(pool, notifier, () => nodeId, logger, timeoutMs);
    expect(await notifier.listen(pool)).toBe(true);
    suite.cleanup(async () => {
      calls.close();
      notifier.close();
      await pool.end();
    });
    return { pool, calls, logger, ran: [] as unknown[] };
  }

  it('a call runs on the broker it names, and its result or error comes back', async () => {
    const url = await suite.database('calls');
    const [one, two, three] = [await broker(url, 1), await broker(url, 2), await broker(url, 3)];
    for (const b of [one, two, three]) {
      b.calls.serve('double', async (args) => {
        b.ran.push(args);
        return (args as { n: number }).n * 2;
      });
      b.calls.serve('fail', async () => {
        throw new Error('refused on purpose');
      });
    }
    expect(one.calls.available).toBe(true);
    expect(await one.calls.call(2, 'double', { n: 21 })).toBe(42);
    expect(two.ran).toEqual([{ n: 21 }]);
    expect(one.ran).toEqual([]);
    expect(three.ran).toEqual([]);
    // Calls in flight at once each get their own answer.
    expect(await Promise.all([1, 2, 3].map((n) => one.calls.call(3, 'double', { n })))).toEqual([2, 4, 6]);
    await expect(one.calls.call(2, 'fail', {})).rejects.toThrow(/refused on purpose/);
    await expect(one.calls.call(2, 'unknown', {})).rejects.toThrow(/no call unknown is served here/);
  });

  it('a call nobody answers times out; one too large for a notification is refused unsent; garbage on the channel is ignored', async () => {
    const url = await suite.database('calls');
    const one = await broker(url, 1, 300);
    const two = await broker(url, 2);
    two.calls.serve('echo', async (args) => args);
    const started = Date.now();
    await expect(one.calls.call(9, 'echo', {})).rejects.toThrow(BrokerCallError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(one.calls.call(2, 'echo', { text: 'x'.repeat(8000) })).rejects.toThrow(/exceeds what a notification carries/);
    await one.pool.query('select pg_notify($1, $2)', [CALL_CHANNEL, 'not json {']);
    expect(await one.calls.call(2, 'echo', { ok: true })).toEqual({ ok: true });
    expect(two.logger.lines.some((l) => l.includes('a call between brokers that is not JSON was ignored'))).toBe(true);
  });
});
