// The shape of the differential corpus: a sequence is data — setup (topics, coordinators) and a list
// of steps, each a request (API key, version, body) or raw bytes, replayed as written against both
// brokers. Values that only exist at run time are markers resolved per broker by replay.ts:
//   name('g')            a name unique to this run and sequence (the same on both brokers)
//   ref('join', 'memberId')  a field of an earlier response of the same sequence, on the same broker
//   batch({...})         a v2 record batch built from options that may themselves hold markers
//   topicId('t')         the topic id of a setup topic on that broker

export type Marker =
  | { $name: string }
  | { $ref: string; path: string }
  | { $batch: Record<string, unknown> }
  | { $topicId: string };

export const name = (n: string): Marker => ({ $name: n });
export const ref = (step: string, path: string): Marker => ({ $ref: step, path });
export const topicId = (topic: string): Marker => ({ $topicId: topic });
/** A v2 batch; `records` default to the run's fixed timestamp, so both brokers store the same bytes. */
export const batch = (opts: Record<string, unknown>): Marker => ({ $batch: opts });

/** Waits the replay may do before a sequence, polling until the broker is ready (never timed sleeps). */
export interface Setup {
  /** Creates the topic (CreateTopics) and polls Metadata until every partition has a leader. */
  topic?: string;
  partitions?: number;
  configs?: Record<string, string>;
}

/** Retries the request while the response matches (e.g. a coordinator still loading, an LSO not yet
 *  advanced after EndTxn): Kafka completes some steps asynchronously, and a fixed wait would be timing. */
export interface RetryWhile {
  path: string;
  /** Retry while the value at path is one of these. */
  in: unknown[];
}

export interface RequestStep {
  /** Label used by refs, the report and known-differences.json; defaults to `<Api>v<version>`. */
  name?: string;
  api: number;
  version: number;
  body: Record<string, unknown>;
  retryWhile?: RetryWhile;
  /** Cluster-wide lists (ListGroups, ListTransactions) filtered to this sequence's names, since the
   *  brokers are shared with the other test files: `list` is a dot path, `key` the name field. */
  scope?: { list: string; key: string }[];
  /** Send on another connection of the sequence (default 'main'); each opens on first use. */
  connection?: string;
}

/** Requests written back-to-back on one connection before any response is read. */
export interface PipelineStep {
  name: string;
  pipeline: RequestStep[];
}

/** Bytes written as they are; the outcome is the next response frame (decoded as `decodeAs`) or the
 *  connection closing. `frame` builds the bytes from an encoded request when given. */
export interface RawStep {
  name: string;
  raw: Buffer | ((encoded: (api: number, version: number, body: Record<string, unknown>) => Buffer) => Buffer);
  decodeAs?: { api: number; version: number };
}

export type Step = RequestStep | PipelineStep | RawStep;

export interface Sequence {
  id: string;
  /** What the sequence checks, in one line. */
  title: string;
  setup?: Setup[];
  steps: Step[];
}
