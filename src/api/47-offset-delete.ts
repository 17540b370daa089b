// OffsetDelete (key 47), v0: removes committed offsets of topics the group no longer consumes
// (GROUP_SUBSCRIBED_TO_TOPIC otherwise; NON_EMPTY_GROUP for a non-consumer classic group in use).

import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  ...schemaVersions(47),
  async handle(request, ctx) {
    const r = await ctx.broker.groups.deleteOffsets(
      request.groupId,
      request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics };
  },
  errorResponse(_request, errorCode) {
    return { errorCode, throttleTimeMs: 0, topics: [] };
  },
};
