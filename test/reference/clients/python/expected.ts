// What each confluent-kafka-python scenario (scenarios.py) answers, on Apache Kafka and on Tributary
// (confluent-kafka.test.ts), and on a cluster over PostgreSQL (test/pg/clients.test.ts).

const outputs = ['out-0', 'out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'out-6', 'out-7', 'out-8', 'out-9'];

export const CONFLUENT_KAFKA_EXPECTED: Record<string, Record<string, unknown>> = {
  'producer-idempotent': {
    delivered: 30,
    offsetsContiguous: true,
    // librdkafka's consistent_random (CRC-32) partitioner: keys k0..k4 of 30 records as 6/12/12.
    sortedPartitionCounts: [6, 12, 12],
    consumedExactly: true,
    inOffsetOrder: true,
    headersIntact: true,
  },
  'consumer-kip848': {
    firstMemberExactly: true,
    resumedExactly: true,
    inOffsetOrder: true,
    committedOffsetSum: 30,
    describedType: 'ConsumerGroupType.CONSUMER',
    describedState: 'ConsumerGroupState.EMPTY',
    describedMembers: 0,
    listedTypes: ['ConsumerGroupType.CONSUMER'],
  },
  'consumer-kip848-rebalance': { splitReadExactlyOnce: true, splitReadByBoth: true, afterLeaveExactly: true, committedOffsetSum: 48 },
  admin: {
    createExistingError: 'TOPIC_ALREADY_EXISTS',
    createInvalidConfigError: 'INVALID_CONFIG',
    clusterNodes: 1,
    describedPartitions: { a: 3, b: 1 },
    configsAfterCreate: { 'retention.ms': '3600000 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete (DEFAULT_CONFIG)' },
    alterError: '',
    configsAfterAlter: { 'retention.ms': '604800000 (DEFAULT_CONFIG)', 'cleanup.policy': 'compact (DYNAMIC_TOPIC_CONFIG)' },
    alterInvalidError: 'INVALID_CONFIG',
    growPartitionsError: '',
    shrinkPartitionsError: 'INVALID_PARTITIONS',
    deleteRecordsLowWatermark: 4,
    offsetsPartition1: [4, 10],
    endOffsetPartition0: 0,
    // librdkafka answers a partition missing from its metadata itself, without asking the broker.
    listOffsetsUnknownPartitionError: '_NOENT',
    alterGroupOffsetsError: '',
    fetchedOffsets: [[true, 1, 7]],
    listedGroup: [['ConsumerGroupState.EMPTY', 'ConsumerGroupType.CLASSIC']],
    describedGroup: ['ConsumerGroupState.EMPTY', 'ConsumerGroupType.CLASSIC', 0],
    deleteGroupError: '',
    deleteGroupAgainError: 'GROUP_ID_NOT_FOUND',
    deleteTopicsErrors: ['', ''],
    deleteUnknownTopicError: 'UNKNOWN_TOPIC_OR_PART',
  },
  transactions: {
    transformed: 10,
    readCommitted: [...outputs, 'committed-0', 'committed-1', 'end-0'],
    readUncommitted: [...outputs, 'aborted-0', 'aborted-1', 'aborted-2', 'committed-0', 'committed-1', 'end-0'],
    groupOffsetOnInput: [10],
  },
  'transactions-fencing': {
    // The broker answers the fenced producer's produce with INVALID_PRODUCER_EPOCH; librdkafka turns it
    // into its fatal _FENCED.
    zombieCommitError: '_FENCED',
    zombieCommitFatal: true,
    readCommitted: ['fresh-0', 'fresh-1', 'end-0'],
    readUncommitted: ['zombie-0', 'zombie-1', 'fresh-0', 'fresh-1', 'end-0'],
  },
};
