// Time and size retention (cleanup.policy=delete) on postgres:// storage. Every
// log.retention.check.interval.ms each broker checks the partitions it leads: the batches before the
// first one whose largest timestamp is within retention.ms are deleted (whole batches: the database
// has no segments, so a batch is the unit Kafka's segment is), then the oldest batches while the
// rest still exceed retention.bytes, the newest batch always kept. The log start offset moves as
// DeleteRecords moves it (log-start.ts: fenced by the leader's epoch). Topics with
// cleanup.policy=compact are compacted in the same pass (topic-compaction.ts). The same pass expires
// the state of producer ids idle for producer.id.expiration.ms on the partitions the broker leads.

import type { Uuid } from '../codec/uuid.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import type { Logger } from '../util/logger.js';
import type { Pool } from './connection.js';
import { deleteRecordsBefore } from './log-start.js';
import { compactTopicPartition } from './topic-compaction.js';
import { FencedLeaderError } from './partition-store.js';
import type { PgMembership } from './pg-membership.js';

export interface RetentionConfig {
  /** -1: unlimited. */
  retentionMs: number;
  /** -1: unlimited. */
  retentionBytes: number;
  /** cleanup.policy includes delete. */
  deletes: boolean;
  /** cleanup.policy includes compact. */
  compacts: boolean;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
}

/** The offset the log should start at under the retention settings; undefined: nothing to delete. */
export async function retainedStart(pool: Pool, topicId: Uuid, partition: number, config: RetentionConfig, now: number): Promise<number | undefined> {
  let start: number | undefined;
  if (config.retentionMs >= 0) {
    const { rows } = await pool.query<{ first_kept: string | null; oldest: string | null; next_offset: string }>(
      `select (select min(base_offset) from tributary_batches where topic_id = $1 and partition = $2 and max_timestamp >= $3) as first_kept,
              (select min(base_offset) from tributary_batches where topic_id = $1 and partition = $2) as oldest,
              p.next_offset
         from tributary_partitions p where p.topic_id = $1 and p.partition = $2`,
      [topicId, partition, now - config.retentionMs],
    );
    const r = rows[0];
    if (r !== undefined && r.oldest !== null) {
      const kept = r.first_kept === null ? Number(r.next_offset) : Number(r.first_kept);
      if (kept > Number(r.oldest)) start = kept;
    }
  }
  if (config.retentionBytes >= 0) {
    // The oldest batch from which the rest of the log fits in retention.bytes (the newest one kept even alone).
    const { rows } = await pool.query<{ keep_from: string | null; newest: string | null; oldest: string | null }>(
      `select (select min(base_offset) from (
                 select base_offset, sum(octet_length(data)) over (order by base_offset desc) as tail
                   from tributary_batches where topic_id = $1 and partition = $2) x where tail <= $3) as keep_from,
              (select max(base_offset) from tributary_batches where topic_id = $1 and partition = $2) as newest,
              (select min(base_offset) from tributary_batches where topic_id = $1 and partition = $2) as oldest`,
      [topicId, partition, config.retentionBytes],
    );
    const r = rows[0];
    if (r.oldest !== null) {
      const keep = r.keep_from === null ? Number(r.newest) : Number(r.keep_from);
      if (keep > Number(r.oldest)) start = Math.max(start ?? 0, keep);
    }
  }
  return start;
}

/**
 * Deletes the state of the producers of the partitions `nodeId` leads whose last batch is older than
 * `cutoff` (its timestamp, as Kafka's producer.id.expiration.ms) and that have no open transaction;
 * answers how many. An append by such a producer meanwhile updates its row first, and the delete
 * checks the row again: it stays.
 */
export async function expireIdleProducers(pool: Pool, nodeId: number, cutoff: number): Promise<number> {
  const { rowCount } = await pool.query(
    `delete from tributary_producers x using tributary_partitions p
      where p.topic_id = x.topic_id and p.partition = x.partition and p.leader = $1
        and x.txn_first_offset < 0 and cast(cast(x.entry as json) ->> 'lastTimestamp' as bigint) < $2`,
    [nodeId, String(cutoff)],
  );
  return rowCount ?? 0;
}

