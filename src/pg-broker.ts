// A broker of a cluster sharing one PostgreSQL database (`--storage postgres://…`, preview): it
// connects, migrates the schema (refusing a newer one), registers (node.id, or one allocated by the
// database), starts as a broker whose data APIs (Produce, Fetch, ListOffsets, Metadata) read and
// write the database (src/api/pg/), publishes its advertised listeners, and renews its lease every
// broker.heartbeat.interval.ms. Consumer groups are coordinated as in Kafka: the broker leading a
// group's __consumer_offsets partition (in the database) coordinates it and writes its records
// there, fenced by its leader epoch (pg/coordinator-partitions.ts). The database's topics are
// mirrored into the broker's own metadata so that its other handlers know them. Transactions are
// coordinated by the leaders of __transaction_state's partitions in the database (txn/pg-transactions.ts).
// ACLs, SCRAM users, quotas and dynamic configs are shared through the database (pg/shared-metadata.ts).

import { embeddedSetup, type BrokerOptions, type GroupCoordination, type RunningBroker, startBrokerWithConfig } from './broker.js';
import type { ClusterState } from './cluster/cluster-state.js';
import { INTERNAL_TOPICS } from './cluster/topic-names.js';
import { parseLogConfig } from './log/config.js';
import { PgRetention } from './pg/retention.js';
import { groupConfigFrom, groupOffsetsSink, offsetsPartitionFor } from './group/index.js';
import { PgTransactions } from './txn/pg-transactions.js';
import type { BrokerConfig } from './config/load.js';
import type { Fixtures } from './declarations.js';
import { openPgCluster, type PgCluster } from './pg/pg-cluster.js';
import { systemClock, type Clock } from './util/clock.js';
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
    offsetsTopicPartitions: groupConfigFrom(config).offsetsTopicPartitions,
    logger: log,
  });
  const offsets = pg.offsets;
  const clock = deps.clock;
  const partitionOf = (groupId: string) => offsetsPartitionFor(groupId, offsets.partitions);
  const groupCoordination: GroupCoordination = {
    log: {
      append: (groupId, records) => offsets.append(partitionOf(groupId), records, clock?.now() ?? Date.now()),
      // Nothing at start: each partition is replayed when this broker comes to lead it.
      replay: async () => {},
    },
    ownership: (groupId) => offsets.status(partitionOf(groupId)),
  };
  let broker: RunningBroker | undefined;
  let nodeId: number;
  // The coordinators of the __transaction_state partitions this broker leads; the broker builds no
  // coordinator of its own. A committed transaction's offsets go to this broker's group coordinator
  // when it coordinates the group (the broker exists by the time a transaction commits).
  const transactions = new PgTransactions(pg.membership, pg.store, {
    clock: clock ?? systemClock,
    logger: log.child('txn'),
    config: { maxTimeoutMs: config.int('transaction.max.timeout.ms'), transactionalIdExpirationMs: config.int('transactional.id.expiration.ms') },
    stateTopicPartitions: config.int('transaction.state.log.num.partitions'),
    localOffsetsSink: (groupId, offsets) => groupOffsetsSink(broker!.services.groups)(groupId, offsets),
    offsets,
    calls: pg.calls,
  });
  try {
    nodeId = await pg.membership.register();
    // The broker's own (local) state lives in memory; the node id is the one the database gave.
    const local = config.withSettings({ storage: 'memory://', 'node.id': nodeId });
    broker = await startBrokerWithConfig(local, { ...deps, pg, groupCoordination, transactions: transactions.coordination });
    await pg.membership.start(new Map(broker.services.advertisedListeners ?? [[local.listeners[0].name, broker.services.advertised]]));
    await offsets.ensureTopic();
    const services = broker.services;
    mirrorTopics(pg, services.cluster);
    pg.membership.onRefresh(() => {
      mirrorTopics(pg, services.cluster);
      offsets.sync();
    });
    offsets.attach({
      load: async (_partition, replay) => {
        await services.groups.loadGroups(replay);
      },
      unload: (partition) => {
        const n = services.groups.unloadGroups((groupId) => partitionOf(groupId) === partition);
        if (n > 0) log.info('groups handed over', { partition, groups: n });
      },
      // A committed transaction's offsets, written by the transaction coordinator on another broker.
      applyForeign: (_partition, replay) => services.groups.applyOffsetRecords(replay),
    });
    // The handlers ask the coordinators of the __transaction_state partitions this broker leads (the
    // coordinator gate sends transactional requests to the id's coordinator: NOT_COORDINATOR elsewhere).
    pg.transactions = transactions;
    services.groups.externalPendingOffsets = transactions.unstableOffsets.bind(transactions);
    await transactions.ensureTopic();
    pg.membership.onRefresh(() => transactions.partitions.sync());
    transactions.attach();
  } catch (err) {
    await pg.close();
    throw err;
  }
  // Retention and compaction of the partitions this broker leads, with the topics' configs over the broker's defaults.
  const retention = new PgRetention(pg.membership, {
    configFor: (topic) => {
      const c = parseLogConfig(broker.services.topics.logConfig(topic));
      return {
        retentionMs: c.retentionMs, retentionBytes: c.retentionBytes, deletes: c.cleanupPolicy.delete,
        compacts: c.cleanupPolicy.compact, deleteRetentionMs: c.deleteRetentionMs, minCompactionLagMs: c.minCompactionLagMs,
      };
    },
    logger: log.child('retention'),
    now: () => deps.clock?.now() ?? Date.now(),
    onLogStartMoved: (topicId, partition) => pg.store.cache.invalidate(topicId, partition),
    producerExpirationMs: () => config.int('producer.id.expiration.ms'),
  });
  retention.start(config.int('log.retention.check.interval.ms'));
  offsets.startCompaction();
  transactions.partitions.startCompaction();
  log.info('member of the PostgreSQL cluster', { nodeId, clusterId: pg.clusterId, live: pg.membership.liveBrokers().map((b) => b.nodeId).join(',') });
  let closing: Promise<void> | undefined;
  const stop = (deregister: boolean) =>
    (closing ??= (async () => {
      await retention.stop();
      await offsets.stopCompaction();
      await transactions.partitions.stopCompaction();
      // Stops hearing of changes and taking partitions over, then the heartbeat: nothing may take back
      // what is handed over below, nor use the database once it is closed.
      pg.store.notifier.onMetadata = undefined;
      pg.shared.close();
      offsets.detach();
      await transactions.close();
      await pg.membership.stop({ deregister: false });
      if (deregister) {
        // Controlled shutdown: the others lead this broker's partitions now, not once its lease would have ended.
        const moved = await pg.membership.handOver().catch((err: unknown) => {
          log.warn('handing over leaderships failed; the others take them when the lease ends', { error: String(err) });
          return 0;
        });
        if (moved > 0) log.info('leaderships handed over', { partitions: moved });
        await pg.membership.registry.deregister().catch(() => {});
      }
      await broker.close();
      await pg.close({ deregister: false });
    })());
  return Object.assign(Object.create(broker) as RunningBroker, {
    dataLocation: pg.location,
    nodeId,
    pg,
    close: () => stop(true),
    crash: () => stop(false),
  }) as RunningPgBroker;
}

/** Names each broker's metadata holds because the database has them. */
const mirrored = new WeakMap<ClusterState, Set<string>>();

/** The database's topics into the broker's own metadata (ids kept); topics gone from the database leave it. */
function mirrorTopics(pg: PgCluster, cluster: ClusterState): void {
  const previous = mirrored.get(cluster) ?? new Set<string>();
  const names = new Set<string>();
  for (const t of pg.membership.topics()) {
    names.add(t.name);
    cluster.mirrorTopic({ name: t.name, id: t.id, partitions: t.partitions, configs: t.parsedConfigs, internal: INTERNAL_TOPICS.has(t.name) });
  }
  for (const name of previous) if (!names.has(name)) void cluster.deleteTopic(name).catch(() => {});
  mirrored.set(cluster, names);
}
