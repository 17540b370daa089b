// Describing and changing configs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs) for
// topics and the broker, with Kafka's checks and messages (ConfigAdminManager on the broker,
// ConfigurationControlManager and ControllerConfigurationValidator on the controller). Topic
// changes apply to the partition logs at once and are kept in the cluster metadata; dynamic broker
// configs (for this node, or cluster-wide with the resource name '') likewise, and change the
// topic defaults that derive from them. Broker changes are judged by Kafka's own list of dynamic
// configs (config/kafka-broker-configs.ts): what Kafka accepts is stored and described even where
// it has no effect here (SASL/SSL listener configs, thread counts, custom configs).

import { ErrorCode } from '../codec/index.js';
import { SETTINGS_BY_KEY } from '../config/broker-settings.js';
import {
  CLUSTER_LEVEL_LISTENER_CONFIGS,
  DYNAMIC_LISTENER_CONFIGS,
  KAFKA_DYNAMIC_BROKER_CONFIGS,
  KAFKA_STATIC_BROKER_CONFIGS,
  LISTENER_ONLY_SECURITY_CONFIGS,
  listenerConfigBase,
  parseKafkaValue,
} from '../config/kafka-broker-configs.js';
import type { BrokerConfig } from '../config/load.js';
import { parseTopicConfig, topicConfigDefault, topicConfigProblem, TOPIC_CONFIGS_BY_KEY } from '../config/topic-configs.js';
import { ConfigError, type ConfigValue, formatValue, parseValue } from '../config/types.js';
import type { ClusterState } from './cluster-state.js';
import { type DescribedConfig, describeBrokerConfigs, describeKafkaOnlyBrokerConfigs, describeTopicConfigs } from './config-describe.js';
import { topicNameProblem } from './topic-names.js';
import type { TopicManager } from './topics.js';

/** Kafka's ConfigResource.Type ids. */
export const ResourceType = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;
const RESOURCE_TYPE_NAMES: Record<number, string> = { 0: 'UNKNOWN', 2: 'TOPIC', 4: 'BROKER', 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS', 32: 'GROUP' };

/** IncrementalAlterConfigs operations. */
export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

export interface ConfigResult {
  errorCode: number;
  errorMessage: string | null;
}

export interface DescribeResult extends ConfigResult {
  configs: DescribedConfig[];
}

export interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string | null; configOperation?: number }[];
}

const OK: ConfigResult = { errorCode: ErrorCode.NONE, errorMessage: null };
const invalidRequest = (errorMessage: string): ConfigResult => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
const invalidConfig = (errorMessage: string): ConfigResult => ({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage });

function isListKey(key: string): boolean {
  return TOPIC_CONFIGS_BY_KEY.get(key)?.type === 'list';
}

function splitList(text: string | null | undefined): string[] {
  return text === null || text === undefined ? [] : text.split(',').filter((s) => s !== '');
}

/**
 * The config set an alter asks for. Legacy AlterConfigs replaces the set with the one given; the
 * incremental form applies SET, DELETE, APPEND and SUBTRACT to the current one. APPEND adds the values
 * not yet in the list, SUBTRACT removes every occurrence of the values (Kafka's ConfigAdminManager);
 * `listBase` refuses a non-list key or gives the value a key without one in `current` starts from.
 */
function requestedConfigs(
  r: AlterResource,
  mode: 'legacy' | 'incremental',
  current: Readonly<Record<string, string>>,
  listBase: (key: string, op: number) => { problem: ConfigResult } | { base: string | null | undefined },
): { configs: Record<string, string> } | { error: ConfigResult } {
  if (mode === 'legacy') {
    const configs: Record<string, string> = {};
    for (const c of r.configs) configs[c.name] = c.value!;
    return { configs };
  }
  const next = { ...current };
  for (const c of r.configs) {
    const op = c.configOperation!;
    if (op === OpType.SET) next[c.name] = c.value!;
    else if (op === OpType.DELETE) delete next[c.name];
    else {
      const start = c.name in next ? { base: next[c.name] } : listBase(c.name, op);
      if ('problem' in start) return { error: start.problem };
      const parts = splitList(start.base);
      const values = c.value!.split(',');
      const out = op === OpType.APPEND ? [...parts, ...values.filter((v) => !parts.includes(v))] : parts.filter((p) => !values.includes(p));
      next[c.name] = out.join(',');
    }
  }
  return { configs: next };
}

