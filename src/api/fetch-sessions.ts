// Incremental fetch sessions (KIP-227). A consumer's first fetch (session id 0, epoch 0) opens a
// session holding its partitions and fetch positions; later fetches send only what changed and get
// back only partitions with news (records, an error, or a moved high watermark, last stable offset
// or log start offset). Epoch -1 asks for a sessionless fetch (and closes the named session).
// The cache is bounded (Kafka's max.incremental.fetch.session.cache.slots, 1000): the least
// recently used session is evicted to make room.

import { randomInt } from 'node:crypto';

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  /** What the last response told the client, to send only changes. -1 before the first response. */
  sentHighWatermark: number;
  sentLastStableOffset: number;
  sentLogStartOffset: number;
}

export class FetchSession {
  /** The epoch the next incremental request must carry. */
  nextEpoch = 1;
  readonly partitions = new Map<string, SessionPartition>();
  constructor(readonly id: number) {}
}

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class FetchSessionCache {
  /** Sessions in least-recently-used order (Map keeps insertion order; touching re-inserts). */
  private readonly sessions = new Map<number, FetchSession>();

  constructor(readonly maxSessions = 1000) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Opens a new session; evicts the least recently used one when full. Returns undefined when size 0. */
  create(): FetchSession | undefined {
    if (this.maxSessions <= 0) return undefined;
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value as number;
      this.sessions.delete(oldest);
    }
    let id: number;
    do id = randomInt(1, 2 ** 31 - 1);
    while (this.sessions.has(id));
    const s = new FetchSession(id);
    this.sessions.set(id, s);
    return s;
  }

  /** The session, marked as just used. */
  get(id: number): FetchSession | undefined {
    const s = this.sessions.get(id);
    if (s !== undefined) {
      this.sessions.delete(id);
      this.sessions.set(id, s);
    }
    return s;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }
}
