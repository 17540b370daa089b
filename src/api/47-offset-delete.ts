// OffsetDelete (key 47), v0: removes committed offsets of topics the group no longer consumes
// (GROUP_SUBSCRIBED_TO_TOPIC otherwise; NON_EMPTY_GROUP for a non-consumer classic group in use).
// Topics the principal may not READ are answered TOPIC_AUTHORIZATION_FAILED; partitions of unknown
// topics, or beyond a topic's partition count, UNKNOWN_TOPIC_OR_PARTITION — both before the group is
// asked, and listed first, as Kafka's KafkaApis does.

import { ErrorCode, type OffsetDeleteRequest, type OffsetDeleteResponse, type OffsetDeleteResponseTopic } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  ...schemaVersions(47),
  async handle(request, ctx) {
    // DELETE on the group, READ on each topic (TOPIC_AUTHORIZATION_FAILED for its partitions).
    if (!authorize(ctx, Op.DELETE, ResourceType.GROUP, request.groupId)) return this.errorResponse!(request, ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const refused: OffsetDeleteResponseTopic[] = [];
    const known: { name: string; partitions: number[] }[] = [];
    for (const t of request.topics) {
      if (!readable.has(t.name)) {
        refused.push({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) });
        continue;
      }
      const count = ctx.broker.topics.topic(t.name)?.partitions ?? 0;
      const missing = t.partitions.filter((p) => p.partitionIndex < 0 || p.partitionIndex >= count);
      const present = t.partitions.filter((p) => p.partitionIndex >= 0 && p.partitionIndex < count);
      if (missing.length > 0) {
        refused.push({ name: t.name, partitions: missing.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) });
      }
      if (present.length > 0) known.push({ name: t.name, partitions: present.map((p) => p.partitionIndex) });
    }
    const r = await ctx.broker.groups.deleteOffsets(request.groupId, known);
    if (r.errorCode !== ErrorCode.NONE) return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [] };
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: mergeByName([...refused, ...r.topics]) };
  },
  errorResponse(_request, errorCode) {
    return { errorCode, throttleTimeMs: 0, topics: [] };
  },
};

/** One entry per topic, as Kafka's response builder merges them (first appearance keeps its place). */
function mergeByName(topics: OffsetDeleteResponseTopic[]): OffsetDeleteResponseTopic[] {
  const byName = new Map<string, OffsetDeleteResponseTopic>();
  for (const t of topics) {
    const seen = byName.get(t.name);
    if (seen) seen.partitions.push(...t.partitions);
    else byName.set(t.name, { name: t.name, partitions: [...t.partitions] });
  }
  return [...byName.values()];
}
