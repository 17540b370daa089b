// Authentication first, on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's SaslServerAuthenticator:
// before a connection has authenticated only ApiVersions, SaslHandshake and then SaslAuthenticate are
// served; anything else closes the connection. SaslHandshake v1 is followed by SaslAuthenticate
// requests, v0 by raw SASL tokens framed by a size (no Kafka header), as old clients send them. A
// completed exchange sets the connection's 'principal' (User:<name>) and every later frame goes to
// the API dispatcher. A failed one is answered SASL_AUTHENTICATION_FAILED with the mechanism's client
// message after connection.failed.authentication.delay.ms, logged with the peer (never the secret),
// and the connection closed. KIP-368: with connections.max.reauth.ms or a credential that expires
// (OAUTHBEARER), SaslAuthenticate tells the session lifetime, a session past it is closed at its next request, and a SaslHandshake on an
// authenticated connection starts a re-authentication (same principal required).
//
// Frames on one connection reach dispatch() in arrival order and the exchange is synchronous, so the
// state below changes in request order.

import { decodeRequest, decodeRequestHeader, encodeResponse, ErrorCode, type RequestHeader } from '../codec/index.js';
import { type SaslServerMechanism, SaslAuthenticationFailure, genericFailure } from '../security/sasl.js';
import { type KafkaPrincipal, USER_TYPE, principalToString } from '../security/principal.js';
import type { Logger } from '../util/logger.js';
import { PRINCIPAL_ATTRIBUTE } from '../api/authorize.js';
import { CLOSE, type ConnectionInfo, type DispatchResult, type RequestDispatcher, RespondThenClose } from './types.js';

const SASL_HANDSHAKE = 17;
const API_VERSIONS = 18;
const SASL_AUTHENTICATE = 36;

export interface SaslGateOptions {
  listenerName: string;
  /** Enabled mechanisms, in the order clients are told them. */
  mechanisms: readonly string[];
  /** A fresh server side of a mechanism for one exchange. */
  newMechanism(mechanism: string): SaslServerMechanism;
  failedAuthenticationDelayMs: number;
  /** connections.max.reauth.ms; 0: sessions do not expire. */
  maxReauthMs: number;
  now(): number;
  logger: Logger;
}

type Phase =
  /** Waiting for ApiVersions or SaslHandshake. */
  | 'handshake'
  /** After SaslHandshake v1: SaslAuthenticate requests. */
  | 'authenticate'
  /** After SaslHandshake v0: raw tokens. */
  | 'raw'
  | 'authenticated'
  /** Failed or refused: everything after closes. */
  | 'failed';

interface SaslState {
  phase: Phase;
  exchange: SaslServerMechanism | null;
  principal: KafkaPrincipal | null;
  /** ms since the epoch when the session ends (KIP-368); Infinity without re-authentication. */
  sessionEndsAt: number;
}

export class SaslGate implements RequestDispatcher {
  private readonly states = new WeakMap<ConnectionInfo, SaslState>();

  constructor(
    private readonly inner: RequestDispatcher,
    private readonly options: SaslGateOptions,
  ) {}

  dispatch(frame: Buffer, connection: ConnectionInfo, frameOwnsMemory = false): DispatchResult | Promise<DispatchResult> {
    let state = this.states.get(connection);
    if (state === undefined) {
      state = { phase: 'handshake', exchange: null, principal: null, sessionEndsAt: Infinity };
      this.states.set(connection, state);
    }
    switch (state.phase) {
      case 'failed':
        return CLOSE;
      case 'raw':
        return this.rawToken(frame, connection, state);
      case 'authenticated':
        return this.authenticated(frame, connection, state, frameOwnsMemory);
      default:
        return this.beforeAuthentication(frame, connection, state);
    }
  }

  private authenticated(frame: Buffer, connection: ConnectionInfo, state: SaslState, frameOwnsMemory: boolean): DispatchResult | Promise<DispatchResult> {
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    if (state.sessionEndsAt !== Infinity && apiKey === SASL_HANDSHAKE) {
      // KIP-368: a new exchange on the live connection (allowed when the session has a lifetime).
      return this.beforeAuthentication(frame, connection, state);
    }
    if (this.options.now() > state.sessionEndsAt) {
      this.log(connection).info('closing connection: its SASL session expired without re-authentication', { principal: principalToString(state.principal!) });
      state.phase = 'failed';
      return CLOSE;
    }
    return this.inner.dispatch(frame, connection, frameOwnsMemory);
  }

