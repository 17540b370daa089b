// Turns a request frame into response bytes: header, version check against the handler registry,
// body decode, handler, response encode. Kafka's answers to bad input: an unknown API key, an
// unparsable header or body, or an unsupported version closes the connection with a log line —
// except ApiVersions, which answers an unsupported version with UNSUPPORTED_VERSION in a v0 body
// with only its own version range (KIP-511, as Kafka), so clients retry at a version we serve.
//
// Requests of one connection run one at a time, in request order, as Kafka runs them: its
// SocketServer mutes a channel once a request is read and unmutes it when the response is sent, so
// whatever a request did (an append, an offset commit, a join) is seen by the connection's next
// request, and a long-poll Fetch or a JoinGroup wait holds the requests behind it. Responses leave in
// request order anyway (the connection's slots); what this adds is that request k+1 starts only
// when request k has answered — or has released the connection earlier (RequestContext
// .releaseConnection): Produce does once its appends are made, while it waits for the page cache or
// the fsync (acks=all), so a pipelining producer keeps one writev and one fsync for many requests.
// Nothing can tell that wait from Kafka's: a later Produce appends after it (in order), and any
// other later request starts only once those records are visible (under the high watermark). After
// a request answers CLOSE, the connection's later requests are not run (Kafka closes the channel).
//
// The codec and the handler of an API are loaded when its first request arrives
// (src/codec/api-codecs.ts, src/api/registry.ts), so the broker starts without compiling 77 APIs'
// codecs and 40-odd handler modules; the version check needs neither (the handler list knows the
// ranges). A request waiting for its load waits in its connection's turn like any other. Once
// everything a request needs is loaded and its connection is free, dispatch is synchronous.
//
// Fault injection (broker.intercept, src/server/interceptors.ts) acts on a decoded request in its
// connection's turn, before the handler; while no interceptor is set it costs one boolean check.

import {
  CodecError,
  decodeRequest,
  decodeRequestHeader,
  encodeResponse,
  ErrorCode,
  isApiCodecLoaded,
  loadApiCodec,
  type RequestHeader,
} from '../codec/index.js';
import { type BrokerServices, CLOSE_CONNECTION, type ConnectionInfo, NO_RESPONSE, type RequestContext } from '../api/context.js';
import type { ApiHandler, HandlerRegistry } from '../api/registry.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Logger } from '../util/logger.js';
import { type InterceptRunner, Interceptors } from './interceptors.js';
import { CLOSE, type DispatchResult, type RequestDispatcher } from './types.js';

const API_VERSIONS = 18;

/** An error that carries the Kafka error code its failure should be answered with. */
export interface KafkaCodedError extends Error {
  kafkaErrorCode: number;
}

function errorCodeOf(err: unknown): number {
  const code = (err as Partial<KafkaCodedError> | null)?.kafkaErrorCode;
  return typeof code === 'number' ? code : ErrorCode.UNKNOWN_SERVER_ERROR;
}

/** Where one connection's requests stand in their one-at-a-time order. */
interface ConnectionTurn {
  /** A request holds the turn: it runs (or loads, or waits for visibility) and has not released it. */
  busy: boolean;
  /** Requests waiting for the turn, in arrival order (at most max.inflight.requests.per.connection). */
  readonly waiting: (() => void)[];
  /** Resolves once the records earlier requests appended are visible; null: none pending. */
  visible: Promise<void> | null;
  /** A request answered CLOSE: later requests of the connection are not run. */
  closing: boolean;
  /** The waiting requests are being started (a release inside one of them must not start another loop). */
  handingOver: boolean;
}

const noop = (): void => {};

