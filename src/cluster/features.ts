// The feature flags (KIP-584) this broker supports and has finalised, answered by ApiVersions v3+.
// Kafka 4.3.1, formatted with its defaults, reports metadata.version 7-30 (finalised 30, 4.3-IV0),
// group.version, transaction.version, share.version, streams.version and
// eligible.leader.replicas.version (supported from 0, finalised at their highest level), and
// kraft.version 0-1 (not finalised on a static quorum). Tributary reports only the features whose
// semantics it serves, because clients and tools pick protocols by the finalised levels:
// - metadata.version: the level names the protocol surface of the release (4.3-IV0 is Kafka 4.3),
//   which is the one Tributary answers; kafka-features and admin clients show it. The supported
//   range is Kafka's: nothing can move the level (UpdateFeatures is not served).
// - group.version 1: KIP-848 consumer groups (ConsumerGroupHeartbeat/Describe) are served.
// - transaction.version 2: KIP-890 part 2, transactions V2: a client that sees it finalised adds
//   partitions with Produce v12+ and groups with TxnOffsetCommit v5+ (no AddPartitionsToTxn or
//   AddOffsetsToTxn), and ends each transaction with EndTxn v5, which bumps the producer epoch.
//   Clients of the older protocol keep working: which one a request speaks is its version.
// Left out on purpose: share.version (KIP-932 share groups: ShareGroupHeartbeat/ShareFetch are not
// served, and a client that saw it finalised would use them), streams.version (KIP-1071
// StreamsGroupHeartbeat is not served), eligible.leader.replicas.version (KIP-966 elects leaders
// among replicas; a single node has none) and kraft.version (there is no KRaft quorum).

export interface FeatureLevel {
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The level in force for the whole cluster. */
  finalizedLevel: number;
}

export const FEATURES: readonly FeatureLevel[] = [
  { name: 'metadata.version', minVersion: 7, maxVersion: 30, finalizedLevel: 30 },
  { name: 'group.version', minVersion: 0, maxVersion: 1, finalizedLevel: 1 },
  { name: 'transaction.version', minVersion: 0, maxVersion: 2, finalizedLevel: 2 },
];

/**
 * postgres:// storage: transaction.version 2 when the brokers can call each other through the
 * database (a partition's leader adds the partition to the transaction at its coordinator, often
 * another broker: pg/broker-calls.ts), else 1, and clients send AddPartitionsToTxn first.
 */
export function pgFeatures(transactionVersion: 1 | 2): readonly FeatureLevel[] {
  return transactionVersion === 2 ? FEATURES : PG_TRANSACTIONS_V1;
}

const PG_TRANSACTIONS_V1: readonly FeatureLevel[] = FEATURES.map((f) => (f.name === 'transaction.version' ? { ...f, maxVersion: 1, finalizedLevel: 1 } : f));

/**
 * Kafka's epoch of the finalised features (the metadata offset that set them). Ours never change
 * while the broker runs, so one constant epoch; it must be >= 0 or clients ignore the levels.
 */
export const FINALIZED_FEATURES_EPOCH = 1;
