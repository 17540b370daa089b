// The transactions engine's public surface: what the broker builds and the txn handlers and the
// produce path call.

export {
  TransactionCoordinator,
  type TransactionCoordination,
  TxnError,
  DEFAULT_TXN_CONFIG,
  type EndTxnResult,
  type InitProducerIdResult,
  type MarkerWriter,
  type OffsetsSink,
  type TopicPartition,
  type TxnCoordinatorConfig,
  type TxnCoordinatorOptions,
  type TxnDescription,
} from './coordinator.js';
export { type TxnState, TXN_STATES, type PendingOffset, type TxnMetadata, TRANSACTION_VERSION_1, TRANSACTION_VERSION_2 } from './metadata.js';
export { type TxnLog, LogTxnLog, MemoryTxnLog, TRANSACTION_STATE_TOPIC, transactionStatePartitionFor } from './txn-log.js';
export { checkProducerBatch, type ProducerCheck } from './produce-check.js';
export { logMarkerWriter, startProducerExpiry } from './markers.js';
