// The target broker as the suite sees it (bootstrap address, advertised versions capped by what our
// codec knows) and the per-run context a case works with: connections (closed after the run),
// unique topic names, topic creation, and helpers for produce, fetch, list-offsets and metadata that
// route to the partition leader and pick the versions the target advertises.

import { ApiKey, apiInfo, ErrorCode, ZERO_UUID, type EncodeInput, type RequestByKey, type ResponseByKey, type Uuid } from '../codec/index.js';
import { ConnectionClosedError, KafkaConnection } from '../client/connection.js';
import { negotiateApiVersions, usableVersions, type VersionRange } from '../client/cluster-client.js';
import { authenticatePlain, type PlainCredentials } from '../client/sasl.js';
import { CaseFailure, CaseSkip } from './types.js';
import { errName } from './assert.js';
import { legacyMessageSet, v2Batch, type SimpleRecord } from './records.js';

export type { VersionRange } from '../client/cluster-client.js';

export interface TargetOptions {
  host: string;
  port: number;
  /** The target's auto.create.topics.enable when the caller knows it (the embedded test does). */
  autoCreateTopics?: boolean;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  /** The target's SASL_PLAINTEXT listener and principals, for the ACL cases (skipped without). */
  sasl?: SaslTarget;
}

/**
 * A SASL_PLAINTEXT listener of the target with PLAIN users: `admin` is a super user (super.users) of
 * a broker that enforces ACLs; `users` hold no ACLs of their own (the cases grant and remove them).
 */
export interface SaslTarget {
  host: string;
  port: number;
  admin: PlainCredentials;
  users: PlainCredentials[];
}

/** Why the ACL cases did not run, and what they need. */
export const SASL_TARGET_NEEDED = 'ACL cases need a broker enforcing ACLs with a SASL PLAIN listener: --sasl-bootstrap HOST:PORT --admin USER:PASSWORD (a super user) --user USER:PASSWORD --user USER:PASSWORD (two users without ACLs)';

/** Errors a partition's leader answers while it takes the leadership (retriable for clients). */
const NOT_SERVED_YET: number[] = [
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_LEADER_EPOCH,
];

export class Target {
  readonly host: string;
  readonly port: number;
  /** Advertised ranges capped by our codec; APIs our codec lacks are absent. */
  readonly versions = new Map<number, VersionRange>();
  /** What the broker advertised, as it said it. */
  readonly advertised = new Map<number, VersionRange>();
  readonly runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  private counter = 0;
  /** Topics the suite created (deleted at the end when the target can). */
  readonly createdTopics = new Set<string>();
  autoCreateTopics: boolean | undefined;
  requestTimeoutMs: number;
  /** ApiVersions version the handshake used. */
  apiVersionsVersion = 0;
  readonly sasl: SaslTarget | undefined;

