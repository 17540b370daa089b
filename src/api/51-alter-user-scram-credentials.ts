// AlterUserScramCredentials (key 51), v0: deletes and upserts SCRAM credentials, with the checks and
// messages of Kafka's ScramControlManager (a user altered twice, an empty name, an unknown
// mechanism, iterations outside [mechanism minimum, 16384], deleting what does not exist). Clients
// send the salted password, never the password; only salt, StoredKey and ServerKey are kept
// (the cluster state), in force for the next authentication. ACLs: ALTER on the cluster.

import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import type { StoredScramCredential } from '../cluster/cluster-state.js';
import { credentialFromSaltedPassword, SCRAM_MECHANISMS, scramMechanismOfType } from '../security/scram.js';
import { toStored } from '../security/scram-store.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

type Result = { user: string; errorCode: number; errorMessage: string | null };
const TWICE = 'A user credential cannot be altered twice in the same request';

function nameAndMechanismProblem(name: string, mechanismType: number): Result | null {
  if (name === '') return { user: name, errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
  if (scramMechanismOfType(mechanismType) === null) return { user: name, errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
  return null;
}

export const alterUserScramCredentialsHandler: ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> = {
  ...schemaVersions(51),
  async handle(request, ctx: RequestContext) {
    const users = [...request.deletions, ...request.upsertions].map((x) => x.name);
    if (!authorizeCluster(ctx, Op.ALTER)) {
      return { throttleTimeMs: 0, results: [...new Set(users)].map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    const { cluster } = ctx.broker;
    const exists = (name: string, type: number) => cluster.scramCredentials.some((c) => c.user === name && c.mechanism === scramMechanismOfType(type));
    const errors = new Map<string, Result>();
    const deletions = new Map<string, (typeof request.deletions)[number]>();
    const upsertions = new Map<string, (typeof request.upsertions)[number]>();
    for (const d of request.deletions) {
      if (errors.has(d.name)) continue;
      if (deletions.delete(d.name)) {
        errors.set(d.name, { user: d.name, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: TWICE });
        continue;
      }
      const problem = nameAndMechanismProblem(d.name, d.mechanism) ??
        (exists(d.name, d.mechanism) ? null : { user: d.name, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' });
      if (problem !== null) errors.set(d.name, problem);
      else deletions.set(d.name, d);
    }
    for (const u of request.upsertions) {
      if (errors.has(u.name)) continue;
      if (deletions.delete(u.name) || upsertions.delete(u.name)) {
        errors.set(u.name, { user: u.name, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: TWICE });
        continue;
      }
      let problem = nameAndMechanismProblem(u.name, u.mechanism);
      if (problem === null) {
        const { minIterations, maxIterations } = SCRAM_MECHANISMS[scramMechanismOfType(u.mechanism)!];
        if (u.iterations < minIterations) problem = { user: u.name, errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
        else if (u.iterations > maxIterations) problem = { user: u.name, errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
      }
      if (problem !== null) errors.set(u.name, problem);
      else upsertions.set(u.name, u);
    }
    let list: StoredScramCredential[] = [...cluster.scramCredentials];
    const results: Result[] = [];
    for (const d of deletions.values()) {
      const mechanism = scramMechanismOfType(d.mechanism);
      list = list.filter((c) => !(c.user === d.name && c.mechanism === mechanism));
      results.push({ user: d.name, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    for (const u of upsertions.values()) {
      const mechanism = scramMechanismOfType(u.mechanism)!;
      const stored = toStored(u.name, credentialFromSaltedPassword(mechanism, Buffer.from(u.salt), u.iterations, Buffer.from(u.saltedPassword)));
      list = [...list.filter((c) => !(c.user === u.name && c.mechanism === mechanism)), stored];
      results.push({ user: u.name, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    results.push(...errors.values());
    if (deletions.size + upsertions.size > 0) await cluster.setScramCredentials(list);
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode) {
    const users = new Set([...request.deletions, ...request.upsertions].map((x) => x.name));
    return { throttleTimeMs: 0, results: [...users].map((user) => ({ user, errorCode, errorMessage: null })) };
  },
};
