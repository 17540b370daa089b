// Kafka's broker configs as a dynamic change (AlterConfigs / IncrementalAlterConfigs on a BROKER
// resource) sees them, for Kafka 4.3.1: the dynamic ones with their type, default, update mode and
// validator (org.apache.kafka.server.config.DynamicConfig.Broker.configKeys() and
// DynamicBrokerConfig.dynamicConfigUpdateModes()), the security configs that may only be set per
// listener (DynamicBrokerConfig.DYNAMIC_SECURITY_CONFIGS) and the names Kafka refuses to change
// dynamically (DynamicConfig.Broker.nonDynamicProps()). Names not listed anywhere are custom configs,
// which Kafka accepts and stores. Listed once here so config-admin and config-describe read one table.

import { type ConfigValue, INT32_MAX } from './types.js';

/** Kafka's ConfigDef types (what DescribeConfigs reports and how values parse). */
export type KafkaConfigType = 'int' | 'long' | 'short' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';

export interface KafkaDynamicConfig {
  name: string;
  type: KafkaConfigType;
  /** Kafka's default, as DescribeConfigs prints it; null for none. */
  default: string | null;
  /** Kafka's update mode "per-broker": not settable as the cluster-wide default. */
  perBroker: boolean;
  /** Kafka's validator: why a parsed value is refused, in Kafka's words, or undefined. */
  check?: (value: ConfigValue) => string | undefined;
}

const atLeast = (min: number) => (v: ConfigValue) => (typeof v === 'number' && v < min ? `Value must be at least ${min}` : undefined);
const between = (min: number, max: number) => (v: ConfigValue) =>
  typeof v !== 'number' ? undefined : v < min ? `Value must be no less than ${min}` : v > max ? `Value must be no more than ${max}` : undefined;
const oneOf = (...allowed: string[]) => (v: ConfigValue) => {
  const values = Array.isArray(v) ? v : [v];
  return values.some((x) => typeof x === 'string' && !allowed.includes(x)) ? `String must be one of: ${allowed.join(', ')}` : undefined;
};
const gzipLevel = (v: ConfigValue) => (typeof v === 'number' && v !== -1 && (v < 1 || v > 9) ? 'Value must be between 1 and 9 or equal to -1' : undefined);
const PER_BROKER = true;
const CLUSTER = false;

type Row = [string, KafkaConfigType, string | null, boolean?, ((v: ConfigValue) => string | undefined)?];

