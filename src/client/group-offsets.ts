// A group's committed offsets, read and written at its coordinator: OffsetFetch, and OffsetCommit
// either as a tool that is not a member does (kafka-consumer-groups, a consumer with manual
// assignment: generation -1 and no member id, which a broker accepts only while the group has no
// members) or as a member of the group's current generation (group-member.ts).
// OffsetFetch and OffsetCommit are capped at v9, the last versions that name topics (v10 uses ids).

import { ApiKey, ErrorCode } from '../codec/index.js';
import type { ClusterClient } from './cluster-client.js';
import { check, kafkaError } from './errors.js';

/** Committed offsets: topic → partition → offset (partitions without a commit are absent). */
export type GroupOffsets = Map<string, Map<number, number>>;

const NAMED_TOPICS_MAX_VERSION = 9;

/** The committed offsets of a group, for some topics or (null) all of them. */
export async function fetchCommittedOffsets(c: ClusterClient, groupId: string, topics: { name: string; partitions: number[] }[] | null): Promise<GroupOffsets> {
  return c.withCoordinator(groupId, (node) => fetchFrom(c, node, groupId, topics));
}

async function fetchFrom(c: ClusterClient, node: number, groupId: string, topics: { name: string; partitions: number[] }[] | null): Promise<GroupOffsets> {
  const v = c.version(ApiKey.OffsetFetch, topics === null ? 2 : 1, NAMED_TOPICS_MAX_VERSION);
  const requested = topics?.map((t) => ({ name: t.name, partitionIndexes: t.partitions })) ?? null;
  const res = await c.send(ApiKey.OffsetFetch, {
    groupId, topics: requested, requireStable: false,
    groups: [{ groupId, memberId: null, memberEpoch: -1, topics: requested }],
  }, { version: v, node });
  const out: GroupOffsets = new Map();
  const group = v >= 8 ? res.groups[0] : { errorCode: res.errorCode, topics: res.topics };
  if (group === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `offsets of group ${groupId}`, 'no answer for the group');
  check(group.errorCode, `offsets of group ${groupId}`);
  for (const t of group.topics) {
    for (const p of t.partitions) {
      check(p.errorCode, `offset of group ${groupId} on ${t.name}-${p.partitionIndex}`);
      if (p.committedOffset < 0) continue;
      let m = out.get(t.name);
      if (m === undefined) out.set(t.name, (m = new Map()));
      m.set(p.partitionIndex, p.committedOffset);
    }
  }
  return out;
}

/** Who commits: a member of the group's generation; none (generation -1) for a tool outside the group. */
export interface CommitIdentity {
  generationId: number;
  memberId: string;
}

const OUTSIDER: CommitIdentity = { generationId: -1, memberId: '' };

/** Commits offsets for a group; a ClientError names any partition the broker refused. */
export async function commitOffsets(c: ClusterClient, groupId: string, offsets: GroupOffsets, as: CommitIdentity = OUTSIDER): Promise<void> {
  if (offsets.size === 0) return;
  await c.withCoordinator(groupId, (node) => commitTo(c, node, groupId, offsets, as));
}

async function commitTo(c: ClusterClient, node: number, groupId: string, offsets: GroupOffsets, as: CommitIdentity): Promise<void> {
  const v = c.version(ApiKey.OffsetCommit, 2, NAMED_TOPICS_MAX_VERSION);
  const res = await c.send(ApiKey.OffsetCommit, {
    groupId, generationIdOrMemberEpoch: as.generationId, memberId: as.memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: [...offsets].map(([name, parts]) => ({
      name,
      partitions: [...parts].map(([partitionIndex, committedOffset]) => ({
        partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '',
      })),
    })),
  }, { version: v, node });
  for (const t of res.topics) {
    for (const p of t.partitions) check(p.errorCode, `commit offset of group ${groupId} on ${t.name}-${p.partitionIndex}`);
  }
}
