// What a broker of the PostgreSQL cluster holds: the pool, the schema check, its membership
// (registration, lease, leaderships) and the partition data store. Built before the broker's
// listeners exist: the broker registers with its advertised endpoints once they are bound.

import { openPool, type Pool } from './connection.js';
import { PgMembership, type PgMembershipOptions } from './pg-membership.js';
import { PgPartitionStore } from './partition-store.js';
import { migrate } from './schema.js';
import { randomBytes } from 'node:crypto';

export interface PgCluster {
  /** The cluster id, created by the first broker and kept in the database: every broker answers it. */
  readonly clusterId: string;
  readonly pool: Pool;
  readonly membership: PgMembership;
  readonly store: PgPartitionStore;
  close(options?: { deregister: boolean }): Promise<void>;
}

/** Connects, migrates the schema (refusing a newer one) and prepares the membership (not yet registered). */
export async function openPgCluster(url: string, options: PgMembershipOptions & { poolSize?: number }): Promise<PgCluster> {
  const pool = await openPool(url, { max: options.poolSize ?? 10 });
  let clusterId: string;
  try {
    await migrate(pool);
    clusterId = await ensureClusterId(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const membership = new PgMembership(pool, options);
  const store = new PgPartitionStore(pool);
  await store.notifier.listen(pool);
  let closed: Promise<void> | undefined;
  return {
    clusterId,
    pool,
    membership,
    store,
    close(o = { deregister: true }) {
      closed ??= (async () => {
        await membership.stop(o).catch(() => {});
        store.notifier.close();
        await pool.end();
      })();
      return closed;
    },
  };
}

/** The cluster's id: the one in the database, or a new one if this is its first broker. */
async function ensureClusterId(pool: Pool): Promise<string> {
  await pool.query('insert into tributary_cluster (id, cluster_id) values (1, $1) on conflict (id) do nothing', [randomBytes(16).toString('base64url')]);
  const { rows } = await pool.query<{ cluster_id: string }>('select cluster_id from tributary_cluster where id = 1');
  return rows[0].cluster_id;
}
