// What a broker of the PostgreSQL cluster holds: the pool, the schema check, its membership
// (registration, lease, leaderships) and the partition data store. Built before the broker's
// listeners exist: the broker registers with its advertised endpoints once they are bound.

import { openPool, type Pool } from './connection.js';
import { PgMembership, type PgMembershipOptions } from './pg-membership.js';
import { PgPartitionStore } from './partition-store.js';
import { migrate } from './schema.js';

export interface PgCluster {
  readonly pool: Pool;
  readonly membership: PgMembership;
  readonly store: PgPartitionStore;
  close(options?: { deregister: boolean }): Promise<void>;
}

/** Connects, migrates the schema (refusing a newer one) and prepares the membership (not yet registered). */
export async function openPgCluster(url: string, options: PgMembershipOptions & { poolSize?: number }): Promise<PgCluster> {
  const pool = await openPool(url, { max: options.poolSize ?? 10 });
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const membership = new PgMembership(pool, options);
  const store = new PgPartitionStore(pool);
  let closed: Promise<void> | undefined;
  return {
    pool,
    membership,
    store,
    close(o = { deregister: true }) {
      closed ??= (async () => {
        await membership.stop(o).catch(() => {});
        await pool.end();
      })();
      return closed;
    },
  };
}
