// SCRAM credentials kept in the cluster state (salted only) as the SCRAM mechanisms, the
// DescribeUserScramCredentials/AlterUserScramCredentials handlers and start-up `--add-scram` see them.

import type { ClusterState, StoredScramCredential } from '../cluster/cluster-state.js';
import { createScramCredential, credentialFromSaltedPassword, isScramMechanism, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from './scram.js';

export function toStored(user: string, c: ScramCredential): StoredScramCredential {
  return { user, mechanism: c.mechanism, salt: c.salt.toString('base64'), iterations: c.iterations, storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64') };
}

function fromStored(s: StoredScramCredential): ScramCredential | null {
  if (!isScramMechanism(s.mechanism)) return null;
  return { mechanism: s.mechanism, salt: Buffer.from(s.salt, 'base64'), iterations: s.iterations, storedKey: Buffer.from(s.storedKey, 'base64'), serverKey: Buffer.from(s.serverKey, 'base64') };
}

/** Looks credentials up by (user, mechanism); reads the cluster state each time, so changes apply at once. */
export class ScramCredentialStore {
  constructor(private readonly cluster: ClusterState) {}

  lookup(user: string, mechanism: ScramMechanism): ScramCredential | null {
    const s = this.cluster.scramCredentials.find((c) => c.user === user && c.mechanism === mechanism);
    return s === undefined ? null : fromStored(s);
  }

  has(user: string, mechanism: ScramMechanism): boolean {
    return this.cluster.scramCredentials.some((c) => c.user === user && c.mechanism === mechanism);
  }
}

/** One `--add-scram` entry, parsed (src/config/add-scram.ts). */
export interface ScramUserSpec {
  mechanism: string;
  name: string;
  password?: string;
  salt?: Buffer;
  saltedPassword?: Buffer;
  iterations?: number;
}

/** Kafka's kafka-storage default for --add-scram without iterations. */
export const ADD_SCRAM_DEFAULT_ITERATIONS = 4096;

/**
 * Creates the credentials of `--add-scram` entries whose (user, mechanism) has none yet (an
 * existing one — perhaps changed since with AlterUserScramCredentials — is kept). Returns the names added.
 */
export async function addScramUsers(cluster: ClusterState, specs: readonly ScramUserSpec[]): Promise<string[]> {
  const added: string[] = [];
  const list = [...cluster.scramCredentials];
  for (const spec of specs) {
    if (!isScramMechanism(spec.mechanism)) throw new Error(`--add-scram: unknown SCRAM mechanism ${spec.mechanism}`);
    if (list.some((c) => c.user === spec.name && c.mechanism === spec.mechanism)) continue;
    const iterations = spec.iterations ?? ADD_SCRAM_DEFAULT_ITERATIONS;
    const { minIterations, maxIterations } = SCRAM_MECHANISMS[spec.mechanism];
    if (iterations < minIterations || iterations > maxIterations) {
      throw new Error(`--add-scram: iterations for ${spec.mechanism} must be between ${minIterations} and ${maxIterations} (user ${spec.name})`);
    }
    const credential =
      spec.saltedPassword !== undefined && spec.salt !== undefined
        ? credentialFromSaltedPassword(spec.mechanism, spec.salt, iterations, spec.saltedPassword)
        : createScramCredential(spec.mechanism, spec.password ?? '', iterations, spec.salt);
    list.push(toStored(spec.name, credential));
    added.push(`${spec.name} (${spec.mechanism})`);
  }
  if (added.length > 0) await cluster.setScramCredentials(list);
  return added;
}
