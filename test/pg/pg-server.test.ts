// The private PostgreSQL server of the PostgreSQL-cluster tests starts, answers over TCP and its
// unix socket, gives each test a database of its own, and is gone after stop().

import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('private PostgreSQL server', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers over TCP and the unix socket, and creates databases', async () => {
    const url = await server.createDatabase('harness_check');
    const tcp = new pg.Client({ connectionString: url });
    await tcp.connect();
    const { rows } = await tcp.query<{ db: string; v: number }>('select current_database() as db, current_setting(\'server_version_num\')::int as v');
    expect(rows[0].db).toBe('harness_check');
    expect(rows[0].v).toBeGreaterThanOrEqual(150000);
    await tcp.end();
    const unix = new pg.Client({ host: server.socketDir, port: server.port, user: 'postgres', database: 'postgres' });
    await unix.connect();
    expect((await unix.query('select 1 as one')).rows[0].one).toBe(1);
    await unix.end();
  });

  it('stop() ends the server and removes its directory', async () => {
    const other = await startPgServer();
    expect(existsSync(other.socketDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.socketDir)).toBe(false);
    const c = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 2000 });
    await expect(c.connect()).rejects.toThrow();
  });
});
