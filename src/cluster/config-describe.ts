// How configs are described to clients (DescribeConfigs, CreateTopics v5+): value, source,
// read-only and sensitive flags, synonyms, type and documentation, following Kafka's ConfigHelper.
// A topic config's synonyms are its topic override (if any) and then its broker settings (Kafka's
// ServerTopicConfigSynonyms), each as found in the dynamic per-broker configs, the dynamic
// cluster-wide defaults, the static configuration and the built-in defaults, in that order.

import { BROKER_SETTINGS, SETTINGS_BY_KEY, type SettingDef } from '../config/broker-settings.js';
import type { BrokerConfig } from '../config/load.js';
import { KAFKA_DYNAMIC_BROKER_CONFIGS, type KafkaConfigType, listenerConfigBase } from '../config/kafka-broker-configs.js';
import { resolveTopicConfig, TOPIC_CONFIGS, type TopicConfigDef } from '../config/topic-configs.js';
import { type ConfigType, type ConfigValue, formatValue, LONG_MAX } from '../config/types.js';

/** Kafka's ConfigSource ids (DescribeConfigs v1+, CreateTopics v5+). */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** Kafka's ConfigType ids (DescribeConfigs v3+). */
export const ConfigTypeId: Record<ConfigType | KafkaConfigType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};
/** DescribeConfigs' type for a config whose type is not known (a custom config). */
const UNKNOWN_TYPE = 0;

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  source: number;
  readOnly: boolean;
  isSensitive: boolean;
  /** True when the value is the built-in default (DescribeConfigs v0's is_default). */
  isDefault: boolean;
  synonyms: ConfigSynonym[];
  type: number;
  documentation: string;
}

/** Kafka's ServerTopicConfigSynonyms: the broker setting that supplies a topic config's default. */
export const TOPIC_CONFIG_SYNONYMS: Readonly<Record<string, string>> = {
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'segment.jitter.ms': 'log.roll.jitter.ms',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'retention.bytes': 'log.retention.bytes',
  'retention.ms': 'log.retention.ms',
  'max.message.bytes': 'message.max.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
  'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
  'file.delete.delay.ms': 'log.segment.delete.delay.ms',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'cleanup.policy': 'log.cleanup.policy',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
  'min.insync.replicas': 'min.insync.replicas',
  'compression.type': 'compression.type',
  preallocate: 'log.preallocate',
  'message.timestamp.type': 'log.message.timestamp.type',
  'message.timestamp.before.max.ms': 'log.message.timestamp.before.max.ms',
  'message.timestamp.after.max.ms': 'log.message.timestamp.after.max.ms',
  durability: 'durability',
};

/**
 * Kafka broker settings that supply topic defaults but are not settings of ours (their value
 * cannot be changed here): described as Kafka's built-in defaults.
 */
const FIXED_BROKER_DEFAULTS: Readonly<Record<string, ConfigValue>> = {
  'log.flush.scheduler.interval.ms': LONG_MAX,
  'log.roll.jitter.hours': 0,
  'log.index.size.max.bytes': 10485760,
  'log.segment.delete.delay.ms': 60000,
  'unclean.leader.election.enable': false,
  'min.insync.replicas': 1,
  'log.preallocate': false,
};

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the settings that mean the same, most specific first. */
export function brokerConfigSynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