export class ConfigAdmin {
  /**
   * @param storeTopicConfigs where a topic's altered configs are kept besides this broker's metadata
   * (postgres:// storage: the database, so every broker applies them), as Kafka's text values.
   */
  constructor(
    private readonly topics: TopicManager,
    private readonly cluster: ClusterState,
    private readonly config: BrokerConfig,
    private readonly storeTopicConfigs?: (topic: string, configs: Record<string, string>) => Promise<void>,
  ) {}

  // ---- describe --------------------------------------------------------------------------------

  describe(resourceType: number, resourceName: string, keys: readonly string[] | null): DescribeResult {
    const fail = (errorCode: number, errorMessage: string | null): DescribeResult => ({ errorCode, errorMessage, configs: [] });
    let configs: DescribedConfig[];
    switch (resourceType) {
      case ResourceType.TOPIC: {
        const problem = topicNameProblem(resourceName);
        if (problem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
        const t = this.topics.topic(resourceName);
        if (t === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
        configs = describeTopicConfigs(t.configs, this.config);
        break;
      }
      case ResourceType.BROKER: {
        if (resourceName === '') {
          configs = [...describeBrokerConfigs(this.config, false), ...describeKafkaOnlyBrokerConfigs(this.cluster.dynamicBrokerConfigs, this.config, false)];
          break;
        }
        if (!/^-?\d+$/.test(resourceName)) return fail(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${resourceName}`);
        if (Number(resourceName) !== this.cluster.nodeId) {
          return fail(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.cluster.nodeId} or empty string, but received ${resourceName}`);
        }
        configs = [...describeBrokerConfigs(this.config, true), ...describeKafkaOnlyBrokerConfigs(this.cluster.dynamicBrokerConfigs, this.config, true)];
        break;
      }
      default:
        return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${RESOURCE_TYPE_NAMES[resourceType] ?? resourceType}`);
    }
    if (keys !== null && keys.length > 0) configs = configs.filter((c) => keys.includes(c.name));
    return { ...OK, configs };
  }

  // ---- alter -----------------------------------------------------------------------------------

  /**
   * Alters resources (AlterConfigs: mode 'legacy' replaces a resource's configs with those given;
   * IncrementalAlterConfigs: 'incremental' applies SET/DELETE/APPEND/SUBTRACT). One result per
   * resource, in request order; a resource's changes apply all or nothing.
   */
  async alter(resources: readonly AlterResource[], mode: 'legacy' | 'incremental', validateOnly: boolean): Promise<ConfigResult[]> {
    const counts = new Map<string, number>();
    const idOf = (r: AlterResource) => `${r.resourceType}\u0000${r.resourceName}`;
    for (const r of resources) counts.set(idOf(r), (counts.get(idOf(r)) ?? 0) + 1);
    const results: ConfigResult[] = [];
    // Resources are checked and changed one after the other, without interleaving other requests'
    // changes to the same resource between a check and its change.
    for (const r of resources) {
      if (counts.get(idOf(r))! > 1) {
        results.push(invalidRequest('Each resource must appear at most once.'));
        continue;
      }
      results.push(await this.alterOne(r, mode, validateOnly));
    }
    return results;
  }

  private async alterOne(r: AlterResource, mode: 'legacy' | 'incremental', validateOnly: boolean): Promise<ConfigResult> {
    const names = r.configs.map((c) => c.name);
    if (new Set(names).size !== names.length) return invalidRequest('Error due to duplicate config keys');
    const nulls = r.configs.filter((c) => c.value === null && (mode === 'legacy' || c.configOperation !== OpType.DELETE)).map((c) => c.name);
    if (nulls.length > 0) return invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
    if (mode === 'incremental') {
      const bad = r.configs.find((c) => c.configOperation === undefined || c.configOperation < 0 || c.configOperation > 3);
      if (bad) return invalidRequest(`Unknown operations type ${bad.configOperation}`);
    }
    switch (r.resourceType) {
      case ResourceType.TOPIC:
        return this.alterTopic(r, mode, validateOnly);
      case ResourceType.BROKER:
        return this.alterBroker(r, mode, validateOnly);
      case ResourceType.BROKER_LOGGER:
      case ResourceType.CLIENT_METRICS:
      case ResourceType.GROUP:
        return invalidRequest(`Unsupported resource type: ${RESOURCE_TYPE_NAMES[r.resourceType]}`);
      default:
        return invalidRequest(`Unknown resource type ${r.resourceType}`);
    }
  }

  private async alterTopic(r: AlterResource, mode: 'legacy' | 'incremental', validateOnly: boolean): Promise<ConfigResult> {
    const name = r.resourceName;
    if (name === '') return invalidRequest('Default topic resources are not allowed.');
    const nameProblem = topicNameProblem(name);
    if (nameProblem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    const topic = this.topics.topic(name);
    const current: Record<string, string> = {};
    for (const [k, v] of Object.entries(topic?.configs ?? {})) current[k] = formatValue(v) ?? '';
    const requested = requestedConfigs(r, mode, current, (key, op) => {
      if (!isListKey(key)) return { problem: invalidConfig(`Can't ${OP_NAMES[op]} to key ${key} because its type is not LIST.`) };
      return { base: formatValue(topicConfigDefault(TOPIC_CONFIGS_BY_KEY.get(key)!, this.config)) };
    });
    if ('error' in requested) return requested.error;
    const next = requested.configs;
    // Kafka validates the whole resulting set: names first, then values, then cross-checks.
    const unknown = Object.keys(next).find((k) => !TOPIC_CONFIGS_BY_KEY.has(k));
    if (unknown !== undefined) return invalidConfig(`Unknown topic config name: ${unknown}`);
    for (const [k, v] of Object.entries(next)) {
      const problem = topicConfigProblem(k, v);
      if (problem) return invalidConfig(problem);
    }
    const parsed: Record<string, ConfigValue> = {};
    try {
      for (const [k, v] of Object.entries(next)) parsed[k] = parseTopicConfig(k, v);
    } catch (err) {
      if (err instanceof ConfigError) return invalidConfig(err.message);
      throw err;
    }
    const resolved = { ...this.topics.topicConfig(name), ...parsed };
    const minLag = (parsed['min.compaction.lag.ms'] ?? resolved['min.compaction.lag.ms']) as number;
    const maxLag = (parsed['max.compaction.lag.ms'] ?? resolved['max.compaction.lag.ms']) as number;
    if (minLag > maxLag) {
      return invalidConfig(`conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${formatValue(maxLag)})`);
    }
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    if (!validateOnly) {
      if (this.storeTopicConfigs) await this.storeTopicConfigs(name, Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, formatValue(v) ?? ''])));
      await this.topics.setTopicConfigs(name, parsed);
    }
    return OK;
  }

  private async alterBroker(r: AlterResource, mode: 'legacy' | 'incremental', validateOnly: boolean): Promise<ConfigResult> {
    let scope: 'broker' | 'default' = 'default';
    if (r.resourceName !== '') {
      if (!/^-?\d+$/.test(r.resourceName)) return invalidRequest(`Node id must be an integer, but it is: ${r.resourceName}`);
      if (Number(r.resourceName) !== this.cluster.nodeId) {
        return invalidRequest(`Unexpected broker id, expected ${this.cluster.nodeId}, but received ${r.resourceName}`);
      }
      scope = 'broker';
    }
    const stored = this.cluster.dynamicBrokerConfigs;
    const requested = requestedConfigs(r, mode, stored[scope], (key, op) => {
      const ours = SETTINGS_BY_KEY.get(key);
      const kafka = KAFKA_DYNAMIC_BROKER_CONFIGS.get(key);
      // A static Kafka config goes on to be refused as one ("Cannot update these configs dynamically").
      if (ours === undefined && kafka === undefined && !KAFKA_STATIC_BROKER_CONFIGS.has(key)) return { problem: invalidConfig(`Unknown config name: ${key}`) };
      if ((ours?.type ?? kafka?.type ?? 'list') !== 'list') {
        return { problem: invalidConfig(`Config value ${op === OpType.APPEND ? 'append' : 'subtract'} is not allowed for config key: ${key}`) };
      }
      return { base: ours !== undefined ? formatValue(this.config.get(key)) : kafka?.default };
    });
    if ('error' in requested) return requested.error;
    const next = requested.configs;
    const problem = dynamicBrokerConfigsProblem(next, scope) ?? threadCountProblem(stored, scope, next) ?? existingListenerProblem(this.config, stored, scope, next);
    if (problem) return invalidRequest(problem);
    // The parts of the broker that take configs live (listeners' TLS, connection limits) judge the
    // result first, as Kafka's reconfigurables do; a refusal keeps what runs now.
    const after = { ...stored, [scope]: next };
    const requestedNames = new Set(r.configs.map((c) => c.name));
    const refused = this.config.reconfigurationProblem(after, requestedNames);
    if (refused !== undefined) return invalidRequest(refused);
    // Only our settings change how this broker runs; the others are stored and described.
    const parsed: Record<string, ConfigValue> = {};
    for (const [k, text] of Object.entries(next)) {
      const def = SETTINGS_BY_KEY.get(k);
      if (def !== undefined) parsed[k] = parseValue(k, def.type, text);
    }
    if (validateOnly) return OK;
    await this.cluster.setDynamicBrokerConfigs(scope, next);
    this.config.setDynamicConfigs(scope, parsed);
    this.config.reconfigure(this.cluster.dynamicBrokerConfigs, requestedNames);
    this.topics.refreshConfigs();
    return OK;
  }
}

