// A client of a Kafka-compatible cluster, on our codec: one connection per broker (bootstrap first),
// ApiVersions negotiation (each request goes at the newest version both sides know), metadata with
// partition leaders and broker addresses, requests routed to the leader or the group coordinator,
// and ListOffsets grouped by leader. Used by the `tributary` commands; knows nothing of output.

import {
  ApiKey,
  apiInfo,
  ErrorCode,
  ZERO_UUID,
  type ApiKeyNumber,
  type EncodeInput,
  type RequestByKey,
  type ResponseByKey,
  type Uuid,
} from '../codec/index.js';
import { authenticate, SaslError } from './sasl.js';
import type { ClientSecurity } from './security.js';
import { ClientTimeoutError, ConnectionClosedError, KafkaConnection, parseHostPort } from './connection.js';
import { ClientError, check, kafkaError } from './errors.js';

export interface VersionRange {
  min: number;
  max: number;
}

export type ApiVersionsResponse = ResponseByKey[18];
export type MetadataResponse = ResponseByKey[3];

/**
 * Asks a broker for its API versions: the newest ApiVersions our codec knows first, falling back to
 * the version the broker names in its UNSUPPORTED_VERSION answer, as KIP-511 describes.
 */
export async function negotiateApiVersions(conn: KafkaConnection, softwareName: string): Promise<{ version: number; response: ApiVersionsResponse }> {
  const body = { clientSoftwareName: softwareName, clientSoftwareVersion: '1' };
  let version = apiInfo(ApiKey.ApiVersions)!.maxVersion;
  let response = await conn.request(ApiKey.ApiVersions, version, body);
  if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    const own = response.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
    version = Math.min(own?.maxVersion ?? 0, version);
    response = await conn.request(ApiKey.ApiVersions, version, body);
  }
  return { version, response };
}

/** Broker ranges intersected with what our codec knows; APIs we cannot encode are left out. */
export function usableVersions(res: ApiVersionsResponse): Map<number, VersionRange> {
  const out = new Map<number, VersionRange>();
  for (const k of res.apiKeys) {
    const info = apiInfo(k.apiKey);
    if (info === undefined) continue;
    const min = Math.max(info.minVersion, k.minVersion);
    const max = Math.min(info.maxVersion, k.maxVersion);
    if (min <= max) out.set(k.apiKey, { min, max });
  }
  return out;
}

/** Errors after which a group request is worth sending again to a freshly found coordinator. */
const COORDINATOR_RETRIABLE = new Set<number>([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR]);

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: Uuid;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ClusterClientOptions {
  bootstrap: string;
  clientId?: string;
  /** Bound on connecting and on every request. */
  timeoutMs?: number;
  /** TLS and SASL for every connection (security.ts: from Kafka client properties). */
  security?: ClientSecurity;
}

export interface SendOptions {
  /** Broker to send to (default: the bootstrap connection). */
  node?: number;
  /** Version to use (default: the newest both sides know, capped by maxVersion). */
  version?: number;
  maxVersion?: number;
  timeoutMs?: number;
}

export class ClusterClient {
  readonly brokers = new Map<number, BrokerAddress>();
  controllerId = -1;
  clusterId: string | null = null;
  /** Partition leaders by topic, from the latest metadata. */
  private readonly leaders = new Map<string, Map<number, number>>();
  private readonly conns = new Map<string, Promise<KafkaConnection>>();

  private constructor(
    readonly bootstrap: { host: string; port: number },
    private readonly bootstrapConn: KafkaConnection,
    /** What the bootstrap broker answered to ApiVersions. */
    readonly apiVersions: ApiVersionsResponse,
    /** Usable version range per API key (broker ∩ our codec). */
    readonly versions: Map<number, VersionRange>,
    readonly clientId: string,
    readonly timeoutMs: number,
    private readonly security: ClientSecurity,
  ) {
    this.conns.set(`${bootstrap.host}:${bootstrap.port}`, Promise.resolve(bootstrapConn));
  }

  static async connect(options: ClusterClientOptions): Promise<ClusterClient> {
    let address: { host: string; port: number };
    try {
      address = parseHostPort(options.bootstrap);
    } catch {
      throw new ClientError(`--bootstrap ${JSON.stringify(options.bootstrap)} is not HOST:PORT`, 'unreachable');
    }
    const clientId = options.clientId ?? 'tributary-cli';
    const timeoutMs = options.timeoutMs ?? 10_000;
    const security = options.security ?? {};
    const conn = await openConnection(address.host, address.port, timeoutMs, clientId, security);
    try {
      const { response } = await negotiateApiVersions(conn, clientId);
      check(response.errorCode, `ApiVersions from ${options.bootstrap}`);
      return new ClusterClient(address, conn, response, usableVersions(response), clientId, timeoutMs, security);
    } catch (err) {
      conn.close();
      throw translate(err, options.bootstrap);
    }
  }

  has(apiKey: number, minVersion = 0): boolean {
    const r = this.versions.get(apiKey);
    return r !== undefined && r.max >= minVersion;
  }

