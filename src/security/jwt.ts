// JSON Web Tokens as OAUTHBEARER carries them: the compact JWS form (RFC 7515) split and decoded,
// signatures checked with node:crypto (RS*, PS*, ES*, EdDSA), and the verification keys read from a
// local JWKS file (RFC 7517), re-read when the file changes (as Kafka 4.3's JwksFileVerificationKeyResolver
// does). No network: keys come only from files.

import { createPublicKey, type KeyObject, constants, verify } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** A token that cannot be used; the message is for the broker's log and never quotes the token. */
export class JwtError extends Error {
  override name = 'JwtError';
}

export interface CompactJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `<header>.<payload>`, what the signature covers. */
  signingInput: string;
  /** The third part, base64url; '' for an unsecured JWS. */
  signature: string;
}

/** Splits and decodes `header.payload.signature` (the signature may be empty: alg none). */
export function decodeCompactJws(token: string): CompactJws {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('a JWS compact serialization must have 3 dot-separated Base64URL-encoded values');
  const [header, payload, signature] = parts;
  if (header === '' || payload === '') throw new JwtError("malformed compact serialization contains '..'");
  return { header: jsonPart(header, 'header'), claims: jsonPart(payload, 'payload'), signingInput: `${header}.${payload}`, signature };
}

const BASE64URL = /^[A-Za-z0-9_\-+/]*={0,2}$/;

function jsonPart(part: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(part)) throw new JwtError(`malformed Base64 URL encoded value (JWS ${what})`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError(`malformed JSON (JWS ${what})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new JwtError(`malformed JSON (JWS ${what} is not an object)`);
  return value as Record<string, unknown>;
}

interface Algorithm {
  /** The JWK key types it verifies with. */
  keyTypes: readonly string[];
  hash: string | null;
  /** For EC: the curve the key must be on (JWK crv). */
  curve?: string;
  pss?: boolean;
}

const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { keyTypes: ['rsa'], hash: 'sha256' },
  RS384: { keyTypes: ['rsa'], hash: 'sha384' },
  RS512: { keyTypes: ['rsa'], hash: 'sha512' },
  PS256: { keyTypes: ['rsa', 'rsa-pss'], hash: 'sha256', pss: true },
  PS384: { keyTypes: ['rsa', 'rsa-pss'], hash: 'sha384', pss: true },
  PS512: { keyTypes: ['rsa', 'rsa-pss'], hash: 'sha512', pss: true },
  ES256: { keyTypes: ['ec'], hash: 'sha256', curve: 'prime256v1' },
  ES384: { keyTypes: ['ec'], hash: 'sha384', curve: 'secp384r1' },
  ES512: { keyTypes: ['ec'], hash: 'sha512', curve: 'secp521r1' },
  EdDSA: { keyTypes: ['ed25519', 'ed448'], hash: null },
};

/** Whether `key` can verify signatures of `alg` (JWS algorithm name). */
export function keyFitsAlgorithm(alg: string, key: KeyObject): boolean {
  const algorithm = ALGORITHMS[alg];
  if (algorithm === undefined || !algorithm.keyTypes.includes(key.asymmetricKeyType ?? '')) return false;
  return algorithm.curve === undefined || key.asymmetricKeyDetails?.namedCurve === algorithm.curve;
}

/** Checks the JWS signature of `jws` with `key`; false when it does not match. */
export function verifyJwsSignature(jws: CompactJws, key: KeyObject): boolean {
  const alg = String(jws.header.alg);
  const algorithm = ALGORITHMS[alg];
  if (algorithm === undefined || !keyFitsAlgorithm(alg, key)) return false;
  const signature = Buffer.from(jws.signature, 'base64url');
  const data = Buffer.from(jws.signingInput, 'ascii');
  try {
    if (algorithm.pss) return verify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    if (algorithm.keyTypes[0] === 'ec') return verify(algorithm.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(algorithm.hash, data, key, signature);
  } catch {
    // A signature OpenSSL cannot even parse (wrong length, bad encoding) is just a bad signature.
    return false;
  }
}

export function isSupportedAlgorithm(alg: unknown): alg is string {
  return typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg);
}

interface Jwk {
  kid: string | undefined;
  alg: string | undefined;
  key: KeyObject;
}

/**
 * The verification keys of a JWKS file. The file is read at start-up (a missing or unreadable file,
 * or one with no usable key, is a start-up error) and again whenever its modification time changes;
 * a later unusable version throws from refresh() and the previous keys stay in use.
 */
export class JwksFile {
  private keys: Jwk[];
  private mtimeMs: number;

  constructor(readonly path: string) {
    this.mtimeMs = statSync(path).mtimeMs;
    this.keys = parseJwks(readFileSync(path, 'utf8'), path);
  }

  /** Re-reads the file if it changed; throws (keeping the old keys) when the new version is unusable. */
  refresh(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch (err) {
      throw new JwtError(`cannot read the JWKS file ${this.path}: ${(err as Error).message}`);
    }
    if (mtimeMs === this.mtimeMs) return;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new JwtError(`cannot read the JWKS file ${this.path}: ${(err as Error).message}`);
    }
    // A bad version is tried again at the next token only once the file changes again.
    this.mtimeMs = mtimeMs;
    this.keys = parseJwks(text, this.path);
  }

  /**
   * The keys that may have signed a token with this header, as jose4j's VerificationJwkSelector picks
   * them: same `kid` when the token names one, a key type that fits `alg`, and the key's own `alg` if it has one.
   */
  candidates(header: Record<string, unknown>): KeyObject[] {
    const alg = String(header.alg);
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    return this.keys.filter((k) => (kid === undefined || k.kid === kid) && (k.alg === undefined || k.alg === alg) && keyFitsAlgorithm(alg, k.key)).map((k) => k.key);
  }
}

function parseJwks(text: string, path: string): Jwk[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new JwtError(`the JWKS file ${path} is not JSON: ${(err as Error).message}`);
  }
  const entries = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(entries)) throw new JwtError(`the JWKS file ${path} has no "keys" array`);
  const keys: Jwk[] = [];
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') continue;
    const jwk = entry as Record<string, unknown>;
    // Encryption keys and symmetric ones (kty oct) never verify a signature here.
    if (jwk.use === 'enc' || jwk.kty === 'oct') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined, key });
  }
  if (keys.length === 0) throw new JwtError(`the JWKS file ${path} has no usable public key (RSA, EC or OKP)`);
  return keys;
}
