// Topics and partition leadership in the database. Each partition row names its leader broker and
// leader epoch; every append is conditional on both (partition-store.ts), so moving a leadership
// with an epoch bump fences the old leader even if it is paused or cut off and still believes it
// leads. Leaderships are spread evenly over the live brokers: those of brokers whose lease expired
// are taken over by the least loaded live brokers, and a broker that joins receives its share.

import { randomUuid, type Uuid } from '../codec/uuid.js';
import { parseTopicConfig, type TopicConfig } from '../config/topic-configs.js';
import { notifyMetadataChange } from './append-notifier.js';
import { inTransaction, type Pool, type PoolClient } from './connection.js';

export interface PgTopic {
  name: string;
  id: Uuid;
  partitions: number;
  /** The overrides as stored: text, as AlterConfigs and CreateTopics took them. */
  configs: Record<string, string>;
  /** The same overrides parsed (as the one-node broker keeps them); the same object while they do not change. */
  parsedConfigs: TopicConfig;
}

/** The stored overrides parsed; a value that no longer parses (a config this version dropped) stays text. */
function parseStoredConfigs(configs: Record<string, string>): TopicConfig {
  const out: TopicConfig = {};
  for (const [key, text] of Object.entries(configs)) {
    try {
      out[key] = parseTopicConfig(key, text);
    } catch {
      out[key] = text;
    }
  }
  return out;
}

export interface PartitionLeader {
  topicId: Uuid;
  partition: number;
  leader: number;
  leaderEpoch: number;
}

export class TopicExistsError extends Error {
  constructor(readonly topic: string) {
    super(`Topic '${topic}' already exists.`);
    this.name = 'TopicExistsError';
  }
}

/**
 * The brokers in the order topics' partitions are led round robin: racks alternating (Kafka's
 * rack-alternated broker list), so consecutive partitions go to different racks. Without racks: as given.
 */
export function rackAlternated(brokers: readonly { nodeId: number; rack: string | null }[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.nodeId - y.nodeId)) {
    const key = b.rack ?? '';
    byRack.set(key, [...(byRack.get(key) ?? []), b.nodeId]);
  }
  const racks = [...byRack.keys()].sort().map((k) => byRack.get(k)!);
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) for (const r of racks) if (i < r.length) out.push(r[i]);
  return out;
}

export class PgLeadership {
  /** Each topic's configs as last read, by topic id: kept while their text is unchanged, so that caches keyed by them hold. */
  private configsById = new Map<Uuid, { text: string; configs: Record<string, string>; parsed: TopicConfig }>();

  constructor(private readonly pool: Pool) {}

  /**
   * Creates a topic whose partitions are led round-robin by the live brokers (starting at a place
   * that spreads the first partitions of successive topics), each at leader epoch 0.
   */
  async createTopic(name: string, partitions: number, configs: Record<string, string>, live: number[]): Promise<PgTopic> {
    if (live.length === 0) throw new Error('no live broker to lead the partitions');
    if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`invalid partition count ${partitions}`);
    const id = randomUuid();
    try {
      await inTransaction(this.pool, async (c) => {
        await c.query('insert into tributary_topics (name, topic_id, partitions, configs) values ($1, $2, $3, $4)', [name, id, partitions, JSON.stringify(configs)]);
        const start = Math.floor(Math.random() * live.length);
        const leaders = Array.from({ length: partitions }, (_, p) => live[(start + p) % live.length]);
        await c.query(
          `insert into tributary_partitions (topic_id, partition, leader, leader_epoch)
           select $1, p - 1, ($2::int[])[p], 0 from generate_series(1, $3) as p`,
          [id, leaders, partitions],
        );
        await notifyMetadataChange(c);
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new TopicExistsError(name);
      throw err;
    }
    return { name, id, partitions, configs, parsedConfigs: parseStoredConfigs(configs) };
  }

  async topics(): Promise<PgTopic[]> {
    const { rows } = await this.pool.query<{ name: string; topic_id: string; partitions: number; configs: string }>(
      'select name, topic_id, partitions, configs from tributary_topics order by name',
    );
    const read = new Map<Uuid, { text: string; configs: Record<string, string>; parsed: TopicConfig }>();
    const topics = rows.map((r) => {
      let c = this.configsById.get(r.topic_id);
      if (c === undefined || c.text !== r.configs) {
        const configs = JSON.parse(r.configs) as Record<string, string>;
        c = { text: r.configs, configs, parsed: parseStoredConfigs(configs) };
      }
      read.set(r.topic_id, c);
      return { name: r.name, id: r.topic_id, partitions: r.partitions, configs: c.configs, parsedConfigs: c.parsed };
    });
    this.configsById = read;
    return topics;
  }

  async leaders(): Promise<PartitionLeader[]> {
    const { rows } = await this.pool.query<{ topic_id: string; partition: number; leader: number; leader_epoch: number }>(
      'select topic_id, partition, leader, leader_epoch from tributary_partitions order by topic_id, partition',
    );
    return rows.map(toLeader);
  }

  /**
   * Moves leaderships so that every partition is led by a live broker and the live brokers lead
   * equal shares (within one): first the partitions of dead leaders go to the least loaded live
   * brokers, then, with `balance`, the most loaded give to the least loaded. Every move bumps the
   * partition's leader epoch. Runs in one transaction holding the partition rows, so brokers doing
   * it at the same time serialize and the second finds nothing left to do. Answers the moves made.
   */
  async rebalance(
    live: number[],
    options: { balance: boolean; rackOf?: (nodeId: number) => string | null; lockTimeoutMs?: number },
  ): Promise<PartitionLeader[]> {
    if (live.length === 0) return [];
    // A read without locks first: in the steady state nothing moves and nothing is locked.
    if (plan(await this.leaders(), live, options.balance, options.rackOf).length === 0) return [];
    try {
      return await inTransaction(this.pool, async (c) => {
        // A row held by a broker paused mid-transaction is freed once the server ends its idle
        // session (connection.ts); meanwhile give up this round rather than stall the caller's
        // heartbeat (its own lease) behind it.
        if (options.lockTimeoutMs !== undefined) await c.query(`set local lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs))}`);
        return this.applyPlan(c, live, options);
      });
    } catch (err) {
      if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) return [];
      throw err;
    }
  }

