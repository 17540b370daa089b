// What each Go client scenario (franz.go, franz_more.go, sarama.go, kafkago.go) answers, on Apache
// Kafka and on Tributary (franz-go.test.ts, sarama.test.ts, kafka-go.test.ts), and on a cluster over
// PostgreSQL (test/pg/clients.test.ts).

const group = (protocol: 'classic' | 'consumer') => ({
  firstMemberExactly: true,
  resumedExactly: true,
  inOffsetOrder: true,
  committedOffsetSum: 30,
  sentJoinGroup: protocol === 'classic',
  sentConsumerGroupHeartbeat: protocol === 'consumer',
  listedGroupType: protocol,
  listedGroupState: 'Empty',
});

// Two members of one group over 4 partitions, then one leaves (franz_more.go).
const rebalance = {
  splitReadExactlyOnce: true,
  splitReadByBoth: true,
  afterLeaveExactly: true,
  committedOffsetSum: 48,
  commitErrors: ['', ''],
};

const outputs = ['out-0', 'out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'out-6', 'out-7', 'out-8', 'out-9'];

export const FRANZ_GO_EXPECTED: Record<string, Record<string, unknown>> = {
  'franz-produce-consume': {
    consumedExactly: true,
    inOffsetOrder: true,
    headersIntact: true,
    keysStayInPartition: true,
    // franz-go's murmur2 key partitioner puts keys k0..k4 of 30 records as 6/12/12 over 3 partitions.
    sortedEndOffsets: [6, 12, 12],
  },
  'franz-group-classic': group('classic'),
  'franz-group-consumer': group('consumer'),
  'franz-group-rebalance-classic': rebalance,
  'franz-group-rebalance-consumer': rebalance,
  'franz-transactions': {
    transformed: 10,
    readCommitted: [...outputs, 'committed-0', 'committed-1', 'end-0'],
    readUncommitted: [...outputs, 'aborted-0', 'aborted-1', 'aborted-2', 'committed-0', 'committed-1', 'end-0'],
    groupOffsetOnInput: 10,
    // transaction.version 2 (KIP-890) on both brokers: partitions and offsets join implicitly.
    sentAddPartitionsToTxn: false,
    sentAddOffsetsToTxn: false,
    sentTxnOffsetCommit: true,
  },
  'franz-txn-fencing': {
    // The fenced producer's next produce fails with the epoch error; franz-go then refuses to commit
    // (OPERATION_NOT_ATTEMPTED: it aborts instead), and the second producer's records alone are committed.
    zombieProduceError: 'INVALID_PRODUCER_EPOCH',
    zombieCommitError: 'OPERATION_NOT_ATTEMPTED',
    readCommitted: ['fresh-0', 'fresh-1', 'end-0'],
    readUncommitted: ['zombie-0', 'zombie-1', 'fresh-0', 'fresh-1', 'end-0'],
  },
  'franz-admin': {
    createExistingError: 'TOPIC_ALREADY_EXISTS',
    partitions: { a: 3, b: 1 },
    configsAfterCreate: { 'retention.ms': '3600000 (DYNAMIC_TOPIC_CONFIG)', 'cleanup.policy': 'delete (DEFAULT_CONFIG)' },
    alterError: '',
    configsAfterAlter: { 'retention.ms': '604800000 (DEFAULT_CONFIG)', 'cleanup.policy': 'compact (DYNAMIC_TOPIC_CONFIG)' },
    alterInvalidError: 'INVALID_CONFIG',
    growPartitionsError: '',
    shrinkPartitionsError: 'INVALID_PARTITIONS',
    deleteRecords: { lowWatermark: 4, error: '' },
    offsetsPartition1: [4, 10],
    endOffsetPartition0: 0,
    fetchedOffset: { at: 7, metadata: 'by kadm', error: '' },
    lag: 3,
    // A group that only ever had offsets committed by an admin: classic, Empty, no protocol type.
    listedGroup: { state: 'Empty', type: 'classic', protocolType: '' },
    describedGroup: { state: 'Empty', members: 0, error: '' },
    deleteGroupError: '',
    deleteGroupAgainError: 'GROUP_ID_NOT_FOUND',
    deleteTopicsErrors: ['', ''],
    listedAfterDelete: false,
  },
};

export const SARAMA_EXPECTED: Record<string, Record<string, unknown>> = {
  'sarama-group': { firstMemberExactly: true, resumedExactly: true, inOffsetOrder: true, committedOffsetSum: 30 },
};

export const KAFKA_GO_EXPECTED: Record<string, Record<string, unknown>> = {
  'kafkago-group': { firstMemberExactly: true, resumedExactly: true, inOffsetOrder: true, committedOffsetSum: 30 },
};
