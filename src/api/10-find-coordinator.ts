// FindCoordinator (key 10), v0-6. A single node coordinates every group and transactional id; with
// several brokers (identities, or postgres:// storage) the leader of the key's partition does:
// v0-3 answer one key, v4+ answer each of the batched coordinator_keys (KIP-699). Key types 0
// (group) and 1 (transaction) are served, any key (Kafka does not check it, an empty group id
// included); share-group keys (2: no share coordinator here) and unknown types get INVALID_REQUEST.
// ACLs: DESCRIBE on the group or transactional id named by the key.

import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../codec/index.js';
import { ERROR_TABLE, ErrorCode } from '../codec/index.js';
import { advertisedFor, type RequestContext } from './context.js';
import { brokerEndpoint } from './cluster-view.js';
import { coordinatorNode } from './coordinator-gate.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

function answer(keyType: number, key: string, ctx: RequestContext): { errorCode: number; errorMessage: string | null; nodeId: number; host: string; port: number } {
  if (keyType !== 0 && keyType !== 1) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported key type ${keyType}`, nodeId: -1, host: '', port: -1 };
  }
  if (keyType === 0 && !authorize(ctx, Op.DESCRIBE, ResourceType.GROUP, key)) return unauthorized(ErrorCode.GROUP_AUTHORIZATION_FAILED, ctx);
  if (keyType === 1 && !authorize(ctx, Op.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) return unauthorized(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ctx);
  if (ctx.broker.membership !== undefined || ctx.broker.pg !== undefined) {
    // Several identities, or brokers sharing a database: the leader of the key's internal-topic partition coordinates it.
    const owner = brokerEndpoint(ctx, coordinatorNode(ctx, keyType === 0 ? { group: key } : { txn: key }));
    if (owner === undefined) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null, nodeId: -1, host: '', port: -1 };
    return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: owner.nodeId, host: owner.host, port: owner.port };
  }
  const { host, port } = advertisedFor(ctx);
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: ctx.broker.cluster.nodeId, host, port };
}

/** v0-3 carry Kafka's message for the error (its error response); v4+ per key, no message. */
function unauthorized(errorCode: number, ctx: RequestContext) {
  const errorMessage = ctx.apiVersion < 4 ? (ERROR_TABLE.find((e) => e.code === errorCode)?.message ?? null) : null;
  return { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  ...schemaVersions(10),
  handle(request, ctx) {
    if (ctx.apiVersion >= 4) {
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: -1, host: '', port: -1,
        coordinators: request.coordinatorKeys.map((key) => ({ key, ...answer(request.keyType, key, ctx) })),
      };
    }
    return { throttleTimeMs: 0, ...answer(ctx.apiVersion >= 1 ? request.keyType : 0, request.key, ctx), coordinators: [] };
  },
  errorResponse(request, errorCode, ctx) {
    const none = { errorCode, errorMessage: null, nodeId: -1, host: '', port: -1 };
    return {
      throttleTimeMs: 0, ...none,
      coordinators: ctx.apiVersion >= 4 ? request.coordinatorKeys.map((key) => ({ key, ...none })) : [],
    };
  },
};
