// Turns a request frame into response bytes: header, version check against the handler registry,
// body decode, handler, response encode. Kafka's answers to bad input: an unknown API key, an
// unparsable header or body, or an unsupported version closes the connection with a log line —
// except ApiVersions, which answers an unsupported version with UNSUPPORTED_VERSION in a v0 body
// listing what we support (KIP-511), so clients can downgrade.

import { CodecError, decodeRequest, decodeRequestHeader, encodeResponse, ErrorCode } from '../codec/index.js';
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
    const handler = this.registry.get(apiKey);
    if (handler === undefined) {
      return this.reject(connection, `unknown API key ${apiKey}`, undefined, { apiVersion, correlationId });
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS) {
        this.logger.info('ApiVersions at an unsupported version: answering with v0 and our versions', {
          conn: connection.id,
          apiVersion,
        });
        return encodeResponse(API_VERSIONS, 0, correlationId, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: this.registry.apiVersions(),
          throttleTimeMs: 0,
        });
      }
      return this.reject(connection, `unsupported version ${apiVersion} of API ${apiKey}`, undefined, { correlationId });
    }
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
