// Every broker setting: its Kafka key (or our own where Kafka has none), type, default, a check,
// and a line of documentation. The CLI, env vars, properties files, DescribeConfigs and the README
// table all read this one list.

import { parseMetricsAddress } from '../metrics/address.js';
import { compressionTypeProblem } from './compression.js';
import { declarationSyntaxProblem, parseAclDeclarations, parseTopicDeclarations } from './declarations.js';
import { type ConfigType, type ConfigValue, INT32_MAX, LONG_MAX } from './types.js';

export interface SettingDef {
  key: string;
  type: ConfigType;
  default: ConfigValue;
  doc: string;
  /** Returns why a value is not allowed, or undefined. */
  check?: (value: ConfigValue) => string | undefined;
  /** A short flag (`--port`) besides the generic `--<key>`. */
  flag?: string;
  /** Kafka has this key; false for Tributary's own settings. */
  kafka: boolean;
  /** Changing it needs no restart (Kafka's dynamic broker configs). */
  dynamic?: boolean;
  /** Kafka changes it dynamically; here AlterConfigs stores and describes it, and the running listeners keep the start-up value. */
  storedDynamically?: boolean;
}

const atLeast = (min: number) => (v: ConfigValue) =>
  typeof v === 'number' && v < min ? `must be at least ${min}` : undefined;
const oneOf = (...allowed: string[]) => (v: ConfigValue) =>
  typeof v === 'string' && !allowed.includes(v) ? `must be one of ${allowed.join(', ')}` : undefined;

/**
 * What clients are told for a listener bound to every interface ('', 0.0.0.0, ::) when
 * advertised.listeners names no host. Kafka tells its canonical host name; a single local broker
 * (a test, a laptop, a container with a published port) is reached as localhost.
 */
export const ADVERTISED_HOST_FOR_ANY_INTERFACE = 'localhost';
/** Kafka's default listener.security.protocol.map: each protocol is a listener name of its own. */
export const DEFAULT_SECURITY_PROTOCOL_MAP = 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT';
/** Kafka's rack-aware replica selector (KIP-392), the one value replica.selector.class takes here (src/cluster/replica-selector.ts). */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
/** The one authorizer Kafka 4 ships and Tributary implements (src/security/acl.ts). */
export const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const authorizerClassProblem = (v: ConfigValue) =>
  v === '' || v === STANDARD_AUTHORIZER ? undefined : `is not an authorizer Tributary has: use ${STANDARD_AUTHORIZER} (ACLs) or leave it empty (no authorization)`;

/**
 * max.connections.per.ip.overrides: HOST:COUNT pairs, split as Kafka's Csv.parseCsvMap does (at the
 * last colon); a refusal is Kafka's message (src/server/connection-quotas.ts checks it at start-up
 * and on AlterConfigs).
 */
export function parsePerIpOverrides(text: string): Map<string, number> | string {
  const out = new Map<string, number>();
  if (text.trim() === '') return out;
  for (const entry of text.split(/\s*,\s*/)) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) return `Error parsing configuration property 'max.connections.per.ip.overrides': begin 0, end -1, length ${entry.length}`;
    const host = entry.slice(0, colon).trim();
    const count = entry.slice(colon + 1).trim();
    if (!/^[+-]?\d+$/.test(count) || Number(count) > INT32_MAX || Number(count) < -INT32_MAX - 1) return `For input string: "${count}"`;
    out.set(host, Number(count));
  }
  const invalid = [...out.keys()].filter((h) => !/^[A-Za-z0-9._:\-]+$/.test(h));
  if (invalid.length > 0) return `max.connections.per.ip.overrides contains invalid addresses : ${invalid.join(',')}`;
  return out;
}

const metricsListenerProblem = (v: ConfigValue) => {
  if (v === '') return undefined;
  const parsed = parseMetricsAddress(String(v));
  return typeof parsed === 'string' ? parsed : undefined;
};

