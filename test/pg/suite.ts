// What most PostgreSQL test files share: one private server for the file (started before its tests,
// stopped after), fresh databases from it, and cleanups run after each test in reverse order.

import type pg from 'pg';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startPgServer, type PgServer } from './pg-server.js';

export interface PgSuite {
  readonly server: PgServer;
  /** A new empty database of the file's server, named uniquely; its URL. */
  database(prefix: string): Promise<string>;
  /** Runs fn after the current test (last registered first). */
  cleanup(fn: () => Promise<unknown>): void;
}

/** Call at the top of a describe block that runs only where PostgreSQL is available. */
export function pgSuite(): PgSuite {
  let server: PgServer | undefined;
  let n = 0;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the PostgreSQL server is not started yet (use it inside a test)');
      return server;
    },
    database: (prefix) => server!.createDatabase(`${prefix}${++n}`),
    cleanup: (fn) => void cleanups.push(fn),
  };
}

/**
 * Asserts that the controller has evened out the internal topics' leaderships over three brokers (at its
 * heartbeat after the third joined): until then a coordinator read from the database may still move.
 * Call inside vi.waitFor.
 */
export async function expectInternalTopicsEvenedOut(db: pg.Client): Promise<void> {
  const { rows } = await db.query<{ name: string; counts: number[] }>(
    `select name, array_agg(n order by n) as counts from (select t.name, p.leader, count(*)::int as n from tributary_partitions p
       join tributary_topics t on t.topic_id = p.topic_id where t.name in ('__consumer_offsets', '__transaction_state') group by t.name, p.leader) s group by name order by name`,
  );
  expect(rows).toEqual([{ name: '__consumer_offsets', counts: [16, 17, 17] }, { name: '__transaction_state', counts: [16, 17, 17] }]);
}
