// The composition root: builds storage, cluster state, the log, the coordinators, the handler
// registry and the listener from a BrokerConfig, and closes them in reverse order. `startBroker`
// is the embedded entry point (tests, tools); the CLI uses `startBrokerWithConfig`.

import { resolve as resolvePath } from 'node:path';
import { ClusterState } from './cluster/cluster-state.js';
import type { Membership } from './cluster/membership.js';
import { installDynamicBrokerConfigs } from './cluster/config-admin.js';
import { logConfigFromCluster, toLogConfig, TopicManager } from './cluster/topics.js';
import { resolveTopicConfig } from './config/topic-configs.js';
import { LogManager } from './log/index.js';
import { type BrokerConfig, loadConfig } from './config/load.js';
import type { ConfigValue } from './config/types.js';
import { HANDLERS } from './api/handlers.js';
import { withCoordinatorGate } from './api/coordinator-gate.js';
import { Authorizer } from './security/authorizer.js';
import type { BrokerServices } from './api/context.js';
import { FetchSessionCache } from './api/fetch-sessions.js';
import { HandlerRegistry } from './api/registry.js';
import { apiInfo, errorInfo } from './codec/index.js';
import { parseMetricsAddress } from './metrics/address.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { MetricsServer } from './metrics/http.js';
import { startStatsLog } from './metrics/stats-log.js';
import { brokerStateSource } from './broker-state.js';
import { ApiDispatcher } from './server/dispatcher.js';
import { Server } from './server/server.js';
import { MemoryBudget } from './server/memory-budget.js';
import { listenerSecurity, type ListenerSecurity } from './server/listener-security.js';
import { SaslGate } from './server/sasl-gate.js';
import { addScramUsers } from './security/scram-store.js';
import { applyDeclarations } from './declarations.js';
import { loadApiCodec } from './codec/index.js';
import { listenerAddress, type SecurityProtocol } from './config/listeners.js';
import { DataDirInUseError, openStorage, type Storage } from './storage/index.js';
import { BufferPool } from './util/buffer-pool.js';
import { type Clock, repeat, systemClock } from './util/clock.js';
import { Logger } from './util/logger.js';
import { GroupCoordinator, groupConfigFrom, groupOffsetsSink, LogGroupLog } from './group/index.js';
import { LogTxnLog, logMarkerWriter, startProducerExpiry, TransactionCoordinator } from './txn/index.js';

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
  /** Where log lines go; default: warnings and errors to stderr. */
  logger?: Logger;
  clock?: Clock;
  /** SCRAM users created at start-up when missing, as `--add-scram` (e.g. 'SCRAM-SHA-256=[name=alice,password=alice-secret]'). */
  addScram?: string[];
  /** Aborting it stops a start still under way: startBroker then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RunningBroker {
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
  /** Stops accepting, finishes in-flight requests, flushes, writes the clean-shutdown marker. */
  close(): Promise<void>;
}

/** Starts a broker inside this process: `await startBroker({ storage: 'memory://', port: 0 })`. */
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  // Without listeners of its own, the embedded broker listens on 127.0.0.1 at a port the OS chooses.
  const ownListeners = options.config?.listeners !== undefined;
  const config = loadConfig({
    overrides: {
      storage: options.storage ?? 'memory://',
      port: options.port ?? (ownListeners ? undefined : 0),
      host: options.host ?? (ownListeners ? undefined : '127.0.0.1'),
      advertisedHost: options.advertisedHost,
      advertisedPort: options.advertisedPort,
      ...options.config,
    },
    addScram: options.addScram,
  });
  const logger = options.logger ?? new Logger(undefined, 'warn');
  return startBrokerWithConfig(config, { logger, clock: options.clock, signal: options.signal });
}