/** The synonyms of a broker setting with a value, in Kafka's order; those before `name` dropped. */
function synonymsOf(name: string, broker: BrokerConfig, includePerBroker = true): ConfigSynonym[] {
  const names = brokerConfigSynonyms(name);
  const out: ConfigSynonym[] = [];
  const add = (n: string, v: ConfigValue | undefined, source: number) => {
    if (v !== undefined && v !== null) out.push({ name: n, value: formatValue(v), source });
  };
  if (includePerBroker) for (const n of names) add(n, broker.dynamicConfigs('broker').get(n), ConfigSource.DYNAMIC_BROKER_CONFIG);
  for (const n of names) add(n, broker.dynamicConfigs('default').get(n), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  for (const n of names) {
    if (SETTINGS_BY_KEY.has(n) && broker.source(n) !== 'default') add(n, broker.staticValue(n), ConfigSource.STATIC_BROKER_CONFIG);
  }
  for (const n of names) {
    const def = SETTINGS_BY_KEY.get(n);
    add(n, def ? def.default : FIXED_BROKER_DEFAULTS[n], ConfigSource.DEFAULT_CONFIG);
  }
  const first = out.findIndex((s) => s.name === name);
  return first < 0 ? [] : out.slice(first);
}

/** Every topic config of a topic with these overrides, sorted by name, as Kafka describes them. */
export function describeTopicConfigs(overrides: Readonly<Record<string, ConfigValue>>, broker: BrokerConfig): DescribedConfig[] {
  const resolved = resolveTopicConfig(overrides, broker);
  return [...TOPIC_CONFIGS]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((def) => describeTopicConfig(def, resolved[def.key], def.key in overrides, broker));
}

function describeTopicConfig(def: TopicConfigDef, value: ConfigValue, overridden: boolean, broker: BrokerConfig): DescribedConfig {
  const isSensitive = def.type === 'password';
  const text = isSensitive ? null : formatValue(value);
  const brokerKey = TOPIC_CONFIG_SYNONYMS[def.key];
  const synonyms = brokerKey ? synonymsOf(brokerKey, broker) : [];
  if (overridden) synonyms.unshift({ name: def.key, value: text, source: ConfigSource.TOPIC_CONFIG });
  const source = synonyms.length > 0 ? synonyms[0].source : ConfigSource.DEFAULT_CONFIG;
  return {
    name: def.key,
    value: text,
    source,
    readOnly: false,
    isSensitive,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    synonyms,
    type: ConfigTypeId[def.type],
    documentation: def.doc,
  };
}

/**
 * The broker's configs. perBroker (resource name = node id): every setting with its current value.
 * Otherwise (resource name ''): only the cluster-wide dynamic defaults, as Kafka does.
 */
export function describeBrokerConfigs(broker: BrokerConfig, perBroker: boolean): DescribedConfig[] {
  const defs: SettingDef[] = perBroker
    ? [...BROKER_SETTINGS]
    : BROKER_SETTINGS.filter((d) => broker.dynamicConfigs('default').has(d.key));
  return defs.map((def) => {
    const isSensitive = def.type === 'password';
    const value = perBroker ? broker.get(def.key) : broker.dynamicConfigs('default').get(def.key)!;
    const all = synonymsOf(def.key, broker, perBroker);
    const synonyms = perBroker ? all : all.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const source = synonyms.length > 0 ? synonyms[0].source : ConfigSource.DEFAULT_CONFIG;
    return {
      name: def.key,
      value: isSensitive ? null : formatValue(value),
      source,
      readOnly: !def.dynamic,
      isSensitive,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      synonyms: isSensitive ? synonyms.map((s) => ({ ...s, value: null })) : synonyms,
      type: ConfigTypeId[def.type],
      documentation: def.doc,
    };
  });
}

/** The dynamic broker configs as stored (text), per scope: this node's and the cluster-wide defaults. */
export interface StoredBrokerConfigs {
  broker: Readonly<Record<string, string>>;
  default: Readonly<Record<string, string>>;
}

const NO_EFFECT_DOC = "One of Kafka's dynamic broker configs: stored and described as Kafka does; it has no effect on this broker.";

/**
 * The broker configs that are not settings of ours, described as Kafka's ConfigHelper does: Kafka's
 * dynamic broker configs (perBroker: all of them, with Kafka's defaults), and the listener-prefixed
 * (`listener.name.NAME.KEY`) and custom configs stored dynamically. A listener config has the base
 * config as its synonym; a config of unknown type (a custom one) is described as sensitive, as Kafka does.
 */
export function describeKafkaOnlyBrokerConfigs(stored: StoredBrokerConfigs, broker: BrokerConfig, perBroker: boolean): DescribedConfig[] {
  const names = new Set<string>(Object.keys(stored.default));
  if (perBroker) {
    for (const name of KAFKA_DYNAMIC_BROKER_CONFIGS.keys()) names.add(name);
    for (const name of Object.keys(stored.broker)) names.add(name);
  }
  return [...names].filter((n) => !SETTINGS_BY_KEY.has(n)).sort().map((name) => {
    const base = listenerConfigBase(name);
    const kafka = KAFKA_DYNAMIC_BROKER_CONFIGS.get(name) ?? (base === undefined ? undefined : KAFKA_DYNAMIC_BROKER_CONFIGS.get(base));
    const ours = base === undefined ? undefined : SETTINGS_BY_KEY.get(base);
    const type = kafka?.type ?? ours?.type;
    const isSensitive = type === undefined || type === 'password';
    const chain = base === undefined ? [name] : [name, base];
    const synonyms: ConfigSynonym[] = [];
    const add = (n: string, value: string | null | undefined, source: number) => {
      if (value !== undefined && value !== null) synonyms.push({ name: n, value: isSensitive ? null : value, source });
    };
    if (perBroker) for (const n of chain) add(n, stored.broker[n], ConfigSource.DYNAMIC_BROKER_CONFIG);
    for (const n of chain) add(n, stored.default[n], ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    if (perBroker) {
      for (const n of chain) if (SETTINGS_BY_KEY.has(n) && broker.source(n) !== 'default') add(n, formatValue(broker.staticValue(n)), ConfigSource.STATIC_BROKER_CONFIG);
      for (const n of chain) {
        const def = SETTINGS_BY_KEY.get(n);
        add(n, def ? formatValue(def.default) : KAFKA_DYNAMIC_BROKER_CONFIGS.get(n)?.default, ConfigSource.DEFAULT_CONFIG);
      }
    }
    const first = synonyms.findIndex((x) => x.name === name);
    const own = first < 0 ? [] : synonyms.slice(first);
    const source = own.length > 0 ? own[0].source : ConfigSource.DEFAULT_CONFIG;
    return {
      name,
      value: isSensitive || own.length === 0 ? null : own[0].value,
      source,
      readOnly: !KAFKA_DYNAMIC_BROKER_CONFIGS.has(name),
      isSensitive,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      synonyms: own,
      type: type === undefined ? UNKNOWN_TYPE : ConfigTypeId[type],
      documentation: kafka !== undefined ? NO_EFFECT_DOC : '',
    };
  });
}