  /** The newest usable version of an API within [min, max]; a ClientError when there is none. */
  version(apiKey: number, min = 0, max = Infinity): number {
    const r = this.versions.get(apiKey);
    const name = apiInfo(apiKey)?.name ?? `API ${apiKey}`;
    if (r === undefined) throw new ClientError(`the broker does not support ${name}, which this command needs`, 'unsupported');
    const v = Math.min(r.max, max);
    if (v < Math.max(r.min, min)) {
      throw new ClientError(`the broker supports ${name} v${r.min}-${r.max}; this command needs v${min}${max === Infinity ? '+' : `-${max}`}`, 'unsupported');
    }
    return v;
  }

  /** Sends one request and resolves with its response body (errors inside the body are the caller's). */
  async send<K extends ApiKeyNumber>(apiKey: K, body: EncodeInput<RequestByKey[K]>, options: SendOptions = {}): Promise<ResponseByKey[K]> {
    const version = options.version ?? this.version(apiKey, 0, options.maxVersion);
    const conn = await this.connFor(options.node);
    try {
      return await conn.request(apiKey, version, body, { timeoutMs: options.timeoutMs ?? this.timeoutMs });
    } catch (err) {
      throw translate(err, `${conn.socket.remoteAddress ?? '?'}:${conn.socket.remotePort ?? '?'}`);
    }
  }

  /** Sends a request that gets no response (Produce with acks=0) to a broker. */
  async sendOneWay<K extends ApiKeyNumber>(apiKey: K, body: EncodeInput<RequestByKey[K]>, options: SendOptions = {}): Promise<void> {
    const version = options.version ?? this.version(apiKey, 0, options.maxVersion);
    const conn = await this.connFor(options.node);
    conn.sendOneWay(apiKey, version, body);
  }

  /** The socket of a broker's connection (to wait for 'drain' after one-way sends). */
  async socketOf(node?: number): Promise<KafkaConnection['socket']> {
    return (await this.connFor(node)).socket;
  }

  private async connFor(node: number | undefined): Promise<KafkaConnection> {
    if (node === undefined || node < 0) return this.bootstrapConn;
    let b = this.brokers.get(node);
    if (b === undefined) {
      await this.metadata([]);
      b = this.brokers.get(node);
      if (b === undefined) throw new ClientError(`broker ${node} is not in the cluster's metadata`, 'unreachable');
    }
    const key = `${b.host}:${b.port}`;
    let pending = this.conns.get(key);
    if (pending !== undefined) {
      const c = await pending.catch(() => null);
      if (c !== null && !c.isClosed) return c;
    }
    pending = openConnection(b.host, b.port, this.timeoutMs, this.clientId, this.security);
    this.conns.set(key, pending);
    return pending;
  }

  // ---- metadata ------------------------------------------------------------------------------

