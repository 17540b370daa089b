// The composition root: builds storage, cluster state, the log, the coordinators, the handler
// registry and the listener from a BrokerConfig, and closes them in reverse order. `startBroker`
// is the embedded entry point (tests, tools); the CLI uses `startBrokerWithConfig`.

import { resolve as resolvePath } from 'node:path';
import { CLUSTER_IDENTITY_PATH, ClusterState } from './cluster/cluster-state.js';
import type { Membership } from './cluster/membership.js';
import { withPgHandlers } from './api/pg/handlers.js';
import type { PgCluster } from './pg/pg-cluster.js';
import { installDynamicBrokerConfigs } from './cluster/config-admin.js';
import { logConfigFromCluster, toLogConfig, TopicManager } from './cluster/topics.js';
import { resolveTopicConfig } from './config/topic-configs.js';
import { LogManager } from './log/index.js';
import { type BrokerConfig, loadConfig } from './config/load.js';
import { ConfigError, type ConfigValue } from './config/types.js';
import { HANDLERS } from './api/handlers.js';
import { withCoordinatorGate } from './api/coordinator-gate.js';
import { Authorizer } from './security/authorizer.js';
import type { BrokerServices } from './api/context.js';
import { FetchSessionCache } from './api/fetch-sessions.js';
import { HandlerRegistry } from './api/registry.js';
import { apiInfo, errorInfo } from './codec/index.js';
import { parseMetricsAddress } from './metrics/address.js';
// Metrics, TLS reloading and the SASL gate are imported only by a broker that uses them (start-up
// time: node:http alone costs ~30 ms on Node 24, which loads its fetch implementation with it).
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import type { MetricsServer } from './metrics/http.js';
import { brokerStateSource } from './broker-state.js';
import { ApiDispatcher } from './server/dispatcher.js';
import type { ApiSelector, InterceptAction, InterceptMatcher, InterceptorHandle } from './server/interceptors.js';
import { Server } from './server/server.js';
import { ConnectionQuotas } from './server/connection-quotas.js';
import { MemoryBudget } from './server/memory-budget.js';
import { listenerSecurity, type ListenerSecurity } from './server/listener-security.js';
import { addScramUsers } from './security/scram-store.js';
import { type AclFixture, applyDeclarations, type Fixtures, type TopicFixture } from './declarations.js';
import { loadApiCodec } from './codec/index.js';
import { listenerAddress, type SecurityProtocol } from './config/listeners.js';
import { DataDirInUseError, openStorage, type Storage } from './storage/index.js';
import { BufferPool } from './util/buffer-pool.js';
import { type Clock, ManualClock, repeat, systemClock } from './util/clock.js';
import { type LogFormat, Logger, type LogLevel } from './util/logger.js';
import { GroupCoordinator, groupConfigFrom, groupOffsetsSink, LogGroupLog, type GroupLog } from './group/index.js';
import { LogTxnLog, logMarkerWriter, startProducerExpiry, TransactionCoordinator, type TransactionCoordination } from './txn/index.js';

/** Free read buffers kept for reuse at most (a few fetch responses' worth). */
const READ_BUFFER_POOL_BYTES = 64 * 1024 * 1024;
/** An idle broker drops its free read buffers after one to two of these. */
const READ_BUFFER_TRIM_MS = 30_000;

