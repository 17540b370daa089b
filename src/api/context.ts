// What a handler sees: the request's header facts, the client connection, and the broker's
// services. Handlers get everything through this context, never through globals, so many brokers
// can live in one process.

import type { BrokerConfig } from '../config/load.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { Membership } from '../cluster/membership.js';
import type { PgCluster } from '../pg/pg-cluster.js';
import type { TopicManager } from '../cluster/topics.js';
import type { LogManager } from '../log/index.js';
import type { GroupCoordinator } from '../group/index.js';
import type { TransactionCoordination } from '../txn/index.js';
import type { Authorizer } from '../security/authorizer.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { BufferPool } from '../util/buffer-pool.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { FetchSessionCache } from './fetch-sessions.js';
import type { HandlerRegistry } from './registry.js';

/** The facts about a client connection that handlers may use. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly listenerName: string;
  /** Per-connection state handlers may keep (client software name, SASL state, ...). */
  readonly attributes: Map<string, unknown>;
}

/** The broker's services, built once by the composition root (src/broker.ts). */
export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly cluster: ClusterState;
  /**
   * Broker time (virtual under `clock: 'manual'`): timeouts, expiry, broker-given timestamps. What
   * paces a client over the network (long-poll waits, throttling) uses the wall clock instead.
   */
  readonly clock: Clock;
  readonly logger: Logger;
  /** The host and port clients of the first listener are told to connect to. */
  readonly advertised: { host: string; port: number };
  /** By listener name: what clients connected to that listener are told (Metadata, FindCoordinator, DescribeCluster). */
  readonly advertisedListeners?: ReadonlyMap<string, { host: string; port: number }>;
  /** The handlers; ApiVersions lists them. */
  readonly registry: HandlerRegistry;
  /** Partition logs (prefer `topics` to reach them: it knows which partitions exist). */
  readonly logs: LogManager;
  /** Topics: validation, creation, deletion, configs, partition logs. */
  readonly topics: TopicManager;
  /** Groups and committed offsets (src/group). */
  readonly groups: GroupCoordinator;
  /** Producer ids, transactions and markers (src/txn). */
  readonly txn: TransactionCoordination;
  /** Incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** Buffers fetch reads borrow; connections return them once written (src/util/buffer-pool.ts). */
  readonly readBuffers: BufferPool;
  /** The ACLs (`authorizer.class.name`); null or absent: no authorization. Handlers ask src/api/authorize.ts. */
  readonly authorizer?: Authorizer | null;
  /** Counters handlers update (bytes and records per topic); absent when metrics are off. */
  readonly metrics?: BrokerMetrics;
  /** Aborted when the broker begins to shut down: long polls return at once. */
  readonly shutdown: AbortSignal;
  /** The broker identities of this process and who leads what (startCluster); absent: this node alone. */
  readonly membership?: Membership;
  /** The node id of the identity this connection reached (with membership); else cluster.nodeId. */
  readonly nodeId?: number;
  /** postgres:// storage: the cluster's database (members, leaders, topics, record batches; src/api/pg/). */
  readonly pg?: PgCluster;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ConnectionInfo;
  readonly broker: BrokerServices;
  /**
   * A connection's requests run one at a time, in order (Kafka mutes a channel until the response is
   * sent): the next one starts when this one has answered. A handler whose effects are all applied
   * while it still waits for something no request can observe (Produce waiting for an fsync) calls
   * this to let the next request start now. `visible` resolves once those effects can be seen (the
   * appended records are under the high watermark): requests other than Produce start only then.
   */
  readonly releaseConnection: (visible?: Promise<unknown>) => void;
  /**
   * The request's frame holds memory of its own (src/codec/frames.ts): views of it kept past the
   * request (a produced batch the memory engine stores as it came) keep no other request's bytes
   * alive. Absent or false: copy what is kept.
   */
  readonly frameOwnsMemory?: boolean;
}

/** This broker's address as the client of this request must use it: the one of the listener it connected to. */
export function advertisedFor(ctx: RequestContext): { host: string; port: number } {
  return ctx.broker.advertisedListeners?.get(ctx.connection.listenerName) ?? ctx.broker.advertised;
}

/** The node id of the broker identity this request reached. */
export function localNodeId(ctx: RequestContext): number {
  return ctx.broker.nodeId ?? ctx.broker.cluster.nodeId;
}

/** Handler answers that are not a response body. */
export const NO_RESPONSE: unique symbol = Symbol('no-response');
export const CLOSE_CONNECTION: unique symbol = Symbol('close-connection');
export type HandlerControl = typeof NO_RESPONSE | typeof CLOSE_CONNECTION;
