// OffsetCommit (key 8), v0-10. v0 commits without a member (simple consumers, admin); v1+ carry the
// generation (or KIP-848 member epoch) and member id; v2-4 an explicit retention time; v10 names
// topics by id. Partitions of unknown topics answer UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID
// in v10); the rest go to the coordinator, which stores them durably before answering. ACLs: READ
// on the group (else GROUP_AUTHORIZATION_FAILED everywhere) and on each topic (TOPIC_AUTHORIZATION_FAILED).

import type { OffsetCommitRequest, OffsetCommitResponse } from '../codec/index.js';
import { ErrorCode, ZERO_UUID } from '../codec/index.js';
import type { CommitRequest } from '../group/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';
import { learnTopics } from './cluster-view.js';

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  ...schemaVersions(8),
  async handle(request, ctx) {
    const v = ctx.apiVersion;
    await learnTopics(ctx, v >= 10 ? [] : request.topics.map((t) => t.name), v >= 10 ? request.topics.map((t) => t.topicId) : []);
    const cluster = ctx.broker.cluster;
    if (!authorize(ctx, Op.READ, ResourceType.GROUP, request.groupId)) return this.errorResponse!(request, ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.flatMap((t) => (v >= 10 ? (cluster.topicById(t.topicId)?.name ?? []) : t.name)));
    const out: OffsetCommitResponse = { throttleTimeMs: 0, topics: [] };
    const valid: CommitRequest['topics'] = [];
    const slot = new Map<number, OffsetCommitResponse['topics'][number]>();
    request.topics.forEach((t) => {
      const info = v >= 10 ? cluster.topicById(t.topicId) : cluster.topic(t.name);
      const name = info?.name ?? t.name;
      const rt = { name, topicId: v >= 10 ? t.topicId : ZERO_UUID, partitions: [] as { partitionIndex: number; errorCode: number }[] };
      out.topics.push(rt);
      if ((v < 10 || info !== undefined) && !readable.has(name)) {
        for (const p of t.partitions) rt.partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
        return;
      }
      const ok = t.partitions.filter((p) => info !== undefined && p.partitionIndex >= 0 && p.partitionIndex < info.partitions);
      for (const p of t.partitions) {
        if (!ok.includes(p)) {
          rt.partitions.push({
            partitionIndex: p.partitionIndex,
            errorCode: info === undefined && v >= 10 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          });
        }
      }
      if (ok.length > 0) {
        slot.set(valid.length, rt);
        valid.push({ name, partitions: ok });
      }
    });
    // Nothing valid to commit: Kafka does not reach the coordinator (no group is created).
    if (valid.length === 0) return out;
    const result = await ctx.broker.groups.commitOffsets(
      {
        groupId: request.groupId,
        generationIdOrMemberEpoch: v >= 1 ? request.generationIdOrMemberEpoch : -1,
        memberId: v >= 1 ? request.memberId : '',
        groupInstanceId: v >= 7 ? request.groupInstanceId : null,
        retentionTimeMs: v >= 2 && v <= 4 ? request.retentionTimeMs : -1,
        topics: valid,
      },
      v,
    );
    result.topics.forEach((t, i) => slot.get(i)!.partitions.push(...t.partitions));
    return out;
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name, topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    };
  },
};
