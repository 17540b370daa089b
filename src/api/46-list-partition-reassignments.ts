// ListPartitionReassignments (key 46), v0: no reassignment is ever in progress on a one-node
// cluster (a valid one completes at once), so the list is empty, as Kafka's controller answers
// when none is ongoing, whether all partitions or named ones are asked.

import type { EncodeInput, ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const listPartitionReassignmentsHandler: ApiHandler<ListPartitionReassignmentsRequest, EncodeInput<ListPartitionReassignmentsResponse>> = {
  ...schemaVersions(46),
  handle(_request, ctx) {
    if (!authorizeCluster(ctx, Op.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, topics: [] };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] };
  },
};
