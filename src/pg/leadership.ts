// Topics and partition leadership in the database. Each partition row names its leader broker and
// leader epoch; every append is conditional on both (partition-store.ts), so moving a leadership
// with an epoch bump fences the old leader even if it is paused or cut off and still believes it
// leads. Leaderships are spread evenly over the live brokers: those of brokers whose lease expired
// are taken over by the least loaded live brokers, and a broker that joins receives its share.

import { randomUuid, type Uuid } from '../codec/uuid.js';
import { inTransaction, type Pool, type PoolClient } from './connection.js';

export interface PgTopic {
  name: string;
  id: Uuid;
  partitions: number;
  configs: Record<string, string>;
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

export class PgLeadership {
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
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new TopicExistsError(name);
      throw err;
    }
    return { name, id, partitions, configs };
  }

  async topics(): Promise<PgTopic[]> {
    const { rows } = await this.pool.query<{ name: string; topic_id: string; partitions: number; configs: string }>(
      'select name, topic_id, partitions, configs from tributary_topics order by name',
    );
    return rows.map((r) => ({ name: r.name, id: r.topic_id, partitions: r.partitions, configs: JSON.parse(r.configs) as Record<string, string> }));
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
  async rebalance(live: number[], options: { balance: boolean }): Promise<PartitionLeader[]> {
    if (live.length === 0) return [];
    // A read without locks first: in the steady state nothing moves and nothing is locked.
    if (plan(await this.leaders(), live, options.balance).length === 0) return [];
    return inTransaction(this.pool, async (c) => {
      const current = await lockedLeaders(c);
      const moves = plan(current, live, options.balance);
      for (const m of moves) {
        await c.query('update tributary_partitions set leader = $3, leader_epoch = $4 where topic_id = $1 and partition = $2', [m.topicId, m.partition, m.leader, m.leaderEpoch]);
      }
      return moves;
    });
  }
}

async function lockedLeaders(c: PoolClient): Promise<PartitionLeader[]> {
  const { rows } = await c.query<{ topic_id: string; partition: number; leader: number; leader_epoch: number }>(
    'select topic_id, partition, leader, leader_epoch from tributary_partitions order by topic_id, partition for update',
  );
  return rows.map(toLeader);
}

function toLeader(r: { topic_id: string; partition: number; leader: number; leader_epoch: number }): PartitionLeader {
  return { topicId: r.topic_id, partition: r.partition, leader: r.leader, leaderEpoch: r.leader_epoch };
}

/** The moves that give every partition a live leader and (with balance) even shares; pure. */
export function plan(current: PartitionLeader[], live: number[], balance: boolean): PartitionLeader[] {
  const load = new Map(live.map((id) => [id, [] as PartitionLeader[]]));
  const orphans: PartitionLeader[] = [];
  for (const p of current) (load.get(p.leader) ?? orphans).push(p);
  const moves = new Map<string, PartitionLeader>();
  const leastLoaded = () => [...load.entries()].reduce((a, b) => (b[1].length < a[1].length || (b[1].length === a[1].length && b[0] < a[0]) ? b : a));
  const mostLoaded = () => [...load.entries()].reduce((a, b) => (b[1].length > a[1].length || (b[1].length === a[1].length && b[0] < a[0]) ? b : a));
  const move = (p: PartitionLeader, to: [number, PartitionLeader[]]) => {
    const key = `${p.topicId}/${p.partition}`;
    const before = moves.get(key) ?? p;
    const moved = { ...p, leader: to[0], leaderEpoch: (moves.has(key) ? before.leaderEpoch : p.leaderEpoch + 1) };
    moves.set(key, moved);
    to[1].push(moved);
  };
  for (const p of orphans) move(p, leastLoaded());
  if (balance) {
    for (;;) {
      const most = mostLoaded();
      const least = leastLoaded();
      if (most[1].length - least[1].length <= 1) break;
      move(most[1].pop()!, least);
    }
  }
  return [...moves.values()];
}
