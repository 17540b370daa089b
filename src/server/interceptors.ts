// Fault injection for tests (`broker.intercept(matcher, action)`): one broker's interceptors. A
// matcher selects requests (API, version, client id, topic/partition, connection, the n-th match,
// a predicate); the action answers with a Kafka error where the API carries it, delays the request,
// drops the connection before or after handling, handles without answering, or lets a function
// answer. The set belongs to one dispatcher, so each broker identity of a cluster has its own; the
// dispatcher asks it only while one is set (one boolean on the request path).

import { API_SCHEMAS, apiInfo, ErrorCode } from '../codec/index.js';
import { CLOSE_CONNECTION, type ConnectionInfo, NO_RESPONSE, type RequestContext } from '../api/context.js';
import type { Logger } from '../util/logger.js';
import { carriesSelected, carriesTopics, handlesWholeRequest, mergeErrors, metadataWithError, type PartitionFilter, splitRequest, type TopicNamer } from './intercept-partitions.js';
import { CLOSE, type DispatchResult } from './types.js';

/** An API by key (0) or by Kafka's name ('Produce'). */
export type ApiSelector = number | string;

/** Which requests an interceptor acts on: every criterion given must hold. */
export interface InterceptMatcher {
  apiKey?: ApiSelector | readonly ApiSelector[];
  /** One version, or a range (bounds included). */
  version?: number | { min?: number; max?: number };
  clientId?: string | RegExp;
  /** Requests that carry topics (Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetForLeaderEpoch, DeleteRecords, TxnOffsetCommit) naming a selected one. */
  topic?: string | RegExp | readonly string[];
  /** With or without `topic`: requests that carry a selected partition. */
  partition?: number | readonly number[];
  /** The broker's id of the connection (InterceptContext.connection.id), or a test on the connection. */
  connection?: number | ((connection: ConnectionInfo) => boolean);
  /** The client's port of the connection (its socket's localPort on the client side). */
  clientPort?: number;
  /** A test on the decoded request. */
  when?: (request: any, facts: RequestFacts) => boolean;
  /** Act from the n-th request that meets the criteria above (1-based; the earlier ones pass through). */
  nth?: number;
  /** Act this many times at most (default: once when `nth` is given, else always). */
  times?: number;
}

/** The request's header facts and its connection. */
export interface RequestFacts {
  readonly apiKey: number;
  readonly apiName: string;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ConnectionInfo;
}

export interface InterceptContext extends RequestFacts {
  /**
   * Handles the request (or the body given) as the broker would and resolves to its response body
   * (undefined when the API sends none, an acks=0 produce). The function may change and return it;
   * returning undefined after forward() answers with what forward() got.
   */
  forward(request?: unknown): Promise<any>;
}

/** Answers a request: a response body (encoded by our codec at the request's version), or undefined to handle it normally. */
export type InterceptFunction = (request: any, ctx: InterceptContext) => unknown | Promise<unknown>;

export type InterceptAction =
  /** The error (code or name, e.g. 'NOT_LEADER_OR_FOLLOWER') where the API carries it: on the selected partitions when the matcher names a topic or partition, else on the whole request. */
  | { error: number | string }
  /** Waits this long (on the broker's clock), then handles the request normally. */
  | { delayMs: number }
  /** Closes the connection before handling the request, or after handling it without answering. */
  | { drop: 'before' | 'after' }
  /** Handles the request and never answers it. */
  | { swallow: true }
  | InterceptFunction;

export interface InterceptorHandle {
  /** Requests this interceptor acted on. */
  readonly hits: number;
  /** Stops it; requests already intercepted finish as they started. */
  remove(): void;
}

/** What the dispatcher lends an interception to run the API's handler and answer. */
export interface InterceptRunner {
  /** Runs the handler: a response body, NO_RESPONSE or CLOSE_CONNECTION (a failure comes back as its error response); never throws. */
  handle(request: unknown): unknown;
  /** The handler's error response with every item carrying the code; undefined when the API has none. */
  errorResponse(request: unknown, errorCode: number): unknown;
  /** The dispatcher's answer for a body or a handler control. */
  encode(result: unknown): DispatchResult;
}

