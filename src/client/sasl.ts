// SASL on a KafkaConnection, as Kafka clients do it (KIP-152): SaslHandshake v1 naming the
// mechanism, then SaslAuthenticate: one carrying `authzid NUL user NUL password` for PLAIN (RFC 4616),
// or the two rounds of SCRAM-SHA-256/512 (RFC 5802). Enough for our tools to act as a given principal
// (the conformance suite's ACL cases, the commands' -X sasl.* properties).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiKey, errorInfo } from '../codec/index.js';
import { credentialFromSaltedPassword, SCRAM_MECHANISMS, saltPassword, type ScramMechanism } from '../security/scram.js';
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
  await handshake(conn, 'PLAIN');
  await exchange(conn, credentials.username, Buffer.from(`\u0000${credentials.username}\u0000${credentials.password}`, 'utf8'));
}

/** Authenticates with PLAIN or SCRAM-SHA-256/512; throws SaslError with the broker's error code. */
export async function authenticate(conn: KafkaConnection, sasl: PlainCredentials & { mechanism: 'PLAIN' | ScramMechanism }): Promise<void> {
  if (sasl.mechanism === 'PLAIN') return authenticatePlain(conn, sasl);
  await handshake(conn, sasl.mechanism);
  const { hash } = SCRAM_MECHANISMS[sasl.mechanism];
  const hmac = (key: Buffer, text: string | Buffer) => createHmac(hash, key).update(text).digest();
  const nonce = randomBytes(24).toString('base64');
  const saslName = sasl.username.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const clientFirstBare = `n=${saslName},r=${nonce}`;
  const serverFirst = (await exchange(conn, sasl.username, Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8');
  const fields = new Map(serverFirst.split(',').map((f) => [f.slice(0, 1), f.slice(2)]));
  const serverNonce = fields.get('r') ?? '';
  const salt = Buffer.from(fields.get('s') ?? '', 'base64');
  const iterations = Number(fields.get('i'));
  if (!serverNonce.startsWith(nonce) || salt.length === 0 || !Number.isSafeInteger(iterations) || iterations <= 0) {
    throw new SaslError(`${sasl.mechanism}: the broker's first message is not SCRAM's (${JSON.stringify(serverFirst.slice(0, 60))})`, -1);
  }
  const saltedPassword = saltPassword(sasl.mechanism, sasl.password, salt, iterations);
  const { storedKey, serverKey } = credentialFromSaltedPassword(sasl.mechanism, salt, iterations, saltedPassword);
  const clientKey = hmac(saltedPassword, 'Client Key');
  const clientFinalWithoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${serverNonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
  const serverFinal = (await exchange(conn, sasl.username, Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  // The broker proves it holds the credential too (a man in the middle cannot sign the exchange).
  const expected = hmac(serverKey, authMessage);
  const got = Buffer.from(/^v=(.*)$/.exec(serverFinal)?.[1] ?? '', 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new SaslError(`${sasl.mechanism}: the broker's signature does not match`, -1);
}

async function handshake(conn: KafkaConnection, mechanism: string): Promise<void> {
  const hs = await conn.request(ApiKey.SaslHandshake, 1, { mechanism });
  if (hs.errorCode !== 0) {
    throw new SaslError(`SaslHandshake ${mechanism}: ${errorInfo(hs.errorCode)?.name ?? hs.errorCode} (broker offers ${hs.mechanisms.join(', ') || 'none'})`, hs.errorCode);
  }
}

async function exchange(conn: KafkaConnection, username: string, token: Buffer): Promise<Buffer> {
  const auth = await conn.request(ApiKey.SaslAuthenticate, 1, { authBytes: token });
  if (auth.errorCode !== 0) {
    throw new SaslError(`SaslAuthenticate as ${username}: ${errorInfo(auth.errorCode)?.name ?? auth.errorCode} ${auth.errorMessage ?? ''}`.trim(), auth.errorCode);
  }
  return auth.authBytes;
}
