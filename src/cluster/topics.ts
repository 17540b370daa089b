// Topics as the APIs see them: validation with Kafka's error codes, creation (auto or explicit),
// deletion, partition growth and config changes, kept consistent between the cluster metadata and
// the partition logs. Every API that creates or resolves topics goes through here.

import { ErrorCode } from '../codec/index.js';
import type { Uuid } from '../codec/uuid.js';
import type { BrokerConfig } from '../config/load.js';
import { parseTopicConfig, resolveTopicConfig, TOPIC_CONFIGS, type TopicConfig } from '../config/topic-configs.js';
import { ConfigError, type ConfigValue, formatValue } from '../config/types.js';
import type { LogConfigInput, LogManager, PartitionLog } from '../log/index.js';
import type { Logger } from '../util/logger.js';
import type { ClusterState, TopicInfo } from './cluster-state.js';
import type { Membership } from './membership.js';
import { manualAssignmentProblem } from './manual-assignments.js';
import { INTERNAL_TOPICS, topicNameProblem } from './topic-names.js';

/** Kafka's answer to a topic request that failed. */
export interface TopicError {
  errorCode: number;
  errorMessage: string;
}

export interface CreateTopicSpec {
  name: string;
  /** -1 for num.partitions. */
  numPartitions: number;
  /** -1 for default.replication.factor; at most the number of broker identities. */
  replicationFactor: number;
  /** Manual assignment: partition → broker ids; every replica must be this node. */
  assignments?: { partitionIndex: number; brokerIds: number[] }[];
  configs?: { name: string; value: string | null }[];
}

export const MAX_PARTITIONS = 100_000;

/** The overrides of a topic that has none (or is unknown): one object, so that its resolved config is cached too. */
const NO_OVERRIDES: Record<string, ConfigValue> = Object.freeze({});

export class TopicManager {
  /** Each topic's overrides over the broker's defaults, with the overrides object they were resolved from. */
  private readonly resolved = new Map<string, { overrides: Record<string, ConfigValue>; config: TopicConfig }>();

  constructor(
    private readonly cluster: ClusterState,
    private readonly logs: LogManager,
    private readonly config: BrokerConfig,
    private readonly logger: Logger,
    /** The broker identities replicas are placed on; absent: this node alone. */
    readonly membership?: Membership,
  ) {}

  get nodeId(): number {
    return this.cluster.nodeId;
  }

  topic(name: string): TopicInfo | undefined {
    return this.cluster.topic(name);
  }

  topicById(id: Uuid): TopicInfo | undefined {
    return this.cluster.topicById(id);
  }

  topics(): TopicInfo[] {
    return [...this.cluster.topics()];
  }

  /** The topic's configs: its overrides over the broker's defaults, by Kafka key. */
  topicConfig(name: string): TopicConfig {
    const overrides = this.cluster.topic(name)?.configs ?? NO_OVERRIDES;
    let c = this.resolved.get(name);
    // New overrides object: changed through this broker, or mirrored from another's change (postgres:// storage).
    if (c === undefined || c.overrides !== overrides) {
      c = { overrides, config: resolveTopicConfig(overrides, this.config) };
      this.resolved.set(name, c);
    }
    return c.config;
  }

  /** What the log engine needs of a topic's config (LogManager's configFor). */
  logConfig(name: string): LogConfigInput | undefined {
    if (this.cluster.topic(name) === undefined) return undefined;
    return toLogConfig(this.topicConfig(name));
  }

  /** The partition's log, opened (or created) on first use; undefined for an unknown partition. */
  async partitionLog(topic: string, partition: number): Promise<PartitionLog | undefined> {
    const t = this.cluster.topic(topic);
    if (t === undefined || partition < 0 || partition >= t.partitions) return undefined;
    const open = this.logs.get(topic, partition);
    if (open !== undefined) return open;
    return withLeaderEpoch(await this.logs.getOrCreate(topic, partition, this.logConfig(topic)));
  }

