// SASL/PLAIN on a KafkaConnection, as Kafka clients do it (KIP-152): SaslHandshake v1 naming the
// mechanism, then one SaslAuthenticate carrying `authzid NUL user NUL password` (RFC 4616). Enough for
// our tools to act as a given principal (the conformance suite's ACL cases); no other mechanism.

import { ApiKey, errorInfo } from '../codec/index.js';
import type { KafkaConnection } from './connection.js';

export interface PlainCredentials {
  username: string;
  password: string;
}

export class SaslError extends Error {
  override readonly name = 'SaslError';
  constructor(message: string, readonly errorCode: number) {
    super(message);
  }
}

/** "user:password" → credentials (the password may contain ':'). */
export function parsePlainCredentials(s: string): PlainCredentials {
  const i = s.indexOf(':');
  if (i <= 0) throw new Error(`expected USER:PASSWORD, got ${JSON.stringify(s.replace(/:.*/, ':…'))}`);
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

/** Authenticates the connection with SASL/PLAIN; throws SaslError with the broker's error code. */
export async function authenticatePlain(conn: KafkaConnection, credentials: PlainCredentials): Promise<void> {
  const hs = await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  if (hs.errorCode !== 0) {
    throw new SaslError(`SaslHandshake PLAIN: ${errorInfo(hs.errorCode)?.name ?? hs.errorCode} (broker offers ${hs.mechanisms.join(', ') || 'none'})`, hs.errorCode);
  }
  const token = Buffer.from(`\u0000${credentials.username}\u0000${credentials.password}`, 'utf8');
  const auth = await conn.request(ApiKey.SaslAuthenticate, 1, { authBytes: token });
  if (auth.errorCode !== 0) {
    throw new SaslError(`SaslAuthenticate as ${credentials.username}: ${errorInfo(auth.errorCode)?.name ?? auth.errorCode} ${auth.errorMessage ?? ''}`.trim(), auth.errorCode);
  }
}
