// The feature flags (KIP-584) this broker supports and has finalised, answered by ApiVersions v3+.
// transaction.version 2 is KIP-890 part 2, transactions V2: a client that sees it finalised adds
// partitions with Produce v12+ and groups with TxnOffsetCommit v5+ (no AddPartitionsToTxn or
// AddOffsetsToTxn), and ends each transaction with EndTxn v5, which bumps the producer epoch.
// Clients of the older protocol keep working: which one a request speaks is its version.

export interface FeatureLevel {
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The level in force for the whole cluster. */
  finalizedLevel: number;
}

export const FEATURES: readonly FeatureLevel[] = [{ name: 'transaction.version', minVersion: 0, maxVersion: 2, finalizedLevel: 2 }];

/**
 * Kafka's epoch of the finalised features (the metadata offset that set them). Ours never change
 * while the broker runs, so one constant epoch; it must be >= 0 or clients ignore the levels.
 */
export const FINALIZED_FEATURES_EPOCH = 1;
