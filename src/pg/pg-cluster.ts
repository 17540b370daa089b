// What a broker of the PostgreSQL cluster holds: the pool, the schema check, its membership
// (registration, lease, leaderships) and the partition data store. Built before the broker's
// listeners exist: the broker registers with its advertised endpoints once they are bound.

import type { Logger } from '../util/logger.js';
import { openPool, redactPostgresUrl, type Pool } from './connection.js';
import { OFFSETS_TOPIC } from '../cluster/topic-names.js';
import { PgBrokerCalls } from './broker-calls.js';
import { PgCoordinatorPartitions } from './coordinator-partitions.js';
import { PgMembership, type PgMembershipOptions } from './pg-membership.js';
import { OpenTransactions } from './open-transactions.js';
import { PgPartitionStore } from './partition-store.js';
import { PgSharedMetadata } from './shared-metadata.js';
import { PgTopicAdmin } from './topic-admin.js';
import type { TxnOffset } from './txn-offsets.js';
import { migrate } from './schema.js';
import { randomBytes } from 'node:crypto';

export interface PgCluster {
  /** The cluster id, created by the first broker and kept in the database: every broker answers it. */
  readonly clusterId: string;
  /** The database's URL with its password replaced, for logs and answers (DescribeLogDirs). */
  readonly location: string;
  readonly pool: Pool;
  readonly membership: PgMembership;
  readonly store: PgPartitionStore;
  /** __consumer_offsets in the database: the group coordinators' partitions (coordinator-partitions.ts). */
  readonly offsets: PgCoordinatorPartitions;
  /** Deleting and growing topics (DeleteTopics, CreatePartitions). */
  readonly topicAdmin: PgTopicAdmin;
  /** ACLs, SCRAM credentials and client quotas every broker shares (shared-metadata.ts). */
  readonly shared: PgSharedMetadata;
  /** Calls to the other brokers through the database (broker-calls.ts). */
  readonly calls: PgBrokerCalls;
  /**
   * The transaction.version the cluster finalises: 2 (transactions V2) when the brokers can call
   * each other (the engine has LISTEN/NOTIFY, found at start-up), else 1.
   */
  readonly transactionVersion: 1 | 2;
  /** Transactions V2 seen open on this broker's partitions (open-transactions.ts): Produce's early start. */
  readonly openTransactions: OpenTransactions;
  /** The transaction coordinators' place in the database (txn/pg-transactions.ts); set once the broker runs. */
  transactions?: {
    /** The live broker coordinating the transactional id, or -1. */
    coordinatorNode(transactionalId: string): number;
    /** Produce v12+ (transactions V2): adds the partition to the transaction at its coordinator; Produce's error code. */
    addPartitionForProduce(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number>;
    /** TxnOffsetCommit: the offsets kept until the transaction ends (v5+: the group added first); its error code. */
    commitOffsets(transactionalId: string, groupId: string, producerId: number, producerEpoch: number, offsets: readonly TxnOffset[], transactionVersion: number): Promise<number>;
  };
  close(options?: { deregister: boolean }): Promise<void>;
}

/** Connects, migrates the schema (refusing a newer one) and prepares the membership (not yet registered). */
export async function openPgCluster(
  url: string,
  options: PgMembershipOptions & { poolSize?: number; offsetsTopicPartitions: number; logger: Logger },
): Promise<PgCluster> {
  // A transaction left idle longer than the session is one of a broker presumed dead: the server ends it.
  const pool = await openPool(url, { max: options.poolSize ?? 10, idleInTransactionTimeoutMs: options.sessionTimeoutMs });
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
  const calls = new PgBrokerCalls(pool, store.notifier, () => membership.registry.registered ?? -1, options.logger.child('calls'));
  await store.notifier.listen(pool);
  const transactionVersion = calls.available ? 2 : 1;
  if (transactionVersion === 1) options.logger.warn('the database does not deliver notifications (LISTEN/NOTIFY): transactions V2 is not offered, clients use AddPartitionsToTxn');
  const shared = new PgSharedMetadata(pool, options.logger.child('shared'));
  // Another broker changed topics, leaders, ACLs, users or quotas: read them now, not at the next heartbeat.
  store.notifier.onMetadata = () => {
    void membership.catchUp().catch(() => {});
    void shared.refresh();
  };
  membership.onRefresh(() => void shared.refresh());
  const offsets = new PgCoordinatorPartitions(membership, store, OFFSETS_TOPIC, options.offsetsTopicPartitions, options.logger.child('coordinators'));
  let closed: Promise<void> | undefined;
  return {
    clusterId,
    location: redactPostgresUrl(url),
    pool,
    membership,
    store,
    offsets,
    topicAdmin: new PgTopicAdmin(membership, store),
    shared,
    calls,
    transactionVersion,
    openTransactions: new OpenTransactions(),
    close(o = { deregister: true }) {
      closed ??= (async () => {
        await membership.stop(o).catch(() => {});
        calls.close();
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
