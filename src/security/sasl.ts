// The shape every SASL mechanism's server side has: fed the client's token bytes one exchange at a
// time, it answers the bytes to send back and, when the exchange completes, the authenticated user.
// Failures are exceptions: `SaslAuthenticationFailure` carries the message Kafka sends the client
// (Kafka sends a mechanism's own message only for SaslAuthenticationException; everything else gets
// the generic one below, so nothing about the credentials leaks to an unauthenticated peer).

export interface SaslExchange {
  /** Bytes for the SaslAuthenticate response (or the raw v0 frame). */
  response: Buffer;
  /** Set when authentication completed with this exchange. */
  authenticatedUser?: string;
  /** For mechanisms whose credential expires (OAUTHBEARER tokens): ms since the epoch. */
  credentialExpiresAtMs?: number;
}

export interface SaslServerMechanism {
  readonly mechanism: string;
  evaluate(token: Buffer): SaslExchange;
}

/** An authentication that failed; `clientMessage` is what the client is told. */
export class SaslAuthenticationFailure extends Error {
  constructor(
    readonly clientMessage: string,
    /** For the broker's log only (never sent): why, without secrets. */
    readonly logReason: string = clientMessage,
  ) {
    super(logReason);
    this.name = 'SaslAuthenticationFailure';
  }
}

/** Kafka's message for a failure whose reason must not reach the client (SaslServerAuthenticator). */
export function genericFailure(mechanism: string, logReason: string): SaslAuthenticationFailure {
  return new SaslAuthenticationFailure(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`, logReason);
}

/**
 * The enabled mechanisms in the order Kafka's SaslHandshake response lists them: SaslServerAuthenticator
 * copies sasl.enabled.mechanisms through a java.util.HashSet, so they come out by hash bucket
 * (String.hashCode, spread as HashMap does), duplicates dropped, not in the configured order.
 */
export function kafkaMechanismOrder(configured: readonly string[]): string[] {
  const javaHash = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
    return h;
  };
  // new HashSet<>(collection): capacity max(size / 0.75 + 1, 16), rounded up to a power of two.
  const wanted = Math.max(Math.floor(configured.length / 0.75) + 1, 16);
  let capacity = 1;
  while (capacity < wanted) capacity *= 2;
  const bucket = (s: string) => {
    const h = javaHash(s);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  // Within a bucket, insertion order (HashMap's chains).
  return [...new Set(configured)].map((m, i) => ({ m, i, b: bucket(m) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.m);
}
