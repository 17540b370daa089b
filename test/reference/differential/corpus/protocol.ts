// The connection itself: requests pipelined on one connection (answered in order), and malformed or
// oversized frames, where what is compared is what each broker does (an error code, or closing).

import { name, type Sequence } from '../sequence.js';
import { atVersions, twoRecords } from './versions.js';

const produce = (acks: number) => ({
  transactionalId: null, acks, timeoutMs: 30_000,
  topicData: [{ name: name('t'), partitionData: [{ index: 0, records: twoRecords() }] }],
});
const fetch = {
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: name('t'), partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, logStartOffset: -1 }] }],
  forgottenTopicsData: [], rackId: '',
};
const listOffsets = { replicaId: -1, isolationLevel: 0, topics: [{ name: name('t'), partitions: [{ partitionIndex: 0, timestamp: -1 }] }] };
const metadata = { topics: [{ name: name('t') }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

/** A frame of the given size prefix followed by `body`. */
const frame = (size: number, body: Buffer = Buffer.alloc(0)): Buffer => {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(size, 0);
  body.copy(b, 4);
  return b;
};

/** An encoded request with its api key, version or length rewritten (offsets into the frame). */
const relabel = (apiKey: number, version: number) => (encode: (api: number, v: number, body: Record<string, unknown>) => Buffer) => {
  const b = encode(3, 12, metadata);
  b.writeInt16BE(apiKey, 4);
  b.writeInt16BE(version, 6);
  return b;
};

export const PROTOCOL: Sequence[] = [
  {
    id: 'pipelined',
    title: 'Six requests of five APIs written at once on one connection are answered in order',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [{
      name: 'pipeline',
      pipeline: [
        ...atVersions(10, [6], { keyType: 0, coordinatorKeys: [name('g')] }),
        ...atVersions(3, [12], metadata),
        ...atVersions(0, [9], produce(-1)),
        ...atVersions(0, [9], produce(-1), { suffix: ':second' }),
        ...atVersions(2, [7], listOffsets),
        ...atVersions(1, [12], fetch),
      ],
    }],
  },
  {
    id: 'pipelined.acks-0',
    title: 'An acks=0 produce between pipelined requests leaves no response and no gap in the order',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [{
      name: 'pipeline',
      pipeline: [
        ...atVersions(3, [12], metadata),
        ...atVersions(0, [9], produce(0)),
        ...atVersions(0, [9], produce(-1)),
        ...atVersions(60, [0], { includeClusterAuthorizedOperations: false }),
      ],
    }],
  },
  {
    id: 'malformed.unknown-api-key',
    title: 'A request with an unknown API key',
    steps: [{ name: 'api-key-1000', raw: relabel(1000, 0) }],
  },
  {
    id: 'malformed.unsupported-version',
    title: 'Metadata at a version no broker knows',
    steps: [{ name: 'Metadatav99', raw: relabel(3, 99) }],
  },
  {
    id: 'malformed.removed-version',
    title: 'Versions Kafka 4 removed (KIP-896): Produce v2, Fetch v3, OffsetCommit v1',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      { name: 'Producev2', raw: (encode) => encode(0, 2, produce(-1)) },
      { name: 'Fetchv3', raw: (encode) => encode(1, 3, fetch) },
      { name: 'OffsetCommitv1', raw: (encode) => encode(8, 1, { groupId: name('g'), generationIdOrMemberEpoch: -1, memberId: '', topics: [] }) },
    ],
  },
  {
    id: 'malformed.truncated-body',
    title: 'A Metadata v12 request whose body is cut short (size prefix adjusted)',
    steps: [{
      name: 'Metadatav12:truncated',
      raw: (encode) => {
        const b = encode(3, 12, metadata).subarray(0, -6);
        b.writeInt32BE(b.length - 4, 0);
        return Buffer.from(b);
      },
    }],
  },
  {
    id: 'malformed.garbage-header',
    title: 'A frame too short to hold a request header',
    steps: [{ name: 'three-bytes', raw: frame(3, Buffer.from([0, 3, 0])) }],
  },
  {
    id: 'malformed.negative-size',
    title: 'A frame with a negative size prefix',
    steps: [{ name: 'size-minus-1', raw: frame(-1) }],
  },
  {
    id: 'oversized.frame',
    title: 'A size prefix beyond socket.request.max.bytes (100 MiB), before any body arrives',
    steps: [{ name: 'size-200MiB', raw: frame(200 * 1024 * 1024, Buffer.alloc(16)) }],
  },
  {
    id: 'oversized.topic-array',
    title: 'A Metadata v4 request whose topic array claims two billion entries',
    steps: [{
      name: 'Metadatav4:huge-array',
      raw: (encode) => {
        const b = encode(3, 4, { topics: [], allowAutoTopicCreation: false });
        // Header v1: size(4) key(2) version(2) correlation(4) client id (2 + 12 'differential'); then the array length.
        b.writeInt32BE(0x7fffffff, 4 + 2 + 2 + 4 + 2 + 'differential'.length);
        return b;
      },
    }],
  },
];
