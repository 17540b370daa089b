// OffsetDelete (key 47), v0: removes committed offsets of topics the group no longer consumes
// (GROUP_SUBSCRIBED_TO_TOPIC otherwise; NON_EMPTY_GROUP for a non-consumer classic group in use).

import { ErrorCode, type OffsetDeleteRequest, type OffsetDeleteResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizedNames, Op, ResourceType } from './authorize.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  ...schemaVersions(47),
  async handle(request, ctx) {
    // DELETE on the group, READ on each topic (TOPIC_AUTHORIZATION_FAILED for its partitions).
    if (!authorize(ctx, Op.DELETE, ResourceType.GROUP, request.groupId)) return this.errorResponse!(request, ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const r = await ctx.broker.groups.deleteOffsets(
      request.groupId,
      request.topics.filter((t) => readable.has(t.name)).map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    const refused = request.topics.filter((t) => !readable.has(t.name)).map((t) => ({
      name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
    }));
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.errorCode === ErrorCode.NONE ? [...r.topics, ...refused] : r.topics };
  },
  errorResponse(_request, errorCode) {
    return { errorCode, throttleTimeMs: 0, topics: [] };
  },
};
