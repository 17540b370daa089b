// ApiVersions, Metadata, Produce, Fetch, ListOffsets, OffsetForLeaderEpoch and idempotence: the
// versions the Java client 4.3 (the newest), librdkafka 2.x and franz-go send, the oldest Kafka 4.3
// still serves, and their error paths.

import { batch, name, ref, topicId, type Marker, type Sequence } from '../sequence.js';
import { atVersions, COORDINATOR_LOADING, producerRecord, twoRecords, ZERO_UUID } from './versions.js';

const produceBody = (topic: string, partition: number, records: Marker, acks = -1) => ({
  transactionalId: null, acks, timeoutMs: 30_000,
  topicData: [{ name: name(topic), topicId: topicId(topic), partitionData: [{ index: partition, records }] }],
});

const fetchBody = (topic: string, partition: number, offset: number, isolationLevel = 0) => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: name(topic), topicId: topicId(topic), partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20, logStartOffset: -1 }] }],
  forgottenTopicsData: [], rackId: '',
});

const listOffsetsBody = (topic: string, partition: number, timestamp: number) => ({
  replicaId: -1, isolationLevel: 0, timeoutMs: 30_000,
  topics: [{ name: name(topic), partitions: [{ partitionIndex: partition, timestamp }] }],
});

const metadataBody = (topics: unknown[], allowAutoTopicCreation = false) => ({
  topics, allowAutoTopicCreation, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
});