export interface BrokerOptions {
  /** Storage URL: 'memory://' (the embedded default) or 'file://DIR'. */
  storage?: string;
  /** Port to listen on; 0 (the embedded default) lets the OS choose. */
  port?: number;
  /** Host to bind; default 127.0.0.1 when embedded. */
  host?: string;
  /** Host and port clients are told to use; default: the bound ones. */
  advertisedHost?: string;
  advertisedPort?: number;
  /** Any broker setting by its Kafka key, e.g. { 'num.partitions': 3 }. */
  config?: Record<string, ConfigValue>;
  /** Where log lines go; default: warnings and errors to stderr (or as logLevel, logFormat, logSink say). */
  logger?: Logger;
  /** Least severe line logged when no logger is given; default 'warn' (the config key log.level works too). */
  logLevel?: LogLevel;
  /** 'text' (default) or 'json' when no logger is given (or the config key log.format). */
  logFormat?: LogFormat;
  /** Receives each log line (newline-terminated) instead of stderr, when no logger is given. */
  logSink?: (line: string) => void;
  /**
   * The clock of every timeout, expiry and broker-given timestamp: 'manual' for virtual time that
   * moves only on `broker.clock.advance(ms)`; default the system clock.
   */
  clock?: Clock | 'manual';
  /** Topics created before the first request is answered, and again by reset(). */
  topics?: TopicFixture[];
  /** ACLs created before the first request is answered, and again by reset() (needs authorizer.class.name). */
  acls?: AclFixture[];
  /** SCRAM users created at start-up when missing, as `--add-scram` (e.g. 'SCRAM-SHA-256=[name=alice,password=alice-secret]'). */
  addScram?: string[];
  /** Aborting it stops a start still under way: startBroker then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RunningBroker<C extends Clock = Clock> {
  /** host:port for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  /** Every listener served, in the order of `listeners` (the first is the one above). */
  readonly listeners: readonly { name: string; securityProtocol: SecurityProtocol; port: number; bootstrap: string }[];
  /** Where the data lives: a directory, or 'memory'. */
  readonly dataLocation: string;
  readonly config: BrokerConfig;
  readonly services: BrokerServices;
  /** http://HOST:PORT of /metrics, /healthz and /readyz (metrics.listener), or null when it is off. */
  readonly metricsUrl: string | null;
  /**
   * Fault injection for tests: the action applies to this broker's requests that match (README,
   * "Fault injection"); the first interceptor added that acts on a request wins.
   */
  intercept(matcher: InterceptMatcher | ApiSelector, action: InterceptAction): InterceptorHandle;
  /** Removes every interceptor of this broker. */
  clearInterceptors(): void;
  /** Reloads the keystore and truststore files of TLS listeners that changed on disk (SIGHUP); returns the refusals. */
  reloadTlsFiles(): string[];
  /** The broker's clock: a ManualClock (advance(ms)) with `clock: 'manual'`. */
  readonly clock: C;
  /**
   * Memory storage only: disconnects every client and empties the broker (topics, groups, offsets,
   * transactions, producer state, ACLs, users, quotas, dynamic configs), keeping its node id,
   * cluster id and ports, then declares the fixtures again. For reusing one broker across test files.
   */
  reset(): Promise<void>;
  /** Stops accepting, finishes in-flight requests, flushes, writes the clean-shutdown marker. */
  close(): Promise<void>;
}

/** Starts a broker inside this process: `await startBroker({ storage: 'memory://', port: 0 })`. */
export async function startBroker(options: BrokerOptions & { clock: 'manual' }): Promise<RunningBroker<ManualClock>>;
export async function startBroker(options?: BrokerOptions): Promise<RunningBroker>;
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const { config, logger, clock, fixtures } = embeddedSetup(options);
  return startBrokerWithConfig(config, { logger, clock, signal: options.signal, fixtures });
}

/**
 * What an embedded start (startBroker, startCluster) makes of its options: the config (`settings`
 * override options.config: the cluster's own keys), the logger, the clock and the fixtures.
 */
