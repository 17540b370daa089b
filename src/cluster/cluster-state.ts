// The cluster's own metadata on a single node: the cluster id and node id, chosen once and kept,
// the topics (name, id, partition count, config overrides), dynamic broker configs, client quotas
// and ACLs. Changes apply in memory at once, in call order, and are persisted as one atomically
// replaced metadata file per kind; a change's promise resolves once it is durable.

import { randomBytes } from 'node:crypto';
import { randomUuid, type Uuid } from '../codec/uuid.js';
import type { ConfigValue } from '../config/types.js';
import type { Storage } from '../storage/index.js';
import { ClientQuotas, type QuotaEntry } from './quotas.js';
import { collisionKey } from './topic-names.js';

/** The cluster id and node id (broker.reset() carries it over to a fresh storage). */
export const CLUSTER_IDENTITY_PATH = 'meta/identity.json';
const IDENTITY_PATH = CLUSTER_IDENTITY_PATH;
const TOPICS_PATH = 'meta/topics.json';
const DYNAMIC_CONFIGS_PATH = 'meta/dynamic-broker-configs.json';
const CLIENT_QUOTAS_PATH = 'meta/client-quotas.json';
const ACLS_PATH = 'meta/acls.json';
const SCRAM_PATH = 'meta/scram-credentials.json';

/**
 * A user's SCRAM credential for one mechanism as stored (AlterUserScramCredentials, --add-scram):
 * only the salted form (base64), never a password. src/security/scram.ts gives it meaning.
 */
export interface StoredScramCredential {
  user: string;
  mechanism: string;
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/**
 * An access control list entry as stored (Kafka's wire codes; src/security/acl.ts gives them
 * meaning). The cluster state only keeps the list and makes each change of it durable.
 */
export interface StoredAcl {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** Dynamic broker configs as text by key: for this broker, and the cluster-wide defaults. */
export interface DynamicBrokerConfigs {
  broker: Record<string, string>;
  default: Record<string, string>;
}

/** What brokers sharing a database also share besides topics. */
/** `broker:ID`: the dynamic configs of broker ID alone (kept in the database, read by that broker only). */
export type SharedKind = 'acls' | 'scram' | 'quotas' | 'broker-defaults' | `broker:${number}`;

export interface TopicInfo {
  name: string;
  /** Kafka's topic id (base64url string); never the zero UUID. */
  id: Uuid;
  partitions: number;
  /** Configs set for this topic (over the broker's defaults), by Kafka key. */
  configs: Record<string, ConfigValue>;
  internal: boolean;
  /** Replica node ids per partition (the first is the preferred leader); absent: this node alone. */
  replicas?: number[][];
  /** Partition reassignments under way, by partition: the replicas being added and removed (AlterPartitionReassignments). */
  reassigning?: Record<number, { adding: number[]; removing: number[] }>;
}

type PersistedTopic = TopicInfo;

export class ClusterIdentityError extends Error {}

export class ClusterState {
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();
  private readonly byCollisionKey = new Map<string, TopicInfo>();
  private persisting: Promise<void> = Promise.resolve();
  private dynamic: DynamicBrokerConfigs = { broker: {}, default: {} };
  private persistingDynamic: Promise<void> = Promise.resolve();
  private persistingQuotas: Promise<void> = Promise.resolve();
  private topicCreations = 0;
  private aclList: readonly StoredAcl[] = [];
  private persistingAcls: Promise<void> = Promise.resolve();
  private scramList: readonly StoredScramCredential[] = [];
  private persistingScram: Promise<void> = Promise.resolve();
  /** Client quotas (AlterClientQuotas), persisted here; produce/fetch ask it for throttle times. */
  quotas: ClientQuotas = new ClientQuotas();
  /**
   * Where ACLs, SCRAM credentials and client quotas are also kept when brokers share them
   * (postgres:// storage: the database, pg/shared-metadata.ts); a change is durable once it is there too.
   */
  sharedWith: ((kind: SharedKind, json: string) => Promise<void>) | null = null;
  private readonly aclListeners: (() => void)[] = [];
  private readonly brokerDefaultsListeners: (() => void)[] = [];

  private constructor(
    private readonly storage: Storage,
    readonly clusterId: string,
    readonly nodeId: number,
    /** True when this open created the identity: the first start on this medium. */
    readonly created: boolean,
  ) {}