  /** Metadata for some topics (null: all); refreshes brokers, controller and leaders. */
  async metadata(topics: string[] | null): Promise<MetadataResponse> {
    const v = this.version(ApiKey.Metadata, 1);
    const res = await this.send(ApiKey.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: false,
    }, { version: v });
    for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.controllerId = res.controllerId;
    this.clusterId = res.clusterId;
    for (const t of res.topics) {
      if (t.errorCode !== 0 || t.name === null) continue;
      this.leaders.set(t.name, new Map(t.partitions.map((p) => [p.partitionIndex, p.leaderId])));
    }
    return res;
  }

  /** One topic's partitions (sorted); a ClientError naming the Kafka error when it has none. */
  async topic(name: string): Promise<TopicInfo> {
    const res = await this.metadata([name]);
    const t = res.topics.find((x) => x.name === name);
    if (t === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`);
    check(t.errorCode, `topic ${name}`);
    return toTopicInfo(t);
  }

  /** Every topic of the cluster (sorted by name). */
  async topics(): Promise<TopicInfo[]> {
    const res = await this.metadata(null);
    return res.topics
      .filter((t) => t.errorCode === 0 && t.name !== null)
      .map(toTopicInfo)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The leader of a partition, from metadata (refreshed when unknown). */
  async leaderFor(topic: string, partition: number): Promise<number> {
    let leader = this.leaders.get(topic)?.get(partition);
    if (leader === undefined || leader < 0) {
      await this.metadata([topic]);
      leader = this.leaders.get(topic)?.get(partition);
    }
    if (leader === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${topic}-${partition}`);
    if (leader < 0) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `partition ${topic}-${partition}`);
    return leader;
  }

  /** Forgets cached leaders (after NOT_LEADER_OR_FOLLOWER and the like). */
  invalidateLeaders(topic: string): void {
    this.leaders.delete(topic);
  }

  /** Groups partitions by their leader. */
  async byLeader(topic: string, partitions: number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    for (const p of partitions) {
      const leader = await this.leaderFor(topic, p);
      const list = out.get(leader);
      if (list === undefined) out.set(leader, [p]);
      else list.push(p);
    }
    return out;
  }

  // ---- coordinators --------------------------------------------------------------------------

  /** The node id of a group's coordinator; retried (bounded) while the coordinator is loading. */
  async coordinator(groupId: string): Promise<number> {
    const v = this.version(ApiKey.FindCoordinator);
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(ApiKey.FindCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] }, { version: v });
      const c = v >= 4 ? res.coordinators[0] : { ...res, key: groupId };
      if (c === undefined) throw new ClientError(`FindCoordinator answered nothing for group ${groupId}`, 'kafka');
      if (c.errorCode === 0) {
        this.brokers.set(c.nodeId, { nodeId: c.nodeId, host: c.host, port: c.port, rack: this.brokers.get(c.nodeId)?.rack ?? null });
        return c.nodeId;
      }
      if (!COORDINATOR_RETRIABLE.has(c.errorCode) || Date.now() > deadline) throw kafkaError(c.errorCode, `coordinator of group ${groupId}`, c.errorMessage);
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)));
    }
  }

  /**
   * Runs `fn` against a group's coordinator; when it fails because the coordinator moved or is still
   * loading (Kafka answers so while __consumer_offsets is being created), finds it again and retries,
   * bounded by the client's timeout.
   */
  async withCoordinator<T>(groupId: string, fn: (node: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const node = await this.coordinator(groupId);
      try {
        return await fn(node);
      } catch (err) {
        if (!(err instanceof ClientError) || !COORDINATOR_RETRIABLE.has(err.errorCode) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)));
      }
    }
  }

  // ---- offsets -------------------------------------------------------------------------------

  /**
   * ListOffsets for partitions of a topic at `timestamp` (-2 earliest, -1 latest, or a time in ms),
   * asked of each partition's leader. A partition without such an offset maps to offset -1.
   */
  async listOffsets(topic: string, partitions: number[], timestamp: number, isolationLevel = 0): Promise<Map<number, { offset: number; timestamp: number }>> {
    const v = this.version(ApiKey.ListOffsets, 1);
    const out = new Map<number, { offset: number; timestamp: number }>();
    for (const [leader, parts] of await this.byLeader(topic, partitions)) {
      const res = await this.send(ApiKey.ListOffsets, {
        replicaId: -1,
        isolationLevel,
        topics: [{ name: topic, partitions: parts.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
        timeoutMs: this.timeoutMs,
      }, { version: v, node: leader });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          check(p.errorCode, `offsets of ${topic}-${p.partitionIndex}`);
          out.set(p.partitionIndex, { offset: p.offset, timestamp: p.timestamp });
        }
      }
    }
    return out;
  }

  close(): void {
    for (const pending of this.conns.values()) pending.then((c) => c.close(), () => {});
    this.conns.clear();
  }
}

function toTopicInfo(t: MetadataResponse['topics'][number]): TopicInfo {
  return {
    name: t.name ?? '',
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions
      .map((p) => ({
        partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes, isr: p.isrNodes, offline: p.offlineReplicas, errorCode: p.errorCode,
      }))
      .sort((a, b) => a.partition - b.partition),
  };
}

async function openConnection(host: string, port: number, timeoutMs: number, clientId: string, security: ClientSecurity): Promise<KafkaConnection> {
  let conn: KafkaConnection | undefined;
  try {
    conn = await KafkaConnection.connect(host, port, timeoutMs, { lazyCodecs: true, tls: security.tls });
    conn.clientId = clientId;
    if (security.sasl !== undefined) await authenticate(conn, security.sasl);
    return conn;
  } catch (err) {
    conn?.close();
    if (err instanceof SaslError) throw new ClientError(`authentication at ${host}:${port} failed: ${err.message}`, 'kafka');
    throw translate(err, `${host}:${port}`);
  }
}

/** Socket-level failures as one-line ClientErrors that say what to check. */
function translate(err: unknown, address: string): unknown {
  if (err instanceof ClientError) return err;
  if (err instanceof ClientTimeoutError) return new ClientError(`broker at ${address} did not answer in time (${err.message}): is it overloaded, or is this not a Kafka port?`, 'timeout');
  if (err instanceof ConnectionClosedError) return new ClientError(`broker at ${address} closed the connection: is this a Kafka listener (and not TLS/SASL-only)?`, 'unreachable');
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ECONNREFUSED') return new ClientError(`cannot connect to ${address} (connection refused): is the broker running, and is --bootstrap right?`, 'unreachable');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ClientError(`cannot resolve the host of ${address}: check --bootstrap`, 'unreachable');
  if (code === 'ECONNRESET' || code === 'EPIPE') return new ClientError(`broker at ${address} reset the connection: is this a Kafka listener?`, 'unreachable');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') return new ClientError(`cannot reach ${address} (${code}): check --bootstrap and the network`, 'unreachable');
  // TLS: the broker's certificate is not trusted or not for this host (node:tls's codes name the cause).
  if (typeof code === 'string' && (/CERT|SELF_SIGNED|UNABLE_TO|ERR_SSL|ERR_TLS/.test(code))) {
    return new ClientError(`TLS with ${address} failed (${code}: ${(err as Error).message}): check ssl.truststore.location / ssl.ca.location, and that this is a TLS listener`, 'unreachable');
  }
  return err;
}