type CompiledAction =
  | { kind: 'error'; errorCode: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop'; when: 'before' | 'after' }
  | { kind: 'swallow' }
  | { kind: 'function'; fn: InterceptFunction };

class Interceptor implements InterceptorHandle {
  hits = 0;
  /** Requests that met the criteria, acted on or not (for `nth`). */
  seen = 0;

  constructor(
    readonly apiKeys: ReadonlySet<number> | null,
    readonly minVersion: number,
    readonly maxVersion: number,
    readonly clientId: ((id: string | null) => boolean) | null,
    readonly connection: ((c: ConnectionInfo) => boolean) | null,
    readonly partitions: PartitionFilter | null,
    readonly when: ((request: any, facts: RequestFacts) => boolean) | null,
    readonly nth: number,
    readonly times: number,
    readonly action: CompiledAction,
    private readonly owner: Interceptors,
  ) {}

  remove(): void {
    this.owner.remove(this);
  }
}

const PRODUCE = 0;
const FETCH = 1;
const METADATA = 3;
const API_VERSIONS = 18;
/** Fetch errors that concern the session: Kafka answers them at the top level with no partitions. */
const FETCH_SESSION_ERRORS = new Set<number>([ErrorCode.FETCH_SESSION_ID_NOT_FOUND, ErrorCode.INVALID_FETCH_SESSION_EPOCH, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR]);

export class Interceptors {
  private list: Interceptor[] = [];
  /** Any interceptor set: the dispatcher's one check per request. */
  active = false;

  constructor(private readonly logger: Logger) {}

  /** Adds an interceptor after the others: for each request, the first one that acts wins. */
  add(matcher: InterceptMatcher | ApiSelector, action: InterceptAction): InterceptorHandle {
    const m: InterceptMatcher = typeof matcher === 'object' ? matcher : { apiKey: matcher };
    const apiKeys = m.apiKey === undefined ? null : new Set((Array.isArray(m.apiKey) ? m.apiKey : [m.apiKey]).map(apiKeyOf));
    const range = typeof m.version === 'number' ? { min: m.version, max: m.version } : (m.version ?? {});
    if (m.nth !== undefined && !(Number.isInteger(m.nth) && m.nth >= 1)) throw new Error(`intercept: nth counts from 1, not ${m.nth}`);
    if (m.times !== undefined && !(m.times >= 0)) throw new Error(`intercept: times is 0 or more, not ${m.times}`);
    const partitions = partitionFilter(m);
    if (partitions !== null && apiKeys !== null && ![...apiKeys].some(carriesTopics)) {
      throw new Error('intercept: a topic or partition matcher selects only requests that carry topics (Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetForLeaderEpoch, DeleteRecords, TxnOffsetCommit)');
    }
    const interceptor = new Interceptor(
      apiKeys,
      range.min ?? 0,
      range.max ?? Number.MAX_SAFE_INTEGER,
      m.clientId === undefined ? null : textMatcher(m.clientId),
      connectionMatcher(m),
      partitions,
      m.when ?? null,
      m.nth ?? 1,
      m.times ?? (m.nth !== undefined ? 1 : Number.POSITIVE_INFINITY),
      compileAction(action),
      this,
    );
    this.list = [...this.list, interceptor];
    this.active = true;
    return interceptor;
  }

  remove(interceptor: InterceptorHandle): void {
    this.list = this.list.filter((i) => i !== interceptor);
    this.active = this.list.length > 0;
  }

  clear(): void {
    this.list = [];
    this.active = false;
  }

  /**
   * The answer of the first interceptor that acts on this request, or undefined: the request is
   * handled normally.
   */
  intercept(request: any, ctx: RequestContext, run: InterceptRunner): DispatchResult | Promise<DispatchResult> | undefined {
    const facts = factsOf(ctx);
    const nameOf = topicNamer(ctx);
    for (const i of this.list) {
      if (i.apiKeys !== null && !i.apiKeys.has(ctx.apiKey)) continue;
      if (ctx.apiVersion < i.minVersion || ctx.apiVersion > i.maxVersion) continue;
      if (i.clientId !== null && !i.clientId(ctx.clientId)) continue;
      try {
        if (i.connection !== null && !i.connection(ctx.connection)) continue;
        if (i.partitions !== null && !carriesSelected(ctx.apiKey, request, i.partitions, nameOf)) continue;
        if (i.when !== null && !i.when(request, facts)) continue;
      } catch (err) {
        return this.userFailed('matcher', facts, err);
      }
      i.seen++;
      if (i.seen < i.nth || i.hits >= i.times) continue;
      i.hits++;
      return this.act(i, request, ctx, facts, run, nameOf);
    }
    return undefined;
  }

  private act(i: Interceptor, request: any, ctx: RequestContext, facts: RequestFacts, run: InterceptRunner, nameOf: TopicNamer): DispatchResult | Promise<DispatchResult> {
    const a = i.action;
    switch (a.kind) {
      case 'error':
        return this.answerWithError(a.errorCode, i.partitions, request, ctx, run, nameOf);
      case 'delay':
        return sleep(ctx, a.ms).then(() => then(run.handle(request), run.encode));
      case 'drop':
        this.logger.info(`interceptor: closing the connection ${a.when} handling the request`, logFields(facts));
        return a.when === 'before' ? CLOSE : then(run.handle(request), () => CLOSE);
      case 'swallow':
        return then(run.handle(request), (r) => (r === CLOSE_CONNECTION ? CLOSE : null));
      case 'function':
        return this.callFunction(a.fn, request, facts, run);
    }
  }

  private answerWithError(errorCode: number, filter: PartitionFilter | null, request: any, ctx: RequestContext, run: InterceptRunner, nameOf: TopicNamer): DispatchResult | Promise<DispatchResult> {
    const { apiKey } = ctx;
    // Kafka answers nothing to a failed acks=0 produce: it closes the connection.
    if (apiKey === PRODUCE && request.acks === 0) return CLOSE;
    if (apiKey === METADATA) {
      return then(run.handle(request), (r) => run.encode(isBody(r) ? metadataWithError(r, errorCode, filter ?? undefined, nameOf) : r));
    }
    if (filter !== null) {
      const { selected, rest, restIsEmpty } = splitRequest(apiKey, request, filter, nameOf);
      if (!restIsEmpty) {
        const errors = this.errorBody(apiKey, selected, errorCode, run);
        const handled = run.handle(handlesWholeRequest(apiKey) ? request : rest);
        return then(handled, (r) => run.encode(isBody(r) ? mergeErrors(apiKey, r, errors as object, filter, nameOf) : r));
      }
    }
    const whole = this.errorBody(apiKey, request, errorCode, run) ?? (apiKey === API_VERSIONS ? { errorCode, apiKeys: ctx.broker.registry.apiVersions(), throttleTimeMs: 0 } : undefined);
    if (whole === undefined) {
      this.logger.warn(`interceptor: ${describeRequest(ctx)} has no error response: closing the connection instead`, { errorCode });
      return CLOSE;
    }
    return run.encode(whole);
  }

  /** The handler's error response; for Fetch the error goes on the partitions unless it concerns the session. */
  private errorBody(apiKey: number, request: unknown, errorCode: number, run: InterceptRunner): any {
    const body = run.errorResponse(request, errorCode) as any;
    if (apiKey !== FETCH || body === undefined) return body;
    return FETCH_SESSION_ERRORS.has(errorCode) ? { ...body, responses: [] } : { ...body, errorCode: ErrorCode.NONE };
  }

  private callFunction(fn: InterceptFunction, request: unknown, facts: RequestFacts, run: InterceptRunner): DispatchResult | Promise<DispatchResult> {
    let forwarded: Promise<unknown> | null = null;
    const ctx: InterceptContext = {
      ...facts,
      forward: (body = request) => {
        const handled = Promise.resolve(run.handle(body));
        forwarded = handled;
        return handled.then((r) => (r === NO_RESPONSE || r === CLOSE_CONNECTION ? undefined : r));
      },
    };
    const answer = (r: unknown): DispatchResult | Promise<DispatchResult> => {
      if (r === undefined) return forwarded !== null ? forwarded.then(run.encode) : then(run.handle(request), run.encode);
      try {
        return run.encode(r);
      } catch (err) {
        return this.userFailed('response', facts, err);
      }
    };
    let out: unknown;
    try {
      out = fn(request, ctx);
    } catch (err) {
      return this.userFailed('function', facts, err);
    }
    if (out instanceof Promise) return out.then(answer, (err: unknown) => this.userFailed('function', facts, err));
    return answer(out);
  }

  /** A test's function failed: the broker logs it and closes the connection, as for a request it cannot answer. */
  private userFailed(what: string, facts: RequestFacts, err: unknown): DispatchResult {
    this.logger.warn(`interceptor ${what} failed: closing the connection`, { ...logFields(facts), error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return CLOSE;
  }
}

function apiKeyOf(api: ApiSelector): number {
  if (typeof api === 'number') {
    if (apiInfo(api) === undefined) throw new Error(`intercept: unknown API key ${api}`);
    return api;
  }
  const schema = API_SCHEMAS.find((s) => s.name === api);
  if (schema === undefined) throw new Error(`intercept: unknown API '${api}' (Kafka's names: 'Produce', 'Fetch', 'Metadata', ...)`);
  return schema.key;
}

function errorCodeOf(error: number | string): number {
  if (typeof error === 'number') return error;
  const code = (ErrorCode as Record<string, number>)[error];
  if (code === undefined) throw new Error(`intercept: unknown error '${error}' (Kafka's names: 'NOT_LEADER_OR_FOLLOWER', ...)`);
  return code;
}

function compileAction(action: InterceptAction): CompiledAction {
  if (typeof action === 'function') return { kind: 'function', fn: action };
  if ('error' in action) return { kind: 'error', errorCode: errorCodeOf(action.error) };
  if ('delayMs' in action) {
    if (!(action.delayMs >= 0)) throw new Error(`intercept: delayMs is 0 or more, not ${action.delayMs}`);
    return { kind: 'delay', ms: action.delayMs };
  }
  if ('drop' in action) {
    if (action.drop !== 'before' && action.drop !== 'after') throw new Error(`intercept: drop is 'before' or 'after', not '${String(action.drop)}'`);
    return { kind: 'drop', when: action.drop };
  }
  if ('swallow' in action && action.swallow) return { kind: 'swallow' };
  throw new Error('intercept: the action is { error }, { delayMs }, { drop }, { swallow: true } or a function');
}

function textMatcher(m: string | RegExp): (s: string | null) => boolean {
  return typeof m === 'string' ? (s) => s === m : (s) => s !== null && m.test(s);
}

function partitionFilter(m: InterceptMatcher): PartitionFilter | null {
  if (m.topic === undefined && m.partition === undefined) return null;
  const topics = m.topic;
  const partitions = m.partition;
  return {
    topic: topics === undefined ? undefined : typeof topics === 'string' || topics instanceof RegExp ? textMatcher(topics) : (t) => topics.includes(t),
    partition: partitions === undefined ? undefined : typeof partitions === 'number' ? (p) => p === partitions : (p) => partitions.includes(p),
  };
}

function connectionMatcher(m: InterceptMatcher): ((c: ConnectionInfo) => boolean) | null {
  const tests: ((c: ConnectionInfo) => boolean)[] = [];
  const { connection, clientPort } = m;
  if (typeof connection === 'number') tests.push((c) => c.id === connection);
  else if (connection !== undefined) tests.push(connection);
  if (clientPort !== undefined) tests.push((c) => c.remotePort === clientPort);
  if (tests.length === 0) return null;
  return (c) => tests.every((t) => t(c));
}

function factsOf(ctx: RequestContext): RequestFacts {
  return {
    apiKey: ctx.apiKey,
    apiName: apiInfo(ctx.apiKey)?.name ?? `API ${ctx.apiKey}`,
    apiVersion: ctx.apiVersion,
    correlationId: ctx.correlationId,
    clientId: ctx.clientId,
    connection: ctx.connection,
  };
}

function describeRequest(ctx: RequestContext): string {
  return `${apiInfo(ctx.apiKey)?.name ?? `API ${ctx.apiKey}`} v${ctx.apiVersion}`;
}

function logFields(f: RequestFacts): Record<string, unknown> {
  return { conn: f.connection.id, client: `${f.connection.remoteAddress}:${f.connection.remotePort}`, api: f.apiName, apiVersion: f.apiVersion, correlationId: f.correlationId };
}

/** Topic entries name their topic, or only its id (Fetch v13+, Produce v13, OffsetCommit v10). */
function topicNamer(ctx: RequestContext): TopicNamer {
  return (entry, field) => {
    const name = entry[field] as string | null | undefined;
    if (typeof name === 'string' && name !== '') return name;
    const id = entry.topicId as string | undefined;
    return id === undefined ? '' : (ctx.broker.topics.topicById(id)?.name ?? '');
  };
}

function isBody(r: unknown): r is object {
  return r !== NO_RESPONSE && r !== CLOSE_CONNECTION && typeof r === 'object' && r !== null;
}

/** Applies fn to a value or to a promise's value, staying synchronous for a value. */
function then<T, R>(v: T | Promise<T>, fn: (v: T) => R | Promise<R>): R | Promise<R> {
  return v instanceof Promise ? v.then(fn) : fn(v);
}

/** Waits on the broker's clock; a broker shutting down ends the wait. */
function sleep(ctx: RequestContext, ms: number): Promise<void> {
  const signal = ctx.broker.shutdown;
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = ctx.broker.clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
