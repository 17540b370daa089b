// The one list of APIs (src/api/handlers.ts) builds both the dispatch table and the ApiVersions
// answer, so what we advertise can never drift from what we serve. A handler serves a version range
// (by default the whole range our protocol schema knows for its API). The list holds each API's range
// and a loader: a handler module is imported on the first request of its API (as its codec is), so
// the broker starts without loading 40-odd handler modules, and ApiVersions answers without any.

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
  /**
   * Produce only: starts once the connection's previous request released it, without waiting for the
   * records earlier requests appended to become visible. It reads no high watermark (a retried batch
   * waits for its original itself) and its appends keep their order, so pipelined produce requests
   * still share writes and fsyncs. Every other request waits until those records are visible.
   */
  readonly startsBeforeEarlierAppendsVisible?: boolean;
}

/** An API in the list: its version range, known without loading the handler, and how to load it. */
export interface HandlerEntry {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Imports the handler's module; the handler must declare the same key and range (test/api/handlers.test.ts). */
  load(): Promise<ApiHandler>;
}

export class HandlerRegistry {
  private readonly entries = new Map<number, HandlerEntry>();
  /** Loaded handlers by API key. */
  private readonly loaded: (ApiHandler | undefined)[] = [];
  /** Loads in progress or done, by API key: concurrent callers share one import. */
  private readonly loading: (Promise<ApiHandler> | undefined)[] = [];

  /** Entries load on demand; a handler given directly (tests, embedders) counts as loaded. */
  constructor(entries: readonly (HandlerEntry | ApiHandler)[] = []) {
    for (const e of entries) this.register(e);
  }

  register(entry: HandlerEntry | ApiHandler): void {
    const { apiKey, minVersion, maxVersion } = entry;
    if (this.entries.has(apiKey)) throw new Error(`api key ${apiKey} registered twice`);
    if ('handle' in entry) {
      this.entries.set(apiKey, { apiKey, minVersion, maxVersion, load: () => Promise.resolve(entry) });
      this.loaded[apiKey] = entry;
    } else {
      this.entries.set(apiKey, entry);
    }
  }

  /** The API's entry (its advertised version range), whether its handler is loaded or not. */
  entry(apiKey: number): HandlerEntry | undefined {
    return this.entries.get(apiKey);
  }

  /** The API's handler once load(apiKey) has resolved; undefined before (or for an unknown key). */
  get(apiKey: number): ApiHandler | undefined {
    return this.loaded[apiKey];
  }

  /**
   * Loads the API's handler (idempotent; resolves at once when loaded). A failed import may be
   * retried: the next call imports again.
   */
  load(apiKey: number): Promise<ApiHandler> {
    const pending = this.loading[apiKey];
    if (pending !== undefined) return pending;
    const loaded = this.loaded[apiKey];
    if (loaded !== undefined) return Promise.resolve(loaded);
    const entry = this.entries.get(apiKey);
    if (entry === undefined) return Promise.reject(new Error(`no handler for api key ${apiKey}`));
    const p = entry
      .load()
      .then((handler) => {
        // What we advertised must be what the handler serves (the list's test checks it too).
        if (handler.apiKey !== apiKey || handler.minVersion !== entry.minVersion || handler.maxVersion !== entry.maxVersion) {
          throw new Error(`handler of api key ${apiKey} serves key ${handler.apiKey} v${handler.minVersion}-${handler.maxVersion}, the list says v${entry.minVersion}-${entry.maxVersion}`);
        }
        this.loaded[apiKey] = handler;
        return handler;
      })
      .catch((err: unknown) => {
        this.loading[apiKey] = undefined;
        throw err;
      });
    this.loading[apiKey] = p;
    return p;
  }

  /** Loads every handler: for tests and tools that call handlers directly. */
  async loadAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((k) => this.load(k)));
  }

  supports(apiKey: number, apiVersion: number): boolean {
    const e = this.entries.get(apiKey);
    return e !== undefined && apiVersion >= e.minVersion && apiVersion <= e.maxVersion;
  }

  /** The ApiVersions list: every registered API and its version range, by key; loads nothing. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.entries.values()]
      .map((e) => ({ apiKey: e.apiKey, minVersion: e.minVersion, maxVersion: e.maxVersion }))
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
