// The connection pool to the cluster's PostgreSQL database. `pg` (node-postgres) is an optional
// dependency loaded here, and only here, with a dynamic import: a broker on file:// or memory://
// storage never loads it, and an install without it still runs those.

import type { Pool, PoolClient, PoolConfig, QueryResult, QueryResultRow } from 'pg';

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
    // A statement goes out at once, behind those still unanswered on its connection (node-postgres
    // pipelining; each still has its own result): the group commit's transaction writes BEGIN with
    // its first statement and COMMIT with its last (inPipelinedTransaction). Code that awaits each
    // statement before the next, as everything else here does, behaves as without it.
    pipeline: true,
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
export function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return onPooledConnection(pool, async (client) => {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  });
}

/**
 * Runs a transaction's body on a pooled connection; when it throws, the transaction is rolled back
 * (once `beforeRollback` has resolved) and the error thrown. A connection that can't roll back is
 * dropped rather than returned to the pool.
 */
async function onPooledConnection<T>(pool: Pool, body: (client: PoolClient) => Promise<T>, beforeRollback: () => Promise<unknown> = async () => {}): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    return await body(client);
  } catch (err) {
    await beforeRollback();
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

/**
 * Statements of one transaction on a pipelining connection: `send` writes a statement now, behind
 * those sent before, without waiting for their answers (the server runs them in order), so the
 * statements that do not depend on one another's results share one round trip.
 */
export class PipelinedStatements {
  private readonly sent: Promise<unknown>[] = [];
  /** The first statement that failed: a later one may have run outside the transaction it aborted. */
  private failure: { error: unknown } | undefined;
  private commitSent: Promise<QueryResult> | undefined;

  constructor(private readonly client: PoolClient) {}

  /** Writes the statement now; its result comes once those before it have answered. */
  send<R extends QueryResultRow = QueryResultRow>(sql: string, values?: unknown[]): Promise<QueryResult<R>> {
    const result = this.client.query<R>(sql, values);
    // Every statement's failure is handled here: an await elsewhere may never come (the transaction
    // failed earlier), and the first failure is what the transaction throws.
    this.sent.push(result.catch((error: unknown) => {
      this.failure ??= { error };
    }));
    return result;
  }

  /**
   * Writes the statement and waits for its answer. Throws the first failure of any statement sent
   * before it: answers come in order, so a failed BEGIN is known before the answer to what followed it.
   */
  async query<R extends QueryResultRow = QueryResultRow>(sql: string, values?: unknown[]): Promise<QueryResult<R>> {
    let result: QueryResult<R>;
    try {
      result = await this.send<R>(sql, values);
    } catch (err) {
      throw this.failure?.error ?? err; // not "current transaction is aborted": what aborted it
    }
    if (this.failure !== undefined) throw this.failure.error;
    return result;
  }

  /** Writes COMMIT behind the statements sent, so it shares their round trip; the transaction waits for it. */
  commit(): void {
    this.commitSent ??= this.send('COMMIT');
  }

  /** Waits for every statement sent; throws the first failure, or when COMMIT rolled back. */
  async settle(): Promise<void> {
    await Promise.all(this.sent);
    if (this.failure !== undefined) throw this.failure.error;
    // COMMIT of a transaction a statement aborted answers ROLLBACK, not an error.
    const committed = this.commitSent === undefined ? undefined : await this.commitSent;
    if (committed !== undefined && committed.command !== 'COMMIT') throw new Error(`COMMIT answered ${committed.command}: the transaction was rolled back`);
  }
}

/**
 * inTransaction with pipelining: BEGIN goes out with the first statement fn sends, and COMMIT with
 * the last ones when fn calls `commit()` before awaiting them (else once fn returns). A transaction
 * of k dependent steps costs k round trips instead of k + 2. Every statement has answered before the
 * connection goes back to the pool; on a failure the transaction is rolled back and the error thrown.
 * Once it has called `commit()`, fn must fail only by a statement's failure: a COMMIT that succeeded
 * cannot be taken back.
 */
export function inPipelinedTransaction<T>(pool: Pool, fn: (statements: PipelinedStatements) => Promise<T>): Promise<T> {
  let statements: PipelinedStatements | undefined;
  return onPooledConnection(pool, async (client) => {
    statements = new PipelinedStatements(client);
    statements.send('BEGIN');
    const result = await fn(statements);
    statements.commit();
    await statements.settle();
    return result;
  }, async () => statements?.settle().catch(() => {}));
}

/** Describes the server for logs: "PostgreSQL 15.8 at host:port/db". */
export async function describeServer(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ v: string; db: string }>("select current_setting('server_version') as v, current_database() as db");
  return `PostgreSQL ${rows[0].v}, database ${rows[0].db}`;
}
