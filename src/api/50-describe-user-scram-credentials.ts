// DescribeUserScramCredentials (key 50), v0: the SCRAM mechanisms and iteration counts of users (never
// salts or keys), as Kafka's ScramImage describes them: all users when none are named, Kafka's
// messages for a user named twice or without credentials. ACLs: DESCRIBE on the cluster.

import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { SCRAM_MECHANISMS, isScramMechanism } from '../security/scram.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

export const describeUserScramCredentialsHandler: ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> = {
  ...schemaVersions(50),
  handle(request, ctx: RequestContext) {
    if (!authorizeCluster(ctx, Op.DESCRIBE)) return this.errorResponse!(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ctx);
    const byUser = new Map<string, { mechanism: number; iterations: number }[]>();
    for (const c of ctx.broker.cluster.scramCredentials) {
      if (!isScramMechanism(c.mechanism)) continue;
      const list = byUser.get(c.user) ?? [];
      list.push({ mechanism: SCRAM_MECHANISMS[c.mechanism].type, iterations: c.iterations });
      byUser.set(c.user, list);
    }
    const describe = (user: string) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: byUser.get(user)! });
    const named = request.users ?? [];
    if (named.length === 0) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: [...byUser.keys()].map(describe) };
    const counts = new Map<string, number>();
    for (const { name } of named) counts.set(name, (counts.get(name) ?? 0) + 1);
    const results = [...counts].map(([user, count]) => {
      if (count > 1) {
        return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
      }
      if (!byUser.has(user)) {
        return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
      }
      return describe(user);
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, results: [] };
  },
};
