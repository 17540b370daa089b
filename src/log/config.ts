// Per-topic log configuration with Kafka's key names, parsed from a plain object. Unknown keys are
// ignored (the cluster layer owns validation of the full topic config).

export type Durability = 'fsync' | 'os';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  retentionMs: number; // -1 = unlimited
  retentionBytes: number; // -1 = unlimited
  cleanupPolicy: { delete: boolean; compact: boolean };
  timestampType: TimestampType;
  indexIntervalBytes: number;
  flushMessages: number;
  flushMs: number;
  durability: Durability;
  deleteRetentionMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
}

/** Kafka key names accepted by LogManager / PartitionLog.updateConfig. */
export type LogConfigInput = Partial<{
  'segment.bytes': number | string;
  'segment.ms': number | string;
  'retention.ms': number | string;
  'retention.bytes': number | string;
  'cleanup.policy': string;
  'message.timestamp.type': TimestampType | string;
  'index.interval.bytes': number | string;
  'flush.messages': number | string;
  'flush.ms': number | string;
  durability: Durability | string;
  'delete.retention.ms': number | string;
  'min.cleanable.dirty.ratio': number | string;
  'min.compaction.lag.ms': number | string;
  'max.compaction.lag.ms': number | string;
}> & Record<string, unknown>;

const MAX = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: { delete: true, compact: false },
  timestampType: 'CreateTime',
  indexIntervalBytes: 4096,
  flushMessages: MAX,
  flushMs: MAX,
  durability: 'fsync',
  deleteRetentionMs: 24 * 3600 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: MAX,
};

function num(v: unknown, key: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new Error(`log config ${key}: not a number: ${String(v)}`);
  // Kafka's Long.MAX_VALUE arrives as 9223372036854775807; treat anything that large as "never".
  return n > MAX ? MAX : n;
}

/** Applies the keys present in input on top of base. */
export function parseLogConfig(input: LogConfigInput | undefined, base: LogConfig = DEFAULT_LOG_CONFIG): LogConfig {
  const c: LogConfig = { ...base, cleanupPolicy: { ...base.cleanupPolicy } };
  if (!input) return c;
  const n = (key: string): number | undefined => (input[key] === undefined || input[key] === null ? undefined : num(input[key], key));
  c.segmentBytes = n('segment.bytes') ?? c.segmentBytes;
  c.segmentMs = n('segment.ms') ?? c.segmentMs;
  c.retentionMs = n('retention.ms') ?? c.retentionMs;
  c.retentionBytes = n('retention.bytes') ?? c.retentionBytes;
  c.indexIntervalBytes = n('index.interval.bytes') ?? c.indexIntervalBytes;
  c.flushMessages = n('flush.messages') ?? c.flushMessages;
  c.flushMs = n('flush.ms') ?? c.flushMs;
  c.deleteRetentionMs = n('delete.retention.ms') ?? c.deleteRetentionMs;
  c.minCleanableDirtyRatio = n('min.cleanable.dirty.ratio') ?? c.minCleanableDirtyRatio;
  c.minCompactionLagMs = n('min.compaction.lag.ms') ?? c.minCompactionLagMs;
  c.maxCompactionLagMs = n('max.compaction.lag.ms') ?? c.maxCompactionLagMs;
  const policy = input['cleanup.policy'];
  if (typeof policy === 'string') {
    const parts = policy.split(',').map((s) => s.trim());
    c.cleanupPolicy = { delete: parts.includes('delete'), compact: parts.includes('compact') };
  }
  const tt = input['message.timestamp.type'];
  if (tt === 'CreateTime' || tt === 'LogAppendTime') c.timestampType = tt;
  const d = input.durability;
  if (d === 'fsync' || d === 'os') c.durability = d;
  if (c.segmentBytes < 14) throw new Error('log config segment.bytes: must be at least 14');
  // Positions in the offset index are int32.
  if (c.segmentBytes > 0x7fffffff) c.segmentBytes = 0x7fffffff;
  return c;
}
