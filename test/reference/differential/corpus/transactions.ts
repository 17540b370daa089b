// Transactions: V1 (librdkafka, franz-go: InitProducerId v4, AddPartitionsToTxn v3, AddOffsetsToTxn,
// TxnOffsetCommit v3, EndTxn v4) and V2 (Java 4.3: InitProducerId v5, Produce v12 and TxnOffsetCommit
// v5 adding to the transaction themselves, EndTxn v5 bumping the epoch), read_committed fetches,
// DescribeTransactions, ListTransactions, DescribeProducers, fencing and invalid transitions.

import { name, ref, topicId, type RequestStep, type Sequence } from '../sequence.js';
import { atVersions, COORDINATOR_LOADING, producerRecord } from './versions.js';

const init = (stepName: string, version: number): RequestStep => ({
  name: stepName, api: 22, version, retryWhile: COORDINATOR_LOADING,
  body: { transactionalId: name('tx'), transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 },
});

const producer = (initStep: string, epochFrom = initStep) => ({ producerId: ref(initStep, 'producerId'), producerEpoch: ref(epochFrom, 'producerEpoch') });

const txnProduce = (initStep: string, sequence: number, epochFrom = initStep) => ({
  transactionalId: name('tx'), acks: -1, timeoutMs: 30_000,
  topicData: [{ name: name('t'), partitionData: [{ index: 0, records: producerRecord({ id: ref(initStep, 'producerId'), epoch: ref(epochFrom, 'producerEpoch'), sequence, transactional: true }) }] }],
});

/**
 * Kafka verifies a transactional produce with the coordinator first and answers a retriable
 * coordinator error (a transaction still completing) as NOT_LEADER_OR_FOLLOWER: clients retry it.
 */
const RETRY_NOT_LEADER = { path: 'responses.0.partitionResponses.0.errorCode', in: [6] };

const endTxn = (initStep: string, committed: boolean, epochFrom = initStep) => ({ transactionalId: name('tx'), ...producer(initStep, epochFrom), committed });

const txnOffsetCommit = (initStep: string, offset: number, epochFrom = initStep) => ({
  transactionalId: name('tx'), groupId: name('g'), ...producer(initStep, epochFrom), generationId: -1, memberId: '', groupInstanceId: null,
  topics: [{ name: name('t'), partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
});

const readCommitted = {
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: name('t'), topicId: topicId('t'), partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, logStartOffset: -1 }] }],
  forgottenTopicsData: [], rackId: '',
};

/** Kafka writes the markers after answering EndTxn: wait until the transaction is complete. */
const UNTIL_COMPLETE = { path: 'transactionStates.0.transactionState', in: ['PrepareCommit', 'PrepareAbort'] };
const describe = (suffix: string): RequestStep[] =>
  atVersions(65, [0], { transactionalIds: [name('tx')] }, { suffix, retryWhile: UNTIL_COMPLETE });

const offsetFetchStable = {
  groupId: name('g'), topics: [{ name: name('t'), partitionIndexes: [0] }], requireStable: true,
  groups: [{ groupId: name('g'), memberId: null, memberEpoch: -1, topics: [{ name: name('t'), partitionIndexes: [0] }] }],
};