export function embeddedSetup(options: BrokerOptions, settings: Record<string, ConfigValue | undefined> = {}) {
  // Without listeners of its own, the embedded broker listens on 127.0.0.1 at a port the OS chooses.
  const ownListeners = options.config?.listeners !== undefined;
  const config = loadConfig({
    overrides: {
      storage: options.storage ?? 'memory://',
      port: options.port ?? (ownListeners ? undefined : 0),
      host: options.host ?? (ownListeners ? undefined : '127.0.0.1'),
      advertisedHost: options.advertisedHost,
      advertisedPort: options.advertisedPort,
      // Kafka's own development config: a test's first group join must not wait 3 s for more members.
      'group.initial.rebalance.delay.ms': 0,
      'log.level': options.logLevel,
      'log.format': options.logFormat,
      ...options.config,
      ...settings,
    },
    addScram: options.addScram,
  });
  // Embedded, a broker is quiet (warnings and errors) unless log.level is set.
  const logger = options.logger ?? new Logger(
    options.logSink && { write: options.logSink },
    config.source('log.level') === 'default' ? 'warn' : (config.str('log.level') as LogLevel),
    config.str('log.format') as LogFormat,
  );
  const clock = options.clock === 'manual' ? new ManualClock() : options.clock;
  return { config, logger, clock, fixtures: { topics: options.topics, acls: options.acls } };
}

