// Every API the broker serves, one entry per API key: its version range and the import of its
// handler. Adding an API is one line here. Handler modules are imported on the first request of
// their API (src/api/registry.ts), so this list is what start-up loads: it must not import them
// statically. Each range is what the handler itself declares — by default the schema's
// (schemaVersions); test/api/handlers.test.ts loads every entry and checks they agree.

import { type ApiHandler, type HandlerEntry, schemaVersions } from './registry.js';

/** An entry serving `versions` (default: the schema's range for the key). */
function api(apiKey: number, load: () => Promise<ApiHandler>, versions: { minVersion: number; maxVersion: number } = schemaVersions(apiKey)): HandlerEntry {
  return { apiKey, minVersion: versions.minVersion, maxVersion: versions.maxVersion, load };
}

export const HANDLERS: readonly HandlerEntry[] = [
  api(0, () => import('./00-produce.js').then((m) => m.produceHandler)),
  api(1, () => import('./01-fetch.js').then((m) => m.fetchHandler)),
  api(2, () => import('./02-list-offsets.js').then((m) => m.listOffsetsHandler)),
  api(3, () => import('./03-metadata.js').then((m) => m.metadataHandler)),
  api(18, () => import('./18-api-versions.js').then((m) => m.apiVersionsHandler)),
  // Admin (topics, cluster)
  api(19, () => import('./19-create-topics.js').then((m) => m.createTopicsHandler)),
  api(20, () => import('./20-delete-topics.js').then((m) => m.deleteTopicsHandler)),
  api(37, () => import('./37-create-partitions.js').then((m) => m.createPartitionsHandler)),
  api(60, () => import('./60-describe-cluster.js').then((m) => m.describeClusterHandler)),
  api(75, () => import('./75-describe-topic-partitions.js').then((m) => m.describeTopicPartitionsHandler)),
  api(32, () => import('./32-describe-configs.js').then((m) => m.describeConfigsHandler)),
  api(33, () => import('./33-alter-configs.js').then((m) => m.alterConfigsHandler)),
  api(44, () => import('./44-incremental-alter-configs.js').then((m) => m.incrementalAlterConfigsHandler)),
  api(21, () => import('./21-delete-records.js').then((m) => m.deleteRecordsHandler)),
  api(23, () => import('./23-offset-for-leader-epoch.js').then((m) => m.offsetForLeaderEpochHandler)),
  api(35, () => import('./35-describe-log-dirs.js').then((m) => m.describeLogDirsHandler)),
  api(43, () => import('./43-elect-leaders.js').then((m) => m.electLeadersHandler)),
  api(45, () => import('./45-alter-partition-reassignments.js').then((m) => m.alterPartitionReassignmentsHandler)),
  api(46, () => import('./46-list-partition-reassignments.js').then((m) => m.listPartitionReassignmentsHandler)),
  api(48, () => import('./48-describe-client-quotas.js').then((m) => m.describeClientQuotasHandler)),
  api(49, () => import('./49-alter-client-quotas.js').then((m) => m.alterClientQuotasHandler)),
  api(71, () => import('./71-get-telemetry-subscriptions.js').then((m) => m.getTelemetrySubscriptionsHandler)),
  api(72, () => import('./71-get-telemetry-subscriptions.js').then((m) => m.pushTelemetryHandler)),
  // Authentication (the exchange itself runs in src/server/sasl-gate.ts) and SCRAM users
  api(17, () => import('./17-sasl-handshake.js').then((m) => m.saslHandshakeHandler)),
  api(36, () => import('./36-sasl-authenticate.js').then((m) => m.saslAuthenticateHandler)),
  api(50, () => import('./50-describe-user-scram-credentials.js').then((m) => m.describeUserScramCredentialsHandler)),
  api(51, () => import('./51-alter-user-scram-credentials.js').then((m) => m.alterUserScramCredentialsHandler)),
  // Access control (src/security)
  api(29, () => import('./29-describe-acls.js').then((m) => m.describeAclsHandler)),
  api(30, () => import('./30-create-acls.js').then((m) => m.createAclsHandler)),
  api(31, () => import('./31-delete-acls.js').then((m) => m.deleteAclsHandler)),
  // Groups and offsets (src/group)
  api(8, () => import('./08-offset-commit.js').then((m) => m.offsetCommitHandler)),
  api(9, () => import('./09-offset-fetch.js').then((m) => m.offsetFetchHandler)),
  api(10, () => import('./10-find-coordinator.js').then((m) => m.findCoordinatorHandler)),
  api(11, () => import('./11-join-group.js').then((m) => m.joinGroupHandler)),
  api(12, () => import('./12-heartbeat.js').then((m) => m.heartbeatHandler)),
  api(13, () => import('./13-leave-group.js').then((m) => m.leaveGroupHandler)),
  api(14, () => import('./14-sync-group.js').then((m) => m.syncGroupHandler)),
  api(15, () => import('./15-describe-groups.js').then((m) => m.describeGroupsHandler)),
  api(16, () => import('./16-list-groups.js').then((m) => m.listGroupsHandler)),
  api(42, () => import('./42-delete-groups.js').then((m) => m.deleteGroupsHandler)),
  api(47, () => import('./47-offset-delete.js').then((m) => m.offsetDeleteHandler)),
  api(68, () => import('./68-consumer-group-heartbeat.js').then((m) => m.consumerGroupHeartbeatHandler)),
  api(69, () => import('./69-consumer-group-describe.js').then((m) => m.consumerGroupDescribeHandler)),
  // Idempotent and transactional producers (src/txn)
  // v6 (KIP-939) is not advertised, as Kafka 4.x does not: see the handler.
  api(22, () => import('./22-init-producer-id.js').then((m) => m.initProducerIdHandler), { minVersion: 0, maxVersion: 5 }),
  api(24, () => import('./24-add-partitions-to-txn.js').then((m) => m.addPartitionsToTxnHandler)),
  api(25, () => import('./25-add-offsets-to-txn.js').then((m) => m.addOffsetsToTxnHandler)),
  api(26, () => import('./26-end-txn.js').then((m) => m.endTxnHandler)),
  api(28, () => import('./28-txn-offset-commit.js').then((m) => m.txnOffsetCommitHandler)),
  api(61, () => import('./61-describe-producers.js').then((m) => m.describeProducersHandler)),
  api(65, () => import('./65-describe-transactions.js').then((m) => m.describeTransactionsHandler)),
  api(66, () => import('./66-list-transactions.js').then((m) => m.listTransactionsHandler)),
];
