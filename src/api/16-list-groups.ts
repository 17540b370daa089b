// ListGroups (key 16), v0-5: every group with its protocol type; v4 adds the state filter, v5 the
// type filter (classic / consumer) and the group type in the answer.

import type { ListGroupsRequest, ListGroupsResponse } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, authorizeCluster, Op, ResourceType } from './authorize.js';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  ...schemaVersions(16),
  handle(request, ctx) {
    const r = ctx.broker.groups.listGroups(ctx.apiVersion >= 4 ? request.statesFilter : [], ctx.apiVersion >= 5 ? request.typesFilter : []);
    // DESCRIBE on the cluster lists every group; otherwise the groups the client may DESCRIBE.
    const groups = authorizeCluster(ctx, Op.DESCRIBE, { logIfDenied: false }) ? r.groups : r.groups.filter((g) => authorize(ctx, Op.DESCRIBE, ResourceType.GROUP, g.groupId, { logIfDenied: false }));
    return { throttleTimeMs: 0, errorCode: r.errorCode, groups };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, groups: [] };
  },
};
