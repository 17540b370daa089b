// Admin APIs at the versions the Java Admin 4.3, franz-go's kadm and librdkafka send and the oldest
// Kafka 4.3 serves: CreateTopics, CreatePartitions, DeleteTopics, DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs, DescribeLogDirs, DeleteRecords, DescribeCluster, DescribeTopicPartitions,
// with their error paths (invalid configs, partitions and replication factors, unknown topics).

import { name, topicId, type Sequence } from '../sequence.js';
import { atVersions, twoRecords } from './versions.js';

const creatable = (topic: string, numPartitions: number, configs: Record<string, string | null> = {}, replicationFactor = 1) => ({
  name: name(topic), numPartitions, replicationFactor, assignments: [],
  configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
});
const createTopics = (topics: unknown[], validateOnly = false) => ({ topics, timeoutMs: 30_000, validateOnly });

const TOPIC = 2;
const BROKER = 4;
const TOPIC_KEYS = ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'segment.bytes', 'min.insync.replicas', 'compression.type', 'message.timestamp.type', 'unclean.leader.election.enable'];
const describeConfigs = (resources: unknown[], includeSynonyms = false) => ({ resources, includeSynonyms, includeDocumentation: false });

const alterable = (topic: string, configs: Record<string, string | null>) => ({
  resourceType: TOPIC, resourceName: name(topic), configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
});
const incremental = (topic: string, configs: [string, number, string | null][]) => ({
  resourceType: TOPIC, resourceName: name(topic), configs: configs.map(([n, configOperation, value]) => ({ name: n, configOperation, value })),
});

