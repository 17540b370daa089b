// What a conformance case is: an id, the API (and versions) it exercises, the Kafka behaviour it
// checks with a citation, and a run function. Results and the outcome types the runner reports.

import type { CaseContext } from './context.js';

/** Which versions of `api` a case runs at. */
export interface VersionSpec {
  /** Lowest version the case applies to (default: the lowest advertised). */
  min?: number;
  /** Highest version the case applies to (default: the highest advertised). */
  max?: number;
  /** Run once per advertised version in range (default false: once, at the highest). */
  each?: boolean;
}

export interface ConformanceCase {
  /** Stable id, `<area>.<behaviour>`; known-gaps.json and --filter use it. */
  id: string;
  /** The API under test (its key); the case is skipped when the target does not advertise it. */
  api: number;
  /** One line: the Kafka behaviour checked. */
  title: string;
  /** KIP, reference definition or Kafka source the behaviour comes from. */
  cite: string;
  versions?: VersionSpec;
  /** Other APIs (key, or [key, min version]) the case needs; skipped when one is missing. */
  requires?: (number | [number, number])[];
  /** Per-run budget (default 10 s). */
  timeoutMs?: number;
  run(ctx: CaseContext): Promise<void>;
}

export type Status = 'pass' | 'fail' | 'skip' | 'known-gap' | 'fixed';

export interface CaseResult {
  id: string;
  api: string;
  apiKey: number;
  /** Version of `api` the run used; null when skipped before a version was chosen. */
  version: number | null;
  title: string;
  cite: string;
  status: Status;
  /** Failure message, skip reason, or the known-gap reason. */
  message?: string;
  durationMs: number;
}

/** Thrown by a case (ctx.skip) when the target lacks something the case needs. */
export class CaseSkip extends Error {
  override readonly name = 'CaseSkip';
}

/** Thrown by assertions: the target's behaviour differs from Kafka's. */
export class CaseFailure extends Error {
  override readonly name = 'CaseFailure';
}