export async function startBrokerWithConfig(
  config: BrokerConfig,
  deps: {
    logger: Logger;
    clock?: Clock;
    signal?: AbortSignal;
    /** startCluster: the identities of the process; this broker is the first, its listeners serve it. */
    membership?: Membership;
    /** startCluster: told this identity's servers once they serve, so that stopBroker can close them. */
    onServing?: (servers: readonly Server[]) => void;
    /** startCluster: aborted when this identity stops (its long polls return at once), the broker running on. */
    identityStop?: AbortSignal;
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
  const storage = await openStorage(config.storageUrl, { create: false });
  let lock: Awaited<ReturnType<typeof lockStorage>> | undefined; // undefined: not tried yet
  if (storage.lock !== undefined && (await storage.exists(''))) {
    await storage.create?.(); // creates nothing here: fails (clearly) if the path is not a directory
    lock = await lockStorage(storage, logger);
  }
  // Fetches read into recycled buffers, handed back by the connection once written (util/buffer-pool.ts).
  const readBuffers = new BufferPool({ maxFreeBytes: READ_BUFFER_POOL_BYTES });
  const { metrics, metricsServer, readiness } = buildMetrics(config, logger);
  // One budget for every listener's connections: queued.max.request.bytes is broker-wide.
  const memoryBudget = new MemoryBudget(config.int('queued.max.request.bytes'));
  const servers = newServers(config, security, { memoryBudget, readBuffers, logger, metrics });
  const closeServers = () => Promise.all(servers.map((s) => s.close())).then(() => undefined);
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
    const cluster = await ClusterState.open(storage, config.int('node.id'));
    if (cluster.created) {
      logger.info(dataLocation === 'memory' ? 'new cluster in memory' : 'created a new data directory', { data: dataLocation, clusterId: cluster.clusterId, nodeId: cluster.nodeId });
    }
    signal?.throwIfAborted();
    installDynamicBrokerConfigs(config, cluster);
    deps.membership?.attach(cluster);
    const trimReadBuffers = repeat(clock, READ_BUFFER_TRIM_MS, () => readBuffers.trimIfIdle());
    cleanups.unshift(async () => {
      trimReadBuffers.cancel();
      readBuffers.clear();
    });
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
      log: new LogGroupLog(logs, cluster, groupConfig.offsetsTopicPartitions, () => clock.now()),
      topics: cluster,
    });
    cleanups.unshift(() => groups.close());
    // Replays __consumer_offsets; group requests answer COORDINATOR_LOAD_IN_PROGRESS meanwhile.
    groups.load().then(
      () => (readiness.groups = true),
      (err: unknown) => logger.error('loading groups failed', { error: String(err) }),
    );
    const txn = new TransactionCoordinator({
      clock,
      logger: logger.child('txn'),
      log: new LogTxnLog(logs, cluster, config.int('transaction.state.log.num.partitions'), () => clock.now()),
      markers: logMarkerWriter(topics, clock),
      offsets: groupOffsetsSink(groups),
      config: {
        maxTimeoutMs: config.int('transaction.max.timeout.ms'),
        transactionalIdExpirationMs: config.int('transactional.id.expiration.ms'),
      },
    });
    groups.pendingTransactionalOffsets = (groupId, topic, partition) => txn.hasPendingOffsets(groupId, topic, partition);
    const producerExpiry = startProducerExpiry(logs, clock, () => config.int('producer.id.expiration.ms'), 600_000); // read each run: a dynamic broker config
    cleanups.unshift(async () => {
      producerExpiry.cancel();
      await txn.close();
    });
    // Replays __transaction_state and completes transactions a crash left half-way through commit/abort.
    txn.load().then(
      () => (readiness.transactions = true),
      (err: unknown) => logger.error('loading transactions failed', { error: String(err) }),
    );
    // Several identities: group and transaction APIs answer NOT_COORDINATOR on identities that do not coordinate the id.
    const registry = new HandlerRegistry(deps.membership ? withCoordinatorGate(HANDLERS) : HANDLERS);
    const advertisedListeners = new Map(config.listeners.map((l, i) => [l.name, { host: l.advertised.host, port: l.advertised.port ?? ports[i] }]));
    const advertised = advertisedListeners.get(config.listeners[0].name)!;
    const identity = deps.membership?.identities.get(cluster.nodeId);
    for (const [name, at] of advertisedListeners) identity?.endpoints.set(name, at);
    const shutdown = new AbortController();
    const fetchSessions = new FetchSessionCache();
    const services: BrokerServices = {
      config, cluster, clock, logger, advertised, advertisedListeners, registry, logs, topics, groups, txn, fetchSessions, readBuffers,
      shutdown: deps.identityStop ? AbortSignal.any([shutdown.signal, deps.identityStop]) : shutdown.signal,
      authorizer: Authorizer.fromConfig(config, cluster, logger.child('authorizer')),
      metrics,
      ...(deps.membership && { membership: deps.membership, nodeId: cluster.nodeId }),
    };
    metrics?.setSource(brokerStateSource(services, () => memoryBudget.inUse));
    signal?.throwIfAborted();
    const dispatcher = new ApiDispatcher(registry, services, logger.child('api'), metrics);
    const added = await addScramUsers(cluster, config.addScram);
    if (added.length > 0) logger.info('added SCRAM credentials (--add-scram)', { users: added.join(', ') });
    await applyDeclarations(config, topics, services.authorizer ?? null, logger.child('declarations'));
    // The SASL gate decodes SaslHandshake and SaslAuthenticate itself, synchronously.
    if (security.some((s) => s.sasl !== null)) await Promise.all([loadApiCodec(17), loadApiCodec(36)]);
    serveListeners(servers, security, dispatcher, { config, cluster, clock, logger });
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
      const stats = startStatsLog(metrics, clock, statsIntervalMs, logger.child('stats'));
      cleanups.unshift(async () => stats.cancel());
    }
    if (metricsServer) logger.info('metrics listening', { metrics: metricsServer.url });
    let closing: Promise<void> | null = null;
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

