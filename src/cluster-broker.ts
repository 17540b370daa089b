// Several broker identities in one process (startCluster, `tributary --brokers N`): the first is a
// whole broker (src/broker.ts) that owns the storage, logs and coordinators; each identity has its
// own node id, listeners and advertised addresses and answers through the same handlers with its own
// node id, so clients see a cluster of N brokers sharing one log per partition. Stopping an identity
// closes its listeners and moves its leaderships (src/cluster/membership.ts); starting it binds again.

import { FetchSessionCache } from './api/fetch-sessions.js';
import type { BrokerServices } from './api/context.js';
import { embeddedSetup, newServers, type BrokerOptions, type RunningBroker, serveListeners, startBrokerWithConfig } from './broker.js';
import type { Fixtures } from './declarations.js';
import { Membership } from './cluster/membership.js';
import type { BrokerConfig } from './config/load.js';
import type { ListenerSpec } from './config/listeners.js';
import { ApiDispatcher } from './server/dispatcher.js';
import { listenerSecurity } from './server/listener-security.js';
import { MemoryBudget } from './server/memory-budget.js';
import type { ApiSelector, InterceptAction, InterceptMatcher, InterceptorHandle } from './server/interceptors.js';
import type { Server } from './server/server.js';
import type { Clock } from './util/clock.js';
import type { Logger } from './util/logger.js';

export interface ClusterOptions extends Omit<BrokerOptions, 'advertisedPort'> {
  /** How many broker identities; default 3. */
  brokers?: number;
  /** Node ids, one per identity; default 0, 1, … (or node.id, node.id+1, … when config sets node.id). */
  nodeIds?: number[];
  /** broker.rack of each identity, in the order of nodeIds. */
  racks?: (string | null)[];
}

export interface ClusterBroker {
  readonly nodeId: number;
  readonly rack: string | null;
  /** host:port of its first listener (as advertised); '' while it is stopped and was never bound. */
  readonly bootstrap: string;
  readonly alive: boolean;
}

export interface RunningCluster {
  /** Every identity's host:port, comma-separated: a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly brokers: readonly ClusterBroker[];
  readonly clusterId: string;
  /** Where the data lives: a directory, or 'memory'. */
  readonly dataLocation: string;
  readonly config: BrokerConfig;
  /** The first identity's services (storage, logs, coordinators are shared by all). */
  readonly services: BrokerServices;
  readonly membership: Membership;
  /** The node id leading a partition now, -1 when none is alive or the topic does not exist. */
  partitionLeader(topic: string, partition: number): number;
  /** As a broker dying: its listeners close, its connections drop, its leaderships move to live replicas. */
  stopBroker(nodeId: number): Promise<void>;
  /** Binds a stopped identity again (same ports unless they were chosen by the OS) and returns it to the ISRs. */
  startBroker(nodeId: number): Promise<void>;
  /** Makes toId (a live replica) the partition's leader, with a leader epoch bump. */
  moveLeader(topic: string, partition: number, toId: number): void;
  /**
   * As a single broker's reset() (memory storage only): clients of every identity are disconnected;
   * every topic, group, offset, transaction, producer id, ACL and user is gone and the fixtures are
   * declared again; stopped identities start again; node ids, ports and the cluster id stay.
   */
  reset(): Promise<void>;
  /**
   * Fault injection on one identity's requests (README, "Fault injection"); a pass-through function
   * counts what reaches it. The interceptors of an identity end when it stops.
   */
  intercept(nodeId: number, matcher: InterceptMatcher | ApiSelector, action: InterceptAction): InterceptorHandle;
  close(): Promise<void>;
}

/** Starts a cluster of broker identities inside this process: `await startCluster({ brokers: 3 })`. */
export async function startCluster(options: ClusterOptions = {}): Promise<RunningCluster> {
  const { config, logger, clock, fixtures } = embeddedSetup(options, {
    ...(options.brokers !== undefined && { brokers: options.brokers }),
    ...(options.racks !== undefined && { 'broker.racks': options.racks.map((r) => r ?? '').join(',') }),
    // Node ids 0, 1, … unless given (the single broker's default node.id is 1).
    'node.id': options.nodeIds?.[0] ?? options.config?.['node.id'] ?? 0,
  });
  const brokers = options.brokers ?? (config.source('brokers') === 'default' ? 3 : config.int('brokers'));
  return startClusterWithConfig(config, { logger, clock, signal: options.signal, brokers, nodeIds: options.nodeIds, fixtures });
}