const listed = (names: string[]) => `[${names.sort().join(', ')}]`;

/**
 * Kafka's checks of a scope's resulting dynamic configs (DynamicBrokerConfig.validateConfigs), in its
 * order: names Kafka only reads at start-up, security configs set without a listener prefix, values
 * (a listener config is checked as its base config), and per-broker configs set as the cluster default.
 * Names Kafka does not know are custom configs: accepted and stored, as Kafka does.
 */
function dynamicBrokerConfigsProblem(configs: Readonly<Record<string, string>>, scope: 'broker' | 'default'): string | undefined {
  const names = Object.keys(configs);
  const nonDynamic = names.filter((k) => {
    const ours = SETTINGS_BY_KEY.get(k);
    return ours !== undefined ? !ours.dynamic && ours.storedDynamically !== true : KAFKA_STATIC_BROKER_CONFIGS.has(k);
  });
  if (nonDynamic.length > 0) return `Cannot update these configs dynamically: ${listed(nonDynamic)}`;
  const bareSecurity = names.filter((k) => LISTENER_ONLY_SECURITY_CONFIGS.has(k));
  if (bareSecurity.length > 0) return `These security configs can be dynamically updated only per-listener using the listener prefix: ${listed(bareSecurity)}`;
  for (const [k, text] of Object.entries(configs)) {
    const base = listenerConfigBase(k) ?? k;
    const kafka = KAFKA_DYNAMIC_BROKER_CONFIGS.get(base);
    if (kafka !== undefined) {
      const checked = parseKafkaValue(base, kafka.type, text, kafka.check);
      if ('problem' in checked) return checked.problem;
    }
    const ours = base === k ? SETTINGS_BY_KEY.get(k) : undefined;
    if (ours !== undefined) {
      let value: ConfigValue;
      try {
        value = parseValue(k, ours.type, text);
      } catch {
        const why = ours.type === 'boolean' ? 'Expected value to be either true or false' : `Not a number of type ${ours.type.toUpperCase()}`;
        return `Invalid value ${text} for configuration ${k}: ${why}`;
      }
      const why = ours.check?.(value);
      if (why) return `Invalid value ${text} for configuration ${k}: ${why.replace(/^must/, 'Value must')}`;
    }
  }
  if (scope === 'default') {
    const perBroker = names.filter((k) => {
      const base = listenerConfigBase(k);
      return base !== undefined ? !CLUSTER_LEVEL_LISTENER_CONFIGS.has(base) : KAFKA_DYNAMIC_BROKER_CONFIGS.get(k)?.perBroker === true;
    });
    if (perBroker.length > 0) return `Cannot update these configs at default cluster level, broker id must be specified: ${listed(perBroker)}`;
  }
  return undefined;
}