export const TRANSACTIONS: Sequence[] = [
  {
    id: 'transaction-v1',
    title: 'Transaction V1: init, add partitions, produce, add offsets, txn offset commit, describe, list, commit, read_committed fetch',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      init('init', 4),
      ...atVersions(24, [3], { v3AndBelowTransactionalId: name('tx'), v3AndBelowProducerId: ref('init', 'producerId'), v3AndBelowProducerEpoch: ref('init', 'producerEpoch'), v3AndBelowTopics: [{ name: name('t'), partitions: [0] }] }),
      ...atVersions(0, [11], txnProduce('init', 0), { retryWhile: RETRY_NOT_LEADER }),
      ...atVersions(25, [3], { transactionalId: name('tx'), ...producer('init'), groupId: name('g') }),
      ...atVersions(28, [3], txnOffsetCommit('init', 1)),
      ...describe(':ongoing'),
      ...atVersions(66, [0, 1, 2], { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null }, { scope: [{ list: 'transactionStates', key: 'transactionalId' }] }),
      ...atVersions(61, [0], { topics: [{ name: name('t'), partitionIndexes: [0] }] }, { suffix: ':ongoing' }),
      ...atVersions(1, [12], readCommitted, { suffix: ':ongoing' }),
      ...atVersions(26, [4], endTxn('init', true)),
      ...describe(':committed'),
      ...atVersions(1, [12], readCommitted, { suffix: ':committed', retryWhile: { path: 'responses.0.partitions.0.lastStableOffset', in: [0, 1] } }),
      ...atVersions(9, [8], offsetFetchStable),
    ],
  },
  {
    id: 'transaction-v1.fencing',
    title: 'Transaction V1 fencing and invalid transitions: EndTxn with nothing ongoing, a second InitProducerId fences the first epoch',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(22, [0], { transactionalId: name('tx'), transactionTimeoutMs: 60_000 }, { retryWhile: COORDINATOR_LOADING }),
      init('init', 4),
      ...atVersions(26, [0, 4], endTxn('init', true), { suffix: ':nothing-ongoing' }),
      ...atVersions(24, [0], { v3AndBelowTransactionalId: name('tx'), v3AndBelowProducerId: ref('init', 'producerId'), v3AndBelowProducerEpoch: ref('init', 'producerEpoch'), v3AndBelowTopics: [{ name: name('t'), partitions: [0] }, { name: name('missing'), partitions: [0] }] }, { suffix: ':unknown-topic' }),
      ...atVersions(24, [3], { v3AndBelowTransactionalId: name('tx'), v3AndBelowProducerId: ref('init', 'producerId'), v3AndBelowProducerEpoch: ref('init', 'producerEpoch'), v3AndBelowTopics: [{ name: name('t'), partitions: [0] }] }),
      ...atVersions(0, [11], txnProduce('init', 0), { retryWhile: RETRY_NOT_LEADER }),
      init('init2', 4),
      ...atVersions(0, [11], txnProduce('init', 1), { suffix: ':fenced-epoch' }),
      ...atVersions(26, [4], endTxn('init', true), { suffix: ':fenced-epoch' }),
      ...atVersions(24, [3], { v3AndBelowTransactionalId: name('tx'), v3AndBelowProducerId: ref('init', 'producerId'), v3AndBelowProducerEpoch: ref('init', 'producerEpoch'), v3AndBelowTopics: [{ name: name('t'), partitions: [0] }] }, { suffix: ':fenced-epoch' }),
      ...describe(':after-fencing'),
      ...atVersions(26, [4], endTxn('init2', false), { suffix: ':abort-nothing-ongoing' }),
      ...atVersions(65, [0], { transactionalIds: [name('unknown')] }, { suffix: ':unknown' }),
    ],
  },
  {
    id: 'transaction-v2',
    title: 'Transaction V2: InitProducerId v5, Produce v12 and TxnOffsetCommit v5 without AddPartitions/AddOffsets, EndTxn v5 commit then abort',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      init('init', 5),
      ...atVersions(0, [12], txnProduce('init', 0), { retryWhile: RETRY_NOT_LEADER }),
      ...atVersions(28, [5], txnOffsetCommit('init', 1)),
      ...describe(':ongoing'),
      { name: 'commit', api: 26, version: 5, body: endTxn('init', true) },
      ...describe(':committed'),
      ...atVersions(0, [12], txnProduce('init', 0, 'commit'), { suffix: ':second', retryWhile: RETRY_NOT_LEADER }),
      { name: 'abort', api: 26, version: 5, body: endTxn('init', false, 'commit') },
      ...describe(':aborted'),
      ...atVersions(1, [18], readCommitted, { retryWhile: { path: 'responses.0.partitions.0.lastStableOffset', in: [0, 1, 2, 3] } }),
      ...atVersions(9, [9], offsetFetchStable),
      ...atVersions(26, [5], endTxn('init', true), { suffix: ':stale-epoch' }),
      ...atVersions(0, [12], txnProduce('init', 0), { suffix: ':stale-epoch' }),
    ],
  },
];
