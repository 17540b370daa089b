// The cluster's tables in the database, created and migrated at start-up. Each migration is one
// step of the schema version kept in tributary_schema; a broker applies the steps it knows that the
// database lacks, and refuses to start on a database whose version is newer than it knows (a newer
// broker migrated it; this one would misread it). SQL stays portable where it costs little: no
// advisory locks, no PostgreSQL-only types besides bytea; times come from the database's clock.

import { inTransaction, type Pool } from './connection.js';

/** Migrations in order: MIGRATIONS[k] brings the schema from version k to k + 1. */
export const MIGRATIONS: readonly string[][] = [
  [
    `create table tributary_cluster (
       id int primary key check (id = 1),
       cluster_id text not null,
       created_at timestamptz not null default now())`,
    // One row per broker that ever registered; alive while its lease has not expired.
    `create table tributary_brokers (
       node_id int primary key,
       incarnation text not null,
       rack text,
       listeners text not null,
       registered_at timestamptz not null default now(),
       lease_expires_at timestamptz not null)`,
    `create table tributary_topics (
       name text primary key,
       topic_id text not null unique,
       partitions int not null,
       configs text not null default '{}',
       created_at timestamptz not null default now())`,
    // The leader and its epoch: every append is conditional on them (fencing).
    `create table tributary_partitions (
       topic_id text not null,
       partition int not null,
       leader int not null,
       leader_epoch int not null,
       log_start_offset bigint not null default 0,
       next_offset bigint not null default 0,
       primary key (topic_id, partition))`,
    // Record batches as the producer sent them, offsets and leader epoch patched by the leader.
    `create table tributary_batches (
       topic_id text not null,
       partition int not null,
       base_offset bigint not null,
       last_offset bigint not null,
       leader_epoch int not null,
       max_timestamp bigint not null,
       data bytea not null,
       primary key (topic_id, partition, base_offset))`,
  ],
  [
    // Idempotent producers: ids handed out by the database (unique over all brokers), and each
    // partition's producer state (epoch, last five batches' sequences and offsets) as JSON.
    `create table tributary_producer_ids (
       id int primary key check (id = 1),
       next_id bigint not null)`,
    'insert into tributary_producer_ids (id, next_id) values (1, 0)',
    `create table tributary_producers (
       topic_id text not null,
       partition int not null,
       producer_id bigint not null,
       entry text not null,
       primary key (topic_id, partition, producer_id))`,
  ],
  [
    // What every broker shares besides topics: ACLs, SCRAM credentials (salted hashes), client quotas,
    // each kind one JSON document with a version that grows with every change.
    `create table tributary_shared_metadata (
       kind text primary key,
       data text not null,
       version bigint not null)`,
  ],
  [
    // Transactions: the first offset of each producer's open transaction on a partition (-1: none),
    // the partition's last stable offset bound (the least of them, -1: none; read under the append
    // lock, so the leader knows it without another query), and the aborted transactions that read_committed
    // consumers skip (Kafka's .txnindex).
    'alter table tributary_producers add column txn_first_offset bigint not null default -1',
    'alter table tributary_partitions add column first_unstable_offset bigint not null default -1',
    `create table tributary_aborted_txns (
       topic_id text not null,
       partition int not null,
       producer_id bigint not null,
       first_offset bigint not null,
       last_offset bigint not null,
       primary key (topic_id, partition, last_offset, producer_id))`,
    // Offsets a transactional producer committed (TxnOffsetCommit, answered by the group's
    // coordinator) until its transaction ends: the transaction coordinator, on another broker maybe,
    // then commits them to the group or drops them.
    `create table tributary_txn_offsets (
       producer_id bigint not null,
       group_id text not null,
       topic text not null,
       partition int not null,
       committed_offset bigint not null,
       leader_epoch int not null,
       metadata text not null,
       primary key (producer_id, group_id, topic, partition))`,
  ],
  [
    // Batches are stored as the producer sent them, as Kafka stores them: out of line, never
    // compressed by the database. PostgreSQL's default (EXTENDED) runs pglz over every batch larger
    // than 2 KiB: half the database's throughput went there with incompressible (producer-compressed)
    // batches (docs/bench.md). A producer that wants compression sets compression.type, as with Kafka.
    // Rows stored before keep their form; both read the same.
    'alter table tributary_batches alter column data set storage external',
  ],
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  constructor(readonly found: number, readonly known: number) {
    super(`the database's Tributary schema is version ${found}, newer than this broker knows (${known}): upgrade this broker`);
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Brings the database to SCHEMA_VERSION and answers the version it found. Brokers starting together
 * serialize on the version row (SELECT … FOR UPDATE): one migrates, the others wait and find it done.
 */
export async function migrate(pool: Pool): Promise<{ from: number; to: number }> {
  await ensureVersionTable(pool);
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ version: number }>('select version from tributary_schema where id = 1 for update');
    const from = rows[0].version;
    if (from > SCHEMA_VERSION) throw new SchemaTooNewError(from, SCHEMA_VERSION);
    for (let v = from; v < SCHEMA_VERSION; v++) for (const sql of MIGRATIONS[v]) await c.query(sql);
    if (from < SCHEMA_VERSION) await c.query('update tributary_schema set version = $1 where id = 1', [SCHEMA_VERSION]);
    return { from, to: SCHEMA_VERSION };
  });
}

/** The version table and its one row; two brokers creating it at once: the loser finds it made. */
async function ensureVersionTable(pool: Pool): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await pool.query('create table if not exists tributary_schema (id int primary key check (id = 1), version int not null)');
      await pool.query('insert into tributary_schema (id, version) values (1, 0) on conflict (id) do nothing');
      return;
    } catch (err) {
      // A concurrent CREATE TABLE IF NOT EXISTS can fail on the catalog: unique_violation (23505),
      // duplicate_object (42710, the row type) or duplicate_table (42P07). Again, it finds the table.
      if (attempt >= 5 || !['23505', '42710', '42P07'].includes((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

/** The schema version of the database (0: none yet). */
export async function schemaVersion(pool: Pool): Promise<number> {
  try {
    const { rows } = await pool.query<{ version: number }>('select version from tributary_schema where id = 1');
    return rows[0]?.version ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return 0; // undefined_table: no schema yet
    throw err;
  }
}
