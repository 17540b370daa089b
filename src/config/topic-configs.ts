// Topic-level configs: Kafka's key, type, the broker setting that supplies the default (its
// synonym), a check, and documentation. CreateTopics, AlterConfigs and DescribeConfigs validate
// and describe through this one table; the log receives the resolved values by Kafka key.

import { compressionTypeProblem } from './compression.js';
import type { BrokerConfig } from './load.js';
import { parseKafkaValue } from './kafka-broker-configs.js';
import { ConfigError, type ConfigType, type ConfigValue, formatValue, INT32_MAX, LONG_MAX, parseValue } from './types.js';

export interface TopicConfigDef {
  key: string;
  type: ConfigType;
  /** The broker setting whose value is this config's default. */
  brokerSynonym?: string;
  /** Default when there is no broker synonym (or a fixed value). */
  default?: ConfigValue | ((broker: BrokerConfig) => ConfigValue);
  check?: (value: ConfigValue) => string | undefined;
  doc: string;
}

const atLeast = (min: number) => (v: ConfigValue) =>
  typeof v === 'number' && v < min ? `must be at least ${min}` : undefined;
const between = (min: number, max: number) => (v: ConfigValue) =>
  typeof v === 'number' && (v < min || v > max) ? `must be between ${min} and ${max}` : undefined;
const oneOf = (...allowed: string[]) => (v: ConfigValue) =>
  typeof v === 'string' && !allowed.includes(v) ? `must be one of ${allowed.join(', ')}` : undefined;

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  { key: 'cleanup.policy', type: 'list', brokerSynonym: 'log.cleanup.policy', doc: 'delete, compact, or compact,delete.',
    check: (v) => ((v as string[]).every((p) => p === 'delete' || p === 'compact') ? undefined : 'must be a list of delete and compact') },
  { key: 'compression.type', type: 'string', brokerSynonym: 'compression.type', doc: 'producer (keep the codec the producer used), uncompressed, gzip, snappy, lz4 or zstd (batches in another codec are recompressed on produce).',
    check: compressionTypeProblem },
  { key: 'delete.retention.ms', type: 'long', brokerSynonym: 'log.cleaner.delete.retention.ms', check: atLeast(0), doc: 'How long tombstones are kept on compacted topics.' },
  { key: 'file.delete.delay.ms', type: 'long', default: 60000, check: atLeast(0), doc: 'Delay before a deleted segment file is removed.' },
  { key: 'flush.messages', type: 'long', brokerSynonym: 'log.flush.interval.messages', check: atLeast(1), doc: 'Flush after this many messages.' },
  { key: 'flush.ms', type: 'long', brokerSynonym: 'log.flush.interval.ms', default: LONG_MAX, check: atLeast(0), doc: 'Flush at least this often.' },
  { key: 'index.interval.bytes', type: 'int', brokerSynonym: 'log.index.interval.bytes', check: atLeast(0), doc: 'Bytes between index entries.' },
  { key: 'max.compaction.lag.ms', type: 'long', brokerSynonym: 'log.cleaner.max.compaction.lag.ms', check: atLeast(1), doc: 'Maximum age of a record before it must be compacted.' },
  { key: 'max.message.bytes', type: 'int', brokerSynonym: 'message.max.bytes', check: atLeast(0), doc: 'Largest record batch accepted.' },
  { key: 'message.timestamp.type', type: 'string', brokerSynonym: 'log.message.timestamp.type', check: oneOf('CreateTime', 'LogAppendTime'), doc: 'CreateTime or LogAppendTime.' },
  { key: 'message.timestamp.before.max.ms', type: 'long', brokerSynonym: 'log.message.timestamp.before.max.ms', check: atLeast(0), doc: 'How far in the past a timestamp may be.' },
  { key: 'message.timestamp.after.max.ms', type: 'long', brokerSynonym: 'log.message.timestamp.after.max.ms', check: atLeast(0), doc: 'How far in the future a timestamp may be.' },
  { key: 'min.cleanable.dirty.ratio', type: 'double', brokerSynonym: 'log.cleaner.min.cleanable.ratio', check: between(0, 1), doc: 'Dirty ratio that triggers compaction.' },
  { key: 'min.compaction.lag.ms', type: 'long', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', check: atLeast(0), doc: 'Minimum age of a record before it can be compacted.' },
  { key: 'min.insync.replicas', type: 'int', default: 1, check: atLeast(1), doc: 'Fewest in-sync replicas for an acks=all produce (NOT_ENOUGH_REPLICAS below it); on one node the ISR is that node alone.' },
  { key: 'preallocate', type: 'boolean', default: false, doc: 'Accepted for compatibility; segments are not preallocated.' },
  { key: 'retention.bytes', type: 'long', brokerSynonym: 'log.retention.bytes', doc: 'Bytes kept per partition; -1 for no limit.' },
  { key: 'retention.ms', type: 'long', default: (b) => b.retentionMs, check: atLeast(-1), doc: 'How long data is kept; -1 keeps it forever.' },
  { key: 'segment.bytes', type: 'int', brokerSynonym: 'log.segment.bytes', check: atLeast(14), doc: 'Segment size before rolling.' },
  { key: 'segment.index.bytes', type: 'int', default: 10485760, check: atLeast(4), doc: 'Index size limit (accepted; indexes here grow as needed).' },
  { key: 'segment.jitter.ms', type: 'long', default: 0, check: atLeast(0), doc: 'Random jitter subtracted from segment.ms.' },
  { key: 'segment.ms', type: 'long', default: (b) => b.rollMs, check: atLeast(1), doc: 'Segment age before rolling.' },
  { key: 'unclean.leader.election.enable', type: 'boolean', default: false, doc: 'Meaningless on a single node; accepted.' },
  { key: 'durability', type: 'string', brokerSynonym: 'durability', check: oneOf('fsync', 'os'), doc: 'fsync or os (Tributary\'s own).' },
];