export async function startBrokerWithConfig(
  config: BrokerConfig,
  deps: {
    logger: Logger;
    clock?: Clock;
    signal?: AbortSignal;
    fixtures?: Fixtures;
    /** startCluster: the identities of the process; this broker is the first, its listeners serve it. */
    membership?: Membership;
    /** startCluster: told this identity's servers once they serve, so that stopBroker can close them. */
    onServing?: (servers: readonly Server[]) => void;
    /** startCluster: aborted when this identity stops (its long polls return at once), the broker running on. */
    identityStop?: AbortSignal;
    /** postgres:// storage (pg-broker.ts): the cluster's database; its handlers replace those of the data APIs. */
    pg?: PgCluster;
    /** Where the group coordinator's records go and which groups it coordinates, when not all of them in this broker's log (pg-broker.ts). */
    groupCoordination?: GroupCoordination;
    /** Transaction coordination kept elsewhere (pg-broker.ts: __transaction_state in the database): the broker builds no coordinator of its own. */
    transactions?: TransactionCoordination;
  },
): Promise<RunningBroker> {
  const { logger, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const dataLocation = config.storageUrl.startsWith('file://')
    ? resolvePath(config.storageUrl.slice('file://'.length))
    : 'memory';
  // A listener that cannot be served (its security settings) stops start-up before anything is opened.
  const security = config.listeners.map((listener) => listenerSecurity(config, listener));
  signal?.throwIfAborted();
  // Nothing is created before the port is bound: a start that fails there leaves the data directory
  // as it found it. An existing directory is locked first, so a second broker on it (on the same
  // port, usually) is told whose the directory is rather than that the port is taken.
  let storage = await openStorage(config.storageUrl, { create: false }); // reset() replaces a memory storage
  let lock: Awaited<ReturnType<typeof lockStorage>> | undefined; // undefined: not tried yet
  if (storage.lock !== undefined && (await storage.exists(''))) {
    await storage.create?.(); // creates nothing here: fails (clearly) if the path is not a directory
    lock = await lockStorage(storage, logger);
  }
  // Fetches read into recycled buffers, handed back by the connection once written (util/buffer-pool.ts).
  const readBuffers = new BufferPool({ maxFreeBytes: READ_BUFFER_POOL_BYTES });
  const { metrics, metricsServer, readiness } = await buildMetrics(config, logger);
  // One budget for every listener's connections: queued.max.request.bytes is broker-wide.
  const memoryBudget = new MemoryBudget(config.int('queued.max.request.bytes'));
  // Connection limits span every listener (max.connections, per IP); taken live from AlterConfigs.
  const connectionQuotas = new ConnectionQuotas({ config, listeners: config.listeners.map((l) => l.name), logger: logger.child('server'), metrics, now: () => clock.now() });
  const quotaProblem = connectionQuotas.startupProblem();
  if (quotaProblem !== undefined) throw new ConfigError(quotaProblem);
  config.addReconfigurable(connectionQuotas);
  const servers = newServers(config, security, { memoryBudget, readBuffers, logger, metrics, quotas: connectionQuotas });
  // SSL and SASL_SSL listeners reload their keystore and truststore on AlterConfigs (KIP-226) and SIGHUP.
  const { ListenerTlsReload } = security.some((s) => s.tls !== null) ? await import('./server/listener-tls-reload.js') : { ListenerTlsReload: null };
  const tlsReloads = security.flatMap(({ spec, tls }, i) => (tls === null || ListenerTlsReload === null ? [] : [new ListenerTlsReload(config, spec, servers[i], logger.child('server'))]));
  for (const r of tlsReloads) config.addReconfigurable(r);
  const closeServers = () => {
    connectionQuotas.close();
    for (const r of [connectionQuotas, ...tlsReloads]) config.removeReconfigurable(r);
    return Promise.all(servers.map((s) => s.close())).then(() => undefined);
  };
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      await storage.close();
      await lock?.release();
    },
  ];
  try {
    // Each listener is bound in turn; the first that cannot be stops start-up naming it.
    const ports: number[] = [];
    for (const server of servers) ports.push(await server.listen());
    const port = ports[0];
    // Bound before recovery: /readyz answers 503 while the logs and coordinators load.
    await metricsServer?.listen();
    cleanups.push(async () => {
      metrics?.close();
      await metricsServer?.close();
    });
    signal?.throwIfAborted();
    await storage.create?.();
    if (lock === undefined) lock = await lockStorage(storage, logger);
    signal?.throwIfAborted();
    const trimReadBuffers = repeat(clock, READ_BUFFER_TRIM_MS, () => readBuffers.trimIfIdle());
    cleanups.unshift(async () => {
      trimReadBuffers.cancel();
      readBuffers.clear();
    });
    const stateDeps = { config, clock, logger, readBuffers, metrics, readiness, membership: deps.membership, clusterId: deps.pg?.clusterId, groupCoordination: deps.groupCoordination, transactions: deps.transactions };
    let state = await openState(storage, stateDeps, signal);
    cleanups.unshift(() => state.close());
    // postgres:// storage: the ACLs, users, quotas and cluster-wide broker defaults the database holds are in force before anything is served.
    if (deps.pg) {
      const shared = state;
      shared.cluster.onBrokerDefaultsReplaced(() => {
        try {
          installDynamicBrokerConfigs(config, shared.cluster);
          config.reconfigure(shared.cluster.dynamicBrokerConfigs);
          shared.topics.refreshConfigs();
        } catch (err) {
          logger.warn('applying the cluster-wide broker configs from the database failed', { error: String(err) });
        }
      });
      await deps.pg.shared.attach(shared.cluster);
    }
    deps.membership?.attach(state.cluster);
    connectionQuotas.useIpConnectionRates((ip) => state.cluster.quotas.quotasOf({ ip })?.connection_creation_rate ?? state.cluster.quotas.quotasOf({ ip: null })?.connection_creation_rate);
    // A postgres:// broker's local state is always new and in memory; the cluster is the database's (pg-broker.ts logs it).
    if (state.cluster.created && deps.pg === undefined) {
      logger.info(dataLocation === 'memory' ? 'new cluster in memory' : 'created a new data directory', { data: dataLocation, clusterId: state.cluster.clusterId, nodeId: state.cluster.nodeId });
    }
    // Several identities: group and transaction APIs answer NOT_COORDINATOR on identities that do not coordinate the id.
    const registry = new HandlerRegistry(deps.pg ? withCoordinatorGate(withPgHandlers(HANDLERS), { only: 'txn' }) : deps.membership ? withCoordinatorGate(HANDLERS) : HANDLERS);
    const advertisedListeners = new Map(config.listeners.map((l, i) => [l.name, { host: l.advertised.host, port: l.advertised.port ?? ports[i] }]));
    const advertised = advertisedListeners.get(config.listeners[0].name)!;
    const identity = deps.membership?.identities.get(state.cluster.nodeId);
    for (const [name, at] of advertisedListeners) identity?.endpoints.set(name, at);
    let shutdown = new AbortController();
    const shutdownSignal = () => (deps.identityStop ? AbortSignal.any([shutdown.signal, deps.identityStop]) : shutdown.signal);
    const { cluster, logs, topics, groups, txn, authorizer } = state;
    const services: BrokerServices = {
      config, cluster, clock, logger, advertised, advertisedListeners, registry, logs, topics, groups, txn, authorizer, readBuffers, metrics,
      fetchSessions: new FetchSessionCache(),
      shutdown: shutdownSignal(),
      ...(deps.membership && { membership: deps.membership, nodeId: cluster.nodeId }),
      ...(deps.pg && { pg: deps.pg }),
    };
    metrics?.setSource(brokerStateSource(services, () => memoryBudget.inUse));
    signal?.throwIfAborted();
    const dispatcher = new ApiDispatcher(registry, services, logger.child('api'), metrics);
    // SCRAM users, declared topics and ACLs: at start-up, and again after reset().
    const declare = async (s: BrokerState) => {
      const added = await addScramUsers(s.cluster, config.addScram);
      if (added.length > 0) logger.info('added SCRAM credentials (--add-scram)', { users: added.join(', ') });
      await applyDeclarations(config, s.topics, s.authorizer, logger.child('declarations'), deps.fixtures);
    };
    await declare(state);
    await serveListeners(servers, security, dispatcher, { config, cluster: () => state.cluster, clock, logger });
    deps.onServing?.(servers);
    readiness.serving = true;
    cleanups.unshift(async () => {
      readiness.closing = true;
      shutdown.abort();
      await closeServers();
    });
    config.listeners.forEach((l, i) => {
      const adv = advertisedListeners.get(l.name)!;
      logger.info('listening', { listener: listenerAddress(l.name, l.host, ports[i]), securityProtocol: l.securityProtocol, advertised: `${adv.host}:${adv.port}`, data: dataLocation });
    });
    const statsIntervalMs = config.int('log.stats.interval.ms');
    if (metrics !== undefined && statsIntervalMs > 0) {
      const { startStatsLog } = await import('./metrics/stats-log.js');
      const stats = startStatsLog(metrics, clock, statsIntervalMs, logger.child('stats'));
      cleanups.unshift(async () => stats.cancel());
    }
    if (metricsServer) logger.info('metrics listening', { metrics: metricsServer.url });
    let closing: Promise<void> | null = null;
    let resetting: Promise<void> | null = null;
    /**
     * A fresh broker on the same listeners, node id and cluster id: clients are disconnected, every
     * topic, group, committed offset, transaction, producer id, ACL, SCRAM user, quota and dynamic
     * config is gone, and the fixtures (topics, acls, addScram, create.* settings) are declared again.
     */
    const reset = async (): Promise<void> => {
      shutdown.abort(); // long polls and parked joins end at once
      for (const server of servers) server.closeConnections();
      await state.close();
      const identity = await storage.readMeta(CLUSTER_IDENTITY_PATH);
      await storage.close();
      storage = await openStorage('memory://');
      if (identity !== null) {
        await storage.mkdir('meta');
        await storage.writeMeta(CLUSTER_IDENTITY_PATH, identity);
      }
      readiness.groups = readiness.transactions = false;
      state = await openState(storage, stateDeps);
      await declare(state);
      shutdown = new AbortController();
      const { cluster, logs, topics, groups, txn, authorizer } = state;
      deps.membership?.attach(cluster);
      Object.assign(services, { cluster, logs, topics, groups, txn, authorizer, fetchSessions: new FetchSessionCache(), shutdown: shutdownSignal() });
      logger.info('reset', { clusterId: cluster.clusterId });
    };
    return {
      bootstrap: `${advertised.host}:${advertised.port}`,
      host: advertised.host,
      port,
      listeners: config.listeners.map((l, i) => {
        const adv = advertisedListeners.get(l.name)!;
        return { name: l.name, securityProtocol: l.securityProtocol, port: ports[i], bootstrap: `${adv.host}:${adv.port}` };
      }),
      dataLocation,
      config,
      services,
      metricsUrl: metricsServer?.url ?? null,
      clock,
      intercept: (matcher, action) => dispatcher.interceptors.add(matcher, action),
      clearInterceptors: () => dispatcher.interceptors.clear(),
      reloadTlsFiles: () => tlsReloads.map((r) => r.reloadChangedFiles(state.cluster.dynamicBrokerConfigs)).filter((p): p is string => p !== undefined),
      reset() {
        if (closing !== null) return Promise.reject(new Error('reset(): the broker is closed'));
        if (dataLocation !== 'memory') return Promise.reject(new Error('reset() needs memory storage (storage: memory://)'));
        resetting ??= reset().finally(() => (resetting = null));
        return resetting;
      },
      close() {
        closing ??= runCleanups(cleanups).then(() => logger.info('stopped'));
        return closing;
      },
    };
  } catch (err) {
    // Before serve() no connection reached a handler: the listener closes last, with the rest.
    await runCleanups(cleanups);
    await closeServers();
    metrics?.close();
    await metricsServer?.close();
    throw err;
  }
}

