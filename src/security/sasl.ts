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