export const TOPIC_CONFIGS_BY_KEY: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((d) => [d.key, d]));

/** The resolved configs of a topic, by Kafka key. */
export type TopicConfig = Record<string, ConfigValue>;

/** Parses and checks one topic config value given as text; throws ConfigError naming the key. */
export function parseTopicConfig(key: string, text: string | null): ConfigValue {
  const def = TOPIC_CONFIGS_BY_KEY.get(key);
  if (!def) throw new ConfigError(`unknown topic config '${key}'`);
  if (text === null) throw new ConfigError(`${key}: a value is required`);
  const value = parseValue(key, def.type, text);
  const problem = def.check?.(value);
  if (problem) throw new ConfigError(`${key}: '${text}' ${problem}`);
  if (def.type === 'int' && typeof value === 'number' && value > INT32_MAX) {
    throw new ConfigError(`${key}: '${text}' is out of range`);
  }
  return value;
}

/** The value of a topic config before overrides: the broker synonym's value or the fixed default. */
export function topicConfigDefault(def: TopicConfigDef, broker: BrokerConfig): ConfigValue {
  if (def.brokerSynonym) {
    const v = broker.get(def.brokerSynonym);
    if (v !== null) return v;
  }
  const d = def.default;
  return typeof d === 'function' ? d(broker) : (d ?? null);
}

/** Every topic config: the topic's overrides (already parsed) over the broker's defaults. */
export function resolveTopicConfig(overrides: Readonly<Record<string, ConfigValue>>, broker: BrokerConfig): TopicConfig {
  const out: TopicConfig = {};
  for (const def of TOPIC_CONFIGS) out[def.key] = def.key in overrides ? overrides[def.key] : topicConfigDefault(def, broker);
  return out;
}

/** Kafka's refusal of a new topic whose resolved configs contradict each other (CreateTopics), or undefined. */
export function resolvedTopicConfigProblem(resolved: TopicConfig): string | undefined {
  const minLag = resolved['min.compaction.lag.ms'] as number;
  const maxLag = resolved['max.compaction.lag.ms'] as number;
  if (minLag > maxLag) return `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${formatValue(maxLag)})`;
  return undefined;
}

/**
 * Why a topic config value is refused, in Kafka's words ("Unknown topic config name: x",
 * "Invalid value soon for configuration retention.ms: Not a number of type LONG", ...), or
 * undefined when it is valid. Null values are the caller's concern (Kafka's messages differ by API).
 */
export function topicConfigProblem(key: string, text: string): string | undefined {
  const def = TOPIC_CONFIGS_BY_KEY.get(key);
  if (!def) return `Unknown topic config name: ${key}`;
  const checked = parseKafkaValue(key, def.type, text, (v) => kafkaWording(def.check?.(v)));
  return 'problem' in checked ? checked.problem : undefined;
}

/** Our checks' "must be ..." in Kafka's validator words ("Value must be ...", "String must be one of: ..."). */
function kafkaWording(problem: string | undefined): string | undefined {
  if (problem === undefined) return undefined;
  const m = /^must be one of (.*)$/.exec(problem);
  if (m) return `String must be one of: ${m[1]}`;
  return problem.startsWith('must') ? `Value ${problem}` : problem;
}