  constructor(options: TargetOptions) {
    this.sasl = options.sasl;
    this.host = options.host;
    this.port = options.port;
    this.autoCreateTopics = options.autoCreateTopics;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Reads ApiVersions: the newest version our codec knows first, falling back as KIP-511 describes. */
  async handshake(): Promise<void> {
    const conn = await KafkaConnection.connect(this.host, this.port, this.requestTimeoutMs);
    try {
      const { version, response: res } = await negotiateApiVersions(conn, 'tributary-conformance');
      if (res.errorCode !== 0) throw new Error(`ApiVersions failed: ${errName(res.errorCode)}`);
      this.apiVersionsVersion = version;
      for (const k of res.apiKeys) this.advertised.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
      for (const [key, range] of usableVersions(res)) this.versions.set(key, range);
    } finally {
      conn.close();
    }
  }

  has(apiKey: number, minVersion = 0): boolean {
    const r = this.versions.get(apiKey);
    return r !== undefined && r.max >= minVersion;
  }

  max(apiKey: number): number {
    const r = this.versions.get(apiKey);
    if (r === undefined) throw new CaseSkip(`target does not advertise ${apiName(apiKey)}`);
    return r.max;
  }

  min(apiKey: number): number {
    const r = this.versions.get(apiKey);
    if (r === undefined) throw new CaseSkip(`target does not advertise ${apiName(apiKey)}`);
    return r.min;
  }

  uniqueName(tag: string): string {
    this.counter++;
    return `conf-${this.runId}-${tag}-${this.counter}`.slice(0, 240);
  }
}

export function apiName(key: number): string {
  return apiInfo(key)?.name ?? `api${key}`;
}

export interface TopicInfo {
  name: string;
  topicId: Uuid;
  partitions: number;
  /** Leader epoch per partition (-1 when Metadata < v7). */
  leaderEpochs: number[];
  leaders: number[];
}

export interface CreateTopicOptions {
  partitions?: number;
  configs?: Record<string, string>;
  tag?: string;
  /** The topic's name (default: a unique name from `tag`). */
  name?: string;
}

type MetadataResponse = ResponseByKey[3];
type FetchPartition = ResponseByKey[1]['responses'][number]['partitions'][number];
type ProducePartition = ResponseByKey[0]['responses'][number]['partitionResponses'][number];

export interface ProduceOptions {
  version?: number;
  acks?: number;
  timeoutMs?: number;
  transactionalId?: string | null;
  conn?: KafkaConnection;
}

export interface FetchOptions {
  version?: number;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
  isolationLevel?: number;
  currentLeaderEpoch?: number;
  conn?: KafkaConnection;
  timeoutMs?: number;
}

/** The context of one run of one case at one version. */
export class CaseContext {
  private readonly conns: KafkaConnection[] = [];
  private readonly byAddress = new Map<string, KafkaConnection>();
  private brokers: Map<number, { host: string; port: number }> | null = null;
  /** Set by asAdmin(): conn() is then the SASL admin's connection. */
  private admin: KafkaConnection | null = null;
  /** Undo steps (ACLs a case created), run before the connections close. */
  private readonly undo: (() => Promise<unknown>)[] = [];
  readonly notes: string[] = [];

  constructor(
    readonly target: Target,
    /** The version of the case's API this run exercises. */
    readonly version: number,
  ) {}

  skip(reason: string): never {
    throw new CaseSkip(reason);
  }

  note(msg: string): void {
    this.notes.push(msg);
  }

  /** Skips unless the target advertises `apiKey` at `minVersion` or newer. */
  need(apiKey: number, minVersion = 0): void {
    if (!this.target.has(apiKey, minVersion)) {
      this.skip(`target does not advertise ${apiName(apiKey)}${minVersion > 0 ? ` v${minVersion}+` : ''}`);
    }
  }

  /** The highest advertised version of an API within [lo, hi] (skips if none). */
  pick(apiKey: number, lo = 0, hi = Infinity): number {
    const r = this.target.versions.get(apiKey);
    if (r === undefined) this.skip(`target does not advertise ${apiName(apiKey)}`);
    const v = Math.min(r.max, hi);
    if (v < Math.max(r.min, lo)) this.skip(`target advertises ${apiName(apiKey)} v${r.min}-${r.max}, case needs v${lo}-${hi === Infinity ? 'max' : hi}`);
    return v;
  }

  /** A new connection to the bootstrap broker (closed after the run). */
  async connect(host = this.target.host, port = this.target.port): Promise<KafkaConnection> {
    const c = await KafkaConnection.connect(host, port, this.target.requestTimeoutMs);
    this.conns.push(c);
    return c;
  }

  /** The run's shared bootstrap connection (reopened if the broker closed it). */
  async conn(): Promise<KafkaConnection> {
    if (this.admin !== null) {
      if (this.admin.isClosed) this.admin = await this.connectAs(this.saslTarget().admin);
      return this.admin;
    }
    return this.connTo(this.target.host, this.target.port);
  }

  /** The target's SASL listener and principals; skips the case when the suite was given none. */
  saslTarget(): SaslTarget {
    return this.target.sasl ?? this.skip(SASL_TARGET_NEEDED);
  }

  /** A new connection to the SASL listener, authenticated as `who` with PLAIN (closed after the run). */
  async connectAs(who: PlainCredentials): Promise<KafkaConnection> {
    const sasl = this.saslTarget();
    const c = await this.connect(sasl.host, sasl.port);
    await authenticatePlain(c, who);
    return c;
  }

  /** From now on the run's shared connection (conn(), createTopic, metadata...) is the super user's. */
  async asAdmin(): Promise<KafkaConnection> {
    this.admin = await this.connectAs(this.saslTarget().admin);
    this.brokers = null;
    return this.admin;
  }

