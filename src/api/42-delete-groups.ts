// DeleteGroups (key 42), v0-2: deletes empty groups and their committed offsets
// (NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups).

import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  ...schemaVersions(42),
  async handle(request, ctx) {
    return { throttleTimeMs: 0, results: await ctx.broker.groups.deleteGroups(request.groupsNames) };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
};
