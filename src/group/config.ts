// The coordinator's settings, read once from the broker config (Kafka keys) with Kafka's defaults
// for the ones the broker config does not list.

export interface GroupCoordinatorConfig {
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.max.size (classic groups) */
  maxSize: number;
  /** Kafka's group.classic.new.member.join.timeout: a new member's parked JoinGroup expires after this. */
  newMemberJoinTimeoutMs: number;
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxSize: number;
  /** offsets.topic.num.partitions */
  offsetsTopicPartitions: number;
  /** group.consumer.session.timeout.ms / heartbeat.interval.ms / max.size / assignors (KIP-848) */
  consumerSessionTimeoutMs: number;
  consumerHeartbeatIntervalMs: number;
  consumerMaxSize: number;
  consumerAssignors: string[];
  /** group.consumer.regex.refresh.interval.ms: how long resolved regex subscriptions stand (Kafka: at least 10 s). */
  consumerRegexRefreshIntervalMs: number;
}

export const DEFAULT_GROUP_CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxSize: 2_147_483_647,
  newMemberJoinTimeoutMs: 300_000,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxSize: 4096,
  offsetsTopicPartitions: 50,
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5_000,
  consumerMaxSize: 2_147_483_647,
  consumerAssignors: ['uniform', 'range'],
  consumerRegexRefreshIntervalMs: 600_000,
};

/** Reads the settings from a broker config (anything with get(key)); unknown keys keep Kafka's defaults. */
export function groupConfigFrom(config: { get(key: string): unknown }): GroupCoordinatorConfig {
  const num = (key: string, dflt: number): number => {
    let v: unknown;
    try {
      v = config.get(key);
    } catch {
      v = null;
    }
    return typeof v === 'number' ? v : dflt;
  };
  const d = DEFAULT_GROUP_CONFIG;
  return {
    initialRebalanceDelayMs: num('group.initial.rebalance.delay.ms', d.initialRebalanceDelayMs),
    minSessionTimeoutMs: num('group.min.session.timeout.ms', d.minSessionTimeoutMs),
    maxSessionTimeoutMs: num('group.max.session.timeout.ms', d.maxSessionTimeoutMs),
    maxSize: num('group.max.size', d.maxSize),
    newMemberJoinTimeoutMs: d.newMemberJoinTimeoutMs,
    offsetsRetentionMs: num('offsets.retention.minutes', d.offsetsRetentionMs / 60_000) * 60_000,
    offsetsRetentionCheckIntervalMs: num('offsets.retention.check.interval.ms', d.offsetsRetentionCheckIntervalMs),
    offsetMetadataMaxSize: num('offset.metadata.max.bytes', d.offsetMetadataMaxSize),
    offsetsTopicPartitions: num('offsets.topic.num.partitions', d.offsetsTopicPartitions),
    consumerSessionTimeoutMs: num('group.consumer.session.timeout.ms', d.consumerSessionTimeoutMs),
    consumerHeartbeatIntervalMs: num('group.consumer.heartbeat.interval.ms', d.consumerHeartbeatIntervalMs),
    consumerMaxSize: num('group.consumer.max.size', d.consumerMaxSize),
    consumerAssignors: d.consumerAssignors,
    consumerRegexRefreshIntervalMs: Math.max(10_000, num('group.consumer.regex.refresh.interval.ms', d.consumerRegexRefreshIntervalMs)),
  };
}