  /** Loads (or on first start creates, with `newId` when given: a shared database's cluster id) the identity and the topics. */
  static async open(storage: Storage, nodeId: number, newId?: string): Promise<ClusterState> {
    await storage.mkdir('meta');
    let clusterId: string;
    const identity = await storage.readMeta(IDENTITY_PATH);
    if (identity === null) {
      clusterId = newId ?? newClusterId();
      await storage.writeMeta(IDENTITY_PATH, Buffer.from(JSON.stringify({ clusterId, nodeId }, null, 2)));
    } else {
      const saved = JSON.parse(identity.toString()) as { clusterId: string; nodeId: number };
      if (saved.nodeId !== nodeId) {
        throw new ClusterIdentityError(
          `the data directory belongs to node.id ${saved.nodeId}, but this broker is configured as node.id ${nodeId}`,
        );
      }
      clusterId = saved.clusterId;
    }
    const state = new ClusterState(storage, clusterId, nodeId, identity === null);
    const topics = await storage.readMeta(TOPICS_PATH);
    if (topics !== null) {
      for (const t of JSON.parse(topics.toString()) as PersistedTopic[]) {
        state.index(t);
      }
    }
    const dynamic = await storage.readMeta(DYNAMIC_CONFIGS_PATH);
    if (dynamic !== null) state.dynamic = JSON.parse(dynamic.toString()) as DynamicBrokerConfigs;
    const quotas = await storage.readMeta(CLIENT_QUOTAS_PATH);
    const acls = await storage.readMeta(ACLS_PATH);
    if (acls !== null) state.aclList = JSON.parse(acls.toString()) as StoredAcl[];
    const scram = await storage.readMeta(SCRAM_PATH);
    if (scram !== null) state.scramList = JSON.parse(scram.toString()) as StoredScramCredential[];
    state.quotas = new ClientQuotas(quotas === null ? [] : (JSON.parse(quotas.toString()) as QuotaEntry[]), (entries) => state.persistQuotas(entries));
    return state;
  }

  /** The dynamic broker configs (text values, as AlterConfigs set them). */
  get dynamicBrokerConfigs(): Readonly<DynamicBrokerConfigs> {
    return this.dynamic;
  }

  /** Replaces the dynamic broker configs of a scope; resolves once durable. */
  setDynamicBrokerConfigs(scope: 'broker' | 'default', configs: Record<string, string>): Promise<void> {
    this.dynamic = { ...this.dynamic, [scope]: { ...configs } };
    const data = Buffer.from(JSON.stringify(this.dynamic));
    // The cluster-wide defaults ('' resource) are every broker's; a broker's own configs only its own.
    const kind: SharedKind = scope === 'default' ? 'broker-defaults' : `broker:${this.nodeId}`;
    const shared = JSON.stringify(this.dynamic[scope]);
    const write = () => this.storage.writeMeta(DYNAMIC_CONFIGS_PATH, data).then(() => this.sharedWith?.(kind, shared));
    this.persistingDynamic = this.persistingDynamic.then(write, write);
    return this.persistingDynamic;
  }

  /** The ACLs (CreateAcls/DeleteAcls), in creation order. */
  get acls(): readonly StoredAcl[] {
    return this.aclList;
  }

  /**
   * Replaces the whole ACL list: in force at once (the caller reloads its authorizer from `acls`),
   * durable when the promise resolves. One file holds the list, so a change is all or nothing.
   */
  setAcls(acls: readonly StoredAcl[]): Promise<void> {
    this.aclList = acls.map((a) => ({ ...a }));
    const json = JSON.stringify(this.aclList);
    const write = () => this.storage.writeMeta(ACLS_PATH, Buffer.from(json)).then(() => this.sharedWith?.('acls', json));
    this.persistingAcls = this.persistingAcls.then(write, write);
    return this.persistingAcls;
  }

  /** Called when the dynamic broker configs are replaced from elsewhere (applyShared): the broker applies them. */
  onBrokerDefaultsReplaced(listener: () => void): void {
    this.brokerDefaultsListeners.push(listener);
  }

  /** Called when the ACLs are replaced from elsewhere (applyShared): the authorizer reloads them. */
  onAclsReplaced(listener: () => void): void {
    this.aclListeners.push(listener);
  }

  /**
   * Takes ACLs, SCRAM credentials or client quotas as another broker stored them (shared storage):
   * in force at once, kept locally, not written back.
   */
  async applyShared(kind: SharedKind, json: string): Promise<void> {
    switch (kind) {
      case 'acls':
        this.aclList = JSON.parse(json) as StoredAcl[];
        for (const l of this.aclListeners) l();
        await this.storage.writeMeta(ACLS_PATH, Buffer.from(json));
        return;
      case 'scram':
        this.scramList = JSON.parse(json) as StoredScramCredential[];
        await this.storage.writeMeta(SCRAM_PATH, Buffer.from(json));
        return;
      case 'quotas':
        this.quotas.replaceAll(JSON.parse(json) as QuotaEntry[]);
        await this.storage.writeMeta(CLIENT_QUOTAS_PATH, Buffer.from(json));
        return;
      default: {
        // The cluster-wide defaults, or this broker's own configs (another broker's are not its business).
        const scope = kind === 'broker-defaults' ? 'default' : kind === `broker:${this.nodeId}` ? 'broker' : null;
        if (scope === null) return;
        this.dynamic = { ...this.dynamic, [scope]: JSON.parse(json) as Record<string, string> };
        for (const l of this.brokerDefaultsListeners) l();
        await this.storage.writeMeta(DYNAMIC_CONFIGS_PATH, Buffer.from(JSON.stringify(this.dynamic)));
      }
    }
  }

  /** The SCRAM credentials, one per (user, mechanism). */
  get scramCredentials(): readonly StoredScramCredential[] {
    return this.scramList;
  }