export const DATA_PATH: Sequence[] = [
  {
    id: 'api-versions',
    title: 'ApiVersions at every version clients send (v0 older clients, v3 librdkafka/franz-go, v4 Java)',
    steps: atVersions(18, [0, 3, 4], { clientSoftwareName: 'differential', clientSoftwareVersion: '1.0' }),
  },
  {
    id: 'api-versions.unsupported',
    title: 'ApiVersions at a version the broker does not know is answered at v0 with UNSUPPORTED_VERSION',
    steps: [{
      name: 'ApiVersionsv99',
      // An ApiVersions v3 request relabelled v99: bytes 6-7 of a frame are the request api version.
      raw: (encode) => {
        const b = encode(18, 3, { clientSoftwareName: 'differential', clientSoftwareVersion: '1.0' });
        b.writeInt16BE(99, 6);
        return b;
      },
      decodeAs: { api: 18, version: 0 },
    }],
  },
  {
    id: 'metadata',
    title: 'Metadata of named topics at v0 (oldest), v4, v9 (first flexible), v12 (librdkafka, franz-go) and v13 (Java)',
    setup: [{ topic: 't', partitions: 3 }],
    steps: atVersions(3, [0, 1, 4, 9, 12, 13], metadataBody([{ name: name('t'), topicId: ZERO_UUID }])),
  },
  {
    id: 'metadata.errors',
    title: 'Metadata for an unknown topic (no auto-create), an unknown topic id and an invalid topic name',
    steps: [
      ...atVersions(3, [4, 12], metadataBody([{ name: name('missing'), topicId: ZERO_UUID }]), { suffix: ':unknown' }),
      ...atVersions(3, [12], metadataBody([{ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' }]), { suffix: ':unknown-id' }),
      ...atVersions(3, [12], metadataBody([{ name: 'bad name!', topicId: ZERO_UUID }]), { suffix: ':invalid-name' }),
    ],
  },
  {
    id: 'metadata.auto-create',
    title: 'Metadata with allowAutoTopicCreation for a new topic, then again',
    steps: [
      ...atVersions(3, [12], metadataBody([{ name: name('auto'), topicId: ZERO_UUID }], true), { suffix: ':first' }),
    ],
  },
  {
    id: 'produce-fetch',
    title: 'Produce at v3 (oldest), v7 (librdkafka), v9 (first flexible), v12 and v13 (Java, by topic id); Fetch back at v4, v11, v12, v13, v18',
    setup: [{ topic: 't', partitions: 2 }],
    steps: [
      ...atVersions(0, [3, 7, 9, 12, 13], produceBody('t', 1, twoRecords())),
      ...atVersions(1, [4, 11, 12, 13, 18], fetchBody('t', 1, 0)),
      ...atVersions(1, [18], fetchBody('t', 1, 7), { suffix: ':from-7' }),
    ],
  },
  {
    id: 'list-offsets',
    title: 'ListOffsets earliest, latest, by timestamp and max timestamp at v1 (oldest), v7 (librdkafka), v9 and v11 (Java)',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(0, [9], produceBody('t', 0, twoRecords())),
      ...atVersions(2, [1, 7, 11], listOffsetsBody('t', 0, -2), { suffix: ':earliest' }),
      ...atVersions(2, [1, 7, 11], listOffsetsBody('t', 0, -1), { suffix: ':latest' }),
      ...atVersions(2, [7, 11], listOffsetsBody('t', 0, -3), { suffix: ':max-timestamp' }),
      ...atVersions(2, [1, 11], listOffsetsBody('t', 0, 0), { suffix: ':timestamp-0' }),
      ...atVersions(2, [11], listOffsetsBody('t', 0, 8_000_000_000_000), { suffix: ':timestamp-future' }),
      ...atVersions(2, [11], listOffsetsBody('t', 0, -5), { suffix: ':earliest-local' }),
      ...atVersions(2, [11], listOffsetsBody('t', 3, -1), { suffix: ':unknown-partition' }),
      ...atVersions(2, [11], listOffsetsBody('missing', 0, -1), { suffix: ':unknown-topic' }),
    ],
  },
  {
    id: 'offset-for-leader-epoch',
    title: 'OffsetForLeaderEpoch at v2 (oldest) and v4, for the current epoch, a later one and an unknown partition',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(0, [9], produceBody('t', 0, twoRecords())),
      ...atVersions(23, [2, 4], { replicaId: -1, topics: [{ topic: name('t'), partitions: [
        { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
        { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 },
      ] }] }),
    ],
  },
  {
    id: 'produce.errors',
    title: 'Produce to an unknown partition, an unknown topic, an unknown topic id, a corrupt batch and an oversized batch',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(0, [12], produceBody('t', 4, twoRecords()), { suffix: ':unknown-partition' }),
      ...atVersions(0, [3, 12], { ...produceBody('t', 0, twoRecords()), topicData: [{ name: name('missing'), partitionData: [{ index: 0, records: twoRecords() }] }] }, { suffix: ':unknown-topic' }),
      ...atVersions(0, [13], { ...produceBody('t', 0, twoRecords()), topicData: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitionData: [{ index: 0, records: twoRecords() }] }] }, { suffix: ':unknown-topic-id' }),
      ...atVersions(0, [12], produceBody('t', 0, batch({ records: [{ key: null, value: Buffer.alloc(1_100_000, 1) }] })), { suffix: ':too-large' }),
      {
        name: 'Producev12:corrupt-crc',
        raw: (encode) => {
          // The last byte of the request is the last byte of the batch (the request ends with the
          // partition's tagged fields and the topic's and the body's, three zero bytes after it).
          const b = encode(0, 12, produceBody('t', 0, twoRecords()));
          b[b.length - 4] ^= 0xff;
          return b;
        },
        decodeAs: { api: 0, version: 12 },
      },
      ...atVersions(1, [12], fetchBody('t', 0, 0), { suffix: ':nothing-stored' }),
    ],
  },
  {
    id: 'fetch.errors',
    title: 'Fetch out of range, from an unknown partition and an unknown topic id',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(0, [9], produceBody('t', 0, twoRecords())),
      ...atVersions(1, [4, 12, 18], fetchBody('t', 0, 100), { suffix: ':out-of-range' }),
      ...atVersions(1, [12], fetchBody('t', 0, -1), { suffix: ':negative-offset' }),
      ...atVersions(1, [12], fetchBody('t', 5, 0), { suffix: ':unknown-partition' }),
      ...atVersions(1, [12], { ...fetchBody('t', 0, 0), topics: [{ topic: name('t'), partitions: [{ partition: 0, currentLeaderEpoch: 5, fetchOffset: 0, partitionMaxBytes: 1024 }] }] }, { suffix: ':future-leader-epoch' }),
      ...atVersions(1, [18], { ...fetchBody('t', 0, 0), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }] }, { suffix: ':unknown-topic-id' }),
    ],
  },
  {
    id: 'produce.acks-0',
    title: 'acks=0 produce gets no response; a failing one (unknown partition) closes the connection',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(0, [9], produceBody('t', 0, twoRecords(), 0), { suffix: ':acks-0' }),
      ...atVersions(2, [7], listOffsetsBody('t', 0, -1), { suffix: ':after-acks-0' }),
      ...atVersions(0, [9], produceBody('t', 3, twoRecords(), 0), { suffix: ':acks-0-failing' }),
      ...atVersions(18, [3], { clientSoftwareName: 'differential', clientSoftwareVersion: '1.0' }, { suffix: ':after-failing' }),
    ],
  },
  {
    id: 'idempotence',
    title: 'Idempotent producer: InitProducerId v0 and v4, in-order sequences, a duplicate, a gap, a stale epoch',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(22, [0], { transactionalId: null, transactionTimeoutMs: 60_000 }, { retryWhile: COORDINATOR_LOADING }),
      { name: 'init', api: 22, version: 4, body: { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }, retryWhile: COORDINATOR_LOADING },
      ...atVersions(0, [9], produceBody('t', 0, producerRecord({ id: ref('init', 'producerId'), epoch: ref('init', 'producerEpoch'), sequence: 0 })), { suffix: ':seq-0' }),
      ...atVersions(0, [9], produceBody('t', 0, producerRecord({ id: ref('init', 'producerId'), epoch: ref('init', 'producerEpoch'), sequence: 1 })), { suffix: ':seq-1' }),
      ...atVersions(0, [9], produceBody('t', 0, producerRecord({ id: ref('init', 'producerId'), epoch: ref('init', 'producerEpoch'), sequence: 0 })), { suffix: ':duplicate-seq-0' }),
      ...atVersions(0, [9], produceBody('t', 0, producerRecord({ id: ref('init', 'producerId'), epoch: ref('init', 'producerEpoch'), sequence: 5 })), { suffix: ':gap' }),
      ...atVersions(0, [9], produceBody('t', 0, producerRecord({ id: ref('init', 'producerId'), epoch: 7, sequence: 0 })), { suffix: ':new-epoch-seq-0' }),
      ...atVersions(0, [9], produceBody('t', 0, producerRecord({ id: ref('init', 'producerId'), epoch: ref('init', 'producerEpoch'), sequence: 2 })), { suffix: ':stale-epoch' }),
      ...atVersions(1, [12], fetchBody('t', 0, 0)),
      ...atVersions(61, [0], { topics: [{ name: name('t'), partitionIndexes: [0, 1] }] }),
    ],
  },
];
