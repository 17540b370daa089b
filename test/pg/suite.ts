// What most PostgreSQL test files share: one private server for the file (started before its tests,
// stopped after), fresh databases from it, and cleanups run after each test in reverse order.

import { afterAll, afterEach, beforeAll } from 'vitest';
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
