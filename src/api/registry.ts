// The one list of handlers. It builds both the dispatch table and the ApiVersions answer, so what
// we advertise can never drift from what we serve. A handler serves a version range (by default
// the whole range our protocol schema knows for its API).

import { apiInfo } from '../codec/index.js';
import type { HandlerControl, RequestContext } from './context.js';

export interface ApiHandler<Req = any, Res = any> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Answers one request; may return NO_RESPONSE (acks=0) or CLOSE_CONNECTION. */
  handle(request: Req, ctx: RequestContext): Res | HandlerControl | Promise<Res | HandlerControl>;
  /**
   * The response to send when handling failed unexpectedly: every partition / item carries the
   * error code. Without it, an unexpected failure closes the connection.
   */
  errorResponse?(request: Req, errorCode: number, ctx: RequestContext): Res;
}

export class HandlerRegistry {
  private readonly handlers = new Map<number, ApiHandler>();

  constructor(handlers: readonly ApiHandler[] = []) {
    for (const h of handlers) this.register(h);
  }

  register(handler: ApiHandler): void {
    if (this.handlers.has(handler.apiKey)) throw new Error(`api key ${handler.apiKey} registered twice`);
    this.handlers.set(handler.apiKey, handler);
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.handlers.get(apiKey);
  }

  supports(apiKey: number, apiVersion: number): boolean {
    const h = this.handlers.get(apiKey);
    return h !== undefined && apiVersion >= h.minVersion && apiVersion <= h.maxVersion;
  }

  /** The ApiVersions list: every registered API and its version range, by key. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}

/**
 * The version range our protocol schema knows for an API: what a handler serves by default. As
 * Kafka does, a newest version marked unstable in the schema is not advertised.
 */
export function schemaVersions(apiKey: number): { apiKey: number; minVersion: number; maxVersion: number } {
  const info = apiInfo(apiKey);
  if (info === undefined) throw new Error(`the protocol schema has no API ${apiKey}`);
  const maxVersion = info.latestVersionUnstable ? info.maxVersion - 1 : info.maxVersion;
  return { apiKey, minVersion: info.minVersion, maxVersion };
}
