// Connection from a URL or PG* variables, and the schema: created once even by brokers starting
// together, migrated to the version this code knows, and a newer version refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, type Pool } from '../../src/pg/connection.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION, SchemaTooNewError, schemaVersion } from '../../src/pg/schema.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('PostgreSQL connection and schema', () => {
  let server: PgServer;
  const pools: Pool[] = [];
  const pool = async (url: string) => {
    const p = await openPool(url);
    pools.push(p);
    return p;
  };
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await server?.stop();
  });

  it('a connection that ends while a transaction holds it fails that transaction, not the process; the pool goes on', async () => {
    const p = await pool(await server.createDatabase('cut'));
    const held = await p.connect();
    await held.query('BEGIN');
    // node-postgres emits 'error' on the client: with no listener that is an uncaught exception (the broker would exit).
    const ended = new Promise((resolve) => held.once('end', resolve));
    expect((await p.query('select pg_terminate_backend($1) as ok', [(held as unknown as { processID: number }).processID])).rows).toEqual([{ ok: true }]);
    await ended;
    await expect(held.query('COMMIT')).rejects.toThrow();
    held.release(true);
    expect((await p.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('connects from a URL, a unix-socket URL, and PG* variables alone', async () => {
    const url = await server.createDatabase('conn');
    expect((await (await pool(url)).query('select current_database() as d')).rows[0].d).toBe('conn');
    const unix = `postgres://postgres@/conn?host=${encodeURIComponent(server.socketDir)}&port=${server.port}`;
    expect((await (await pool(unix)).query('select 1 as one')).rows[0].one).toBe(1);
    const saved = { ...process.env };
    Object.assign(process.env, { PGHOST: server.host, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'conn' });
    try {
      expect((await (await pool('postgres://')).query('select current_database() as d')).rows[0].d).toBe('conn');
    } finally {
      for (const k of ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE']) if (saved[k] === undefined) delete process.env[k];
    }
    await expect(openPool('file://./data')).rejects.toThrow(/not a PostgreSQL URL/);
  });

  it('creates the schema at its version; a second start finds it done', async () => {
    const p = await pool(await server.createDatabase('fresh'));
    expect(await schemaVersion(p)).toBe(0);
    expect(await migrate(p)).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(await schemaVersion(p)).toBe(SCHEMA_VERSION);
    expect(await migrate(p)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    const { rows } = await p.query("select table_name from information_schema.tables where table_name like 'tributary_%' order by 1");
    expect(rows.map((r) => r.table_name)).toEqual(['tributary_aborted_txns', 'tributary_batches', 'tributary_brokers', 'tributary_cluster', 'tributary_partitions', 'tributary_producer_ids', 'tributary_producers', 'tributary_schema', 'tributary_shared_metadata', 'tributary_topics', 'tributary_txn_offsets']);
    // Batches are stored as sent: out of line, not compressed by the database (storage 'e', EXTERNAL).
    const { rows: storage } = await p.query("select attstorage from pg_attribute where attrelid = 'tributary_batches'::regclass and attname = 'data'");
    expect(storage).toEqual([{ attstorage: 'e' }]);
  });

  it('migrates a database of an older version step by step, keeping its data', async () => {
    const p = await pool(await server.createDatabase('older'));
    await p.query('create table tributary_schema (id int primary key check (id = 1), version int not null)');
    await p.query('insert into tributary_schema values (1, 1)');
    for (const sql of MIGRATIONS[0]) await p.query(sql);
    await p.query("insert into tributary_cluster (id, cluster_id) values (1, 'kept')");
    expect(await migrate(p)).toEqual({ from: 1, to: SCHEMA_VERSION });
    expect((await p.query('select cluster_id from tributary_cluster')).rows[0].cluster_id).toBe('kept');
    expect((await p.query('select next_id from tributary_producer_ids')).rows[0].next_id).toBe('0');
  });

  it('brokers starting together: one migrates, all succeed', async () => {
    // Several rounds: concurrent CREATE TABLE IF NOT EXISTS fails now and then on the catalog.
    for (let round = 0; round < 8; round++) {
      const url = await server.createDatabase(`together_${round}`);
      const ps = await Promise.all([1, 2, 3, 4, 5, 6].map(() => pool(url)));
      const results = await Promise.all(ps.map((p) => migrate(p)));
      expect(results.filter((r) => r.from === 0)).toHaveLength(1);
      expect(results.every((r) => r.to === SCHEMA_VERSION)).toBe(true);
      await Promise.all(ps.map((p) => p.end()));
      pools.splice(pools.length - ps.length);
    }
  });

  it('refuses a database migrated by a newer broker, and changes nothing', async () => {
    const p = await pool(await server.createDatabase('newer'));
    await migrate(p);
    await p.query('update tributary_schema set version = $1', [SCHEMA_VERSION + 1]);
    const err = await migrate(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaTooNewError);
    expect((err as Error).message).toMatch(`version ${SCHEMA_VERSION + 1}, newer than this broker knows (${SCHEMA_VERSION})`);
    expect(await schemaVersion(p)).toBe(SCHEMA_VERSION + 1);
  });
});