  /** The open log of a partition, without opening it. */
  openPartitionLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(topic, partition);
  }

  /** The node ids a manual replica assignment may name: every broker identity, or this node alone. */
  registeredBrokers(): number[] {
    return this.membership === undefined ? [this.cluster.nodeId] : [...this.membership.identities.keys()];
  }

  /** Why a topic can't be created as asked, with Kafka's error code; else its shape (`assignment`: the manual one, by partition). */
  validateCreate(spec: CreateTopicSpec): TopicError | { numPartitions: number; replicationFactor: number; configs: Record<string, ConfigValue>; assignment?: number[][] } {
    const nameProblem = topicNameProblem(spec.name);
    if (nameProblem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    if (this.cluster.topic(spec.name)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${spec.name}' already exists.` };
    }
    const colliding = this.cluster.collidingTopic(spec.name);
    if (colliding) {
      return {
        errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
        errorMessage: `Topic '${spec.name}' collides with existing topic: ${colliding.name}`,
      };
    }
    const assignments = spec.assignments ?? [];
    let numPartitions = spec.numPartitions;
    let replicationFactor = 1;
    let assignment: number[][] | undefined;
    if (assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
        };
      }
      const indexes = assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
      if (indexes.some((p, i) => p !== i)) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Partitions should be a consecutive 0-based integer sequence' };
      }
      for (const a of assignments) {
        const problem = manualAssignmentProblem(a.brokerIds, this.registeredBrokers(), assignments[0].brokerIds.length);
        if (problem !== undefined) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: problem };
      }
      numPartitions = assignments.length;
      replicationFactor = assignments[0].brokerIds.length;
      assignment = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => [...a.brokerIds]);
    } else {
      if (numPartitions === -1) numPartitions = this.config.int('num.partitions');
      if (numPartitions <= 0 || numPartitions > MAX_PARTITIONS) {
        return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Number of partitions must be larger than 0 (and at most ${MAX_PARTITIONS}).` };
      }
      const rf = spec.replicationFactor === -1 ? this.config.int('default.replication.factor') : spec.replicationFactor;
      const brokers = this.membership?.size ?? 1;
      if (rf <= 0 || rf > brokers) {
        return {
          errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
          errorMessage: rf <= 0
            ? 'Replication factor must be larger than 0, or -1 to use the default value.'
            : `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers} broker(s) are registered.`,
        };
      }
      replicationFactor = rf;
    }
    const configs: Record<string, ConfigValue> = {};
    for (const { name, value } of spec.configs ?? []) {
      if (name in configs) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate config ${name}` };
      try {
        configs[name] = parseTopicConfig(name, value);
      } catch (err) {
        if (err instanceof ConfigError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err.message };
        throw err;
      }
    }
    return { numPartitions, replicationFactor, configs, ...(assignment && { assignment }) };
  }

  /**
   * Creates a validated topic: its metadata (durable before this resolves) and its partition logs.
   * Internal topics (__consumer_offsets, ...) pass internal = true.
   */
  async createTopic(name: string, numPartitions: number, configs: Record<string, ConfigValue>, internal = false, replicationFactor = 1, assignment?: number[][]): Promise<TopicInfo> {
    // With several identities every topic records its placement (a manual one as given); on one node none is kept (this node alone).
    const replicas = this.membership !== undefined && this.membership.size > 1 ? (assignment ?? this.membership.place(numPartitions, replicationFactor)) : undefined;
    const { topic, durable } = this.cluster.createTopic(name, numPartitions, configs, internal || INTERNAL_TOPICS.has(name), replicas);
    this.resolved.delete(name);
    await durable;
    const logConfig = this.logConfig(name);
    await Promise.all(Array.from({ length: numPartitions }, async (_, p) => withLeaderEpoch(await this.logs.getOrCreate(name, p, logConfig))));
    this.logger.info('created topic', { topic: name, partitions: numPartitions, topicId: topic.id });
    return topic;
  }

  /**
   * Metadata's auto-creation: creates the topic with the broker's defaults if the name is legal.
   * Returns the topic, or the error Kafka answers for it.
   */
  async autoCreate(name: string): Promise<TopicInfo | TopicError> {
    const existing = this.cluster.topic(name);
    if (existing) return existing;
    const v = this.validateCreate({ name, numPartitions: -1, replicationFactor: -1 });
    if ('errorCode' in v) {
      return v.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION ? v : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: v.errorMessage };
    }
    const pending = this.pendingAutoCreates.get(name);
    if (pending) return pending;
    const creating = this.createTopic(name, v.numPartitions, {}, false, v.replicationFactor).finally(() => this.pendingAutoCreates.delete(name));
    this.pendingAutoCreates.set(name, creating);
    return creating;
  }

  private readonly pendingAutoCreates = new Map<string, Promise<TopicInfo>>();

  /** Removes a topic: metadata at once (durable before this resolves), files in the background. */
  async deleteTopic(name: string): Promise<void> {
    const t = this.cluster.topic(name);
    if (t) this.membership?.forget(t);
    await this.cluster.deleteTopic(name);
    this.resolved.delete(name);
    await this.logs.deleteTopic(name);
    this.logger.info('deleted topic', { topic: name });
  }

  /** The replica count of a topic's first partition (Kafka checks new partitions' manual assignments against it). */
  replicationFactor(t: TopicInfo): number {
    return this.membership === undefined ? 1 : this.membership.replicas(t, 0).length;
  }

  /** Grows a topic to count partitions (validated by the caller), placed as `assignment` says when given. */
  async setPartitionCount(name: string, count: number, assignment?: number[][]): Promise<void> {
    const t = this.cluster.topic(name);
    if (!t) throw new Error(`no topic ${name}`);
    const from = t.partitions;
    const rf = this.replicationFactor(t);
    await this.cluster.setPartitionCount(name, count, t.replicas && (assignment ?? this.membership?.place(count - from, rf, from)));
    const logConfig = this.logConfig(name);
    for (let p = from; p < count; p++) withLeaderEpoch(await this.logs.getOrCreate(name, p, logConfig));
  }

  /** Replaces a topic's config overrides and applies them to its logs at once. */
  async setTopicConfigs(name: string, configs: Record<string, ConfigValue>): Promise<void> {
    await this.cluster.setTopicConfigs(name, configs);
    this.resolved.delete(name);
    const logConfig = this.logConfig(name);
    if (logConfig) this.logs.updateTopicConfig(name, logConfig);
  }

  /**
   * The broker's defaults changed (a dynamic broker config): every topic's resolved config is
   * recomputed and applied to its open logs at once.
   */
  refreshConfigs(): void {
    this.resolved.clear();
    for (const t of this.cluster.topics()) {
      const logConfig = this.logConfig(t.name);
      if (logConfig) this.logs.updateTopicConfig(t.name, logConfig);
    }
  }

  /** The configs of a topic as CreateTopics v5+ describes them. */
  describeConfigs(name: string): { name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean }[] {
    const t = this.cluster.topic(name);
    const c = this.topicConfig(name);
    return TOPIC_CONFIGS.map((def) => ({
      name: def.key,
      value: formatValue(c[def.key]),
      readOnly: false,
      // ConfigSource: 1 DYNAMIC_TOPIC_CONFIG, 4 STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG.
      configSource: t && def.key in t.configs ? 1 : def.brokerSynonym && this.config.source(def.brokerSynonym) !== 'default' ? 4 : 5,
      isSensitive: false,
    }));
  }
}

/**
 * This node leads every partition from leader epoch 0, as a new Kafka partition does; batches are
 * stamped with it and clients use it to detect truncation (KIP-101, KIP-320).
 */
function withLeaderEpoch(log: PartitionLog): PartitionLog {
  if (log.leaderEpoch < 0 && !log.isOffline) log.setLeaderEpoch(0);
  return log;
}

/** A resolved topic config in the form the log engine takes. */
export function toLogConfig(c: TopicConfig): LogConfigInput {
  const out: LogConfigInput = {};
  for (const def of TOPIC_CONFIGS) {
    const v = c[def.key];
    if (v !== null && v !== undefined) out[def.key] = Array.isArray(v) ? v.join(',') : (v as number | string);
  }
  return out;
}

/** The log config of a topic straight from cluster metadata (used while the log opens at start-up). */
export function logConfigFromCluster(cluster: ClusterState, broker: BrokerConfig, topic: string): LogConfigInput | undefined {
  const t = cluster.topic(topic);
  return t === undefined ? undefined : toLogConfig(resolveTopicConfig(t.configs, broker));
}
