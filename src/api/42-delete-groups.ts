// DeleteGroups (key 42), v0-2: deletes empty groups and their committed offsets
// (NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups).

import { type DeleteGroupsRequest, type DeleteGroupsResponse, ErrorCode } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizedNames, Op, ResourceType } from './authorize.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  ...schemaVersions(42),
  async handle(request, ctx) {
    // DELETE on each group; the refused ones answer GROUP_AUTHORIZATION_FAILED.
    const deletable = authorizedNames(ctx, Op.DELETE, ResourceType.GROUP, request.groupsNames);
    const results = await ctx.broker.groups.deleteGroups(request.groupsNames.filter((g) => deletable.has(g)));
    const refused = request.groupsNames.filter((g) => !deletable.has(g)).map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
    return { throttleTimeMs: 0, results: [...results, ...refused] };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
};
