// Valid requests to mutate: every API and version our codec knows, encoded from a default body
// (every field at its default) and, for the APIs with interesting bodies, from a realistic one that
// names the fuzz topic and group. Each seed is a complete frame (size prefix included).

import { API_SCHEMAS, ApiKey, encodeRequest, encodeVersionedData, type Uuid } from '../../src/codec/index.js';
import { legacyMessageSet, v2Batch } from '../../src/conformance/records.js';

export interface Seed {
  name: string;
  apiKey: number;
  version: number;
  bytes: Buffer;
}

export interface SeedContext {
  topic: string;
  topicId: Uuid;
  group: string;
}

function records(version: number): Buffer {
  const recs = [{ key: 'k', value: 'fuzz-value', headers: [{ key: 'h', value: 'v' }] }, { key: null, value: null }];
  if (version <= 1) return legacyMessageSet(0, recs);
  if (version === 2) return legacyMessageSet(1, recs, 1);
  return v2Batch(recs, { compression: version % 2 === 0 ? 0 : 1 });
}

/** A realistic body for the API, or undefined to use the all-defaults body only. */
function richBody(apiKey: number, version: number, c: SeedContext): object | undefined {
  const partitions = [{ partition: 0, partitionIndex: 0, index: 0 }];
  switch (apiKey) {
    case ApiKey.Produce:
      return { acks: version % 3 === 0 ? -1 : 1, timeoutMs: 1000, topicData: [{ name: c.topic, topicId: c.topicId, partitionData: [{ index: 0, records: records(version) }] }] };
    case ApiKey.Fetch:
      return {
        replicaId: -1, maxWaitMs: 5, minBytes: 0, maxBytes: 65536, isolationLevel: version % 2, sessionId: 0, sessionEpoch: version >= 7 ? 0 : -1,
        topics: [{ topic: c.topic, topicId: c.topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 65536, currentLeaderEpoch: -1 }] }],
      };
    case ApiKey.ListOffsets:
      return { replicaId: -1, topics: [{ name: c.topic, partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 }] }] };
    case ApiKey.Metadata:
      return { topics: [{ name: c.topic, topicId: c.topicId }], allowAutoTopicCreation: false };
    case ApiKey.OffsetCommit:
      return { groupId: c.group, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: c.topic, topicId: c.topicId, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: 'm' }] }] };
    case ApiKey.OffsetFetch:
      return { groupId: c.group, topics: [{ name: c.topic, partitionIndexes: [0] }], groups: [{ groupId: c.group, topics: [{ name: c.topic, topicId: c.topicId, partitionIndexes: [0] }] }] };
    case ApiKey.FindCoordinator:
      return { key: c.group, keyType: 0, coordinatorKeys: [c.group] };
    case ApiKey.JoinGroup:
      return {
        groupId: c.group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 1000, memberId: '', protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: encodeVersionedData('ConsumerProtocolSubscription', 0, { topics: [c.topic], userData: null }) }],
      };
    case ApiKey.Heartbeat:
    case ApiKey.SyncGroup:
      return { groupId: c.group, generationId: 1, memberId: 'm-1', assignments: [] };
    case ApiKey.LeaveGroup:
      return { groupId: c.group, memberId: 'm-1', members: [{ memberId: 'm-1' }] };
    case ApiKey.DescribeGroups:
      return { groups: [c.group] };
    case ApiKey.CreateTopics:
      return { topics: [{ name: `${c.topic}-new`, numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 1000, validateOnly: true };
    case ApiKey.CreatePartitions:
      return { topics: [{ name: c.topic, count: 2, assignments: null }], timeoutMs: 1000, validateOnly: true };
    case ApiKey.ApiVersions:
      return { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' };
    case ApiKey.DescribeConfigs:
      return { resources: [{ resourceType: 2, resourceName: c.topic, configurationKeys: null }] };
    default:
      void partitions;
      return undefined;
  }
}

function frame(apiKey: number, version: number, body: object, correlationId: number): Buffer {
  return Buffer.concat(encodeRequest(apiKey, version, { correlationId, clientId: 'fuzz' }, body));
}

/** Every seed: all APIs and versions of the codec, default and rich bodies. */
export function buildSeeds(c: SeedContext): Seed[] {
  const out: Seed[] = [];
  let id = 1000;
  for (const s of API_SCHEMAS) {
    for (let v = s.minVersion; v <= s.maxVersion; v++) {
      const bodies: [string, object][] = [['default', {}]];
      const rich = richBody(s.key, v, c);
      if (rich !== undefined) bodies.push(['rich', rich]);
      for (const [kind, body] of bodies) {
        try {
          out.push({ name: `${s.name}.v${v}.${kind}`, apiKey: s.key, version: v, bytes: frame(s.key, v, body, id++) });
        } catch {
          // A default body some schema cannot encode is simply not a seed.
        }
      }
    }
  }
  return out;
}

/** Re-encodes a seed with a forced request header version (the "wrong header version" mutation). */
export function withHeaderVersion(seed: Seed, c: SeedContext, headerVersion: 0 | 1 | 2): Buffer | null {
  try {
    const body = seed.name.endsWith('.rich') ? richBody(seed.apiKey, seed.version, c) ?? {} : {};
    return Buffer.concat(encodeRequest(seed.apiKey, seed.version, { correlationId: 77, clientId: 'fuzz', headerVersion }, body));
  } catch {
    return null;
  }
}
