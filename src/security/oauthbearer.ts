// SASL/OAUTHBEARER (RFC 7628) as Kafka's OAuthBearerSaslServer serves it. The client's one message is
// `n,[a=authzid],^Aauth=Bearer <token>^A[key=value^A]*^A`; the token is handed to a validator:
//  - UnsecuredJwsValidator: Kafka's default when the listener names no server callback handler
//    (OAuthBearerUnsecuredValidatorCallbackHandler): an unsigned JWS (alg none) for development, with
//    the unsecuredValidator* JAAS options;
//  - SignedJwtValidator: Kafka's OAuthBearerValidatorCallbackHandler (KIP-768): a signed JWT checked
//    against the keys of a JWKS file, the expected issuer and audience, exp/iat with clock skew.
// A rejected token is answered, as RFC 7628 and Kafka do, with a successful SaslAuthenticate carrying
// the error JSON (`{"status":"invalid_token"}`); the client then sends %x01 and is told
// SASL_AUTHENTICATION_FAILED with that JSON as the message. The token itself is never logged.

import { type SaslExchange, type SaslServerMechanism, SaslAuthenticationFailure, genericFailure } from './sasl.js';
import { type CompactJws, JwtError, type JwksFile, decodeCompactJws, isSupportedAlgorithm, verifyJwsSignature } from './jwt.js';

export const OAUTHBEARER = 'OAUTHBEARER';

/** What a validator decided about one token. */
export type TokenValidation =
  | { ok: true; principal: string; /** ms since the epoch (the exp claim) */ expiresAtMs: number }
  | { ok: false; status: 'invalid_token' | 'insufficient_scope'; scope?: string; /** for the log only */ reason: string };

export interface OAuthBearerValidator {
  validate(tokenValue: string, nowMs: number): TokenValidation;
}

/** A token refused for `reason` (log only); `scope` set for insufficient_scope, as Kafka's failureScope. */
class TokenRejected extends Error {
  constructor(
    readonly reason: string,
    readonly scope?: string,
  ) {
    super(reason);
  }
}

function rejection(err: unknown): TokenValidation {
  if (err instanceof TokenRejected) return { ok: false, status: err.scope !== undefined ? 'insufficient_scope' : 'invalid_token', scope: err.scope, reason: err.reason };
  if (err instanceof JwtError) return { ok: false, status: 'invalid_token', reason: err.message };
  throw err;
}

// --- the client's initial response (Kafka's OAuthBearerClientInitialResponse grammar)
const SEP = '\u0001';
const SASLNAME = '(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+';
const KVPAIR = `[A-Za-z]+=[\\x21-\\x7E \\t\\r\\n]+${SEP}`;
const CLIENT_INITIAL_RESPONSE = new RegExp(`^n,(?:a=(${SASLNAME}))?,${SEP}((?:${KVPAIR})*)${SEP}$`);
const AUTH = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;

export interface ClientInitialResponse {
  authorizationId: string;
  token: string;
  extensions: Map<string, string>;
}