export interface PgRetentionOptions {
  /** A topic's retention and cleanup settings: its configs over the broker's defaults. */
  configFor(topic: string): RetentionConfig;
  logger: Logger;
  now?: () => number;
  /** Told when a partition's log start moved or its batches were compacted (the leader's batch cache forgets it). */
  onLogStartMoved?(topicId: Uuid, partition: number): void;
  /** producer.id.expiration.ms, read each pass (a dynamic broker config). */
  producerExpirationMs?(): number;
}

/** Runs retention over the partitions this broker leads, each check interval. */
export class PgRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /**
   * Per "topicId/partition": where this broker's last compaction of it ended and its next tombstone
   * horizon, at the leader epoch it had (a later leadership starts over: another leader compacted meanwhile).
   */
  private readonly compacted = new Map<string, { leaderEpoch: number; cleanedEnd: number; horizon: number }>();

  private readonly configFor: (topic: string) => RetentionConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly onLogStartMoved: (topicId: Uuid, partition: number) => void;
  private readonly producerExpirationMs: () => number;

  constructor(private readonly membership: PgMembership, options: PgRetentionOptions) {
    this.configFor = options.configFor;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.onLogStartMoved = options.onLogStartMoved ?? (() => {});
    this.producerExpirationMs = options.producerExpirationMs ?? (() => 86_400_000);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then(() => {}, (err: unknown) => this.logger.warn('retention in the database failed', { error: String(err) }))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; answers the number of partitions whose log start moved. */
  async runOnce(): Promise<number> {
    let moved = 0;
    const me = this.membership.nodeId;
    const expired = await expireIdleProducers(this.membership.pool, me, this.now() - this.producerExpirationMs());
    if (expired > 0) this.logger.info('expired idle producer ids', { producers: expired });
    for (const topic of this.membership.topics()) {
      const config = this.configFor(topic.name);
      // Internal topics are compacted by their coordinators (coordinator-compaction.ts).
      if (config.compacts && !INTERNAL_TOPICS.has(topic.name)) await this.compactLed(topic, config);
      if (!config.deletes || (config.retentionMs < 0 && config.retentionBytes < 0)) continue;
      for (let p = 0; p < topic.partitions; p++) {
        const leader = this.membership.leaderOf(topic.id, p);
        if (leader?.leader !== me) continue;
        const start = await retainedStart(this.membership.pool, topic.id, p, config, this.now());
        if (start === undefined) continue;
        try {
          const logStart = await deleteRecordsBefore(this.membership.pool, topic.id, p, me, leader.leaderEpoch, start);
          this.onLogStartMoved(topic.id, p);
          moved++;
          this.logger.info('retention deleted records', { topic: topic.name, partition: p, logStartOffset: logStart });
        } catch (err) {
          if (!(err instanceof FencedLeaderError)) throw err; // moved meanwhile: its new leader retains
        }
      }
    }
    return moved;
  }

  /** Compacts the partitions of `topic` this broker leads whose cleanable range grew (or whose tombstones are due). */
  private async compactLed(topic: { id: Uuid; name: string; partitions: number }, config: RetentionConfig): Promise<void> {
    const me = this.membership.nodeId;
    for (let p = 0; p < topic.partitions; p++) {
      const leader = this.membership.leaderOf(topic.id, p);
      if (leader?.leader !== me) continue;
      const key = `${topic.id}/${p}`;
      const last = this.compacted.get(key);
      try {
        const r = await compactTopicPartition(this.membership.pool, topic.id, p, me, leader.leaderEpoch, config, this.now(), last?.leaderEpoch === leader.leaderEpoch ? last : undefined);
        if (r === undefined) continue;
        this.compacted.set(key, { leaderEpoch: leader.leaderEpoch, cleanedEnd: r.end, horizon: r.nextHorizon });
        if (r.batchesAfter !== r.batchesBefore || r.recordsRemoved > 0) {
          this.onLogStartMoved(topic.id, p);
          this.logger.info('compacted', { topic: topic.name, partition: p, endOffset: r.end, batches: r.batchesBefore, kept: r.batchesAfter, recordsRemoved: r.recordsRemoved });
        }
      } catch (err) {
        if (!(err instanceof FencedLeaderError)) throw err; // moved meanwhile: its new leader compacts
      }
    }
  }
}