/**
 * Kafka's DynamicListenerConfig check, run when a change touches one of its configs (sasl.enabled.mechanisms,
 * ssl.client.auth, listeners...): every listener-prefixed config of a running listener, other than the ones
 * Kafka reconfigures live (ssl keystores and truststores, max.connections, ...), must still be what the
 * broker started with. Kafka compares with its start-up config, so a listener-prefixed
 * sasl.enabled.mechanisms stored earlier (accepted: no such config changed then) blocks such changes
 * until a restart, and never applies to the running listener.
 */
function existingListenerProblem(config: BrokerConfig, stored: { broker: Readonly<Record<string, string>>; default: Readonly<Record<string, string>> }, scope: 'broker' | 'default', next: Readonly<Record<string, string>>): string | undefined {
  const before = stored[scope];
  const touched = [...new Set([...Object.keys(before), ...Object.keys(next)])].filter((k) => DYNAMIC_LISTENER_CONFIGS.has(k) && before[k] !== next[k]);
  if (touched.length === 0) return undefined;
  // The dynamic configs in force after the change: this broker's over the cluster default.
  const after = scope === 'broker' ? { ...stored.default, ...next } : { ...next, ...stored.broker };
  const fixed = (key: string) => {
    const base = listenerConfigBase(key);
    return base !== undefined && !LISTENER_ONLY_SECURITY_CONFIGS.has(base) && !CLUSTER_LEVEL_LISTENER_CONFIGS.has(base);
  };
  for (const listener of config.listeners) {
    const prefix = `listener.name.${listener.name.toLowerCase()}.`;
    const atStart = new Map([...config.listenerSettings(listener.name)].filter(([k]) => fixed(k)));
    const now = new Map(atStart);
    for (const [k, v] of Object.entries(after)) if (k.startsWith(prefix) && fixed(k)) now.set(k, v);
    if (now.size !== atStart.size || [...now].some(([k, v]) => atStart.get(k) !== v)) {
      return `Invalid value org.apache.kafka.common.config.ConfigException: Configs cannot be updated dynamically for existing listener ListenerName(${listener.name}), restart broker or create a new listener for update for configuration Invalid dynamic configuration`;
    }
  }
  return undefined;
}

