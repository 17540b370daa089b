// Every handler the broker serves, one per API key. Adding an API is one line here.

import { produceHandler } from './00-produce.js';
import { fetchHandler } from './01-fetch.js';
import { listOffsetsHandler } from './02-list-offsets.js';
import { metadataHandler } from './03-metadata.js';
import { offsetCommitHandler } from './08-offset-commit.js';
import { offsetFetchHandler } from './09-offset-fetch.js';
import { findCoordinatorHandler } from './10-find-coordinator.js';
import { joinGroupHandler } from './11-join-group.js';
import { heartbeatHandler } from './12-heartbeat.js';
import { leaveGroupHandler } from './13-leave-group.js';
import { syncGroupHandler } from './14-sync-group.js';
import { describeGroupsHandler } from './15-describe-groups.js';
import { listGroupsHandler } from './16-list-groups.js';
import { deleteGroupsHandler } from './42-delete-groups.js';
import { offsetDeleteHandler } from './47-offset-delete.js';
import { consumerGroupHeartbeatHandler } from './68-consumer-group-heartbeat.js';
import { consumerGroupDescribeHandler } from './69-consumer-group-describe.js';
import { apiVersionsHandler } from './18-api-versions.js';
import { createTopicsHandler } from './19-create-topics.js';
import { deleteTopicsHandler } from './20-delete-topics.js';
import { createPartitionsHandler } from './37-create-partitions.js';
import { describeClusterHandler } from './60-describe-cluster.js';
import { describeTopicPartitionsHandler } from './75-describe-topic-partitions.js';
import { describeConfigsHandler } from './32-describe-configs.js';
import { alterConfigsHandler } from './33-alter-configs.js';
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs.js';
import { deleteRecordsHandler } from './21-delete-records.js';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.js';
import { describeLogDirsHandler } from './35-describe-log-dirs.js';
import { electLeadersHandler } from './43-elect-leaders.js';
import { alterPartitionReassignmentsHandler } from './45-alter-partition-reassignments.js';
import { listPartitionReassignmentsHandler } from './46-list-partition-reassignments.js';
import { describeClientQuotasHandler } from './48-describe-client-quotas.js';
import { alterClientQuotasHandler } from './49-alter-client-quotas.js';
import { getTelemetrySubscriptionsHandler, pushTelemetryHandler } from './71-get-telemetry-subscriptions.js';
import { initProducerIdHandler } from './22-init-producer-id.js';
import { addPartitionsToTxnHandler } from './24-add-partitions-to-txn.js';
import { addOffsetsToTxnHandler } from './25-add-offsets-to-txn.js';
import { endTxnHandler } from './26-end-txn.js';
import { txnOffsetCommitHandler } from './28-txn-offset-commit.js';
import { describeProducersHandler } from './61-describe-producers.js';
import { describeTransactionsHandler } from './65-describe-transactions.js';
import { listTransactionsHandler } from './66-list-transactions.js';
import type { ApiHandler } from './registry.js';

export const allHandlers: readonly ApiHandler[] = [produceHandler, fetchHandler, listOffsetsHandler, metadataHandler, apiVersionsHandler,
  // Admin (topics, cluster)
  createTopicsHandler, deleteTopicsHandler, createPartitionsHandler, describeClusterHandler, describeTopicPartitionsHandler,
  describeConfigsHandler, alterConfigsHandler, incrementalAlterConfigsHandler,
  deleteRecordsHandler, offsetForLeaderEpochHandler, describeLogDirsHandler, electLeadersHandler,
  alterPartitionReassignmentsHandler, listPartitionReassignmentsHandler, describeClientQuotasHandler, alterClientQuotasHandler,
  getTelemetrySubscriptionsHandler, pushTelemetryHandler,
  // Groups and offsets (src/group)
  offsetCommitHandler, offsetFetchHandler, findCoordinatorHandler, joinGroupHandler, heartbeatHandler, leaveGroupHandler,
  syncGroupHandler, describeGroupsHandler, listGroupsHandler, deleteGroupsHandler, offsetDeleteHandler,
  consumerGroupHeartbeatHandler, consumerGroupDescribeHandler,
  // Idempotent and transactional producers (src/txn)
  initProducerIdHandler, addPartitionsToTxnHandler, addOffsetsToTxnHandler, endTxnHandler, txnOffsetCommitHandler,
  describeProducersHandler, describeTransactionsHandler, listTransactionsHandler,
];
