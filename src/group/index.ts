// The group coordinator's public surface: what the broker builds and the group handlers call.

export {
  GroupCoordinator,
  CoordinatorError,
  type ClientInfo,
  type CommitRequest,
  type CommitResult,
  type FetchResult,
  type FetchedPartition,
  type GroupCoordinatorOptions,
  type MemberIdentity,
  type OffsetAndMetadata,
  type PendingTxnOffsets,
  type AnyGroup,
} from './coordinator.js';
export { type GroupCoordinatorConfig, DEFAULT_GROUP_CONFIG, groupConfigFrom } from './config.js';
export { ClassicGroup, ClassicMember, type ClassicGroupState } from './classic-group.js';
export { ConsumerGroup, ConsumerMember, type ConsumerGroupState } from './consumer-group.js';
export { type TopicDirectory } from './consumer-protocol.js';
export { type GroupLog, type GroupLogRecord, LogGroupLog, MemoryGroupLog, OFFSETS_TOPIC } from './group-log.js';
export { offsetsPartitionFor } from './records.js';
export { groupOffsetsSink, transactionalOffsetRecords } from './txn-offsets.js';

import type { ClientInfo } from './coordinator.js';

/** The calling client as Kafka records it (clientHost is "/ip"). */
export function clientInfo(clientId: string | null, remoteAddress: string, apiVersion: number): ClientInfo {
  return { clientId: clientId ?? '', clientHost: `/${remoteAddress}`, apiVersion };
}
