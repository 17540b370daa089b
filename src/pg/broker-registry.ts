// Broker registrations in the database: each broker of the cluster has a row with its node id,
// rack, advertised listeners and a lease it renews every broker.heartbeat.interval.ms; it is alive
// while the lease (broker.session.timeout.ms, measured by the database's clock so that the brokers'
// clocks need not agree) has not expired. A node id is held by one incarnation (one process run)
// at a time: another process may take it only once the lease expired, and then bumps the epochs of
// the partitions still led by that node id, fencing the previous process should it wake up.

import { randomUUID } from 'node:crypto';
import { inTransaction, type Pool } from './connection.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface RegisteredBroker {
  nodeId: number;
  rack: string | null;
  /** Advertised endpoint by listener name. */
  endpoints: Map<string, Endpoint>;
}

export class NodeIdInUseError extends Error {
  constructor(readonly nodeId: number) {
    super(`node id ${nodeId} is held by a live broker of this cluster (its lease has not expired)`);
    this.name = 'NodeIdInUseError';
  }
}

/** This process's registration lost to another process holding the node id now. */
export class RegistrationLostError extends Error {
  constructor(readonly nodeId: number) {
    super(`the registration of node id ${nodeId} was taken over by another broker process`);
    this.name = 'RegistrationLostError';
  }
}

/** Two brokers allocated the same node id at once; the one that lost allocates again. */
class AllocationRace extends Error {}

export interface Registration {
  /** The node id configured (node.id) or, when undefined, allocated: the lowest never registered. */
  nodeId?: number;
  rack: string | null;
  endpoints: Map<string, Endpoint>;
  sessionTimeoutMs: number;
}

export class BrokerRegistry {
  /** A fresh id per process run: the holder of a node id's row. */
  readonly incarnation = randomUUID();
  private registeredId: number | undefined;

  constructor(private readonly pool: Pool) {}

  /** The node id once registered. */
  get registered(): number | undefined {
    return this.registeredId;
  }

  get nodeId(): number {
    if (this.registeredId === undefined) throw new Error('not registered');
    return this.registeredId;
  }

  /** Registers this broker with a fresh lease and answers its node id. */
  async register(r: Registration): Promise<number> {
    const listeners = JSON.stringify(Object.fromEntries(r.endpoints));
    for (let attempt = 0; ; attempt++) {
      try {
        const nodeId = await inTransaction(this.pool, async (c) => {
          let id = r.nodeId;
          if (id === undefined) {
            const { rows } = await c.query<{ next: number }>('select coalesce(max(node_id) + 1, 0) as next from tributary_brokers');
            id = rows[0].next;
          }
          const { rows } = await c.query<{ live: boolean }>('select lease_expires_at > now() as live from tributary_brokers where node_id = $1 for update', [id]);
          // An allocated id that another broker registered since we computed it: allocate again.
          if (rows[0]?.live) throw r.nodeId === undefined ? new AllocationRace() : new NodeIdInUseError(id);
          if (rows.length === 0) {
            await c.query(
              `insert into tributary_brokers (node_id, incarnation, rack, listeners, lease_expires_at)
               values ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')`,
              [id, this.incarnation, r.rack, listeners, r.sessionTimeoutMs],
            );
          } else {
            await c.query(
              `update tributary_brokers set incarnation = $2, rack = $3, listeners = $4, registered_at = now(),
                 lease_expires_at = now() + $5 * interval '1 millisecond' where node_id = $1`,
              [id, this.incarnation, r.rack, listeners, r.sessionTimeoutMs],
            );
            // The previous holder of this node id may be alive but paused: what it still leads (no live
            // broker took it over yet) gets a new epoch, so that its late appends are refused.
            await c.query('update tributary_partitions set leader_epoch = leader_epoch + 1 where leader = $1', [id]);
          }
          return id;
        });
        this.registeredId = nodeId;
        return nodeId;
      } catch (err) {
        if (err instanceof AllocationRace && attempt < 10) continue;
        // Two brokers registering the same new id at once: the loser allocates again, or (a configured id) is refused.
        if ((err as { code?: string }).code === '23505') {
          if (r.nodeId !== undefined) throw new NodeIdInUseError(r.nodeId);
          if (attempt < 10) continue;
        }
        throw err;
      }
    }
  }

  /** Extends the lease; throws RegistrationLostError when another process holds the node id now. */
  async renew(sessionTimeoutMs: number): Promise<void> {
    const { rowCount } = await this.pool.query(
      `update tributary_brokers set lease_expires_at = now() + $3 * interval '1 millisecond' where node_id = $1 and incarnation = $2`,
      [this.nodeId, this.incarnation, sessionTimeoutMs],
    );
    if (rowCount === 0) throw new RegistrationLostError(this.nodeId);
  }

  /** A clean shutdown: the lease ends now, so that live brokers take over at once. */
  async deregister(): Promise<void> {
    if (this.registeredId === undefined) return;
    await this.pool.query('update tributary_brokers set lease_expires_at = now() where node_id = $1 and incarnation = $2', [this.registeredId, this.incarnation]);
  }

  /** Publishes the advertised endpoints once the listeners are bound (registration may precede them). */
  async setEndpoints(endpoints: Map<string, Endpoint>): Promise<void> {
    const { rowCount } = await this.pool.query('update tributary_brokers set listeners = $3 where node_id = $1 and incarnation = $2', [this.nodeId, this.incarnation, JSON.stringify(Object.fromEntries(endpoints))]);
    if (rowCount === 0) throw new RegistrationLostError(this.nodeId);
  }

  /**
   * The brokers whose lease has not expired, by node id. A broker that registered but has not
   * published endpoints yet is not counted: nothing is given to it that clients could not reach.
   */
  async live(): Promise<RegisteredBroker[]> {
    const { rows } = await this.pool.query<{ node_id: number; rack: string | null; listeners: string }>(
      "select node_id, rack, listeners from tributary_brokers where lease_expires_at > now() and listeners <> '{}' order by node_id",
    );
    return rows.map((row) => ({ nodeId: row.node_id, rack: row.rack, endpoints: parseEndpoints(row.listeners) }));
  }
}

function parseEndpoints(json: string): Map<string, Endpoint> {
  const out = new Map<string, Endpoint>();
  try {
    for (const [name, at] of Object.entries(JSON.parse(json) as Record<string, Endpoint>)) {
      if (typeof at?.host === 'string' && Number.isInteger(at.port)) out.set(name, { host: at.host, port: at.port });
    }
  } catch {
    // A row written by hand or by a broken broker lists no endpoint rather than failing everyone's Metadata.
  }
  return out;
}
