// Assertions for conformance cases. Failures name Kafka error codes by name so a report reads
// "expected INVALID_TOPIC_EXCEPTION (17), got NONE (0)".

import { errorInfo } from '../codec/index.js';
import { CaseFailure } from './types.js';

export function errName(code: number): string {
  return `${errorInfo(code).name} (${code})`;
}

export function fail(message: string): never {
  throw new CaseFailure(message);
}

export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new CaseFailure(message);
}

export function eq<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new CaseFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** The error code must be one of `expected`. */
export function errorIs(actual: number, expected: number | number[], what: string): void {
  const list = Array.isArray(expected) ? expected : [expected];
  if (!list.includes(actual)) {
    throw new CaseFailure(`${what}: expected ${list.map(errName).join(' or ')}, got ${errName(actual)}`);
  }
}

export function noError(actual: number, what: string): void {
  errorIs(actual, 0, what);
}

export function deepEq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, replacer);
  const e = JSON.stringify(expected, replacer);
  if (a !== e) throw new CaseFailure(`${what}: expected ${e}, got ${a}`);
}

function replacer(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
    return Buffer.from((v as { data: number[] }).data).toString('utf8');
  }
  return v;
}

export function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('utf8'));
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v, replacer) ?? String(v);
}

/**
 * Reads again (bounded) until `done` holds, and returns the last value read: the caller asserts on
 * it. For state Kafka applies after its response: in KRaft a topic deletion or a config change is
 * committed by the controller and reaches the broker's metadata image (which Metadata and
 * DescribeConfigs read) a moment later.
 */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
