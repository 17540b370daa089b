// Hand-picked hostile inputs, written as fuzz fixtures by `npm run fuzz -- --baseline` so the
// regression test always replays the classic cases: bad size prefixes, unknown keys and versions,
// wrong header versions, null non-nullable arrays, huge lengths, endless long polls, partial frames.

import { ApiKey, encodeRequest } from '../../src/codec/index.js';
import { rawApiVersionsRequest } from '../../src/conformance/cases/api-versions.js';
import { v2Batch } from '../../src/conformance/records.js';
import type { SeedContext } from './seeds.js';

export interface BaselineInput {
  name: string;
  description: string;
  bytes: Buffer;
  /** A known, not yet fixed problem: the regression test skips it with this reason. */
  open?: string;
  /** For open problems: a regular expression matching the fuzzer's finding, so bounded runs count it as known. */
  signature?: string;
}

function withSize(body: Buffer): Buffer {
  const s = Buffer.alloc(4);
  s.writeInt32BE(body.length, 0);
  return Buffer.concat([s, body]);
}

function header(apiKey: number, version: number, correlationId = 5): Buffer {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(-1, 8);
  return b;
}

function int(n: number, width: 2 | 4 | 8): Buffer {
  const b = Buffer.alloc(width);
  if (width === 2) b.writeInt16BE(n, 0);
  else if (width === 4) b.writeInt32BE(n, 0);
  else b.writeBigInt64BE(BigInt(n), 0);
  return b;
}

function enc(apiKey: number, version: number, body: object, headerVersion?: 0 | 1 | 2, correlationId = 6): Buffer {
  return Buffer.concat(encodeRequest(apiKey, version, { correlationId, clientId: 'baseline', headerVersion }, body));
}