export async function startClusterWithConfig(
  config: BrokerConfig,
  deps: { logger: Logger; clock?: Clock; signal?: AbortSignal; brokers?: number; nodeIds?: number[]; fixtures?: Fixtures },
): Promise<RunningCluster> {
  const count = deps.brokers ?? config.int('brokers');
  const nodeIds = deps.nodeIds ?? Array.from({ length: count }, (_, k) => config.int('node.id') + k);
  if (nodeIds[0] !== config.int('node.id')) throw new Error(`startCluster: the first node id (${nodeIds[0]}) must be node.id (${config.int('node.id')})`);
  if (nodeIds.length !== count || new Set(nodeIds).size !== count) throw new Error(`startCluster: ${count} distinct node ids needed, got [${nodeIds.join(', ')}]`);
  const racks = config.str('broker.racks') === '' ? [] : config.str('broker.racks').split(',').map((r) => r.trim());
  if (racks.length > 0 && racks.length !== count) throw new Error(`broker.racks: ${racks.length} racks given for ${count} brokers`);
  const membership = new Membership(nodeIds.map((nodeId, k) => ({ nodeId, rack: racks[k] || null })));
  // The first identity is the broker that owns everything; its node id (node.id) is the data directory's.
  let baseServers: readonly Server[] = [];
  const baseStop = new AbortController();
  const base = await startBrokerWithConfig(config, { ...deps, membership, onServing: (s) => (baseServers = s), identityStop: baseStop.signal });
  // A new leader starts a new epoch in the partition's log, as a Kafka leader does on election.
  membership.onLeaderChange = (topic, partition) => {
    const log = base.services.topics.openPartitionLog(topic.name, partition);
    if (log !== undefined && !log.isOffline) log.setLeaderEpoch(log.leaderEpoch + 1);
  };
  const identities = new Map<number, IdentityListeners | null>(); // null: serving through the base broker's servers
  identities.set(nodeIds[0], null);
  try {
    for (let k = 1; k < count; k++) {
      const id = new IdentityListeners(base, membership, nodeIds[k], k, deps.logger);
      identities.set(nodeIds[k], id);
      await id.start();
    }
  } catch (err) {
    for (const id of identities.values()) await id?.stop();
    await base.close();
    throw err;
  }
  const identityOf = (nodeId: number) => {
    if (!identities.has(nodeId)) throw new Error(`no broker identity ${nodeId} in this cluster`);
    return identities.get(nodeId);
  };
  let closing: Promise<void> | null = null;
  const startIdentity = async (nodeId: number): Promise<void> => {
    const id = identityOf(nodeId);
    if (membership.identities.get(nodeId)!.alive) return;
    await id!.start();
    membership.setAlive(nodeId, true);
  };
  const listBrokers = (): ClusterBroker[] =>
    nodeIds.map((nodeId) => {
      const b = membership.identities.get(nodeId)!;
      const at = b.endpoints.values().next().value;
      return { nodeId, rack: b.rack, alive: b.alive, bootstrap: at === undefined ? '' : `${at.host}:${at.port}` };
    });
  return {
    get bootstrap() {
      return listBrokers().filter((b) => b.alive).map((b) => b.bootstrap).join(',');
    },
    get brokers() {
      return listBrokers();
    },
    clusterId: base.services.cluster.clusterId,
    dataLocation: base.dataLocation,
    config: base.config,
    services: base.services,
    membership,
    partitionLeader: (topic, partition) => membership.leaderOf(topic, partition),
    async stopBroker(nodeId) {
      const id = identityOf(nodeId);
      if (!membership.identities.get(nodeId)!.alive) return;
      // Leaderships move first: requests still in flight on its connections are answered NOT_LEADER.
      membership.setAlive(nodeId, false);
      if (id === null) {
        baseStop.abort();
        await Promise.all(baseServers.map((s) => closeAsDying(s)));
        // From now on the first identity binds like the others when it starts again.
        identities.set(nodeId, new IdentityListeners(base, membership, nodeId, 0, deps.logger, base.listeners.map((l) => l.port)));
      } else {
        await id?.stop({ dying: true });
      }
    },
    startBroker: startIdentity,
    moveLeader(topic, partition, toId) {
      membership.moveLeader(topic, partition, toId);
    },
    async reset() {
      if (closing !== null) throw new Error('reset(): the cluster is closed');
      // The other identities' clients go first: none of their requests may reach the state being replaced.
      for (const id of identities.values()) id?.resetClients();
      await base.reset();
      membership.forgetAll();
      for (const nodeId of nodeIds) if (!membership.identities.get(nodeId)!.alive) await startIdentity(nodeId);
    },
    intercept(nodeId, matcher, action) {
      const id = identityOf(nodeId);
      if (!membership.identities.get(nodeId)!.alive) throw new Error(`broker identity ${nodeId} is stopped`);
      return id == null ? base.intercept(matcher, action) : id.intercept(matcher, action);
    },
    close() {
      closing ??= (async () => {
        for (const id of identities.values()) await id?.stop();
        await base.close();
      })();
      return closing;
    },
  };
}

/**
 * The listeners of one identity other than the base broker's own: each of the config's listeners at
 * its port + the identity's index (0 stays 0: the OS chooses), served by the shared handlers with
 * this identity's node id and addresses.
 */
