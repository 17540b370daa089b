// Tokens for the OAUTHBEARER tests, made with node:crypto: Kafka's unsecured JWS (alg none) and JWTs
// signed with a generated key whose public half the test writes into a JWKS file.
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An unsecured JWS as librdkafka and Kafka's OAuthBearerUnsecuredLoginCallbackHandler make them. */
export function unsecuredToken(claims: Record<string, unknown> = {}): string {
  return `${b64({ alg: 'none' })}.${b64({ sub: 'alice', iat: nowSeconds(), exp: nowSeconds() + 3600, ...claims })}.`;
}

export interface SigningKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: KeyObject;
  /** The public key as a JWKS entry. */
  jwk: Record<string, unknown>;
}

export function signingKey(alg: 'RS256' | 'ES256', kid: string): SigningKey {
  const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { alg, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg } };
}

export function signedToken(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${b64({ iat: nowSeconds(), exp: nowSeconds() + 3600, ...claims })}`;
  const signature = sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
