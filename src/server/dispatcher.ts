// Turns a request frame into response bytes: header, version check against the handler registry,
// body decode, handler, response encode. Kafka's answers to bad input: an unknown API key, an
// unparsable header or body, or an unsupported version closes the connection with a log line —
// except ApiVersions, which answers an unsupported version with UNSUPPORTED_VERSION in a v0 body
// listing ApiVersions' own range (KIP-511), so clients can downgrade.
//
// The codec and the handler of an API are loaded when its first request arrives
// (src/codec/api-codecs.ts, src/api/registry.ts), so the broker starts without compiling 77 APIs'
// codecs and 40-odd handler modules; the version check needs neither (the handler list knows the
// ranges). Until the loads resolve, later requests of the same connection wait behind that request:
// handlers still start in request order, and responses leave in request order anyway (the
// connection's slots). Once everything a request needs is loaded and nothing waits, dispatch is
// synchronous.

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
import type { Logger } from '../util/logger.js';
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

export class ApiDispatcher implements RequestDispatcher {
  /**
   * Per connection, the latest request waiting for its codec or handler to load (or behind one that
   * is): the next request of that connection starts after it, as on the fast path. A Fetch pipelined
   * behind the first Produce must not start before that Produce has.
   */
  private readonly waitingForLoad = new WeakMap<ConnectionInfo, Promise<void>>();
  /** Connections with an entry in `waitingForLoad`; while 0, a request skips the lookup. */
  private connectionsWaiting = 0;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly services: BrokerServices,
    private readonly logger: Logger,
  ) {}

  dispatch(frame: Buffer, connection: ConnectionInfo): DispatchResult | Promise<DispatchResult> {
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
        this.logger.info('ApiVersions at an unsupported version: answering with v0 and our versions', {
          conn: connection.id,
          apiVersion,
        });
        if (isApiCodecLoaded(API_VERSIONS)) return this.unsupportedApiVersions(correlationId);
        return loadApiCodec(API_VERSIONS).then(() => this.unsupportedApiVersions(correlationId));
      }
      return this.reject(connection, `unsupported version ${apiVersion} of API ${apiKey}`, undefined, { correlationId });
    }
    const handler = this.registry.get(apiKey);
    if (handler !== undefined && this.connectionsWaiting === 0 && isApiCodecLoaded(apiKey)) return this.handle(handler, header, frame, connection);
    return this.handleInTurn(header, frame, connection);
  }

  /**
   * ApiVersions at a version we lack: UNSUPPORTED_VERSION in a v0 body listing only ApiVersions'
   * own range, as Kafka's ApiVersionsRequest.getErrorResponse does (KIP-511): the client picks a
   * version it shares with us and asks again for the full list.
   */
  private unsupportedApiVersions(correlationId: number): DispatchResult {
    return encodeResponse(API_VERSIONS, 0, correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: this.registry.apiVersions().filter((k) => k.apiKey === API_VERSIONS),
      throttleTimeMs: 0,
    });
  }

  /** Handles the request once its codec and handler are loaded and the connection's earlier waiting requests have started. */
  private handleInTurn(header: RequestHeader, frame: Buffer, connection: ConnectionInfo): DispatchResult | Promise<DispatchResult> {
    const { apiKey } = header;
    const before = this.connectionsWaiting > 0 ? this.waitingForLoad.get(connection) : undefined;
    const loaded = this.registry.get(apiKey);
    if (before === undefined && loaded !== undefined && isApiCodecLoaded(apiKey)) return this.handle(loaded, header, frame, connection);
    const load = (): Promise<ApiHandler> => this.load(apiKey);
    let result: DispatchResult | Promise<DispatchResult> = CLOSE;
    // Never rejects, so the next request's chain always runs.
    const started = (before === undefined ? load() : before.then(load)).then(
      (handler) => {
        try {
          result = this.handle(handler, header, frame, connection);
        } catch (err) {
          result = Promise.reject(err);
        }
      },
      (err: unknown) => {
        result = this.reject(connection, `API ${apiKey} failed to load`, err, { correlationId: header.correlationId });
      },
    );
    if (before === undefined) this.connectionsWaiting++;
    this.waitingForLoad.set(connection, started);
    void started.then(() => {
      if (this.waitingForLoad.get(connection) !== started) return; // a later request now holds the turn
      this.waitingForLoad.delete(connection);
      this.connectionsWaiting--;
    });
    return started.then(() => result);
  }

  /** Loads the API's codec and its handler side by side (each resolves at once once loaded). */
  private load(apiKey: number): Promise<ApiHandler> {
    return Promise.all([this.registry.load(apiKey), loadApiCodec(apiKey)]).then(([handler]) => handler);
  }

  /** Decodes the body (its codec is loaded), runs the handler and encodes its answer. */
  private handle(handler: ApiHandler, header: RequestHeader, frame: Buffer, connection: ConnectionInfo): DispatchResult | Promise<DispatchResult> {
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
    };
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
    return encodeResponse(ctx.apiKey, ctx.apiVersion, ctx.correlationId, result as object);
  }

  /** An unexpected failure inside a handler: answer with the handler's error response if it has one. */
  private failed(handler: ApiHandler, request: unknown, ctx: RequestContext, err: unknown): DispatchResult {
    const code = errorCodeOf(err);
    this.logger.error('request failed', {
      conn: ctx.connection.id,
      client: `${ctx.connection.remoteAddress}:${ctx.connection.remotePort}`,
      apiKey: ctx.apiKey,
      apiVersion: ctx.apiVersion,
      errorCode: code,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    if (handler.errorResponse === undefined) return CLOSE;
    return this.encode(ctx, handler.errorResponse(request, code, ctx));
  }

  private reject(connection: ConnectionInfo, reason: string, err?: unknown, fields: Record<string, unknown> = {}): DispatchResult {
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
