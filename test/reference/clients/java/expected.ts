// What each Java client scenario (scenarios.json) must show, on Kafka and Tributary alike
// (java.test.ts) and against three brokers over PostgreSQL (test/pg/clients.test.ts), where
// transaction.version is 1.

import { expect } from 'vitest';

export type JavaResult = Record<string, unknown>;

/** The checks of each scenario; `transactionVersion`: the level the cluster finalises (Kafka 4.3.1: 2). */
export function javaExpectations({ transactionVersion }: { transactionVersion: 1 | 2 } = { transactionVersion: 2 }): Record<string, (r: JavaResult) => void> {
  const expectTransactions = (r: JavaResult) => {
    expect(r).toMatchObject({
      steps: ['txn1 committed 0..2', 'txn2 aborted 3..5', 'txn3 committed 3..5'],
      committedAfterCommit: 3, committedAfterAbort: 3, committedAtEnd: 6,
      transactionState: 'CompleteCommit', transactionTopicPartitions: 0, listedTransactions: ['CompleteCommit'],
      // Transactions V2 end every transaction with an epoch bump: three transactions, epoch 3; V1 keeps epoch 0.
      producerEpochAfterThreeTransactions: transactionVersion === 2 ? 3 : 0,
      readCommitted: ['0:out-0', '1:out-1', '2:out-2', '8:out-3', '9:out-4', '10:out-5'],
      outputEndOffset: 12,
    });
    expect(r.readUncommitted).toHaveLength(9);
  };
  const expectGroup = (r: JavaResult, type: string) => {
    expect(r).toMatchObject({
      groupType: type, groupState: 'Stable', members: 2, consumedByGroup: 20, oneMemberPerPartition: true,
      committedAfterClose: { 0: 10, 1: 10 }, stateAfterClose: 'Empty',
      resumedFrom: { 0: 10, 1: 10 }, consumedAfterRestart: 10, committedAtEnd: { 0: 15, 1: 15 },
    });
  };
  return {
    'idempotent-producer': (r: JavaResult) => {
      expect(r).toMatchObject({ sent: 30, received: 30, readBackExactly: true });
      expect(Object.keys(r.perPartition as object)).toEqual(['0', '1', '2']);
    },
    'group-classic': (r: JavaResult) => expectGroup(r, 'Classic'),
    'group-consumer': (r: JavaResult) => {
      expectGroup(r, 'Consumer');
      expect(r.assignor).toBe('uniform');
      // Every member reconciled to the group's epoch and holds its target assignment.
      expect(r.targetAssignmentEpoch).toBe(r.groupEpoch);
      expect(r.memberDescriptions).toEqual([0, 1].map(() => `assigned=1 target=1 epoch=${r.groupEpoch} upgraded=true client=true`));
    },
    admin: (r: JavaResult) => expect(r).toMatchObject({
      transactionVersionFinalized: transactionVersion,
      createAgain: 'TopicExistsException', listed: true, partitions: 2, internal: false,
      partitionsAfterCreate: 4, shrinkPartitions: 'InvalidPartitionsException',
      configsBefore: { 'retention.ms': '123456 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete (DYNAMIC_TOPIC_CONFIG)', 'retention.bytes': '-1 (DEFAULT_CONFIG)' },
      configsAfterAlter: { 'retention.ms': '654321 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete,compact (DYNAMIC_TOPIC_CONFIG)', 'retention.bytes': '1000000 (DYNAMIC_TOPIC_CONFIG)' },
      configsAfterDelete: { 'retention.ms': '654321 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete (DYNAMIC_TOPIC_CONFIG)', 'retention.bytes': '-1 (DEFAULT_CONFIG)' },
      invalidConfig: 'InvalidConfigurationException',
      offsetsAfterProduce: { earliest: '0@-1', latest: '5@-1', maxTimestamp: '4@+40', forTimestamp: '2@+20' },
      deleteRecordsLowWatermark: 2,
      offsetsAfterDeleteRecords: { earliest: '2@-1', latest: '5@-1' },
      deleteRecordsBeyondEnd: 'OffsetOutOfRangeException',
      groupOffsets: { 0: '3:meta', 1: '0:' },
      listedGroup: ['Classic/Empty/'], describedGroup: 'Classic/Empty/members=0', describeUnknownGroup: 'GroupIdNotFoundException',
      groupOffsetsAfterDelete: { 0: '3:meta' }, groupListedAfterDelete: false, deleteGroupAgain: 'GroupIdNotFoundException',
      describeDeleted: 'UnknownTopicOrPartitionException', deleteAgain: 'UnknownTopicOrPartitionException',
    }),
    'transactions-v2-classic-group': expectTransactions,
    'transactions-v2-consumer-group': expectTransactions,
  };
}