/** Kafka's thread pools, resized live, by at most half or double at a time (DynamicThreadPool). */
const THREAD_POOL_CONFIGS = ['num.io.threads', 'num.network.threads', 'num.replica.fetchers', 'num.recovery.threads.per.data.dir', 'background.threads'];

/**
 * Kafka's reconfiguration checks of thread counts, on the effective value (this node's dynamic
 * config, else the cluster default, else Kafka's default) before and after the change. This broker
 * runs none of those threads, but answers as Kafka does, so that tools see the same refusals.
 */
function threadCountProblem(stored: { broker: Readonly<Record<string, string>>; default: Readonly<Record<string, string>> }, scope: 'broker' | 'default', next: Readonly<Record<string, string>>): string | undefined {
  const after = { ...stored, [scope]: next };
  const effective = (maps: typeof stored, k: string) => Number(maps.broker[k] ?? maps.default[k] ?? KAFKA_DYNAMIC_BROKER_CONFIGS.get(k)!.default);
  // Kafka wraps a reconfiguration's refusal in "Invalid dynamic configuration" and words it so.
  const refused = (why: string) => `Invalid value org.apache.kafka.common.config.ConfigException: ${why} for configuration Invalid dynamic configuration`;
  for (const k of THREAD_POOL_CONFIGS) {
    const [was, now] = [effective(stored, k), effective(after, k)];
    if (now === was) continue;
    if (now < Math.floor(was / 2)) return refused(`Dynamic thread count update validation failed for ${k}=${now}, value should be at least half the current value ${was}`);
    if (now > was * 2) return refused(`Dynamic thread count update validation failed for ${k}=${now}, value should not be greater than double the current value ${was}`);
  }
  const [was, now] = [effective(stored, 'log.cleaner.threads'), effective(after, 'log.cleaner.threads')];
  if (now !== was) {
    // Kafka 4.3.1 divides by the new count before its own "at least 1" check, and answers so.
    if (now === 0) return '/ by zero';
    if (now < Math.floor(was / 2)) return refused(`Log cleaner threads cannot be reduced to less than half the current value ${was}`);
    if (now > was * 2) return refused(`Log cleaner threads cannot be increased to more than double the current value ${was}`);
  }
  return undefined;
}

/** Installs the persisted dynamic broker configs at start-up (before topics resolve their configs). */
export function installDynamicBrokerConfigs(config: BrokerConfig, cluster: ClusterState): void {
  for (const scope of ['broker', 'default'] as const) {
    const parsed: Record<string, ConfigValue> = {};
    for (const [k, text] of Object.entries(cluster.dynamicBrokerConfigs[scope])) {
      const def = SETTINGS_BY_KEY.get(k);
      if (def === undefined || !def.dynamic) continue;
      try {
        parsed[k] = parseValue(k, def.type, text);
      } catch {
        // A value that no longer parses is ignored, as Kafka ignores invalid dynamic configs at start-up.
      }
    }
    config.setDynamicConfigs(scope, parsed);
  }
}