/** Parses the client's message; throws an Error (never quoting the token) when it does not fit. */
export function parseClientInitialResponse(message: string): ClientInitialResponse {
  const m = CLIENT_INITIAL_RESPONSE.exec(message);
  if (m === null) throw new Error('Invalid OAUTHBEARER client first message');
  const extensions = new Map<string, string>();
  for (const pair of m[2].split(SEP)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    extensions.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const auth = extensions.get('auth');
  if (auth === undefined) throw new Error("Invalid OAUTHBEARER client first message: 'auth' not specified");
  extensions.delete('auth');
  const a = AUTH.exec(auth);
  if (a === null) throw new Error("Invalid OAUTHBEARER client first message: invalid 'auth' format");
  if (a[1].toLowerCase() !== 'bearer') throw new Error('Invalid scheme in OAUTHBEARER client first message');
  return { authorizationId: m[1] ?? '', token: a[2], extensions };
}

/** Kafka's error response (OAuthBearerSaslServer.jsonErrorResponse), byte for byte. */
export function jsonErrorResponse(status: string, scope?: string): string {
  return `{"status":"${status}"${scope !== undefined ? `, "scope":"${scope}"` : ''}}`;
}

export class OAuthBearerServer implements SaslServerMechanism {
  readonly mechanism = OAUTHBEARER;
  /** The error JSON sent last, with why (for the log): the client's %x01 turns it into the failure. */
  private error: { json: string; reason: string } | null = null;
  private done = false;

  constructor(
    private readonly validator: OAuthBearerValidator,
    private readonly now: () => number,
  ) {}

  evaluate(token: Buffer): SaslExchange {
    if (this.done) throw genericFailure(OAUTHBEARER, 'OAUTHBEARER: a token after the exchange completed');
    if (token.length === 1 && token[0] === 0x01 && this.error !== null) {
      this.done = true;
      throw new SaslAuthenticationFailure(this.error.json, `OAUTHBEARER: ${this.error.reason}`);
    }
    this.error = null;
    let response: ClientInitialResponse;
    try {
      response = parseClientInitialResponse(token.toString('utf8'));
    } catch (err) {
      this.done = true;
      throw genericFailure(OAUTHBEARER, `OAUTHBEARER: ${(err as Error).message}`);
    }
    const result = this.validator.validate(response.token, this.now());
    if (!result.ok) {
      const json = jsonErrorResponse(result.status, result.scope);
      this.error = { json, reason: result.reason };
      return { response: Buffer.from(json, 'utf8') };
    }
    this.done = true;
    if (response.authorizationId !== '' && response.authorizationId !== result.principal) {
      throw new SaslAuthenticationFailure(
        `Authentication failed: Client requested an authorization id (${response.authorizationId}) that is different from the token's principal name (${result.principal})`,
      );
    }
    // Both of Kafka's validator callback handlers accept every SASL extension.
    return { response: Buffer.alloc(0), authenticatedUser: result.principal, credentialExpiresAtMs: result.expiresAtMs };
  }
}

// --- unsecured tokens (OAuthBearerUnsecuredJws + OAuthBearerUnsecuredValidatorCallbackHandler)

export interface UnsecuredValidatorOptions {
  /** unsecuredValidatorPrincipalClaimName (default sub). */
  principalClaimName: string;
  /** unsecuredValidatorScopeClaimName (default scope). */
  scopeClaimName: string;
  /** unsecuredValidatorRequiredScope, space-separated. */
  requiredScope: string[];
  /** unsecuredValidatorAllowableClockSkewMs (default 0). */
  allowableClockSkewMs: number;
}

/** The options from the OAUTHBEARER JAAS login module; throws an Error naming a bad one. */
export function unsecuredValidatorOptions(options: ReadonlyMap<string, string>): UnsecuredValidatorOptions {
  const text = (key: string, dflt: string) => {
    const v = options.get(key)?.trim() ?? '';
    return v === '' ? dflt : v;
  };
  const skewText = text('unsecuredValidatorAllowableClockSkewMs', '0');
  const skew = Number(skewText);
  if (!/^-?\d+$/.test(skewText) || !Number.isSafeInteger(skew)) throw new Error(`unsecuredValidatorAllowableClockSkewMs is not an integer: ${skewText}`);
  if (skew < 0) throw new Error(`Allowable clock skew millis must not be negative: ${skewText}`);
  return {
    principalClaimName: text('unsecuredValidatorPrincipalClaimName', 'sub'),
    scopeClaimName: text('unsecuredValidatorScopeClaimName', 'scope'),
    requiredScope: text('unsecuredValidatorRequiredScope', '').split(' ').filter((s) => s !== ''),
    allowableClockSkewMs: skew,
  };
}

export class UnsecuredJwsValidator implements OAuthBearerValidator {
  constructor(private readonly options: UnsecuredValidatorOptions) {}

  validate(tokenValue: string, nowMs: number): TokenValidation {
    try {
      return this.check(tokenValue, nowMs);
    } catch (err) {
      return rejection(err);
    }
  }

  private check(tokenValue: string, nowMs: number): TokenValidation {
    const { principalClaimName, scopeClaimName, requiredScope, allowableClockSkewMs: skew } = this.options;
    if (tokenValue.includes('..')) throw new TokenRejected("Malformed compact serialization contains '..'");
    const jws = decodeCompactJws(tokenValue);
    if (jws.header.alg === undefined || jws.header.alg === null) throw new TokenRejected('JWS header must have an Algorithm value');
    if (jws.header.alg !== 'none') throw new TokenRejected("Unsecured JWS must have 'none' for an algorithm");
    if (jws.signature !== '') throw new TokenRejected('Unsecured JWS must not contain a digital signature');
    const claims = jws.claims;
    const scope = tokenScope(claims[scopeClaimName], scopeClaimName);
    const exp = claims.exp;
    if (exp === undefined || exp === null) throw new TokenRejected('No expiration time in JWT');
    if (typeof exp !== 'number') throw new TokenRejected("The 'exp' claim was not of type Number");
    const principal = claims[principalClaimName];
    if (principal !== undefined && principal !== null && typeof principal !== 'string') throw new TokenRejected(`The '${principalClaimName}' claim was not of type String`);
    if (typeof principal !== 'string' || principal.trim() === '') throw new TokenRejected(`No principal name in JWT claim: ${principalClaimName}`);
    const iat = claims.iat;
    if (iat !== undefined && iat !== null && typeof iat !== 'number') throw new TokenRejected("The 'iat' claim was not of type Number");
    if (typeof iat === 'number' && 1000 * iat > nowMs + skew) {
      throw new TokenRejected(`The Issued At value (${iat} seconds) was after the indicated time (${nowMs} ms) plus allowable clock skew (${skew} ms)`);
    }
    if (nowMs - skew >= 1000 * exp) {
      throw new TokenRejected(`The indicated time (${nowMs} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp} seconds)`);
    }
    if (typeof iat === 'number' && exp <= iat) throw new TokenRejected(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
    for (const required of requiredScope) {
      if (!scope.has(required)) {
        // Kafka reports the required scope as Java prints a list: [a, b].
        throw new TokenRejected(`The provided scope was missing a required scope (${required})`, `[${requiredScope.join(', ')}]`);
      }
    }
    return { ok: true, principal, expiresAtMs: Math.round(exp * 1000) };
  }
}

/** A scope claim: one string is one scope element (as Kafka reads it), an array is a list of them. */
function tokenScope(value: unknown, claimName: string): Set<string> {
  if (value === undefined || value === null) return new Set();
  if (typeof value === 'string') return value.trim() === '' ? new Set() : new Set([value.trim()]);
  if (Array.isArray(value)) return new Set(value.map((v) => String(v).trim()).filter((v) => v !== ''));
  throw new TokenRejected(`The '${claimName}' claim was not of type List`);
}

// --- signed tokens (Kafka's BrokerJwtValidator, on jose4j)

export interface SignedJwtValidatorOptions {
  keys: JwksFile;
  /** sasl.oauthbearer.expected.issuer; null: any. */
  expectedIssuer: string | null;
  /** sasl.oauthbearer.expected.audience; empty: a token naming an audience is refused (jose4j's default). */
  expectedAudience: string[];
  /** sasl.oauthbearer.clock.skew.seconds (default 30). */
  clockSkewSeconds: number;
  /** sasl.oauthbearer.sub.claim.name (default sub). */
  subClaimName: string;
  /** sasl.oauthbearer.scope.claim.name (default scope). */
  scopeClaimName: string;
}

export class SignedJwtValidator implements OAuthBearerValidator {
  constructor(private readonly options: SignedJwtValidatorOptions) {}

  validate(tokenValue: string, nowMs: number): TokenValidation {
    try {
      return this.check(tokenValue.trim(), nowMs);
    } catch (err) {
      return rejection(err);
    }
  }

  private check(tokenValue: string, nowMs: number): TokenValidation {
    const { expectedIssuer, expectedAudience, clockSkewSeconds: skew, subClaimName, scopeClaimName } = this.options;
    const parts = tokenValue.split('.');
    if (parts.length !== 3 || parts.some((p) => p === '')) throw new TokenRejected('malformed JWT provided; expected three sections (header, payload, and signature)');
    const jws = decodeCompactJws(tokenValue);
    const alg = jws.header.alg;
    if (alg === 'none') throw new TokenRejected("the JWS algorithm 'none' is not allowed");
    if (!isSupportedAlgorithm(alg)) throw new TokenRejected(`unsupported JWS algorithm ${JSON.stringify(alg)}`);
    this.verifySignature(jws);
    const claims = jws.claims;
    const now = Math.floor(nowMs / 1000);
    const exp = numericDate(claims, 'exp', 'Expiration Time');
    const iat = numericDate(claims, 'iat', 'Issued At');
    if (exp === null) throw new TokenRejected('No Expiration Time (exp) claim present.');
    if (iat === null) throw new TokenRejected('No Issued At (iat) claim present.');
    if (now - skew >= exp) throw new TokenRejected(`The JWT is no longer valid - the evaluation time ${now} is on or after the Expiration Time (exp=${exp}) claim value (with ${skew} seconds of clock skew)`);
    const nbf = numericDate(claims, 'nbf', 'Not Before');
    if (nbf !== null && now + skew < nbf) throw new TokenRejected(`The JWT is not yet valid as the evaluation time ${now} is before the Not Before (nbf=${nbf}) claim time`);
    if (expectedIssuer !== null && claims.iss !== expectedIssuer) {
      throw new TokenRejected(claims.iss === undefined ? `No Issuer (iss) claim present but was expecting ${expectedIssuer}` : `Issuer (iss) claim value (${String(claims.iss)}) doesn't match expected value of ${expectedIssuer}`);
    }
    this.checkAudience(claims.aud);
    const sub = claims[subClaimName];
    if (sub !== undefined && sub !== null && typeof sub !== 'string') throw new TokenRejected(`Could not extract the '${subClaimName}' claim from the access token`);
    if (typeof sub !== 'string' || sub.trim() === '') throw new TokenRejected(`${subClaimName} value must be non-null and non-empty`);
    const scope = claims[scopeClaimName];
    const scopes = typeof scope === 'string' ? [scope] : Array.isArray(scope) ? scope : [];
    if (scopes.some((s) => typeof s !== 'string' || s.trim() === '')) throw new TokenRejected(`${scopeClaimName} value must be non-null and non-empty`);
    return { ok: true, principal: sub.trim(), expiresAtMs: exp * 1000 };
  }

  private verifySignature(jws: CompactJws): void {
    // A JWKS file changed into something unusable leaves the previous keys in use; the refusal it may
    // cause says so in the log.
    let keysProblem = '';
    try {
      this.options.keys.refresh();
    } catch (err) {
      keysProblem = ` (the previous keys are in use: ${(err as Error).message})`;
    }
    const candidates = this.options.keys.candidates(jws.header);
    if (candidates.length === 0) {
      const kid = typeof jws.header.kid === 'string' ? ` with kid ${jws.header.kid}` : '';
      throw new TokenRejected(`Unable to find a suitable verification key for JWS ${String(jws.header.alg)}${kid} in ${this.options.keys.path}${keysProblem}`);
    }
    if (!candidates.some((key) => verifyJwsSignature(jws, key))) throw new TokenRejected('JWS signature is invalid');
  }

  /** jose4j's AudValidator: an expected audience must be named; with none expected, a token naming one is refused. */
  private checkAudience(aud: unknown): void {
    const expected = this.options.expectedAudience;
    if (aud === undefined || aud === null) {
      if (expected.length > 0) throw new TokenRejected('No Audience (aud) claim present.');
      return;
    }
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : null;
    if (audiences === null || audiences.some((a) => typeof a !== 'string')) throw new TokenRejected('The Audience (aud) claim is not a string or an array of strings');
    if (!audiences.some((a) => expected.includes(a as string))) {
      throw new TokenRejected(
        expected.length === 0
          ? `Audience (aud) claim ${JSON.stringify(audiences)} present in the JWT but no expected audience value(s) were provided (sasl.oauthbearer.expected.audience)`
          : `Audience (aud) claim ${JSON.stringify(audiences)} doesn't contain an acceptable identifier. Expected ${JSON.stringify(expected)} as an aud value.`,
      );
    }
  }
}

/** A NumericDate claim in whole seconds, or null when absent; not a number: refused. */
function numericDate(claims: Record<string, unknown>, name: string, title: string): number | null {
  const v = claims[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TokenRejected(`The value of the '${name}' (${title}) claim is not a number`);
  return Math.floor(v);
}
