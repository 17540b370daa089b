// ACLs, SCRAM credentials, client quotas and the cluster-wide dynamic broker defaults shared by the
// brokers of one database: a change made through any broker (CreateAcls, AlterUserScramCredentials,
// AlterClientQuotas, AlterConfigs on the default broker resource, start-up declarations) is written to the database before it is acknowledged, with a version, and notified;
// every broker reads the kinds whose version moved when notified and at each heartbeat, and takes
// them (ClusterState.applyShared). A broker starting takes them before it serves. Credentials are
// stored as the broker keeps them: salted hashes, never passwords.

import type { ClusterState, SharedKind } from '../cluster/cluster-state.js';
import type { Logger } from '../util/logger.js';
import { notifyMetadataChange } from './append-notifier.js';
import { inTransaction, type Pool } from './connection.js';

const KINDS: readonly SharedKind[] = ['acls', 'scram', 'quotas', 'broker-defaults'];

export class PgSharedMetadata {
  /** The version of each kind this broker holds. */
  private readonly seen = new Map<SharedKind, number>();
  private cluster: ClusterState | null = null;
  private loading: Promise<void> | undefined;
  private again = false;
  private closed = false;

  /** Shutting down: no more reads (the pool is about to end). */
  close(): void {
    this.closed = true;
  }

  constructor(private readonly pool: Pool, private readonly logger: Logger) {}

  /**
   * Takes what the database holds into `cluster`, then writes this broker's changes there. Before
   * serving: a broker never answers with ACLs or users older than the database's.
   */
  async attach(cluster: ClusterState): Promise<void> {
    this.cluster = cluster;
    await this.load();
    cluster.sharedWith = (kind, json) => this.write(kind, json);
  }

  /** Reads the kinds whose version moved (after a notification or a heartbeat); concurrent calls share one read after it. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.loading !== undefined) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load()
      .catch((err: unknown) => this.logger.warn('reading shared ACLs, users and quotas failed', { error: String(err) }))
      .finally(() => {
        this.loading = undefined;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.loading;
  }

  private async load(): Promise<void> {
    const cluster = this.cluster;
    if (cluster === null) return;
    const { rows } = await this.pool.query<{ kind: SharedKind; data: string; version: string }>('select kind, data, version from tributary_shared_metadata');
    for (const r of rows) {
      if (!KINDS.includes(r.kind) && r.kind !== `broker:${cluster.nodeId}`) continue;
      const version = Number(r.version);
      if ((this.seen.get(r.kind) ?? 0) >= version) continue;
      await cluster.applyShared(r.kind, r.data);
      this.seen.set(r.kind, version);
    }
  }

  /**
   * Stores this broker's whole new document of `kind`, on the condition that no broker changed it since
   * this one read it (each change replaces the whole list: two at once must not lose one). A conflict
   * throws (the request fails and may be retried) and the other broker's version is read.
   */
  private async write(kind: SharedKind, json: string): Promise<void> {
    const seen = this.seen.get(kind) ?? 0;
    const version = await inTransaction(this.pool, async (c) => {
      const { rows } = seen === 0
        ? await c.query<{ version: string }>(
          'insert into tributary_shared_metadata (kind, data, version) values ($1, $2, 1) on conflict (kind) do nothing returning version',
          [kind, json],
        )
        : await c.query<{ version: string }>(
          'update tributary_shared_metadata set data = $2, version = version + 1 where kind = $1 and version = $3 returning version',
          [kind, json, String(seen)],
        );
      if (rows[0] === undefined) return undefined;
      await notifyMetadataChange(c);
      return Number(rows[0].version);
    });
    if (version === undefined) {
      void this.refresh();
      throw new SharedMetadataConflictError(kind);
    }
    this.seen.set(kind, version);
  }
}

/** Another broker changed the same kind meanwhile: this change was not stored. */
export class SharedMetadataConflictError extends Error {
  constructor(readonly kind: SharedKind) {
    super(`the ${kind} were changed through another broker at the same time: not stored, try again`);
    this.name = 'SharedMetadataConflictError';
  }
}