  /** Moves what `plan` says under the rows' locks, in the caller's transaction. */
  private async applyPlan(c: PoolClient, live: number[], options: { balance: boolean; rackOf?: (nodeId: number) => string | null }): Promise<PartitionLeader[]> {
    const current = await lockedLeaders(c);
    const moves = plan(current, live, options.balance, options.rackOf);
    for (const m of moves) {
      await c.query('update tributary_partitions set leader = $3, leader_epoch = $4 where topic_id = $1 and partition = $2', [m.topicId, m.partition, m.leader, m.leaderEpoch]);
    }
    if (moves.length > 0) await notifyMetadataChange(c);
    return moves;
  }
}

/** SQLSTATE lock_not_available: a lock_timeout expired. */
const LOCK_NOT_AVAILABLE = '55P03';

async function lockedLeaders(c: PoolClient): Promise<PartitionLeader[]> {
  const { rows } = await c.query<{ topic_id: string; partition: number; leader: number; leader_epoch: number }>(
    'select topic_id, partition, leader, leader_epoch from tributary_partitions order by topic_id, partition for update',
  );
  return rows.map(toLeader);
}

function toLeader(r: { topic_id: string; partition: number; leader: number; leader_epoch: number }): PartitionLeader {
  return { topicId: r.topic_id, partition: r.partition, leader: r.leader, leaderEpoch: r.leader_epoch };
}

/**
 * The moves that give every partition a live leader and (with balance) even shares, topic by topic
 * (as Kafka places each topic's replicas over the brokers: a topic's partitions are spread even when
 * another topic, e.g. the 50 of __consumer_offsets, dominates the count); ties go to the broker whose
 * rack leads fewer of the topic's partitions, then to the one leading the fewest partitions in all,
 * then the lowest node id. Pure.
 */
export function plan(current: PartitionLeader[], live: number[], balance: boolean, rackOf: (nodeId: number) => string | null = () => null): PartitionLeader[] {
  const total = new Map(live.map((id) => [id, 0]));
  for (const p of current) if (total.has(p.leader)) total.set(p.leader, total.get(p.leader)! + 1);
  const byTopic = new Map<string, PartitionLeader[]>();
  for (const p of current) {
    const list = byTopic.get(p.topicId);
    if (list === undefined) byTopic.set(p.topicId, [p]);
    else list.push(p);
  }
  const moves: PartitionLeader[] = [];
  for (const partitions of byTopic.values()) {
    const load = new Map(live.map((id) => [id, [] as PartitionLeader[]]));
    const orphans: PartitionLeader[] = [];
    for (const p of partitions) (load.get(p.leader) ?? orphans).push(p);
    // The leaders of this topic in a broker's rack: a tie goes to the rack leading fewer of them.
    const inRack = (id: number) => {
      const rack = rackOf(id);
      return rack === null ? 0 : [...load].reduce((n, [other, ps]) => (rackOf(other) === rack ? n + ps.length : n), 0);
    };
    const order = (a: [number, PartitionLeader[]], b: [number, PartitionLeader[]]) =>
      a[1].length - b[1].length || inRack(a[0]) - inRack(b[0]) || total.get(a[0])! - total.get(b[0])! || a[0] - b[0];
    const leastLoaded = () => [...load.entries()].reduce((a, b) => (order(b, a) < 0 ? b : a));
    const mostLoaded = () => [...load.entries()].reduce((a, b) => (order(b, a) > 0 ? b : a));
    const move = (p: PartitionLeader, to: [number, PartitionLeader[]], from?: number) => {
      const moved = { ...p, leader: to[0], leaderEpoch: p.leaderEpoch + 1 };
      to[1].push(moved);
      total.set(to[0], total.get(to[0])! + 1);
      if (from !== undefined) total.set(from, total.get(from)! - 1);
      moves.push(moved);
    };
    for (const p of orphans) move(p, leastLoaded());
    if (balance) {
      for (;;) {
        const most = mostLoaded();
        const least = leastLoaded();
        if (most[1].length - least[1].length <= 1) break;
        // A partition that moves once in this plan moves from its current leader: pick one not moved yet.
        const k = most[1].findLastIndex((p) => !moves.includes(p));
        if (k < 0) break;
        const [p] = most[1].splice(k, 1);
        move(p, least, most[0]);
      }
    }
  }
  return moves;
}
