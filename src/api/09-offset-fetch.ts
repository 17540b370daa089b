// OffsetFetch (key 9), v0-10. v0-7 ask for one group (v2+: null topics = every committed offset, a
// top-level error code; v7: require_stable); v8+ batch several groups; v9 adds the KIP-848 member
// id and epoch; v10 names topics by id. Before v2 a group-level error is repeated per partition.
// ACLs: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED); topics the client may not DESCRIBE answer
// TOPIC_AUTHORIZATION_FAILED when named and are left out of an all-topics answer.
// On postgres:// storage a transaction's offsets wait in the database, and its coordinator may be
// another broker: a require_stable fetch first asks the group coordinator's externalPendingOffsets.

import type { OffsetFetchRequest, OffsetFetchResponse } from '../codec/index.js';
import { ErrorCode, ZERO_UUID } from '../codec/index.js';
import type { FetchResult } from '../group/index.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';

function fetchGroup(
  ctx: RequestContext,
  groupId: string,
  topics: { name: string; topicId: string; partitionIndexes: number[] }[] | null,
  requireStable: boolean,
  memberId: string | null,
  memberEpoch: number,
  unstable: ReadonlySet<string> | undefined,
): FetchResult & { topicIds: Map<string, string> } {
  const cluster = ctx.broker.cluster;
  const byId = ctx.apiVersion >= 10;
  const topicIds = new Map<string, string>();
  if (!authorize(ctx, Op.DESCRIBE, ResourceType.GROUP, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [], topicIds };
  let asked: { name: string; partitionIndexes: number[] }[] | null = null;
  if (topics !== null) {
    asked = topics.map((t) => {
      const name = byId ? (cluster.topicById(t.topicId)?.name ?? '') : t.name;
      if (byId) topicIds.set(name, t.topicId);
      return { name, partitionIndexes: t.partitionIndexes };
    });
  }
  const r = ctx.broker.groups.fetchOffsets(groupId, asked, { requireStable, memberId, memberEpoch });
  if (unstable !== undefined && unstable.size > 0) {
    for (const t of r.topics) {
      t.partitions = t.partitions.map((p) => (p.errorCode === ErrorCode.NONE && unstable.has(`${t.name}\0${p.partitionIndex}`)
        ? { partitionIndex: p.partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
        : p));
    }
  }
  const describable = authorizedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, r.topics.flatMap((t) => (t.name === '' ? [] : t.name)));
  if (topics === null) {
    r.topics = r.topics.filter((t) => describable.has(t.name));
  } else {
    for (const t of r.topics) {
      if (t.name === '' || describable.has(t.name)) continue;
      t.partitions = t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }));
    }
  }
  if (byId) {
    for (const t of r.topics) if (!topicIds.has(t.name)) topicIds.set(t.name, cluster.topic(t.name)?.id ?? ZERO_UUID);
    if (topics !== null) {
      // Unknown topic ids answer UNKNOWN_TOPIC_ID.
      r.topics.forEach((t, i) => {
        if (t.name === '') {
          for (const p of t.partitions) p.errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
          topicIds.set(`#${i}`, topics[i]!.topicId);
        }
      });
    }
  }
  return { ...r, topicIds };
}

/** Each group's partitions with a transaction's offsets pending, on postgres:// storage; undefined elsewhere. */
type Unstable = Map<string, ReadonlySet<string>> | undefined;

function answer(request: OffsetFetchRequest, ctx: RequestContext, unstable: Unstable): OffsetFetchResponse {
  const v = ctx.apiVersion;
  if (v >= 8) {
    return {
      throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE,
      groups: request.groups.map((g) => {
        const r = fetchGroup(ctx, g.groupId, g.topics, request.requireStable, v >= 9 ? g.memberId : null, g.memberEpoch, unstable?.get(g.groupId));
        return {
          groupId: g.groupId,
          errorCode: r.errorCode,
          topics: r.topics.map((t, i) => ({
            name: t.name,
            topicId: r.topicIds.get(t.name === '' ? `#${i}` : t.name) ?? ZERO_UUID,
            partitions: t.partitions,
          })),
        };
      }),
    };
  }
  const topics = v < 2 || request.topics !== null ? (request.topics ?? []).map((t) => ({ ...t, topicId: ZERO_UUID })) : null;
  const r = fetchGroup(ctx, request.groupId, topics, v >= 7 && request.requireStable, null, -1, unstable?.get(request.groupId));
  if (v < 2 && r.errorCode !== ErrorCode.NONE) {
    return {
      throttleTimeMs: 0, errorCode: r.errorCode, groups: [],
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
      })),
    };
  }
  return { throttleTimeMs: 0, errorCode: r.errorCode, groups: [], topics: r.topics };
}

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  ...schemaVersions(9),
  handle(request, ctx) {
    const external = ctx.broker.groups.externalPendingOffsets;
    if (external === undefined || !request.requireStable || ctx.apiVersion < 7) return answer(request, ctx, undefined);
    const groupIds = ctx.apiVersion >= 8 ? request.groups.map((g) => g.groupId) : [request.groupId];
    return Promise.all(groupIds.map(async (g) => [g, await external(g)] as const)).then(
      (pending) => answer(request, ctx, new Map(pending)),
      (err: unknown) => {
        // The database is unreachable: retriable, the client finds the coordinator again.
        ctx.broker.logger.warn('reading pending transactional offsets failed', { error: String(err) });
        return offsetFetchHandler.errorResponse!(request, ErrorCode.COORDINATOR_NOT_AVAILABLE, ctx);
      },
    );
  },
  errorResponse(request, errorCode, ctx) {
    if (ctx.apiVersion >= 8) {
      return { throttleTimeMs: 0, topics: [], errorCode, groups: request.groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode })) };
    }
    return { throttleTimeMs: 0, errorCode, groups: [], topics: [] };
  },
};