const ROWS: Row[] = [
  ['background.threads', 'int', '10', CLUSTER, atLeast(1)],
  ['compression.gzip.level', 'int', '-1', CLUSTER, gzipLevel],
  ['compression.lz4.level', 'int', '9', CLUSTER, between(1, 17)],
  ['compression.type', 'string', 'producer', CLUSTER, oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer')],
  ['compression.zstd.level', 'int', '3', CLUSTER, between(-131072, 22)],
  ['config.providers', 'list', ''],
  ['cordoned.log.dirs', 'list', '', PER_BROKER],
  ['follower.fetch.last.tiered.offset.enable', 'boolean', 'false'],
  ['follower.replication.throttled.rate', 'long', '9223372036854775807', CLUSTER, atLeast(0)],
  ['group.consumer.assignment.interval.ms', 'int', '1000', CLUSTER, atLeast(0)],
  ['group.coordinator.cached.buffer.max.bytes', 'int', '1048588', CLUSTER, atLeast(524288)],
  ['group.share.assignment.interval.ms', 'int', '1000', CLUSTER, atLeast(0)],
  ['group.streams.assignment.interval.ms', 'int', '1000', CLUSTER, atLeast(0)],
  ['leader.replication.throttled.rate', 'long', '9223372036854775807', CLUSTER, atLeast(0)],
  ['listener.security.protocol.map', 'string', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', PER_BROKER],
  ['listeners', 'list', 'PLAINTEXT://:9092', PER_BROKER],
  ['log.cleaner.backoff.ms', 'long', '15000', CLUSTER, atLeast(0)],
  ['log.cleaner.dedupe.buffer.size', 'long', '134217728'],
  ['log.cleaner.delete.retention.ms', 'long', '86400000', CLUSTER, atLeast(0)],
  ['log.cleaner.io.buffer.load.factor', 'double', '0.9'],
  ['log.cleaner.io.buffer.size', 'int', '524288', CLUSTER, atLeast(0)],
  ['log.cleaner.io.max.bytes.per.second', 'double', '1.7976931348623157E308'],
  ['log.cleaner.max.compaction.lag.ms', 'long', '9223372036854775807', CLUSTER, atLeast(1)],
  ['log.cleaner.min.cleanable.ratio', 'double', '0.5', CLUSTER, between(0, 1)],
  ['log.cleaner.min.compaction.lag.ms', 'long', '0', CLUSTER, atLeast(0)],
  ['log.cleaner.threads', 'int', '1', CLUSTER, atLeast(0)],
  ['log.cleanup.policy', 'list', 'delete', CLUSTER, oneOf('compact', 'delete')],
  ['log.flush.interval.messages', 'long', '9223372036854775807', CLUSTER, atLeast(1)],
  ['log.flush.interval.ms', 'long', null],
  ['log.index.interval.bytes', 'int', '4096', CLUSTER, atLeast(0)],
  ['log.index.size.max.bytes', 'int', '10485760', CLUSTER, atLeast(4)],
  ['log.local.retention.bytes', 'long', '-2', CLUSTER, atLeast(-2)],
  ['log.local.retention.ms', 'long', '-2', CLUSTER, atLeast(-2)],
  ['log.message.timestamp.after.max.ms', 'long', '3600000', CLUSTER, atLeast(0)],
  ['log.message.timestamp.before.max.ms', 'long', '9223372036854775807', CLUSTER, atLeast(0)],
  ['log.message.timestamp.type', 'string', 'CreateTime', CLUSTER, oneOf('CreateTime', 'LogAppendTime')],
  ['log.preallocate', 'boolean', 'false'],
  ['log.retention.bytes', 'long', '-1'],
  ['log.retention.ms', 'long', null],
  ['log.roll.jitter.ms', 'long', null],
  ['log.roll.ms', 'long', null],
  ['log.segment.bytes', 'int', '1073741824', CLUSTER, atLeast(1048576)],
  ['log.segment.delete.delay.ms', 'long', '60000', CLUSTER, atLeast(0)],
  ['max.connection.creation.rate', 'int', '2147483647', CLUSTER, atLeast(0)],
  ['max.connections', 'int', '2147483647', CLUSTER, atLeast(0)],
  ['max.connections.per.ip', 'int', '2147483647', CLUSTER, atLeast(0)],
  ['max.connections.per.ip.overrides', 'string', ''],
  ['message.max.bytes', 'int', '1048588', CLUSTER, atLeast(0)],
  ['metric.reporters', 'list', 'org.apache.kafka.common.metrics.JmxReporter'],
  ['min.insync.replicas', 'int', '1', CLUSTER, atLeast(1)],
  ['num.io.threads', 'int', '8', CLUSTER, atLeast(1)],
  ['num.network.threads', 'int', '3', CLUSTER, atLeast(1)],
  ['num.recovery.threads.per.data.dir', 'int', '2', CLUSTER, atLeast(1)],
  ['num.replica.fetchers', 'int', '1', CLUSTER, atLeast(1)],
  ['principal.builder.class', 'class', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder', PER_BROKER],
  ['producer.id.expiration.ms', 'int', '86400000', CLUSTER, atLeast(1)],
  ['remote.fetch.max.wait.ms', 'int', '500', CLUSTER, atLeast(1)],
  ['remote.list.offsets.request.timeout.ms', 'long', '30000', CLUSTER, atLeast(1)],
  ['remote.log.index.file.cache.total.size.bytes', 'long', '1073741824', CLUSTER, atLeast(1)],
  ['remote.log.manager.copier.thread.pool.size', 'int', '10', CLUSTER, atLeast(1)],
  ['remote.log.manager.copy.max.bytes.per.second', 'long', '9223372036854775807', CLUSTER, atLeast(1)],
  ['remote.log.manager.expiration.thread.pool.size', 'int', '10', CLUSTER, atLeast(1)],
  ['remote.log.manager.fetch.max.bytes.per.second', 'long', '9223372036854775807', CLUSTER, atLeast(1)],
  ['remote.log.manager.follower.thread.pool.size', 'int', '2', CLUSTER, atLeast(1)],
  ['remote.log.reader.threads', 'int', '10', CLUSTER, atLeast(1)],
  ['replica.alter.log.dirs.io.max.bytes.per.second', 'long', '9223372036854775807', CLUSTER, atLeast(0)],
  ['sasl.enabled.mechanisms', 'list', 'GSSAPI', PER_BROKER],
  ['sasl.jaas.config', 'password', null, PER_BROKER],
  ['sasl.kerberos.kinit.cmd', 'string', '/usr/bin/kinit', PER_BROKER],
  ['sasl.kerberos.min.time.before.relogin', 'long', '60000', PER_BROKER],
  ['sasl.kerberos.principal.to.local.rules', 'list', 'DEFAULT', PER_BROKER],
  ['sasl.kerberos.service.name', 'string', null, PER_BROKER],
  ['sasl.kerberos.ticket.renew.jitter', 'double', '0.05', PER_BROKER],
  ['sasl.kerberos.ticket.renew.window.factor', 'double', '0.8', PER_BROKER],
  ['sasl.login.refresh.buffer.seconds', 'short', '300', PER_BROKER],
  ['sasl.login.refresh.min.period.seconds', 'short', '60', PER_BROKER],
  ['sasl.login.refresh.window.factor', 'double', '0.8', PER_BROKER],
  ['sasl.login.refresh.window.jitter', 'double', '0.05', PER_BROKER],
  ['sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', PER_BROKER],
  ['share.coordinator.cached.buffer.max.bytes', 'int', '1048588', CLUSTER, atLeast(524288)],
  ['ssl.cipher.suites', 'list', '', PER_BROKER],
  ['ssl.client.auth', 'string', 'none', PER_BROKER, oneOf('required', 'requested', 'none')],
  ['ssl.enabled.protocols', 'list', 'TLSv1.2,TLSv1.3', PER_BROKER],
  ['ssl.endpoint.identification.algorithm', 'string', 'https', PER_BROKER],
  ['ssl.engine.factory.class', 'class', null, PER_BROKER],
  ['ssl.key.password', 'password', null, PER_BROKER],
  ['ssl.keymanager.algorithm', 'string', 'SunX509', PER_BROKER],
  ['ssl.keystore.certificate.chain', 'password', null, PER_BROKER],
  ['ssl.keystore.key', 'password', null, PER_BROKER],
  ['ssl.keystore.location', 'string', null, PER_BROKER],
  ['ssl.keystore.password', 'password', null, PER_BROKER],
  ['ssl.keystore.type', 'string', 'JKS', PER_BROKER],
  ['ssl.protocol', 'string', 'TLSv1.3', PER_BROKER],
  ['ssl.provider', 'string', null, PER_BROKER],
  ['ssl.secure.random.implementation', 'string', null, PER_BROKER],
  ['ssl.trustmanager.algorithm', 'string', 'PKIX', PER_BROKER],
  ['ssl.truststore.certificates', 'password', null, PER_BROKER],
  ['ssl.truststore.location', 'string', null, PER_BROKER],
  ['ssl.truststore.password', 'password', null, PER_BROKER],
  ['ssl.truststore.type', 'string', 'JKS', PER_BROKER],
  ['transaction.partition.verification.enable', 'boolean', 'true'],
  ['unclean.leader.election.enable', 'boolean', 'false'],
];

export const KAFKA_DYNAMIC_BROKER_CONFIGS: ReadonlyMap<string, KafkaDynamicConfig> = new Map(
  ROWS.map(([name, type, def, perBroker, check]) => [name, { name, type, default: def, perBroker: perBroker ?? false, check }]),
);

/** Security configs Kafka changes only per listener (listener.name.NAME.KEY), never bare. */
export const LISTENER_ONLY_SECURITY_CONFIGS: ReadonlySet<string> = new Set([
  'ssl.key.password', 'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.keystore.location',
  'ssl.keystore.password', 'ssl.keystore.type', 'ssl.truststore.certificates', 'ssl.truststore.location',
  'ssl.truststore.password', 'ssl.truststore.type',
]);

/** Listener configs that may be set cluster-wide even with a listener prefix. */
export const CLUSTER_LEVEL_LISTENER_CONFIGS: ReadonlySet<string> = new Set(['max.connections', 'max.connection.creation.rate', 'num.network.threads']);

/**
 * Kafka's DynamicListenerConfig.ReconfigurableConfigs: when an AlterConfigs changes one of these (bare),
 * Kafka checks that no other listener-prefixed config of an existing listener differs from start-up.
 */
export const DYNAMIC_LISTENER_CONFIGS: ReadonlySet<string> = new Set([
  'advertised.listeners', 'listeners', 'listener.security.protocol.map', 'principal.builder.class', 'ssl.protocol',
  'ssl.provider', 'ssl.cipher.suites', 'ssl.enabled.protocols', 'ssl.keystore.type', 'ssl.keystore.location',
  'ssl.keystore.password', 'ssl.key.password', 'ssl.truststore.type', 'ssl.truststore.location',
  'ssl.truststore.password', 'ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm',
  'ssl.endpoint.identification.algorithm', 'ssl.secure.random.implementation', 'ssl.client.auth',
  'ssl.engine.factory.class', 'sasl.mechanism.inter.broker.protocol', 'sasl.jaas.config', 'sasl.enabled.mechanisms',
  'sasl.kerberos.service.name', 'sasl.kerberos.kinit.cmd', 'sasl.kerberos.ticket.renew.window.factor',
  'sasl.kerberos.ticket.renew.jitter', 'sasl.kerberos.min.time.before.relogin', 'sasl.kerberos.principal.to.local.rules',
  'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter', 'sasl.login.refresh.min.period.seconds',
  'sasl.login.refresh.buffer.seconds', 'max.connections', 'max.connection.creation.rate', 'num.network.threads',
]);

/** Kafka config names that only a restart changes: "Cannot update these configs dynamically". */
export const KAFKA_STATIC_BROKER_CONFIGS: ReadonlySet<string> = new Set([
  'add.partitions.to.txn.retry.backoff.max.ms', 'add.partitions.to.txn.retry.backoff.ms', 'advertised.listeners',
  'alter.config.policy.class.name', 'alter.log.dirs.replication.quota.window.num',
  'alter.log.dirs.replication.quota.window.size.seconds', 'authorizer.class.name', 'auto.create.topics.enable',
  'auto.leader.rebalance.enable', 'broker.heartbeat.interval.ms', 'broker.id', 'broker.rack',
  'broker.session.timeout.ms', 'client.quota.callback.class', 'connection.failed.authentication.delay.ms',
  'connections.max.idle.ms', 'connections.max.reauth.ms', 'controlled.shutdown.enable', 'controller.listener.names',
  'controller.performance.always.log.threshold.ms', 'controller.performance.sample.period.ms',
  'controller.quorum.append.linger.ms', 'controller.quorum.auto.join.enable', 'controller.quorum.bootstrap.servers',
  'controller.quorum.election.backoff.max.ms', 'controller.quorum.election.timeout.ms',
  'controller.quorum.fetch.max.bytes', 'controller.quorum.fetch.snapshot.max.bytes',
  'controller.quorum.fetch.timeout.ms', 'controller.quorum.request.timeout.ms', 'controller.quorum.retry.backoff.ms',
  'controller.quorum.voters', 'controller.quota.window.num', 'controller.quota.window.size.seconds',
  'controller.socket.timeout.ms', 'create.topic.policy.class.name', 'default.replication.factor',
  'delegation.token.expiry.check.interval.ms', 'delegation.token.expiry.time.ms', 'delegation.token.max.lifetime.ms',
  'delegation.token.secret.key', 'delete.records.purgatory.purge.interval.requests', 'delete.topic.enable',
  'early.start.listeners', 'fetch.max.bytes', 'fetch.purgatory.purge.interval.requests', 'group.consumer.assignors',
  'group.consumer.heartbeat.interval.ms', 'group.consumer.max.assignment.interval.ms',
  'group.consumer.max.heartbeat.interval.ms', 'group.consumer.max.session.timeout.ms', 'group.consumer.max.size',
  'group.consumer.migration.policy', 'group.consumer.min.assignment.interval.ms',
  'group.consumer.min.heartbeat.interval.ms', 'group.consumer.min.session.timeout.ms',
  'group.consumer.regex.refresh.interval.ms', 'group.consumer.session.timeout.ms',
  'group.coordinator.append.linger.ms', 'group.coordinator.background.threads',
  'group.coordinator.rebalance.protocols', 'group.coordinator.threads', 'group.initial.rebalance.delay.ms',
  'group.max.session.timeout.ms', 'group.max.size', 'group.min.session.timeout.ms', 'group.share.assignors',
  'group.share.delivery.count.limit', 'group.share.heartbeat.interval.ms',
  'group.share.initialize.retry.interval.ms', 'group.share.max.assignment.interval.ms',
  'group.share.max.delivery.count.limit', 'group.share.max.heartbeat.interval.ms',
  'group.share.max.partition.max.record.locks', 'group.share.max.record.lock.duration.ms',
  'group.share.max.session.timeout.ms', 'group.share.max.share.sessions', 'group.share.max.size',
  'group.share.min.assignment.interval.ms', 'group.share.min.delivery.count.limit',
  'group.share.min.heartbeat.interval.ms', 'group.share.min.partition.max.record.locks',
  'group.share.min.record.lock.duration.ms', 'group.share.min.session.timeout.ms',
  'group.share.partition.max.record.locks', 'group.share.persister.class.name',
  'group.share.record.lock.duration.ms', 'group.share.session.timeout.ms', 'group.streams.heartbeat.interval.ms',
  'group.streams.initial.rebalance.delay.ms', 'group.streams.max.assignment.interval.ms',
  'group.streams.max.heartbeat.interval.ms', 'group.streams.max.session.timeout.ms', 'group.streams.max.size',
  'group.streams.max.standby.replicas', 'group.streams.min.assignment.interval.ms',
  'group.streams.min.heartbeat.interval.ms', 'group.streams.min.session.timeout.ms',
  'group.streams.num.standby.replicas', 'group.streams.session.timeout.ms', 'initial.broker.registration.timeout.ms',
  'inter.broker.listener.name', 'internal.metadata.delete.delay.millis', 'internal.metadata.log.segment.bytes',
  'internal.metadata.max.batch.size.in.bytes', 'kafka.metrics.polling.interval.secs', 'kafka.metrics.reporters',
  'leader.imbalance.check.interval.seconds', 'log.cleaner.enable', 'log.dir', 'log.dir.failure.timeout.ms',
  'log.dirs', 'log.flush.offset.checkpoint.interval.ms', 'log.flush.scheduler.interval.ms',
  'log.flush.start.offset.checkpoint.interval.ms', 'log.initial.task.delay.ms', 'log.retention.check.interval.ms',
  'log.retention.hours', 'log.retention.minutes', 'log.roll.hours', 'log.roll.jitter.hours',
  'max.incremental.fetch.session.cache.slots', 'max.request.partition.size.limit', 'metadata.log.dir',
  'metadata.log.max.record.bytes.between.snapshots', 'metadata.log.max.snapshot.interval.ms',
  'metadata.log.segment.bytes', 'metadata.log.segment.ms', 'metadata.max.idle.interval.ms',
  'metadata.max.retention.bytes', 'metadata.max.retention.ms', 'metrics.num.samples', 'metrics.recording.level',
  'metrics.sample.window.ms', 'node.id', 'num.partitions', 'num.replica.alter.log.dirs.threads',
  'offset.metadata.max.bytes', 'offsets.commit.timeout.ms', 'offsets.load.buffer.size',
  'offsets.retention.check.interval.ms', 'offsets.retention.minutes', 'offsets.topic.compression.codec',
  'offsets.topic.num.partitions', 'offsets.topic.replication.factor', 'offsets.topic.segment.bytes', 'process.roles',
  'producer.id.expiration.check.interval.ms', 'producer.purgatory.purge.interval.requests',
  'queued.max.request.bytes', 'queued.max.requests', 'quota.window.num', 'quota.window.size.seconds',
  'remote.log.index.file.cache.ttl.ms', 'remote.log.manager.copy.quota.window.num',
  'remote.log.manager.copy.quota.window.size.seconds', 'remote.log.manager.fetch.quota.window.num',
  'remote.log.manager.fetch.quota.window.size.seconds', 'remote.log.manager.task.interval.ms',
  'remote.log.manager.task.retry.backoff.max.ms', 'remote.log.manager.task.retry.backoff.ms',
  'remote.log.manager.task.retry.jitter', 'remote.log.manager.thread.pool.size',
  'remote.log.metadata.custom.metadata.max.bytes', 'remote.log.metadata.manager.class.name',
  'remote.log.metadata.manager.class.path', 'remote.log.metadata.manager.impl.prefix',
  'remote.log.metadata.manager.listener.name', 'remote.log.reader.max.pending.tasks',
  'remote.log.storage.manager.class.name', 'remote.log.storage.manager.class.path',
  'remote.log.storage.manager.impl.prefix', 'remote.log.storage.system.enable', 'replica.fetch.backoff.ms',
  'replica.fetch.max.bytes', 'replica.fetch.min.bytes', 'replica.fetch.response.max.bytes',
  'replica.fetch.wait.max.ms', 'replica.high.watermark.checkpoint.interval.ms', 'replica.lag.time.max.ms',
  'replica.selector.class', 'replica.socket.receive.buffer.bytes', 'replica.socket.timeout.ms',
  'replication.quota.window.num', 'replication.quota.window.size.seconds', 'request.timeout.ms',
  'sasl.client.callback.handler.class', 'sasl.login.callback.handler.class', 'sasl.login.class',
  'sasl.login.connect.timeout.ms', 'sasl.login.read.timeout.ms', 'sasl.login.retry.backoff.max.ms',
  'sasl.login.retry.backoff.ms', 'sasl.mechanism.controller.protocol', 'sasl.oauthbearer.assertion.algorithm',
  'sasl.oauthbearer.assertion.claim.aud', 'sasl.oauthbearer.assertion.claim.exp.seconds',
  'sasl.oauthbearer.assertion.claim.iss', 'sasl.oauthbearer.assertion.claim.jti.include',
  'sasl.oauthbearer.assertion.claim.nbf.seconds', 'sasl.oauthbearer.assertion.claim.sub',
  'sasl.oauthbearer.assertion.file', 'sasl.oauthbearer.assertion.private.key.file',
  'sasl.oauthbearer.assertion.private.key.passphrase', 'sasl.oauthbearer.assertion.template.file',
  'sasl.oauthbearer.client.credentials.client.id', 'sasl.oauthbearer.client.credentials.client.secret',
  'sasl.oauthbearer.clock.skew.seconds', 'sasl.oauthbearer.expected.audience', 'sasl.oauthbearer.expected.issuer',
  'sasl.oauthbearer.jwks.endpoint.refresh.ms', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'sasl.oauthbearer.jwks.endpoint.url',
  'sasl.oauthbearer.jwt.retriever.class', 'sasl.oauthbearer.jwt.validator.class', 'sasl.oauthbearer.scope',
  'sasl.oauthbearer.scope.claim.name', 'sasl.oauthbearer.sub.claim.name', 'sasl.oauthbearer.token.endpoint.url',
  'sasl.server.callback.handler.class', 'sasl.server.max.receive.size', 'security.inter.broker.protocol',
  'security.providers', 'server.max.startup.time.ms', 'share.coordinator.append.linger.ms',
  'share.coordinator.cold.partition.snapshot.interval.ms', 'share.coordinator.load.buffer.size',
  'share.coordinator.snapshot.update.records.per.snapshot', 'share.coordinator.state.topic.compression.codec',
  'share.coordinator.state.topic.min.isr', 'share.coordinator.state.topic.num.partitions',
  'share.coordinator.state.topic.prune.interval.ms', 'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.segment.bytes', 'share.coordinator.threads', 'share.coordinator.write.timeout.ms',
  'share.fetch.purgatory.purge.interval.requests', 'socket.connection.setup.timeout.max.ms',
  'socket.connection.setup.timeout.ms', 'socket.listen.backlog.size', 'socket.receive.buffer.bytes',
  'socket.request.max.bytes', 'socket.send.buffer.bytes', 'ssl.allow.dn.changes', 'ssl.allow.san.changes',
  'ssl.principal.mapping.rules', 'telemetry.max.bytes',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms', 'transaction.max.timeout.ms',
  'transaction.remove.expired.transaction.cleanup.interval.ms', 'transaction.state.log.load.buffer.size',
  'transaction.state.log.min.isr', 'transaction.state.log.num.partitions',
  'transaction.state.log.replication.factor', 'transaction.state.log.segment.bytes',
  'transaction.two.phase.commit.enable', 'transactional.id.expiration.ms', 'unclean.leader.election.interval.ms',
  'unstable.api.versions.enable', 'unstable.feature.versions.enable',
]);

/** `listener.name.NAME.KEY` → KEY (Kafka's ListenerConfigRegex); undefined for other names. */
export function listenerConfigBase(name: string): string | undefined {
  const m = /^listener\.name\.[^.]*\.(.*)$/.exec(name);
  return m ? m[1] : undefined;
}

/** A Java double as Java prints it ("2.0", not "2"), for messages that echo a parsed value. */
function javaDouble(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e7 ? n.toFixed(1) : String(n);
}

const NUMBER_RANGES: Partial<Record<KafkaConfigType, [number, number]>> = {
  short: [-32768, 32767],
  int: [-INT32_MAX - 1, INT32_MAX],
  long: [-9223372036854775808, 9223372036854775807],
};

/**
 * Parses and validates a value as Kafka's ConfigDef does; a refusal carries Kafka's message,
 * "Invalid value TEXT for configuration NAME: WHY" (`name` is the unprefixed config name).
 */
export function parseKafkaValue(name: string, type: KafkaConfigType, text: string, check?: (v: ConfigValue) => string | undefined): { value: ConfigValue } | { problem: string } {
  const t = text.trim();
  const invalid = (shown: string, why: string) => ({ problem: `Invalid value ${shown} for configuration ${name}: ${why}` });
  let value: ConfigValue;
  switch (type) {
    case 'short':
    case 'int':
    case 'long': {
      const [min, max] = NUMBER_RANGES[type]!;
      if (!/^[+-]?\d+$/.test(t) || Number(t) < min || Number(t) > max) return invalid(text, `Not a number of type ${type.toUpperCase()}`);
      value = Number(t);
      break;
    }
    case 'double':
      if (t === '' || Number.isNaN(Number(t))) return invalid(text, 'Not a number of type DOUBLE');
      value = Number(t);
      break;
    case 'boolean':
      if (t.toLowerCase() !== 'true' && t.toLowerCase() !== 'false') return invalid(text, 'Expected value to be either true or false');
      value = t.toLowerCase() === 'true';
      break;
    case 'list':
      value = t === '' ? [] : t.split(',').map((s) => s.trim());
      break;
    default:
      value = t;
  }
  const why = check?.(value);
  // A validator's refusal echoes the parsed value, as Java prints it.
  if (why) return invalid(typeof value === 'number' ? (type === 'double' ? javaDouble(value) : String(value)) : t, why);
  return { value };
}