/** What reset() replaces: the cluster metadata, logs and coordinators on one storage. */
interface BrokerState {
  cluster: ClusterState;
  logs: LogManager;
  topics: TopicManager;
  groups: GroupCoordinator;
  txn: TransactionCoordination;
  authorizer: Authorizer | null;
  /** Stops the coordinators and their timers, then closes the logs (the storage stays open). */
  close(): Promise<void>;
}

interface StateDeps {
  config: BrokerConfig;
  clock: Clock;
  logger: Logger;
  readBuffers: BufferPool;
  metrics: BrokerMetrics | undefined;
  readiness: Readiness;
  /** startCluster: the identities over which topics' replicas are placed. */
  membership?: Membership;
  /** postgres:// storage: the cluster id the database holds, shared by all its brokers. */
  clusterId?: string;
  groupCoordination?: GroupCoordination;
  /** Coordinated elsewhere (postgres:// storage): no TransactionCoordinator over this broker's own logs. */
  transactions?: TransactionCoordination;
}

/** A group coordinator whose groups are spread over brokers: its records' log and its share of the groups. */
export interface GroupCoordination {
  log: GroupLog;
  /** NONE for a group this broker coordinates now, else COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR. */
  ownership(groupId: string): number;
}

/** The transaction coordinator over this broker's __transaction_state log, loading (its close joins `cleanups`). */
function openTransactionCoordinator(
  deps: StateDeps,
  state: { logs: LogManager; cluster: ClusterState; topics: TopicManager; groups: GroupCoordinator },
  cleanups: (() => Promise<void>)[],
): TransactionCoordinator {
  const { config, clock, logger, readiness } = deps;
  const txn = new TransactionCoordinator({
    clock,
    logger: logger.child('txn'),
    log: new LogTxnLog(state.logs, state.cluster, config.int('transaction.state.log.num.partitions'), () => clock.now()),
    markers: logMarkerWriter(state.topics, clock),
    offsets: groupOffsetsSink(state.groups),
    config: {
      maxTimeoutMs: config.int('transaction.max.timeout.ms'),
      transactionalIdExpirationMs: config.int('transactional.id.expiration.ms'),
    },
  });
  cleanups.unshift(() => txn.close());
  // Replays __transaction_state and completes transactions a crash left half-way through commit/abort.
  txn.load().then(
    () => (readiness.transactions = true),
    (err: unknown) => logger.error('loading transactions failed', { error: String(err) }),
  );
  return txn;
}

