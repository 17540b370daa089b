// A broker of a cluster sharing one PostgreSQL database (`--storage postgres://…`, preview): it
// connects, migrates the schema (refusing a newer one), registers (node.id, or one allocated by the
// database), starts as a broker whose data APIs (Produce, Fetch, ListOffsets, Metadata) read and
// write the database (src/api/pg/), publishes its advertised listeners, and renews its lease every
// broker.heartbeat.interval.ms. Everything else (groups, transactions, configs, ACLs) is still this
// broker's own, kept in memory: see README, "Cluster over PostgreSQL (preview)".

import { embeddedSetup, type BrokerOptions, type RunningBroker, startBrokerWithConfig } from './broker.js';
import type { BrokerConfig } from './config/load.js';
import type { Fixtures } from './declarations.js';
import { redactPostgresUrl } from './pg/connection.js';
import { openPgCluster, type PgCluster } from './pg/pg-cluster.js';
import type { Clock } from './util/clock.js';
import type { Logger } from './util/logger.js';

export interface RunningPgBroker extends RunningBroker {
  /** The node id this broker holds in the database. */
  readonly nodeId: number;
  readonly pg: PgCluster;
  /**
   * As a crash, for tests: the heartbeat stops and the listeners close without giving up the
   * lease, so that the other brokers take over only once it expired.
   */
  crash(): Promise<void>;
}

/** Starts a broker of the PostgreSQL cluster inside this process: `await startPgBroker({ storage: 'postgres://…' })`. */
export async function startPgBroker(options: BrokerOptions & { storage: string }): Promise<RunningPgBroker> {
  const { config, logger, clock, fixtures } = embeddedSetup(options);
  return startPgBrokerWithConfig(config, { logger, clock, signal: options.signal, fixtures });
}

export async function startPgBrokerWithConfig(
  config: BrokerConfig,
  deps: { logger: Logger; clock?: Clock; signal?: AbortSignal; fixtures?: Fixtures },
): Promise<RunningPgBroker> {
  const url = config.storageUrl;
  const log = deps.logger.child('pg');
  const pg = await openPgCluster(url, {
    nodeId: config.source('node.id') === 'default' ? undefined : config.int('node.id'),
    rack: config.get('broker.rack') as string | null,
    endpoints: new Map(),
    heartbeatIntervalMs: config.int('broker.heartbeat.interval.ms'),
    sessionTimeoutMs: config.int('broker.session.timeout.ms'),
    onError: (err) => log.warn('heartbeat to the database failed', { error: String(err) }),
  });
  let broker: RunningBroker;
  let nodeId: number;
  try {
    nodeId = await pg.membership.register();
    // The broker's own (local) state lives in memory; the node id is the one the database gave.
    const local = config.withSettings({ storage: 'memory://', 'node.id': nodeId });
    broker = await startBrokerWithConfig(local, { ...deps, pg });
    await pg.membership.start(new Map(broker.services.advertisedListeners ?? [[local.listeners[0].name, broker.services.advertised]]));
  } catch (err) {
    await pg.close();
    throw err;
  }
  log.info('member of the PostgreSQL cluster', { nodeId, live: pg.membership.liveBrokers().map((b) => b.nodeId).join(',') });
  let closing: Promise<void> | undefined;
  const stop = (deregister: boolean) =>
    (closing ??= (async () => {
      await pg.membership.stop({ deregister });
      await broker.close();
      await pg.close({ deregister: false });
    })());
  return Object.assign(Object.create(broker) as RunningBroker, {
    dataLocation: redactPostgresUrl(url),
    nodeId,
    pg,
    close: () => stop(true),
    crash: () => stop(false),
  }) as RunningPgBroker;
}