  /** Registers a step run when the case ends (pass or fail), before the connections close. */
  onEnd(step: () => Promise<unknown>): void {
    this.undo.push(step);
  }

  /** Runs the onEnd steps, newest first; their failures are ignored (best-effort cleanup). */
  async end(): Promise<void> {
    for (const step of this.undo.splice(0).reverse()) await step().catch(() => {});
  }

  private async connTo(host: string, port: number): Promise<KafkaConnection> {
    const key = `${host}:${port}`;
    const c = this.byAddress.get(key);
    if (c !== undefined && !c.isClosed) return c;
    const n = await this.connect(host, port);
    this.byAddress.set(key, n);
    return n;
  }

  /** A connection to broker `nodeId` (bootstrap when it is the only broker or unknown). */
  async nodeConn(nodeId: number): Promise<KafkaConnection> {
    if (this.brokers === null) {
      const md = await this.metadata([]);
      this.brokers = new Map(md.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    }
    const b = this.brokers.get(nodeId);
    if (b === undefined || this.brokers.size <= 1) return this.conn();
    return this.connTo(b.host, b.port);
  }

  close(): void {
    for (const c of this.conns) c.close();
    this.conns.length = 0;
    this.byAddress.clear();
  }

  topicName(tag = 't'): string {
    return this.target.uniqueName(tag);
  }

  // ---- Metadata --------------------------------------------------------------------------------

  async metadata(topics: string[] | null, options: { version?: number; allowAutoTopicCreation?: boolean; conn?: KafkaConnection } = {}): Promise<MetadataResponse> {
    const v = options.version ?? this.pick(ApiKey.Metadata);
    const conn = options.conn ?? (await this.conn());
    // v0 has no null: an empty list means "all topics" there, so "no topics" can't be asked at v0.
    return conn.request(ApiKey.Metadata, v, {
      topics: topics === null ? (v === 0 ? [] : null) : topics.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
    });
  }

  async topicInfo(name: string): Promise<TopicInfo> {
    const md = await this.metadata([name]);
    const t = md.topics.find((x) => x.name === name);
    if (t === undefined) throw new CaseFailure(`Metadata did not return topic ${name}`);
    if (t.errorCode !== 0) throw new CaseFailure(`Metadata for ${name}: ${errName(t.errorCode)}`);
    const parts = [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
    return {
      name,
      topicId: t.topicId,
      partitions: parts.length,
      leaderEpochs: parts.map((p) => p.leaderEpoch),
      leaders: parts.map((p) => p.leaderId),
    };
  }

  /**
   * Polls (bounded) until every partition of `name` has a leader in Metadata and that leader serves
   * it. Kafka's KRaft broker updates its metadata cache before its replica manager takes the
   * leadership, so for a moment Metadata names a leader whose Produce, Fetch and ListOffsets still
   * answer NOT_LEADER_OR_FOLLOWER; clients retry, and so does the setup here (ListOffsets probe).
   */
  async waitForTopic(name: string, partitions?: number, timeoutMs = 10_000): Promise<TopicInfo> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const md = await this.metadata([name]);
      const t = md.topics.find((x) => x.name === name);
      if (t !== undefined && t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0 && p.errorCode === 0)
        && (partitions === undefined || t.partitions.length >= partitions)) {
        const info = await this.topicInfo(name);
        const notServed = await this.partitionsNotServed(info);
        if (notServed === null) return info;
        last = notServed;
      } else {
        last = t === undefined ? 'absent' : `${errName(t.errorCode)}, ${t.partitions.length} partitions`;
      }
      if (Date.now() > deadline) throw new CaseFailure(`topic ${name} not ready after ${timeoutMs} ms (${last})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Why a partition of the topic is not served by its leader yet (ListOffsets latest), or null. */
  private async partitionsNotServed(info: TopicInfo): Promise<string | null> {
    if (!this.target.has(ApiKey.ListOffsets)) return null;
    for (let p = 0; p < info.partitions; p++) {
      const r = await this.listOffset(info, p, -1);
      if (NOT_SERVED_YET.includes(r.errorCode)) return `partition ${p}: ListOffsets ${errName(r.errorCode)}`;
    }
    return null;
  }

  /** Creates a fresh topic (CreateTopics, else Metadata auto-creation) and waits for its leaders. */
  async createTopic(options: CreateTopicOptions = {}): Promise<TopicInfo> {
    const name = options.name ?? this.topicName(options.tag ?? 't');
    const partitions = options.partitions ?? 1;
    if (this.target.has(ApiKey.CreateTopics)) {
      const v = this.pick(ApiKey.CreateTopics);
      const conn = await this.conn();
      const res = await conn.request(ApiKey.CreateTopics, v, {
        topics: [{
          name, numPartitions: partitions, replicationFactor: v >= 4 ? -1 : 1, assignments: [],
          configs: Object.entries(options.configs ?? {}).map(([k, val]) => ({ name: k, value: val })),
        }],
        timeoutMs: 10_000,
        validateOnly: false,
      });
      const r = res.topics.find((t) => t.name === name);
      if (r === undefined) throw new CaseFailure(`CreateTopics did not answer for ${name}`);
      if (r.errorCode !== 0) throw new CaseFailure(`setup: CreateTopics ${name}: ${errName(r.errorCode)} ${r.errorMessage ?? ''}`);
      this.target.createdTopics.add(name);
      return this.waitForTopic(name, partitions);
    }
    if (options.configs !== undefined && Object.keys(options.configs).length > 0) {
      this.skip('needs CreateTopics (topic configs) which the target does not advertise');
    }
    if (partitions !== 1 || !this.target.has(ApiKey.Metadata, 4) || this.target.autoCreateTopics === false) {
      this.skip('target advertises no CreateTopics and topics cannot be auto-created as needed');
    }
    const md = await this.metadata([name], { allowAutoTopicCreation: true });
    const t = md.topics.find((x) => x.name === name);
    if (t?.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) this.skip('target advertises no CreateTopics and does not auto-create topics');
    this.target.createdTopics.add(name);
    return this.waitForTopic(name);
  }

  // ---- Produce ---------------------------------------------------------------------------------

  /** A record set in the format Produce v`version` carries: magic 0 (v0-1), 1 (v2), 2 (v3+). */
  recordsFor(version: number, records: SimpleRecord[], compression = 0): Buffer {
    if (version <= 1) return legacyMessageSet(0, records, compression);
    if (version === 2) return legacyMessageSet(1, records, compression);
    return v2Batch(records, { compression: compression as 0 });
  }

  async produceRaw(topic: TopicInfo, partition: number, records: Buffer | null, options: ProduceOptions = {}): Promise<ProducePartition> {
    const v = options.version ?? this.pick(ApiKey.Produce);
    const conn = options.conn ?? (await this.nodeConn(topic.leaders[partition] ?? -1));
    const res = await conn.request(ApiKey.Produce, v, {
      transactionalId: options.transactionalId ?? null,
      acks: options.acks ?? -1,
      timeoutMs: options.timeoutMs ?? 10_000,
      topicData: [{ name: topic.name, topicId: topic.topicId, partitionData: [{ index: partition, records }] }],
    }).catch((err: unknown) => {
      // Kafka 4 lists Produce v0-2 in ApiVersions only because librdkafka refuses brokers that do not
      // (KAFKA-18659, ProduceRequest.json) and closes the connection on such a request: not served.
      if (v <= 2 && err instanceof ConnectionClosedError) this.skip('target advertises Produce v0-2 but closes the connection on them, as Kafka 4 does (KIP-896, KAFKA-18659)');
      throw err;
    });
    const t = res.responses.find((x) => (v >= 13 ? x.topicId === topic.topicId : x.name === topic.name));
    const p = t?.partitionResponses.find((x) => x.index === partition);
    if (p === undefined) throw new CaseFailure(`Produce v${v} response has no entry for ${topic.name}-${partition}`);
    return p;
  }

  /** Produces records (format chosen by the version); fails the case on an error. */
  async produce(topic: TopicInfo, partition: number, records: SimpleRecord[], options: ProduceOptions & { compression?: number } = {}): Promise<ProducePartition> {
    const v = options.version ?? this.pick(ApiKey.Produce);
    const p = await this.produceRaw(topic, partition, this.recordsFor(v, records, options.compression ?? 0), { ...options, version: v });
    if (p.errorCode !== 0) throw new CaseFailure(`Produce v${v} to ${topic.name}-${partition}: ${errName(p.errorCode)} ${p.errorMessage ?? ''}`);
    return p;
  }

  // ---- Fetch -----------------------------------------------------------------------------------

  fetchBody(topic: TopicInfo, partitions: { partition: number; offset: number; currentLeaderEpoch?: number; partitionMaxBytes?: number }[], o: FetchOptions & { sessionId?: number; sessionEpoch?: number; forgotten?: number[] }): EncodeInput<RequestByKey[1]> {
    return {
      replicaId: -1,
      maxWaitMs: o.maxWaitMs ?? 0,
      minBytes: o.minBytes ?? 0,
      maxBytes: o.maxBytes ?? 50 * 1024 * 1024,
      isolationLevel: o.isolationLevel ?? 0,
      sessionId: o.sessionId ?? 0,
      sessionEpoch: o.sessionEpoch ?? -1,
      topics: partitions.length === 0 ? [] : [{
        topic: topic.name,
        topicId: topic.topicId,
        partitions: partitions.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: p.currentLeaderEpoch ?? o.currentLeaderEpoch ?? -1,
          fetchOffset: p.offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: p.partitionMaxBytes ?? o.partitionMaxBytes ?? 10 * 1024 * 1024,
        })),
      }],
      forgottenTopicsData: o.forgotten && o.forgotten.length > 0 ? [{ topic: topic.name, topicId: topic.topicId, partitions: o.forgotten }] : [],
      rackId: '',
    };
  }

  /** One Fetch of one partition; returns that partition's data (fails the case if absent). */
  async fetch(topic: TopicInfo, partition: number, offset: number, options: FetchOptions = {}): Promise<FetchPartition> {
    const v = options.version ?? this.pick(ApiKey.Fetch);
    const conn = options.conn ?? (await this.nodeConn(topic.leaders[partition] ?? -1));
    const res = await conn.request(ApiKey.Fetch, v, this.fetchBody(topic, [{ partition, offset }], options), { timeoutMs: options.timeoutMs });
    if (res.errorCode !== 0) throw new CaseFailure(`Fetch v${v}: top-level ${errName(res.errorCode)}`);
    return findFetchPartition(res, topic, partition, v);
  }

  // ---- ListOffsets -----------------------------------------------------------------------------

  async listOffset(topic: TopicInfo, partition: number, timestamp: number, options: { version?: number; isolationLevel?: number } = {}): Promise<{ errorCode: number; offset: number; timestamp: number }> {
    const v = options.version ?? this.pick(ApiKey.ListOffsets);
    const conn = await this.nodeConn(topic.leaders[partition] ?? -1);
    const res = await conn.request(ApiKey.ListOffsets, v, {
      replicaId: -1,
      isolationLevel: options.isolationLevel ?? 0,
      topics: [{ name: topic.name, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
      timeoutMs: 10_000,
    });
    const p = res.topics.find((t) => t.name === topic.name)?.partitions.find((x) => x.partitionIndex === partition);
    if (p === undefined) throw new CaseFailure(`ListOffsets v${v} has no entry for ${topic.name}-${partition}`);
    if (v === 0) return { errorCode: p.errorCode, offset: p.oldStyleOffsets[0] ?? -1, timestamp: -1 };
    return { errorCode: p.errorCode, offset: p.offset, timestamp: p.timestamp };
  }

  /** The high watermark (ListOffsets latest); fails the case on error. */
  async endOffset(topic: TopicInfo, partition = 0): Promise<number> {
    const r = await this.listOffset(topic, partition, -1);
    if (r.errorCode !== 0) throw new CaseFailure(`ListOffsets latest: ${errName(r.errorCode)}`);
    return r.offset;
  }
}

export function findFetchPartition(res: ResponseByKey[1], topic: TopicInfo, partition: number, v: number): FetchPartition {
  const t = res.responses.find((x) => (v >= 13 ? x.topicId === topic.topicId : x.topic === topic.name));
  const p = t?.partitions.find((x) => x.partitionIndex === partition);
  if (p === undefined) throw new CaseFailure(`Fetch v${v} response has no entry for ${topic.name}-${partition}`);
  return p;
}