export const BROKER_SETTINGS: readonly SettingDef[] = [
  // --- identity and listeners
  { key: 'node.id', type: 'int', default: 1, kafka: true, flag: 'node-id', check: atLeast(0), doc: 'The id of this broker.' },
  { key: 'listeners', type: 'string', default: 'PLAINTEXT://:9092', kafka: true, doc: 'Where to listen: NAME://HOST:PORT, comma-separated for several listeners (an empty host means all interfaces). `--port`/`--host` change the one listener and are an error with several.' },
  { key: 'advertised.listeners', type: 'string', default: '', kafka: true, doc: `What clients of each listener are told to connect to (NAME://HOST:PORT by listener name); a listener not named advertises itself, with ${ADVERTISED_HOST_FOR_ANY_INTERFACE} for an empty, 0.0.0.0 or :: host.` },
  { key: 'listener.security.protocol.map', type: 'string', default: DEFAULT_SECURITY_PROTOCOL_MAP, kafka: true, doc: 'Security protocol of each listener name (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), e.g. INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL.' },
  { key: 'inter.broker.listener.name', type: 'string', default: null, kafka: true, doc: 'Accepted (one node, no inter-broker traffic); must name a broker listener.' },
  { key: 'controller.listener.names', type: 'string', default: null, kafka: true, doc: 'Listeners of the KRaft controller: accepted and left unbound (one process, no controller quorum to serve).' },
  // --- storage
  { key: 'log.dirs', type: 'string', default: './data', kafka: true, flag: 'data-dir', doc: 'Directory for the log and metadata (one directory).' },
  { key: 'storage', type: 'string', default: '', kafka: false, flag: 'storage', doc: 'Storage engine URL: file://DIR (default, from log.dirs), memory:// (nothing on disk), or postgres://USER@HOST:PORT/DB (a cluster of brokers sharing one PostgreSQL database; preview).' },
  { key: 'brokers', type: 'int', default: 1, kafka: false, flag: 'brokers', check: atLeast(1), doc: 'Broker identities this process serves (a test cluster sharing one log per partition): node ids node.id, node.id+1, …, on ports --port, --port+1, … (0: each chosen by the OS).' },
  { key: 'broker.rack', type: 'string', default: null, kafka: true, doc: 'Rack of this broker (postgres:// storage: registered in the database and listed in Metadata).' },
  { key: 'broker.heartbeat.interval.ms', type: 'int', default: 2000, kafka: true, check: atLeast(1), doc: 'postgres:// storage: how often the broker renews its lease in the database.' },
  { key: 'broker.session.timeout.ms', type: 'int', default: 9000, kafka: true, check: atLeast(1), doc: 'postgres:// storage: a broker whose lease was not renewed for this long is dead; live brokers take over its leaderships.' },
  { key: 'broker.racks', type: 'string', default: '', kafka: false, doc: 'With --brokers: broker.rack of each identity, comma-separated in node id order (empty: no racks).' },
  { key: 'cluster.control.listener', type: 'string', default: '', kafka: false, check: metricsListenerProblem, doc: 'With --brokers: HTTP endpoint that stops and starts identities and moves leaders (GET /brokers, POST /brokers/ID/stop|start, GET /partitions/TOPIC/P, POST /partitions/TOPIC/P/leader/ID): http://HOST:PORT, or a bare PORT (binds 127.0.0.1 only); empty: off.' },
  { key: 'replica.selector.class', type: 'string', default: null, kafka: true, check: oneOf(RACK_AWARE_REPLICA_SELECTOR), doc: `Follower fetching (KIP-392) with --brokers or postgres:// storage: ${RACK_AWARE_REPLICA_SELECTOR} sends a consumer whose client.rack names a rack without the leader to an in-sync replica (a live broker) in that rack; unset: consumers read from the leader.` },
  { key: 'durability', type: 'string', default: 'fsync', kafka: false, check: oneOf('fsync', 'os'), dynamic: true, doc: 'fsync: an acks=all produce is answered only after its bytes are fsynced (group commit); os: leave flushing to the page cache, as Kafka does.' },
  // --- topics
  { key: 'num.partitions', type: 'int', default: 1, kafka: true, check: atLeast(1), doc: 'Partitions of auto-created topics and of CreateTopics with -1.' },
  { key: 'default.replication.factor', type: 'int', default: 1, kafka: true, check: (v) => ((v as number) < 1 ? 'must be at least 1' : undefined), doc: 'Replication factor of auto-created topics (and of CreateTopics asking -1); at most the number of broker identities (`--brokers`).' },
  { key: 'auto.create.topics.enable', type: 'boolean', default: true, kafka: true, doc: 'Create a topic when a client asks Metadata for one that does not exist.' },
  { key: 'delete.topic.enable', type: 'boolean', default: true, kafka: true, doc: 'Allow DeleteTopics.' },
  { key: 'message.max.bytes', type: 'int', default: 1048588, kafka: true, check: atLeast(0), dynamic: true, doc: 'Largest record batch accepted (topic: max.message.bytes).' },
  // --- log
  { key: 'log.segment.bytes', type: 'int', default: 1073741824, kafka: true, check: atLeast(14), dynamic: true, doc: 'Segment size before rolling (topic: segment.bytes).' },
  { key: 'log.roll.hours', type: 'int', default: 168, kafka: true, check: atLeast(1), doc: 'Segment age before rolling, in hours.' },
  { key: 'log.roll.ms', type: 'long', default: null, kafka: true, dynamic: true, doc: 'Segment age before rolling (topic: segment.ms); overrides log.roll.hours.' },
  { key: 'log.retention.hours', type: 'int', default: 168, kafka: true, doc: 'How long to keep data, in hours.' },
  { key: 'log.retention.minutes', type: 'int', default: null, kafka: true, doc: 'How long to keep data, in minutes; overrides log.retention.hours.' },
  { key: 'log.retention.ms', type: 'long', default: null, kafka: true, dynamic: true, doc: 'How long to keep data (topic: retention.ms); -1 keeps forever; overrides minutes and hours.' },
  { key: 'log.retention.bytes', type: 'long', default: -1, kafka: true, dynamic: true, doc: 'Bytes kept per partition (topic: retention.bytes); -1 for no limit.' },
  { key: 'log.retention.check.interval.ms', type: 'long', default: 300000, kafka: true, check: atLeast(1), doc: 'How often retention runs.' },
  { key: 'log.index.interval.bytes', type: 'int', default: 4096, kafka: true, check: atLeast(0), dynamic: true, doc: 'Bytes between offset/time index entries.' },
  { key: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, kafka: true, check: atLeast(1), dynamic: true, doc: 'Flush after this many messages (topic: flush.messages).' },
  { key: 'log.flush.interval.ms', type: 'long', default: null, kafka: true, dynamic: true, doc: 'Flush at least this often (topic: flush.ms).' },
  { key: 'compression.type', type: 'string', default: 'producer', kafka: true, check: compressionTypeProblem, dynamic: true, doc: 'producer, uncompressed, gzip, snappy, lz4 or zstd (topic: compression.type).' },
  { key: 'log.cleanup.policy', type: 'list', default: ['delete'], kafka: true, dynamic: true, doc: 'delete, compact, or both (topic: cleanup.policy).' },
  { key: 'log.cleaner.delete.retention.ms', type: 'long', default: 86400000, kafka: true, dynamic: true, doc: 'How long tombstones are kept (topic: delete.retention.ms).' },
  { key: 'log.cleaner.min.cleanable.ratio', type: 'double', default: 0.5, kafka: true, dynamic: true, doc: 'Dirty ratio that triggers compaction (topic: min.cleanable.dirty.ratio).' },
  { key: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: 0, kafka: true, dynamic: true, doc: 'Minimum age of a record before it can be compacted.' },
  { key: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, kafka: true, dynamic: true, doc: 'Maximum age of a record before it must be compacted.' },
  { key: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', kafka: true, check: oneOf('CreateTime', 'LogAppendTime'), dynamic: true, doc: 'CreateTime or LogAppendTime (topic: message.timestamp.type).' },
  { key: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, kafka: true, check: atLeast(0), dynamic: true, doc: 'How far in the past a CreateTime timestamp may be.' },
  { key: 'log.message.timestamp.after.max.ms', type: 'long', default: 3600000, kafka: true, check: atLeast(0), dynamic: true, doc: 'How far in the future a CreateTime timestamp may be.' },
  // --- network
  { key: 'socket.request.max.bytes', type: 'int', default: 104857600, kafka: true, check: atLeast(1), doc: 'Largest request frame; a larger one closes the connection.' },
  { key: 'connections.max.idle.ms', type: 'long', default: 600000, kafka: true, doc: 'Idle connections are closed after this long.' },
  { key: 'queued.max.request.bytes', type: 'long', default: 536870912, kafka: true, check: atLeast(1), doc: 'Bytes of requests held in memory across connections before reading pauses (Kafka: -1, unbounded).' },
  // --- connection limits (src/server/connection-quotas.ts); max.connections and max.connection.creation.rate also per listener
  { key: 'max.connections', type: 'int', default: INT32_MAX, kafka: true, check: atLeast(0), dynamic: true, doc: 'Most connections open at once across the broker (per listener: listener.name.<l>.max.connections); more wait to be accepted, as Kafka blocks its acceptor, until one closes (beyond 1024 waiting, refused).' },
  { key: 'max.connections.per.ip', type: 'int', default: INT32_MAX, kafka: true, check: atLeast(0), dynamic: true, doc: 'Most connections open at once from one IP address; one more is closed at once.' },
  { key: 'max.connections.per.ip.overrides', type: 'string', default: '', kafka: true, dynamic: true, doc: 'Per-IP limits overriding max.connections.per.ip: HOST:COUNT,... (a host name is resolved when the setting is applied).' },
  { key: 'max.connection.creation.rate', type: 'int', default: INT32_MAX, kafka: true, check: atLeast(0), dynamic: true, doc: 'Connections accepted per second across the broker (per listener: listener.name.<l>.max.connection.creation.rate), measured as Kafka does over 11 one-second samples; over it, accepting is delayed (at most 1 s each).' },
  { key: 'max.inflight.requests.per.connection', type: 'int', default: 64, kafka: false, check: atLeast(1), doc: 'Requests of one connection read ahead (queued or awaiting their answer) before reading pauses; they run one at a time.' },
  // --- groups
  { key: 'group.initial.rebalance.delay.ms', type: 'int', default: 3000, kafka: true, check: atLeast(0), doc: 'How long the first rebalance of an empty group waits for more members.' },
  { key: 'group.min.session.timeout.ms', type: 'int', default: 6000, kafka: true, doc: 'Smallest session timeout a member may ask for.' },
  { key: 'group.max.session.timeout.ms', type: 'int', default: 1800000, kafka: true, doc: 'Largest session timeout a member may ask for.' },
  { key: 'group.max.size', type: 'int', default: INT32_MAX, kafka: true, check: atLeast(1), doc: 'Most members in one group.' },
  { key: 'offsets.retention.minutes', type: 'int', default: 10080, kafka: true, check: atLeast(1), doc: 'How long committed offsets of an empty group are kept.' },
  { key: 'offsets.retention.check.interval.ms', type: 'long', default: 600000, kafka: true, check: atLeast(1), doc: 'How often expired offsets are removed.' },
  { key: 'offsets.topic.num.partitions', type: 'int', default: 50, kafka: true, check: atLeast(1), doc: 'Partitions of __consumer_offsets.' },
  // --- transactions
  { key: 'transaction.max.timeout.ms', type: 'int', default: 900000, kafka: true, check: atLeast(1), doc: 'Largest transaction timeout a producer may ask for.' },
  { key: 'transactional.id.expiration.ms', type: 'int', default: 604800000, kafka: true, check: atLeast(1), doc: 'How long an unused transactional id is kept.' },
  { key: 'producer.id.expiration.ms', type: 'int', default: 86400000, kafka: true, check: atLeast(1), dynamic: true, doc: 'How long the state of an idle producer id is kept.' },
  { key: 'transaction.state.log.num.partitions', type: 'int', default: 50, kafka: true, check: atLeast(1), doc: 'Partitions of __transaction_state.' },
  // --- authentication (src/security, src/server/sasl-gate.ts)
  { key: 'sasl.enabled.mechanisms', type: 'list', default: ['GSSAPI'], kafka: true, storedDynamically: true, doc: 'SASL mechanisms of SASL_PLAINTEXT and SASL_SSL listeners (per listener: listener.name.<l>.sasl.enabled.mechanisms): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (GSSAPI, the default as in Kafka, is not served).' },
  { key: 'sasl.jaas.config', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'JAAS config of the SASL mechanisms when listener.name.<l>.<mechanism>.sasl.jaas.config is not set; PLAIN users as user_<name>="<password>".' },
  { key: 'sasl.server.max.receive.size', type: 'int', default: 524288, kafka: true, check: atLeast(1), doc: 'Largest frame read on a SASL listener before authentication completes; a larger one closes the connection.' },
  { key: 'connection.failed.authentication.delay.ms', type: 'int', default: 100, kafka: true, check: atLeast(0), doc: 'How long a failed authentication waits before its answer and the close.' },
  { key: 'connections.max.reauth.ms', type: 'long', default: 0, kafka: true, check: atLeast(0), doc: 'Largest SASL session lifetime (KIP-368); 0: sessions do not expire.' },
  // OAUTHBEARER signed tokens (listener.name.<l>.oauthbearer.sasl.server.callback.handler.class=...OAuthBearerValidatorCallbackHandler); each may be set per listener
  { key: 'sasl.oauthbearer.jwks.endpoint.url', type: 'string', default: null, kafka: true, doc: 'JWKS with the keys that sign OAUTHBEARER tokens: a file:// URL only (read again when the file changes; never fetched over the network).' },
  { key: 'sasl.oauthbearer.expected.issuer', type: 'string', default: null, kafka: true, doc: 'The iss claim an OAUTHBEARER token must carry; unset: any.' },
  { key: 'sasl.oauthbearer.expected.audience', type: 'list', default: null, kafka: true, doc: 'Audiences one of which an OAUTHBEARER token aud claim must name; unset: a token with an aud claim is refused, as in Kafka.' },
  { key: 'sasl.oauthbearer.clock.skew.seconds', type: 'int', default: 30, kafka: true, check: atLeast(0), doc: 'Clock difference tolerated on the exp and nbf claims of an OAUTHBEARER token.' },
  { key: 'sasl.oauthbearer.sub.claim.name', type: 'string', default: 'sub', kafka: true, doc: 'The claim of an OAUTHBEARER token that names its principal.' },
  { key: 'sasl.oauthbearer.scope.claim.name', type: 'string', default: 'scope', kafka: true, doc: 'The claim of an OAUTHBEARER token that holds its scopes.' },
  { key: 'sasl.mechanism.inter.broker.protocol', type: 'string', default: 'GSSAPI', kafka: true, doc: 'Accepted (one node, no inter-broker traffic).' },
  // --- TLS (src/server/listener-tls.ts); each may be set per listener as listener.name.<l>.<key>
  { key: 'ssl.keystore.type', type: 'string', default: 'JKS', kafka: true, storedDynamically: true, doc: 'Keystore format of SSL and SASL_SSL listeners: only PEM is read (JKS, the default as in Kafka, and PKCS12 stop start-up).' },
  { key: 'ssl.keystore.location', type: 'string', default: null, kafka: true, storedDynamically: true, doc: 'PEM file holding the private key (PKCS#8) and the certificate chain.' },
  { key: 'ssl.keystore.certificate.chain', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'The certificate chain in PEM, inline (instead of ssl.keystore.location).' },
  { key: 'ssl.keystore.key', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'The private key in PEM (PKCS#8, maybe encrypted), inline (instead of ssl.keystore.location).' },
  { key: 'ssl.keystore.password', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'Accepted; a PEM keystore needs none (an encrypted key takes ssl.key.password).' },
  { key: 'ssl.key.password', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'Password of an encrypted PKCS#8 private key.' },
  { key: 'ssl.truststore.type', type: 'string', default: 'JKS', kafka: true, storedDynamically: true, doc: 'Truststore format: only PEM is read (when a truststore is set).' },
  { key: 'ssl.truststore.location', type: 'string', default: null, kafka: true, storedDynamically: true, doc: 'PEM file of the CA certificates client certificates are checked against.' },
  { key: 'ssl.truststore.certificates', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'The trusted CA certificates in PEM, inline (instead of ssl.truststore.location).' },
  { key: 'ssl.truststore.password', type: 'password', default: null, kafka: true, storedDynamically: true, doc: 'Accepted; a PEM truststore needs none.' },
  { key: 'ssl.enabled.protocols', type: 'list', default: ['TLSv1.2', 'TLSv1.3'], kafka: true, storedDynamically: true, doc: 'TLS versions accepted: TLSv1.2 and/or TLSv1.3.' },
  { key: 'ssl.cipher.suites', type: 'list', default: [], kafka: true, storedDynamically: true, doc: 'TLS 1.2 cipher suites (OpenSSL or IANA names) and TLS 1.3 suites accepted; empty: the Node.js defaults.' },
  { key: 'ssl.client.auth', type: 'string', default: 'none', kafka: true, storedDynamically: true, check: oneOf('required', 'requested', 'none'), doc: 'Client certificates: required (mTLS), requested (checked when sent) or none; on SASL_SSL listeners only as listener.name.<l>.ssl.client.auth (KIP-684). A client certificate makes the principal User:<subject DN> on an SSL listener.' },
  { key: 'ssl.principal.mapping.rules', type: 'string', default: 'DEFAULT', kafka: true, doc: 'How an SSL listener names a client certificate\'s principal: rules tried in order, RULE:pattern/replacement/ (optionally /L or /U for lower or upper case) on the subject DN (RFC 2253), and DEFAULT, the DN itself; e.g. RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/L,DEFAULT. Per listener too; a DN no rule matches is refused.' },
  { key: 'ssl.allow.dn.changes', type: 'boolean', default: false, kafka: true, doc: 'A reloaded keystore may have another subject DN than the one in use (false: such a reload is refused, as in Kafka).' },
  { key: 'ssl.allow.san.changes', type: 'boolean', default: false, kafka: true, doc: 'A reloaded keystore may drop SubjectAltNames of the one in use (false: such a reload is refused, as in Kafka).' },
  { key: 'ssl.protocol', type: 'string', default: 'TLSv1.3', kafka: true, storedDynamically: true, doc: 'Accepted; ssl.enabled.protocols decides the versions.' },
  { key: 'ssl.endpoint.identification.algorithm', type: 'string', default: 'https', kafka: true, storedDynamically: true, doc: 'Accepted (a broker does not check client host names).' },
  // --- access control (src/security)
  { key: 'authorizer.class.name', type: 'string', default: '', kafka: true, check: authorizerClassProblem, doc: `Empty: no ACLs, every client may do everything. ${STANDARD_AUTHORIZER}: ACLs (CreateAcls, DescribeAcls, DeleteAcls) are enforced on every request.` },
  { key: 'super.users', type: 'string', default: '', kafka: true, doc: 'Principals that pass every ACL check, separated by semicolons, e.g. User:admin;User:ANONYMOUS.' },
  { key: 'allow.everyone.if.no.acl.found', type: 'boolean', default: false, kafka: true, doc: 'With an authorizer: allow an action on a resource no ACL names (false denies it).' },
  // --- operating (src/metrics)
  { key: 'metrics.listener', type: 'string', default: '', kafka: false, check: metricsListenerProblem, doc: 'HTTP listener for /metrics (Prometheus), /healthz and /readyz: http://HOST:PORT, or a bare PORT (binds 127.0.0.1 only); empty: off.' },
  { key: 'log.stats.interval.ms', type: 'long', default: 0, kafka: false, check: atLeast(0), doc: 'Every this many ms, one info line of rates (requests, records and bytes in/out), connections and memory; 0: off.' },
  // --- start-up declarations (src/declarations.ts)
  { key: 'create.topics', type: 'string', default: '', kafka: false, flag: 'create-topics', check: (v) => declarationSyntaxProblem(parseTopicDeclarations, v), doc: 'Topics created at start-up when absent, separated by semicolons: NAME[:partitions=N,CONFIG=VALUE,...], e.g. orders:partitions=6,cleanup.policy=compact;events (quote a value holding commas: cleanup.policy="compact,delete"). An existing topic is left as it is, with a warning naming any difference. The flag may be repeated.' },
  { key: 'create.acls', type: 'string', default: '', kafka: false, flag: 'create-acls', check: (v) => declarationSyntaxProblem(parseAclDeclarations, v), doc: 'ACLs created at start-up when absent (needs authorizer.class.name), separated by semicolons: principal=User:NAME,operation=OP,RESOURCE=NAME[,pattern=literal|prefixed][,permission=allow|deny][,host=H], RESOURCE one of topic, group, cluster, transactional-id, delegation-token, user; e.g. principal=User:alice,operation=READ,topic=orders. The flag may be repeated.' },
  // --- logging
  { key: 'log.level', type: 'string', default: 'info', kafka: false, flag: 'log-level', check: oneOf('debug', 'info', 'warn', 'error'), doc: 'Least severe log line printed.' },
  { key: 'log.format', type: 'string', default: 'text', kafka: false, flag: 'log-format', check: oneOf('text', 'json'), doc: 'Log lines as text or JSON.' },
];

export const SETTINGS_BY_KEY: ReadonlyMap<string, SettingDef> = new Map(BROKER_SETTINGS.map((d) => [d.key, d]));