  private beforeAuthentication(frame: Buffer, connection: ConnectionInfo, state: SaslState): DispatchResult | Promise<DispatchResult> {
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(frame);
    } catch {
      return this.refuse(connection, state, 'a frame that is not a Kafka request during SASL authentication');
    }
    const { apiKey, apiVersion } = header;
    if (apiKey === API_VERSIONS && state.phase === 'handshake' && state.principal === null) return this.inner.dispatch(frame, connection);
    if (apiKey === SASL_HANDSHAKE && (state.phase === 'handshake' || state.phase === 'authenticated')) {
      if (apiVersion < 0 || apiVersion > 1) return this.refuse(connection, state, `SaslHandshake v${apiVersion} is not supported`);
      return this.handshake(header, frame, connection, state);
    }
    if (apiKey === SASL_AUTHENTICATE && state.phase === 'authenticate') {
      if (apiVersion < 0 || apiVersion > 2) return this.refuse(connection, state, `SaslAuthenticate v${apiVersion} is not supported`);
      return this.authenticate(header, frame, connection, state);
    }
    return this.refuse(connection, state, `unexpected request (API key ${apiKey} v${apiVersion}) during SASL authentication (phase ${state.phase})`);
  }

  private handshake(header: RequestHeader, frame: Buffer, connection: ConnectionInfo, state: SaslState): DispatchResult {
    let mechanism: string;
    try {
      mechanism = decodeRequest(SASL_HANDSHAKE, header.apiVersion, frame, header.bodyOffset).mechanism;
    } catch {
      return this.refuse(connection, state, 'a malformed SaslHandshake request');
    }
    const mechanisms = [...this.options.mechanisms];
    const respond = (errorCode: number) => encodeResponse(SASL_HANDSHAKE, header.apiVersion, header.correlationId, { errorCode, mechanisms });
    if (!mechanisms.includes(mechanism)) {
      this.log(connection).info('closing connection: the client asked for a SASL mechanism this listener does not enable', { mechanism, enabled: mechanisms.join(',') });
      state.phase = 'failed';
      return new RespondThenClose(respond(ErrorCode.UNSUPPORTED_SASL_MECHANISM));
    }
    if (state.phase === 'authenticated' && header.apiVersion === 0) {
      return this.refuse(connection, state, 're-authentication with SaslHandshake v0');
    }
    state.exchange = this.options.newMechanism(mechanism);
    state.phase = header.apiVersion === 0 ? 'raw' : 'authenticate';
    return respond(ErrorCode.NONE);
  }

  private authenticate(header: RequestHeader, frame: Buffer, connection: ConnectionInfo, state: SaslState): DispatchResult | Promise<DispatchResult> {
    const { apiVersion, correlationId } = header;
    let authBytes: Buffer;
    try {
      authBytes = Buffer.from(decodeRequest(SASL_AUTHENTICATE, apiVersion, frame, header.bodyOffset).authBytes);
    } catch {
      return this.refuse(connection, state, 'a malformed SaslAuthenticate request');
    }
    const outcome = this.evaluate(authBytes, connection, state);
    if (outcome instanceof SaslAuthenticationFailure) {
      const body = { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: outcome.clientMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
      return this.afterDelay(new RespondThenClose(encodeResponse(SASL_AUTHENTICATE, apiVersion, correlationId, body)));
    }
    // Kafka leaves ErrorMessage at its generated default on success: "", not null.
    return encodeResponse(SASL_AUTHENTICATE, apiVersion, correlationId, { errorCode: ErrorCode.NONE, errorMessage: '', authBytes: outcome.response, sessionLifetimeMs: outcome.sessionLifetimeMs });
  }

  /** After SaslHandshake v0: the frame is a raw token and the answer a raw token, framed by its size. */
  private rawToken(frame: Buffer, connection: ConnectionInfo, state: SaslState): DispatchResult | Promise<DispatchResult> {
    const outcome = this.evaluate(frame, connection, state);
    // Kafka has no way to tell a v0 client why: the connection just closes.
    if (outcome instanceof SaslAuthenticationFailure) return this.afterDelay(CLOSE);
    const size = Buffer.alloc(4);
    size.writeInt32BE(outcome.response.length);
    return [size, outcome.response];
  }

  /** Feeds one token to the exchange; on completion the connection is authenticated. */
  private evaluate(token: Buffer, connection: ConnectionInfo, state: SaslState): { response: Buffer; sessionLifetimeMs: number } | SaslAuthenticationFailure {
    const exchange = state.exchange!;
    let result;
    try {
      result = exchange.evaluate(token);
    } catch (err) {
      const failure = err instanceof SaslAuthenticationFailure ? err : genericFailure(exchange.mechanism, `${exchange.mechanism}: ${err instanceof Error ? err.message : String(err)}`);
      state.phase = 'failed';
      state.exchange = null;
      this.log(connection).warn('failed authentication', { mechanism: exchange.mechanism, reason: failure.logReason });
      return failure;
    }
    if (result.authenticatedUser === undefined) return { response: result.response, sessionLifetimeMs: 0 };
    const principal: KafkaPrincipal = { type: USER_TYPE, name: result.authenticatedUser };
    if (state.principal !== null && principalToString(state.principal) !== principalToString(principal)) {
      state.phase = 'failed';
      const failure = new SaslAuthenticationFailure(
        `Cannot change principals during re-authentication from ${principalToString(state.principal)}: ${principalToString(principal)}`,
      );
      this.log(connection).warn('failed re-authentication: another principal', { mechanism: exchange.mechanism, principal: principalToString(principal), was: principalToString(state.principal) });
      return failure;
    }
    const reauthenticated = state.principal !== null;
    state.principal = principal;
    state.exchange = null;
    state.phase = 'authenticated';
    const now = this.options.now();
    const sessionLifetimeMs = this.sessionLifetimeMs(now, result.credentialExpiresAtMs);
    state.sessionEndsAt = sessionLifetimeMs === null ? Infinity : now + sessionLifetimeMs;
    connection.attributes.set(PRINCIPAL_ATTRIBUTE, principal);
    this.log(connection).info(reauthenticated ? 're-authenticated' : 'authenticated', { mechanism: exchange.mechanism, principal: principalToString(principal) });
    return { response: result.response, sessionLifetimeMs: sessionLifetimeMs ?? 0 };
  }

  /**
   * KIP-368, as Kafka's SaslServerAuthenticator: a credential that expires (an OAUTHBEARER token's exp)
   * bounds the session even without connections.max.reauth.ms; with both, the sooner wins. null: no end.
   */
  private sessionLifetimeMs(now: number, credentialExpiresAtMs: number | undefined): number | null {
    const maxReauthMs = this.options.maxReauthMs;
    if (credentialExpiresAtMs === undefined) return maxReauthMs > 0 ? maxReauthMs : null;
    const untilExpiry = credentialExpiresAtMs - now;
    return Math.max(0, maxReauthMs > 0 ? Math.min(untilExpiry, maxReauthMs) : untilExpiry);
  }

  private afterDelay(result: DispatchResult): DispatchResult | Promise<DispatchResult> {
    const delay = this.options.failedAuthenticationDelayMs;
    if (delay <= 0) return result;
    // Wall time, also under virtual time (clock: 'manual'): it paces a client over the network, as idle timeouts do.
    return new Promise((resolve) => setTimeout(() => resolve(result), delay));
  }

  private refuse(connection: ConnectionInfo, state: SaslState, reason: string): DispatchResult {
    state.phase = 'failed';
    this.log(connection).warn(`closing connection: ${reason}`);
    return CLOSE;
  }

  private log(connection: ConnectionInfo): Logger {
    return this.options.logger.child('sasl', { listener: this.options.listenerName, conn: connection.id, client: `${connection.remoteAddress}:${connection.remotePort}` });
  }
}