/** Opens the cluster metadata, recovers the logs and starts the coordinators loading. On failure, closes what it opened. */
async function openState(storage: Storage, deps: StateDeps, signal?: AbortSignal): Promise<BrokerState> {
  const { config, clock, logger, readBuffers, metrics, readiness } = deps;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const cluster = await ClusterState.open(storage, config.int('node.id'), deps.clusterId);
    signal?.throwIfAborted();
    installDynamicBrokerConfigs(config, cluster);
    config.reconfigure(cluster.dynamicBrokerConfigs);
    // Not abortable part-way: a clean close after some partitions were recovered and others not
    // would mark the unrecovered ones clean.
    const logs = await LogManager.open({
      storage,
      readBuffers,
      clock,
      logger: logger.child('log'),
      defaults: toLogConfig(resolveTopicConfig({}, config)),
      configFor: (topic) => logConfigFromCluster(cluster, config, topic),
      retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
      onSync: metrics && ((ms, appends) => metrics.fsynced(ms, appends)),
    });
    readiness.logs = true;
    cleanups.unshift(() => logs.close());
    signal?.throwIfAborted();
    const topics = new TopicManager(cluster, logs, config, logger.child('topics'), deps.membership);
    const groupConfig = groupConfigFrom(config);
    const groups = new GroupCoordinator({
      clock,
      logger: logger.child('group'),
      config: groupConfig,
      log: deps.groupCoordination?.log ?? new LogGroupLog(logs, cluster, groupConfig.offsetsTopicPartitions, () => clock.now()),
      topics: cluster,
    });
    if (deps.groupCoordination) groups.ownership = (groupId) => deps.groupCoordination!.ownership(groupId);
    cleanups.unshift(() => groups.close());
    // Replays __consumer_offsets; group requests answer COORDINATOR_LOAD_IN_PROGRESS meanwhile.
    groups.load().then(
      () => (readiness.groups = true),
      (err: unknown) => logger.error('loading groups failed', { error: String(err) }),
    );
    const producerExpiry = startProducerExpiry(logs, clock, () => config.int('producer.id.expiration.ms'), 600_000); // read each run: a dynamic broker config
    cleanups.unshift(async () => producerExpiry.cancel());
    const txn = deps.transactions ?? openTransactionCoordinator(deps, { logs, cluster, topics, groups }, cleanups);
    groups.pendingTransactionalOffsets = (groupId, topic, partition) => txn.hasPendingOffsets(groupId, topic, partition);
    if (deps.transactions !== undefined) readiness.transactions = true; // its owner loads it
    const authorizer = Authorizer.fromConfig(config, cluster, logger.child('authorizer'));
    return { cluster, logs, topics, groups, txn, authorizer, close: () => runCleanups(cleanups) };
  } catch (err) {
    await runCleanups(cleanups);
    throw err;
  }
}