/** One Server per listener (not yet bound); the memory budget is shared by their connections. */
export function newServers(
  config: BrokerConfig,
  security: readonly ListenerSecurity[],
  shared: { memoryBudget: MemoryBudget; readBuffers: BufferPool; logger: Logger; metrics?: BrokerMetrics },
): Server[] {
  const { memoryBudget, readBuffers, logger, metrics } = shared;
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
      }),
  );
}

/** Starts serving each bound listener: through the SASL gate on SASL listeners. */
export function serveListeners(
  servers: readonly Server[],
  security: readonly ListenerSecurity[],
  dispatcher: ApiDispatcher,
  deps: { config: BrokerConfig; cluster: ClusterState; clock: Clock; logger: Logger },
): void {
  const { config, cluster, clock, logger } = deps;
  servers.forEach((server, i) => {
    const { spec, sasl } = security[i];
    if (sasl === null) return server.serve(dispatcher);
    server.serve(
      new SaslGate(dispatcher, {
        listenerName: spec.name,
        mechanisms: sasl.mechanisms,
        newMechanism: sasl.newMechanism(cluster),
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
function buildMetrics(config: BrokerConfig, logger: Logger): { metrics?: BrokerMetrics; metricsServer?: MetricsServer; readiness: Readiness } {
  const readiness: Readiness = { logs: false, groups: false, transactions: false, serving: false, closing: false };
  const listener = config.str('metrics.listener');
  if (listener === '' && config.int('log.stats.interval.ms') === 0) return { readiness };
  const metrics = new BrokerMetrics({
    apiName: (apiKey) => apiInfo(apiKey)?.name,
    errorName: (code) => errorInfo(code).name,
    memoryLimitBytes: config.int('queued.max.request.bytes'),
  });
  if (listener === '') return { metrics, readiness };
  const address = parseMetricsAddress(listener);
  if (typeof address === 'string') throw new Error(`metrics.listener: ${address}`); // loadConfig checked it
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