export function baselineInputs(c: SeedContext): BaselineInput[] {
  const produceV9 = enc(ApiKey.Produce, 9, { acks: 1, timeoutMs: 1000, topicData: [{ name: c.topic, partitionData: [{ index: 0, records: v2Batch([{ value: 'x' }]) }] }] });
  // The records field of the only partition: replace its compact length with a huge uvarint.
  // Layout at the end: records length (1-byte uvarint here), batch, then 3 empty tag sections.
  const recordsAt = produceV9.length - v2Batch([{ value: 'x' }]).length - 3 - 1;
  const hugeRecords = withSize(Buffer.concat([produceV9.subarray(4, recordsAt), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), produceV9.subarray(recordsAt + 1)]));
  const metadataV1 = enc(ApiKey.Metadata, 1, { topics: [{ name: c.topic }] });
  return [
    { name: 'size-negative', description: 'size prefix -1: the connection must be closed and logged', bytes: int(-1, 4) },
    { name: 'size-huge', description: 'size prefix 2^31-1 (over socket.request.max.bytes) followed by a header: closed before buffering', bytes: Buffer.concat([int(0x7fffffff, 4), header(ApiKey.ApiVersions, 0)]) },
    { name: 'size-zero', description: 'an empty frame (size 0): no header to read', bytes: int(0, 4) },
    { name: 'unknown-api-key', description: 'API key 31999 v0: Kafka closes the connection', bytes: withSize(header(31999, 0)) },
    { name: 'api-versions-v127', description: 'ApiVersions v127 (flexible body): answered with UNSUPPORTED_VERSION in a v0 body', bytes: rawApiVersionsRequest(127, 8) },
    { name: 'metadata-v12-header-v1', description: 'a flexible Metadata v12 request sent with request header v1 (no tagged fields)', bytes: enc(ApiKey.Metadata, 12, { topics: null }, 1) },
    { name: 'metadata-v9-header-v0', description: 'a flexible Metadata v9 request sent with request header v0 (no client id)', bytes: enc(ApiKey.Metadata, 9, { topics: null }, 0) },
    {
      name: 'produce-v3-null-topics', description: 'Produce v3 whose non-nullable topic array has length -1',
      bytes: withSize(Buffer.concat([header(ApiKey.Produce, 3), int(-1, 2), int(1, 2), int(1000, 4), int(-1, 4)])),
    },
    { name: 'produce-v9-huge-records-length', description: 'Produce v9 whose records length is a 5-byte uvarint near 2^32', bytes: hugeRecords },
    {
      name: 'fetch-v4-endless-long-poll', description: 'Fetch v4 with maxWaitMs and minBytes 2^31-1: parked until the client goes away; closing must clean it up',
      bytes: enc(ApiKey.Fetch, 4, { replicaId: -1, maxWaitMs: 0x7fffffff, minBytes: 0x7fffffff, maxBytes: 1000, topics: [{ topic: c.topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] }] }),
    },
    {
      name: 'join-group-v0-negative-session', description: 'JoinGroup v0 with sessionTimeoutMs -1',
      bytes: enc(ApiKey.JoinGroup, 0, { groupId: c.group, sessionTimeoutMs: -1, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] }),
    },
    { name: 'metadata-v1-partial-frame', description: 'Metadata v1 whose size prefix promises 3 bytes more than sent: the broker waits', bytes: metadataV1.subarray(0, metadataV1.length - 3) },
    {
      name: 'create-topics-max-partitions-validate-only', description: 'CreateTopics v4 validateOnly with numPartitions 2^31-1: refused at once (INVALID_PARTITIONS)',
      bytes: enc(ApiKey.CreateTopics, 4, { topics: [{ name: `${c.topic}-huge`, numPartitions: 0x7fffffff, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: true }),
    },
    {
      name: 'create-partitions-max-count', description: 'CreatePartitions v1 to 2^31-1 partitions: refused at once (INVALID_PARTITIONS)',
      bytes: enc(ApiKey.CreatePartitions, 1, { topics: [{ name: c.topic, count: 0x7fffffff, assignments: null }], timeoutMs: 1000, validateOnly: false }),
    },
    {
      name: 'long-group-id-then-list-groups-v0',
      description: 'OffsetCommit v8 (flexible) with a 40000-character group id, then ListGroups v0 on the same connection: the ListGroups response must still decode',
      open: 'src/codec/writer.ts Writer.string() writes the UTF-8 length as int16 without a bound check; a 40000-byte group id accepted through a compact (flexible) string wraps to a negative length in the classic ListGroups/DescribeGroups response, which clients read as null and fail to parse. Found by the fuzzer (field mutation, seed 20261129).',
      signature: 'response does not decode: null in a non-nullable string',
      bytes: Buffer.concat([
        enc(ApiKey.OffsetCommit, 8, { groupId: 'x'.repeat(40_000), generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: c.topic, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: '' }] }] }),
        enc(ApiKey.ListGroups, 0, {}, undefined, 7),
      ]),
    },
    {
      name: 'join-group-duplicate-protocols',
      description: 'JoinGroup v0 listing the protocol "range" twice: Kafka intersects protocol sets and picks "range"; the broker must not crash when the rebalance completes',
      open: 'src/group/classic-group.ts: supportedProtocols counts a name once per listing, so a member that lists "range" twice makes its count 2 for a 1-member group; selectProtocol() then finds no candidate and ClassicMember.vote() (line 69) throws from the rebalance timer: an uncaught exception that kills the broker. Found by the fuzzer (seed 11, field mutation duplicating array entries).',
      signature: 'member supports none of the candidate protocols',
      bytes: enc(ApiKey.JoinGroup, 0, { groupId: `${c.group}-dup`, sessionTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }, { name: 'range', metadata: Buffer.alloc(0) }] }),
    },
    {
      name: 'api-versions-v3-huge-tag', description: 'ApiVersions v3 whose body has a tagged field claiming 2^32 bytes',
      bytes: withSize(Buffer.concat([header(ApiKey.ApiVersions, 3).subarray(0, 10), Buffer.from([0]), Buffer.from([2, 0x41, 2, 0x31, 1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f])])),
    },
  ];
}