/** One Server per listener (not yet bound); the memory budget is shared by their connections. */
export function newServers(
  config: BrokerConfig,
  security: readonly ListenerSecurity[],
  shared: { memoryBudget: MemoryBudget; readBuffers: BufferPool; logger: Logger; metrics?: BrokerMetrics; quotas?: ConnectionQuotas },
): Server[] {
  const { memoryBudget, readBuffers, logger, metrics, quotas } = shared;
  return security.map(
    ({ spec: listener, sasl, tls }) =>
      new Server({
        host: listener.host,
        port: listener.port,
        listenerName: listener.name,
        securityProtocol: listener.securityProtocol,
        maxFrameBytes: config.int('socket.request.max.bytes'),
        maxInFlightPerConnection: config.int('max.inflight.requests.per.connection'),
        idleTimeoutMs: config.int('connections.max.idle.ms'),
        memoryBudget,
        readBuffers,
        logger: logger.child('server'),
        maxFrameBytesBeforeAuth: sasl === null ? undefined : config.int('sasl.server.max.receive.size'),
        metrics,
        tls: tls ?? undefined,
        quotas,
      }),
  );
}

/** Starts serving each bound listener: through the SASL gate on SASL listeners. */
export async function serveListeners(
  servers: readonly Server[],
  security: readonly ListenerSecurity[],
  dispatcher: ApiDispatcher,
  deps: { config: BrokerConfig; cluster: () => ClusterState; clock: Clock; logger: Logger },
): Promise<void> {
  const { config, cluster, clock, logger } = deps;
  // The SASL gate (loaded only when a listener needs it) decodes SaslHandshake and SaslAuthenticate itself, synchronously.
  const { SaslGate } = security.some((s) => s.sasl !== null)
    ? (await Promise.all([import('./server/sasl-gate.js'), loadApiCodec(17), loadApiCodec(36)]))[0]
    : { SaslGate: null };
  servers.forEach((server, i) => {
    const { spec, sasl } = security[i];
    if (sasl === null || SaslGate === null) return server.serve(dispatcher);
    server.serve(
      new SaslGate(dispatcher, {
        listenerName: spec.name,
        mechanisms: sasl.mechanisms,
        newMechanism: (mechanism) => sasl.newMechanism(cluster(), () => clock.now())(mechanism), // the cluster of now: reset() replaces it
        failedAuthenticationDelayMs: config.int('connection.failed.authentication.delay.ms'),
        maxReauthMs: config.int('connections.max.reauth.ms'),
        now: () => clock.now(),
        logger: logger.child('server'),
      }),
    );
  });
}

