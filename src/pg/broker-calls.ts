// Calls from one broker of the PostgreSQL cluster to another, through the database: the caller
// NOTIFYs the call on one channel, every broker hears it on its listening connection
// (append-notifier.ts), the broker it names runs it and NOTIFYs the answer on another channel.
// Used where a broker must ask the owner of some state before it answers its client, and the state
// must stay with its owner: transactions V2, where a partition's leader adds the partition to the
// producer's transaction at its coordinator (txn/pg-transactions.ts). No listener to configure and no
// credentials between brokers: the database connection every broker has is the channel.
// Notifications are not stored: a call or answer lost (a listening connection broke, the callee died)
// ends in a timeout, so only calls that can be repeated without harm go this way, and their callers
// answer their clients with a retriable error. An engine without LISTEN/NOTIFY cannot carry them
// (`available` is false): the caller must do without.

import { randomUUID } from 'node:crypto';
import type { Logger } from '../util/logger.js';
import type { AppendNotifier } from './append-notifier.js';
import type { Pool } from './connection.js';

export const CALL_CHANNEL = 'tributary_calls';
export const ANSWER_CHANNEL = 'tributary_answers';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;
/** An error answered is cut to this many characters, so its answer fits. */
const MAX_ERROR_CHARS = 500;

/** The call could not be made or got no answer: the callee may or may not have run it. */
export class BrokerCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerCallError';
  }
}

interface CallMessage {
  to: number;
  /** The calling process (a broker restarted under the same node id is another caller). */
  from: string;
  id: number;
  kind: string;
  args: unknown;
}

interface AnswerMessage {
  to: string;
  id: number;
  result?: unknown;
  error?: string;
}

interface Waiting {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class PgBrokerCalls {
  private readonly handlers = new Map<string, (args: unknown) => Promise<unknown>>();
  private readonly waiting = new Map<number, Waiting>();
  private readonly caller = randomUUID();
  private lastId = 0;

  /** `nodeId`: this broker's id once registered (calls to other ids are not this broker's to run). */
  constructor(
    private readonly pool: Pool,
    private readonly notifier: AppendNotifier,
    private readonly nodeId: () => number,
    private readonly logger: Logger,
    readonly timeoutMs = 5000,
  ) {
    notifier.onChannel(CALL_CHANNEL, (payload) => this.called(payload));
    notifier.onChannel(ANSWER_CHANNEL, (payload) => this.answered(payload));
  }

  /** Whether calls can be made now: this broker hears notifications (their answers among them). */
  get available(): boolean {
    return this.notifier.listening;
  }

  /** Runs `handler` for the calls of `kind` addressed to this broker; its result (JSON) is the answer. */
  serve(kind: string, handler: (args: unknown) => Promise<unknown>): void {
    this.handlers.set(kind, handler);
  }

  /** Calls broker `to`; resolves with its handler's result, rejects with BrokerCallError (no answer, or its handler threw). */
  async call(to: number, kind: string, args: unknown): Promise<unknown> {
    if (!this.available) throw new BrokerCallError('this broker does not hear notifications now, so it would not hear the answer');
    const id = ++this.lastId;
    const payload = JSON.stringify({ to, from: this.caller, id, kind, args } satisfies CallMessage);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new BrokerCallError(`a ${kind} call of ${Buffer.byteLength(payload)} bytes exceeds what a notification carries`);
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new BrokerCallError(`broker ${to} did not answer a ${kind} call within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, reject, timer });
    });
    // The answer may come (and reject) before the NOTIFY's own reply does: handled from now on, not only once returned.
    answer.catch(() => {});
    try {
      await this.pool.query('select pg_notify($1, $2)', [CALL_CHANNEL, payload]);
    } catch (err) {
      this.settle(id)?.reject(new BrokerCallError(`the ${kind} call to broker ${to} could not be sent: ${String(err)}`));
    }
    return answer;
  }

  /** Every call waiting for an answer fails (shutting down). */
  close(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id)?.reject(new BrokerCallError('the broker is shutting down'));
  }

  private settle(id: number): Waiting | undefined {
    const w = this.waiting.get(id);
    if (w === undefined) return undefined;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    return w;
  }

  private called(payload: string): void {
    const call = parse<CallMessage>(payload);
    if (call === undefined) return this.logger.warn('a call between brokers that is not JSON was ignored', { bytes: payload.length });
    if (call.to !== this.nodeId()) return;
    const handler = this.handlers.get(call.kind);
    const running = handler === undefined ? Promise.reject(new Error(`no call ${call.kind} is served here`)) : handler(call.args);
    void running
      .then((result): AnswerMessage => ({ to: call.from, id: call.id, result }), (err: unknown): AnswerMessage => ({ to: call.from, id: call.id, error: String(err).slice(0, MAX_ERROR_CHARS) }))
      .then((answer) => this.pool.query('select pg_notify($1, $2)', [ANSWER_CHANNEL, JSON.stringify(answer)]))
      .catch((err: unknown) => this.logger.warn('answering a call from another broker failed; it will time out', { kind: call.kind, error: String(err) }));
  }

  private answered(payload: string): void {
    const answer = parse<AnswerMessage>(payload);
    if (answer === undefined || answer.to !== this.caller) return;
    const w = this.settle(answer.id);
    if (w === undefined) return; // timed out meanwhile
    if (answer.error !== undefined) w.reject(new BrokerCallError(answer.error));
    else w.resolve(answer.result);
  }
}

function parse<T>(payload: string): T | undefined {
  try {
    return JSON.parse(payload) as T;
  } catch {
    return undefined;
  }
}
