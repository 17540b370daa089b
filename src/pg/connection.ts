// The connection pool to the cluster's PostgreSQL database. `pg` (node-postgres) is an optional
// dependency loaded here, and only here, with a dynamic import: a broker on file:// or memory://
// storage never loads it, and an install without it still runs those.

import type { Pool, PoolClient, PoolConfig } from 'pg';

export type { Pool, PoolClient } from 'pg';

/** Whether a storage URL names the PostgreSQL cluster backend. */
export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** The URL with its password replaced, for logs and start-up lines. */
export function redactPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export class PgUnavailableError extends Error {
  constructor(cause: unknown) {
    super("postgres:// storage needs the optional dependency 'pg' (npm install pg)", { cause });
    this.name = 'PgUnavailableError';
  }
}

/**
 * A pool on the database a libpq-style URL names (postgres://user:password@host:port/db?sslmode=require,
 * host=/a/socket/dir for a unix socket). What the URL leaves out comes from the PG* environment
 * variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE), as with libpq: a bare
 * `postgres://` uses them all.
 */
export async function openPool(url: string, options: { max?: number; applicationName?: string; idleInTransactionTimeoutMs?: number } = {}): Promise<Pool> {
  if (!isPostgresUrl(url)) throw new Error(`not a PostgreSQL URL: ${url}`);
  let pg: typeof import('pg').default;
  try {
    pg = (await import('pg')).default;
  } catch (err) {
    throw new PgUnavailableError(err);
  }
  const bare = /^postgres(ql)?:\/\/\/?$/.test(url);
  const config: PoolConfig = {
    ...(bare ? {} : { connectionString: url }),
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'tributary',
    connectionTimeoutMillis: 10_000,
    // A broker keeps running through a database restart: a dropped idle connection is replaced.
    idleTimeoutMillis: 30_000,
    // A broker paused (SIGSTOP, a VM freeze) or cut off in the middle of a transaction keeps its row
    // locks until the server ends its session: without this, the live brokers could not take its
    // leaderships over until it woke up. A transaction waiting on a lock or running a statement is
    // not idle and is not ended.
    ...(options.idleInTransactionTimeoutMs !== undefined ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs } : {}),
  };
  const pool = new pg.Pool(config);
  // An idle client's connection error (database restart) must not crash the broker: the pool drops it.
  pool.on('error', () => {});
  // Nor a checked-out client's: node-postgres emits 'error' on a client whose connection ends while
  // it is in use (in a transaction, between two statements), and the pool listens only to idle ones.
  // Its statements fail with the error, which their callers handle; the event needs a listener.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs fn in a transaction on one pooled connection: COMMIT when it returns, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true; // the connection is gone: do not return it to the pool
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Describes the server for logs: "PostgreSQL 15.8 at host:port/db". */
export async function describeServer(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ v: string; db: string }>("select current_setting('server_version') as v, current_database() as db");
  return `PostgreSQL ${rows[0].v}, database ${rows[0].db}`;
}