class IdentityListeners {
  private servers: Server[] = [];
  private shutdown: AbortController | null = null;
  private services: BrokerServices | null = null;
  private dispatcher: ApiDispatcher | null = null;

  constructor(
    private readonly base: RunningBroker,
    private readonly membership: Membership,
    private readonly nodeId: number,
    private readonly index: number,
    private readonly logger: Logger,
    /** Ports to bind (a restarted identity keeps the ports it had); default: from the config. */
    private ports?: number[],
  ) {}

  async start(): Promise<void> {
    const { config } = this.base;
    const specs: ListenerSpec[] = config.listeners.map((l, i) => ({
      ...l,
      port: this.ports?.[i] ?? (l.port === 0 ? 0 : l.port + this.index),
      advertised: { host: l.advertised.host, port: l.advertised.port === null ? null : l.advertised.port + this.index },
    }));
    const security = specs.map((spec) => listenerSecurity(config, spec));
    const shared = this.base.services;
    const logger = this.logger.child(`broker-${this.nodeId}`);
    this.servers = newServers(config, security, {
      memoryBudget: new MemoryBudget(config.int('queued.max.request.bytes')),
      readBuffers: shared.readBuffers,
      logger,
      metrics: shared.metrics,
    });
    const ports: number[] = [];
    try {
      for (const server of this.servers) ports.push(await server.listen());
    } catch (err) {
      await Promise.all(this.servers.map((s) => s.close()));
      throw err;
    }
    this.ports = ports;
    const advertisedListeners = new Map(specs.map((l, i) => [l.name, { host: l.advertised.host, port: l.advertised.port ?? ports[i] }]));
    const identity = this.membership.identities.get(this.nodeId)!;
    for (const [name, at] of advertisedListeners) identity.endpoints.set(name, at);
    this.shutdown = new AbortController();
    const services = (this.services = identityServices(shared, this.shutdown.signal, {
      nodeId: this.nodeId,
      advertised: advertisedListeners.get(specs[0].name)!,
      advertisedListeners,
      fetchSessions: new FetchSessionCache(),
    }));
    const dispatcher = new ApiDispatcher(shared.registry, services, logger.child('api'), shared.metrics);
    this.dispatcher = dispatcher;
    await serveListeners(this.servers, security, dispatcher, { config, cluster: () => this.base.services.cluster, clock: shared.clock, logger });
    logger.info('broker identity listening', { nodeId: this.nodeId, advertised: [...advertisedListeners.values()].map((a) => `${a.host}:${a.port}`).join(',') });
  }

  /** reset(): its clients are disconnected, in-flight requests unanswered, and its fetch sessions forgotten. */
  resetClients(): void {
    for (const server of this.servers) server.closeConnections();
    if (this.services !== null) Object.assign(this.services, { fetchSessions: new FetchSessionCache() });
  }

  intercept(matcher: InterceptMatcher | ApiSelector, action: InterceptAction): InterceptorHandle {
    if (this.dispatcher === null) throw new Error(`broker identity ${this.nodeId} is not listening`);
    return this.dispatcher.interceptors.add(matcher, action);
  }

  /** Closes its listeners: cleanly (in-flight requests answered) on cluster close, at once when dying. */
  async stop(options: { dying?: boolean } = {}): Promise<void> {
    this.dispatcher = null;
    this.shutdown?.abort();
    await Promise.all(this.servers.map((s) => (options.dying ? closeAsDying(s) : s.close())));
    this.servers = [];
  }
}

/**
 * A broker that dies takes its connections with it: clients get a reset at once, with every request
 * in flight unanswered, and look for the new leader or coordinator. Closing cleanly instead would
 * wait for long polls and JoinGroups held open by the coordinator (up to the rebalance timeout) while
 * the requests queued behind them on the same connection (a Metadata, a FindCoordinator) went unread.
 */
function closeAsDying(server: Server): Promise<void> {
  server.closeConnections();
  return server.close();
}

/**
 * An identity's view of the shared services: its own node id, addresses and fetch sessions, and
 * everything else read through to the base broker's services object, which reset() refills with a
 * fresh cluster, logs and coordinators. Its shutdown signal fires when its listeners stop or when the
 * base broker's current signal fires (reset() replaces that one too).
 */
function identityServices(shared: BrokerServices, ownStop: AbortSignal, own: Pick<BrokerServices, 'nodeId' | 'advertised' | 'advertisedListeners' | 'fetchSessions'>): BrokerServices {
  let sharedSignal = shared.shutdown;
  let combined = AbortSignal.any([sharedSignal, ownStop]);
  const services = Object.create(shared) as BrokerServices;
  Object.assign(services, own);
  Object.defineProperty(services, 'shutdown', {
    get: () => {
      if (shared.shutdown !== sharedSignal) {
        sharedSignal = shared.shutdown;
        combined = AbortSignal.any([sharedSignal, ownStop]);
      }
      return combined;
    },
  });
  return services;
}