  /** Replaces every SCRAM credential: in force at once, durable when the promise resolves (one file: all or nothing). */
  setScramCredentials(credentials: readonly StoredScramCredential[]): Promise<void> {
    this.scramList = credentials.map((c) => ({ ...c }));
    const json = JSON.stringify(this.scramList);
    const write = () => this.storage.writeMeta(SCRAM_PATH, Buffer.from(json)).then(() => this.sharedWith?.('scram', json));
    this.persistingScram = this.persistingScram.then(write, write);
    return this.persistingScram;
  }

  private persistQuotas(entries: QuotaEntry[]): Promise<void> {
    const json = JSON.stringify(entries);
    const write = () => this.storage.writeMeta(CLIENT_QUOTAS_PATH, Buffer.from(json)).then(() => this.sharedWith?.('quotas', json));
    this.persistingQuotas = this.persistingQuotas.then(write, write);
    return this.persistingQuotas;
  }

  topic(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }

  topicById(id: Uuid): TopicInfo | undefined {
    return this.byId.get(id);
  }

  /** An existing topic whose name collides with name ('.' vs '_'), other than name itself. */
  collidingTopic(name: string): TopicInfo | undefined {
    const t = this.byCollisionKey.get(collisionKey(name));
    return t !== undefined && t.name !== name ? t : undefined;
  }

  topics(): IterableIterator<TopicInfo> {
    return this.byName.values();
  }

  get topicCount(): number {
    return this.byName.size;
  }

  /**
   * How many topics this process has created: it grows with every creation (Kafka's metadata image
   * "with new topics"), so KIP-848 groups know when to resolve their regex subscriptions again.
   */
  get topicsCreated(): number {
    return this.topicCreations;
  }

  /** Adds a topic (the caller has validated it) and resolves once that is durable. */
  createTopic(name: string, partitions: number, configs: Record<string, ConfigValue>, internal = false, replicas?: number[][]): { topic: TopicInfo; durable: Promise<void> } {
    if (this.byName.has(name)) throw new Error(`topic ${name} exists`);
    const topic: TopicInfo = { name, id: randomUuid(), partitions, configs, internal, ...(replicas && { replicas }) };
    this.index(topic);
    this.topicCreations++;
    return { topic, durable: this.persist() };
  }

  /**
   * Holds a topic as another source of truth has it, with its id (postgres:// storage mirrors the
   * database's topics here, so the broker's own handlers, e.g. OffsetCommit, know them). Replaces a
   * topic of the same name but another id.
   */
  mirrorTopic(info: { name: string; id: Uuid; partitions: number; configs: Record<string, ConfigValue>; internal: boolean }): void {
    const current = this.byName.get(info.name);
    if (current !== undefined && current.id === info.id) {
      current.partitions = info.partitions;
      current.configs = info.configs;
      return;
    }
    if (current !== undefined) void this.deleteTopic(info.name).catch(() => {});
    this.index({ ...info });
    this.topicCreations++;
    this.persist().catch(() => {});
  }

  deleteTopic(name: string): Promise<void> {
    const t = this.byName.get(name);
    if (!t) return Promise.resolve();
    this.byName.delete(name);
    this.byId.delete(t.id);
    this.byCollisionKey.delete(collisionKey(name));
    return this.persist();
  }

  /** Grows a topic; `addedReplicas` places the new partitions when the topic has an assignment. */
  setPartitionCount(name: string, partitions: number, addedReplicas?: number[][]): Promise<void> {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    if (t.replicas && addedReplicas) t.replicas = [...t.replicas, ...addedReplicas];
    t.partitions = partitions;
    return this.persist();
  }

  /** A new replica assignment of every partition and the reassignments still under way (src/cluster/reassignments.ts). */
  setReplicaAssignment(name: string, replicas: number[][], reassigning: Record<number, { adding: number[]; removing: number[] }>): Promise<void> {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    t.replicas = replicas;
    if (Object.keys(reassigning).length > 0) t.reassigning = reassigning;
    else delete t.reassigning;
    return this.persist();
  }

  setTopicConfigs(name: string, configs: Record<string, ConfigValue>): Promise<void> {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    t.configs = configs;
    return this.persist();
  }

  private index(topic: TopicInfo): void {
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id, topic);
    this.byCollisionKey.set(collisionKey(topic.name), topic);
  }

  /** Writes the current topics after any write already under way; resolves when durable. */
  private persist(): Promise<void> {
    const snapshot: PersistedTopic[] = [...this.byName.values()].map((t) => ({
      name: t.name,
      id: t.id,
      partitions: t.partitions,
      configs: t.configs,
      internal: t.internal,
      ...(t.replicas && { replicas: t.replicas }),
      ...(t.reassigning && { reassigning: t.reassigning }),
    }));
    const data = Buffer.from(JSON.stringify(snapshot));
    this.persisting = this.persisting.then(
      () => this.storage.writeMeta(TOPICS_PATH, data),
      () => this.storage.writeMeta(TOPICS_PATH, data),
    );
    return this.persisting;
  }
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding (22 characters). */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}