export const ADMIN: Sequence[] = [
  {
    id: 'create-topics',
    title: 'CreateTopics at v2 (oldest), v4 (librdkafka) and v7 (Java): created, with configs, validate-only, and every error',
    steps: [
      ...atVersions(19, [2], createTopics([creatable('a', 2)])),
      ...atVersions(19, [4], createTopics([creatable('b', 1)])),
      ...atVersions(19, [7], createTopics([creatable('c', 3, { 'retention.ms': '60000', 'cleanup.policy': 'compact' })])),
      ...atVersions(19, [7], createTopics([creatable('d', -1, {}, -1)]), { suffix: ':defaults' }),
      ...atVersions(19, [7], createTopics([creatable('e', 2)], true), { suffix: ':validate-only' }),
      ...atVersions(2, [11], { replicaId: -1, isolationLevel: 0, timeoutMs: 30_000, topics: [{ name: name('e'), partitions: [{ partitionIndex: 0, timestamp: -1 }] }] }, { suffix: ':validated-topic-absent' }),
      ...atVersions(19, [2, 7], createTopics([creatable('a', 2)]), { suffix: ':exists' }),
      ...atVersions(19, [7], createTopics([creatable('f', 0)]), { suffix: ':zero-partitions' }),
      ...atVersions(19, [7], createTopics([creatable('g', 1, {}, 3)]), { suffix: ':replication-factor-3' }),
      ...atVersions(19, [7], createTopics([creatable('h', 1, { 'retention.ms': 'soon' })]), { suffix: ':invalid-config-value' }),
      ...atVersions(19, [7], createTopics([creatable('i', 1, { 'no.such.config': '1' })]), { suffix: ':unknown-config' }),
      ...atVersions(19, [7], createTopics([{ ...creatable('j', 1), name: 'bad name!' }]), { suffix: ':invalid-name' }),
      ...atVersions(19, [7], createTopics([creatable('k', 1), creatable('k', 1)]), { suffix: ':duplicate-in-request' }),
    ],
  },
  {
    id: 'create-partitions',
    title: 'CreatePartitions at v0 and v3: grow, validate-only, shrink, same count, unknown topic',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(37, [0], { topics: [{ name: name('t'), count: 2, assignments: null }], timeoutMs: 30_000, validateOnly: false }),
      ...atVersions(37, [3], { topics: [{ name: name('t'), count: 3, assignments: null }], timeoutMs: 30_000, validateOnly: false }),
      ...atVersions(37, [3], { topics: [{ name: name('t'), count: 5, assignments: null }], timeoutMs: 30_000, validateOnly: true }, { suffix: ':validate-only' }),
      ...atVersions(37, [3], { topics: [{ name: name('t'), count: 2, assignments: null }], timeoutMs: 30_000, validateOnly: false }, { suffix: ':shrink' }),
      ...atVersions(37, [3], { topics: [{ name: name('t'), count: 3, assignments: null }], timeoutMs: 30_000, validateOnly: false }, { suffix: ':same' }),
      ...atVersions(37, [3], { topics: [{ name: name('missing'), count: 3, assignments: null }], timeoutMs: 30_000, validateOnly: false }, { suffix: ':unknown-topic' }),
      // Kafka's brokers learn of new partitions from the metadata log a moment after the answer.
      ...atVersions(3, [12], { topics: [{ name: name('t'), topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { retryWhile: { path: 'topics.0.partitions.2', in: [undefined] } }),
    ],
  },
  {
    id: 'delete-topics',
    title: 'DeleteTopics at v1 (oldest), v4 (librdkafka) and v6 (Java, by name and by id), and unknown topics',
    setup: [{ topic: 'a' }, { topic: 'b' }, { topic: 'c' }],
    steps: [
      ...atVersions(20, [1], { topicNames: [name('a')], timeoutMs: 30_000 }),
      ...atVersions(20, [4], { topicNames: [name('b')], timeoutMs: 30_000 }),
      ...atVersions(20, [6], { topics: [{ name: null, topicId: topicId('c') }], timeoutMs: 30_000 }, { suffix: ':by-id' }),
      ...atVersions(20, [1, 6], { topicNames: [name('missing')], topics: [{ name: name('missing'), topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 30_000 }, { suffix: ':unknown' }),
      ...atVersions(20, [6], { topics: [{ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' }], timeoutMs: 30_000 }, { suffix: ':unknown-id' }),
    ],
  },
  {
    id: 'configs',
    title: 'DescribeConfigs v1/v4, AlterConfigs v0/v2, IncrementalAlterConfigs v0/v1 on a topic: set, append, delete, invalid values and names',
    setup: [{ topic: 't', partitions: 1, configs: { 'retention.ms': '3600000' } }],
    steps: [
      ...atVersions(32, [1, 4], describeConfigs([{ resourceType: TOPIC, resourceName: name('t'), configurationKeys: TOPIC_KEYS }])),
      ...atVersions(32, [4], describeConfigs([{ resourceType: TOPIC, resourceName: name('t'), configurationKeys: ['retention.ms', 'segment.bytes'] }], true), { suffix: ':synonyms' }),
      ...atVersions(32, [4], describeConfigs([{ resourceType: BROKER, resourceName: '1', configurationKeys: ['num.partitions', 'message.max.bytes', 'log.retention.hours', 'auto.create.topics.enable'] }]), { suffix: ':broker' }),
      ...atVersions(32, [4], describeConfigs([{ resourceType: TOPIC, resourceName: name('missing'), configurationKeys: null }]), { suffix: ':unknown-topic' }),
      ...atVersions(32, [4], describeConfigs([{ resourceType: TOPIC, resourceName: name('t'), configurationKeys: ['no.such.config'] }]), { suffix: ':unknown-key' }),
      ...atVersions(33, [0], { resources: [alterable('t', { 'retention.ms': '7200000' })], validateOnly: false }),
      ...atVersions(33, [2], { resources: [alterable('t', { 'retention.ms': '10800000', 'cleanup.policy': 'delete' })], validateOnly: false }),
      ...atVersions(33, [2], { resources: [alterable('t', { 'retention.ms': 'later' })], validateOnly: false }, { suffix: ':invalid-value' }),
      ...atVersions(33, [2], { resources: [alterable('t', { 'no.such.config': '1' })], validateOnly: false }, { suffix: ':unknown-name' }),
      ...atVersions(33, [2], { resources: [alterable('missing', { 'retention.ms': '1' })], validateOnly: false }, { suffix: ':unknown-topic' }),
      ...atVersions(32, [4], describeConfigs([{ resourceType: TOPIC, resourceName: name('t'), configurationKeys: ['retention.ms', 'cleanup.policy'] }]), { suffix: ':after-alter' }),
      ...atVersions(44, [0], { resources: [incremental('t', [['retention.ms', 0, '60000']])], validateOnly: false }),
      ...atVersions(44, [1], { resources: [incremental('t', [['cleanup.policy', 2, 'compact'], ['retention.ms', 1, null]])], validateOnly: false }),
      ...atVersions(44, [1], { resources: [incremental('t', [['retention.ms', 0, 'never']])], validateOnly: false }, { suffix: ':invalid-value' }),
      ...atVersions(44, [1], { resources: [incremental('t', [['no.such.config', 0, '1']])], validateOnly: false }, { suffix: ':unknown-name' }),
      ...atVersions(44, [1], { resources: [incremental('t', [['retention.ms', 2, '1']])], validateOnly: false }, { suffix: ':append-to-scalar' }),
      ...atVersions(44, [1], { resources: [incremental('t', [['retention.ms', 0, '1'], ['retention.ms', 1, null]])], validateOnly: false }, { suffix: ':duplicate-name' }),
      ...atVersions(44, [1], { resources: [incremental('t', [['segment.bytes', 0, '2000000']])], validateOnly: true }, { suffix: ':validate-only' }),
      ...atVersions(32, [4], describeConfigs([{ resourceType: TOPIC, resourceName: name('t'), configurationKeys: ['retention.ms', 'cleanup.policy', 'segment.bytes'] }]), { suffix: ':after-incremental' }),
    ],
  },
  {
    id: 'records-admin',
    title: 'DeleteRecords v0/v2, DescribeLogDirs v1/v4, DescribeTopicPartitions v0 and DescribeCluster v0-v2',
    setup: [{ topic: 't', partitions: 2 }],
    steps: [
      ...atVersions(0, [9], { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: name('t'), partitionData: [{ index: 0, records: twoRecords() }] }] }),
      ...atVersions(21, [0], { topics: [{ name: name('t'), partitions: [{ partitionIndex: 0, offset: 1 }] }], timeoutMs: 30_000 }),
      ...atVersions(21, [2], { topics: [{ name: name('t'), partitions: [{ partitionIndex: 0, offset: -1 }, { partitionIndex: 1, offset: 5 }, { partitionIndex: 7, offset: 0 }] }], timeoutMs: 30_000 }),
      ...atVersions(2, [11], { replicaId: -1, isolationLevel: 0, timeoutMs: 30_000, topics: [{ name: name('t'), partitions: [{ partitionIndex: 0, timestamp: -2 }] }] }, { suffix: ':after-delete' }),
      ...atVersions(35, [1, 4], { topics: [{ topic: name('t'), partitions: [0, 1] }] }),
      ...atVersions(75, [0], { topics: [{ name: name('t') }, { name: name('missing') }], responsePartitionLimit: 2000, cursor: null }),
      ...atVersions(75, [0], { topics: [{ name: name('t') }], responsePartitionLimit: 1, cursor: null }, { suffix: ':limit-1' }),
      ...atVersions(60, [0, 1, 2], { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false }),
    ],
  },
  {
    id: 'admin.one-node',
    title: 'What the Java Admin also asks a one-node cluster: ElectLeaders v0/v2, ListPartitionReassignments v0, AlterPartitionReassignments v0/v1, client quotas v0/v1',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(43, [0, 2], { electionType: 0, topicPartitions: [{ topic: name('t'), partitions: [0, 5] }], timeoutMs: 30_000 }),
      ...atVersions(46, [0], { timeoutMs: 30_000, topics: [{ name: name('t'), partitionIndexes: [0] }] }),
      ...atVersions(46, [0], { timeoutMs: 30_000, topics: null }, { suffix: ':all' }),
      ...atVersions(43, [2], { electionType: 1, topicPartitions: [{ topic: name('t'), partitions: [0, 5] }], timeoutMs: 30_000 }, { suffix: ':unclean' }),
      // Node 1 is the only broker of both: a target is checked as a manual assignment before its replication factor.
      ...atVersions(45, [0, 1], {
        timeoutMs: 30_000,
        allowReplicationFactorChange: false,
        topics: [
          { name: name('t'), partitions: [[1, 1], [1, 7], [], null, [1]].map((replicas) => ({ partitionIndex: 0, replicas })).concat([{ partitionIndex: 5, replicas: [1] }]) },
          { name: name('missing'), partitions: [{ partitionIndex: 0, replicas: [1] }] },
        ],
      }),
      ...atVersions(49, [0, 1], { entries: [{ entity: [{ entityType: 'client-id', entityName: name('c') }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: true }, { suffix: ':validate-only' }),
      ...atVersions(49, [1], { entries: [{ entity: [{ entityType: 'client-id', entityName: name('c') }], ops: [{ key: 'no_such_quota', value: 1, remove: false }] }], validateOnly: true }, { suffix: ':unknown-key' }),
      ...atVersions(48, [0, 1], { components: [{ entityType: 'client-id', matchType: 0, match: name('c') }], strict: false }),
    ],
  },
];