export class ApiDispatcher implements RequestDispatcher {
  private readonly turns = new WeakMap<ConnectionInfo, ConnectionTurn>();
  /** Fault injection (broker.intercept): consulted once a request is decoded, only while one is set. */
  readonly interceptors: Interceptors;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly services: BrokerServices,
    private readonly logger: Logger,
    private readonly metrics?: BrokerMetrics,
  ) {
    this.interceptors = new Interceptors(logger);
  }

  dispatch(frame: Buffer, connection: ConnectionInfo, frameOwnsMemory = false): DispatchResult | Promise<DispatchResult> {
    const turn = this.turns.get(connection);
    if (turn?.closing) return CLOSE;
    let header;
    try {
      header = decodeRequestHeader(frame);
    } catch (err) {
      return this.reject(connection, 'malformed request header', err);
    }
    const { apiKey, apiVersion, correlationId } = header;
    const api = this.registry.entry(apiKey);
    if (api === undefined) {
      return this.reject(connection, `unknown API key ${apiKey}`, undefined, { apiVersion, correlationId });
    }
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (apiKey === API_VERSIONS) {
        this.logger.info('ApiVersions at an unsupported version: answering with v0 and the versions of ApiVersions', {
          conn: connection.id,
          apiVersion,
        });
        // Reads nothing any request changes: no need to wait for its turn.
        if (isApiCodecLoaded(API_VERSIONS)) return this.unsupportedApiVersions(correlationId);
        return loadApiCodec(API_VERSIONS).then(() => this.unsupportedApiVersions(correlationId));
      }
      return this.reject(connection, `unsupported version ${apiVersion} of API ${apiKey}`, undefined, { correlationId });
    }
    const handler = this.registry.get(apiKey);
    if (
      handler !== undefined &&
      isApiCodecLoaded(apiKey) &&
      (turn === undefined || (!turn.busy && turn.waiting.length === 0 && (turn.visible === null || handler.startsBeforeEarlierAppendsVisible === true)))
    ) {
      return this.run(handler, header, frame, frameOwnsMemory, connection, undefined);
    }
    return this.runInTurn(header, frame, frameOwnsMemory, connection);
  }

  /**
   * ApiVersions at a version we lack: UNSUPPORTED_VERSION in a v0 body listing only ApiVersions' own
   * range, as Kafka does (KIP-511), so the client retries at our highest version and learns the rest
   * (and the feature levels, absent from a v0 body) from that answer. A full list here makes franz-go
   * take it as the answer of a pre-2.4 broker and never retry: it then misses transaction.version 2.
   */
  private unsupportedApiVersions(correlationId: number): DispatchResult {
    return encodeResponse(API_VERSIONS, 0, correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: this.registry.apiVersions().filter((v) => v.apiKey === API_VERSIONS),
      throttleTimeMs: 0,
    });
  }

  private turnOf(connection: ConnectionInfo): ConnectionTurn {
    let turn = this.turns.get(connection);
    if (turn === undefined) {
      turn = { busy: false, waiting: [], visible: null, closing: false, handingOver: false };
      this.turns.set(connection, turn);
    }
    return turn;
  }

  /** Adds appends of a request whose visibility the connection's next non-Produce request waits for. */
  private addVisible(turn: ConnectionTurn, visible: Promise<unknown>): void {
    const settled = visible.then(noop, noop);
    const all = turn.visible === null ? settled : Promise.all([turn.visible, settled]).then(noop);
    turn.visible = all;
    void all.then(() => {
      if (turn.visible === all) turn.visible = null;
    });
  }

  /** The turn is free: starts waiting requests, synchronously, until one keeps it. */
  private handOver(turn: ConnectionTurn): void {
    if (turn.handingOver) return;
    turn.handingOver = true;
    try {
      while (!turn.busy && turn.waiting.length > 0) (turn.waiting.shift() as () => void)();
    } finally {
      turn.handingOver = false;
    }
  }

  /** Queues the request behind the connection's earlier ones; it starts (after its load) once they have released the connection. */
  private runInTurn(header: RequestHeader, frame: Buffer, frameOwnsMemory: boolean, connection: ConnectionInfo): Promise<DispatchResult> {
    const { apiKey } = header;
    const turn = this.turnOf(connection);
    // Loading starts now, beside the wait for the turn.
    const loaded = this.registry.get(apiKey);
    const loading = loaded !== undefined && isApiCodecLoaded(apiKey) ? null : this.load(apiKey);
    loading?.catch(noop);
    return new Promise<DispatchResult>((resolve) => {
      const start = (handler: ApiHandler): void => {
        if (turn.closing) {
          turn.busy = false;
          resolve(CLOSE);
          return;
        }
        if (turn.visible !== null && handler.startsBeforeEarlierAppendsVisible !== true) {
          void turn.visible.then(() => start(handler));
          return;
        }
        try {
          resolve(this.run(handler, header, frame, frameOwnsMemory, connection, turn));
        } catch (err) {
          resolve(Promise.reject(err));
        }
      };
      turn.waiting.push(() => {
        turn.busy = true;
        if (loading === null) return start(loaded as ApiHandler);
        loading.then(start, (err: unknown) => {
          resolve(this.reject(connection, `API ${apiKey} failed to load`, err, { correlationId: header.correlationId }));
          turn.busy = false;
          this.handOver(turn);
        });
      });
      this.handOver(turn);
    });
  }

  /**
   * Runs the request now (its turn has come; `turn` is given when it was queued). A request not
   * finished by the time its handler returns keeps the connection's turn until it answers or
   * releases it (RequestContext.releaseConnection).
   */
  private run(handler: ApiHandler, header: RequestHeader, frame: Buffer, frameOwnsMemory: boolean, connection: ConnectionInfo, queued: ConnectionTurn | undefined): DispatchResult | Promise<DispatchResult> {
    let turn = queued;
    let released = false;
    const release = (visible?: Promise<unknown>): void => {
      if (released) return;
      released = true;
      if (visible !== undefined) this.addVisible(turn ?? (turn = this.turnOf(connection)), visible);
      if (turn !== undefined) {
        turn.busy = false;
        this.handOver(turn);
      }
    };
    let result: DispatchResult | Promise<DispatchResult>;
    try {
      result = this.handle(handler, header, frame, frameOwnsMemory, connection, release);
    } catch (err) {
      this.noteClose(connection, CLOSE);
      release();
      throw err;
    }
    if (!(result instanceof Promise)) {
      this.noteClose(connection, result);
      release();
      return result;
    }
    if (!released) (turn ?? (turn = this.turnOf(connection))).busy = true;
    return result.then(
      (r) => {
        this.noteClose(connection, r);
        release();
        return r;
      },
      (err: unknown) => {
        this.noteClose(connection, CLOSE);
        release();
        throw err;
      },
    );
  }

  /** After a CLOSE answer nothing more of the connection runs. */
  private noteClose(connection: ConnectionInfo, result: DispatchResult): void {
    if (result === CLOSE) this.turnOf(connection).closing = true;
  }

  /** Loads the API's codec and its handler side by side (each resolves at once once loaded). */
  private load(apiKey: number): Promise<ApiHandler> {
    return Promise.all([this.registry.load(apiKey), loadApiCodec(apiKey)]).then(([handler]) => handler);
  }

  /** Decodes the body (its codec is loaded), runs the handler and encodes its answer. */
  private handle(
    handler: ApiHandler,
    header: RequestHeader,
    frame: Buffer,
    frameOwnsMemory: boolean,
    connection: ConnectionInfo,
    releaseConnection: (visible?: Promise<unknown>) => void,
  ): DispatchResult | Promise<DispatchResult> {
    const { apiKey, apiVersion, correlationId } = header;
    let request: unknown;
    try {
      request = decodeRequest(apiKey, apiVersion, frame, header.bodyOffset);
    } catch (err) {
      return this.reject(connection, `malformed body of API ${apiKey} v${apiVersion}`, err, { correlationId });
    }
    const ctx: RequestContext = {
      apiKey,
      apiVersion,
      correlationId,
      clientId: header.clientId,
      connection,
      broker: this.services,
      releaseConnection,
      frameOwnsMemory,
    };
    if (this.interceptors.active) {
      const answer = this.interceptors.intercept(request, ctx, this.interceptRunner(handler, ctx));
      if (answer !== undefined) return answer;
    }
    let result;
    try {
      result = handler.handle(request, ctx);
    } catch (err) {
      return this.failed(handler, request, ctx, err);
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.encode(ctx, r),
        (err: unknown) => this.failed(handler, request, ctx, err),
      );
    }
    return this.encode(ctx, result);
  }

  private encode(ctx: RequestContext, result: unknown): DispatchResult {
    if (result === NO_RESPONSE) return null;
    if (result === CLOSE_CONNECTION) {
      // Every close is logged with the client's address (the handler's own line may lack it).
      this.logger.info('closing connection at the handler\'s request', {
        conn: ctx.connection.id,
        client: `${ctx.connection.remoteAddress}:${ctx.connection.remotePort}`,
        apiKey: ctx.apiKey,
        apiVersion: ctx.apiVersion,
        correlationId: ctx.correlationId,
      });
      return CLOSE;
    }
    this.metrics?.responseErrors(ctx.apiKey, result as object);
    return encodeResponse(ctx.apiKey, ctx.apiVersion, ctx.correlationId, result as object);
  }

  /** What an interceptor needs to run the handler and answer in its place. */
  private interceptRunner(handler: ApiHandler, ctx: RequestContext): InterceptRunner {
    return {
      handle: (request) => {
        try {
          const r = handler.handle(request, ctx);
          return r instanceof Promise ? r.catch((err: unknown) => this.failedBody(handler, request, ctx, err)) : r;
        } catch (err) {
          return this.failedBody(handler, request, ctx, err);
        }
      },
      errorResponse: (request, code) => handler.errorResponse?.(request, code, ctx),
      encode: (result) => this.encode(ctx, result),
    };
  }

  /** An unexpected failure inside a handler: answer with the handler's error response if it has one. */
  private failed(handler: ApiHandler, request: unknown, ctx: RequestContext, err: unknown): DispatchResult {
    const body = this.failedBody(handler, request, ctx, err);
    return body === CLOSE_CONNECTION ? CLOSE : this.encode(ctx, body);
  }

  /** The failure logged; the handler's error response, or CLOSE_CONNECTION when it has none. */
  private failedBody(handler: ApiHandler, request: unknown, ctx: RequestContext, err: unknown): unknown {
    const code = errorCodeOf(err);
    this.logger.error('request failed', {
      conn: ctx.connection.id,
      client: `${ctx.connection.remoteAddress}:${ctx.connection.remotePort}`,
      apiKey: ctx.apiKey,
      apiVersion: ctx.apiVersion,
      errorCode: code,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    if (handler.errorResponse === undefined) {
      this.metrics?.requestFailed(ctx.apiKey, code);
      return CLOSE_CONNECTION;
    }
    return handler.errorResponse(request, code, ctx);
  }

  private reject(connection: ConnectionInfo, reason: string, err?: unknown, fields: Record<string, unknown> = {}): DispatchResult {
    this.noteClose(connection, CLOSE);
    const detail = err instanceof CodecError ? err.message : err instanceof Error ? err.message : undefined;
    this.logger.warn(`closing connection: ${reason}`, {
      conn: connection.id,
      client: `${connection.remoteAddress}:${connection.remotePort}`,
      ...fields,
      ...(detail ? { detail } : {}),
    });
    return CLOSE;
  }
}