/** What /readyz waits for, in start-up order. */
interface Readiness {
  logs: boolean;
  groups: boolean;
  transactions: boolean;
  serving: boolean;
  closing: boolean;
}

/**
 * The metrics (when metrics.listener or log.stats.interval.ms asks for them: otherwise no hook on
 * the request path costs anything) and the HTTP listener of metrics.listener.
 */
async function buildMetrics(config: BrokerConfig, logger: Logger): Promise<{ metrics?: BrokerMetrics; metricsServer?: MetricsServer; readiness: Readiness }> {
  const readiness: Readiness = { logs: false, groups: false, transactions: false, serving: false, closing: false };
  const listener = config.str('metrics.listener');
  if (listener === '' && config.int('log.stats.interval.ms') === 0) return { readiness };
  const { BrokerMetrics } = await import('./metrics/broker-metrics.js');
  const metrics = new BrokerMetrics({
    apiName: (apiKey) => apiInfo(apiKey)?.name,
    errorName: (code) => errorInfo(code).name,
    memoryLimitBytes: config.int('queued.max.request.bytes'),
  });
  if (listener === '') return { metrics, readiness };
  const address = parseMetricsAddress(listener);
  if (typeof address === 'string') throw new Error(`metrics.listener: ${address}`); // loadConfig checked it
  const { MetricsServer } = await import('./metrics/http.js');
  const metricsServer = new MetricsServer({
    ...address,
    render: () => metrics.render(),
    notReady: () => {
      if (readiness.closing) return ['shutting down'];
      const waiting: string[] = [];
      if (!readiness.logs) waiting.push('recovering logs');
      if (!readiness.groups) waiting.push('loading groups');
      if (!readiness.transactions) waiting.push('loading transactions');
      if (!readiness.serving) waiting.push('not serving clients yet');
      return waiting;
    },
    logger: logger.child('metrics'),
  });
  return { metrics, metricsServer, readiness };
}

async function runCleanups(cleanups: (() => Promise<void>)[]): Promise<void> {
  for (const c of cleanups) await c();
}

/**
 * One broker per data directory (storage/dir-lock.ts): another live broker on it stops this start.
 * Where the medium cannot hold a lock (a filesystem without Unix sockets), the broker runs unprotected
 * and says so.
 */
async function lockStorage(storage: Storage, logger: Logger): Promise<{ release(): Promise<void> } | null> {
  if (storage.lock === undefined) return null;
  try {
    return await storage.lock();
  } catch (err) {
    if (err instanceof DataDirInUseError) throw err;
    logger.warn('could not lock the data directory: a second broker on it would not be stopped', { error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}
