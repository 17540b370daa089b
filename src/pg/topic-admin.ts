// Topic administration in the database, the operations DeleteTopics, CreatePartitions and the topic
// part of (Incremental)AlterConfigs perform
// (src/api/20-delete-topics.ts, 37-create-partitions.ts, which also serve the one-node broker through
// TopicManager): deleting a topic removes its partitions, batches and producer state in one
// transaction; growing one adds partitions led by the live brokers leading the fewest of the topic's
// partitions (or by the first live broker of a manual assignment) at epoch 0. Every broker sees the
// change at its next refresh (this one at once). The data is shared, so every live broker is a replica
// of every partition.

import type { TopicInfo } from '../cluster/cluster-state.js';
import type { Uuid } from '../codec/uuid.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import { notifyMetadataChange } from './append-notifier.js';
import { inTransaction } from './connection.js';
import { plan, rackAlternated, type PartitionLeader, type PgTopic } from './leadership.js';
import type { PgPartitionStore } from './partition-store.js';
import type { PgMembership } from './pg-membership.js';

/** Not a node id: a partition placed by `plan` as a dead leader's would be. */
const NO_LEADER = -1;

export class PgTopicAdmin {
  constructor(private readonly membership: PgMembership, private readonly store: PgPartitionStore) {}

  topic(name: string): TopicInfo | undefined {
    const t = this.membership.topic(name);
    return t && info(t);
  }

  topicById(id: Uuid): TopicInfo | undefined {
    const t = this.membership.topics().find((x) => x.id === id);
    return t && info(t);
  }

  /** Every live broker holds every partition's data: the replication factor is the live count. */
  replicationFactor(_topic?: TopicInfo): number {
    return this.membership.liveBrokers().length;
  }

  registeredBrokers(): number[] {
    return this.membership.liveBrokers().map((b) => b.nodeId);
  }

  async deleteTopic(name: string): Promise<void> {
    await inTransaction(this.membership.pool, async (c) => {
      const { rows } = await c.query<{ topic_id: string }>('delete from tributary_topics where name = $1 returning topic_id', [name]);
      if (rows[0] === undefined) return;
      const id = rows[0].topic_id;
      const partitions = this.membership.topic(name)?.partitions ?? 0;
      for (let p = 0; p < partitions; p++) this.store.cache.invalidate(id, p);
      // The partition rows first: an append holding one waits for this transaction, then finds it gone.
      await c.query('delete from tributary_partitions where topic_id = $1', [id]);
      await c.query('delete from tributary_batches where topic_id = $1', [id]);
      await c.query('delete from tributary_producers where topic_id = $1', [id]);
      await c.query('delete from tributary_aborted_txns where topic_id = $1', [id]);
      await notifyMetadataChange(c);
    });
    await this.membership.refresh();
  }

  /** Replaces a topic's config overrides (Kafka's text values): every broker applies them from its next refresh. */
  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    await this.membership.pool.query('update tributary_topics set configs = $2 where name = $1', [name, JSON.stringify(configs)]);
    await notifyMetadataChange(this.membership.pool);
    await this.membership.refresh();
  }

  /**
   * Grows a topic to `count` partitions (validated by the caller); `assignment[k]` names the replicas
   * of the k-th new one. Without one, each new partition goes to the live broker leading the fewest of
   * the topic's partitions (the balancer's own rule, `plan`): a round robin from a random start could
   * give a broker two of a topic's three partitions, which the controller's next heartbeat would then
   * move, and a client that had just learnt the leader (librdkafka's DeleteRecords does not retry)
   * would be told NOT_LEADER_OR_FOLLOWER.
   */
  async setPartitionCount(name: string, count: number, assignment?: number[][]): Promise<void> {
    const brokers = await this.membership.registry.live();
    const live = rackAlternated(brokers);
    if (live.length === 0) throw new Error('no live broker to lead the partitions');
    const racks = new Map(brokers.map((b) => [b.nodeId, b.rack]));
    await inTransaction(this.membership.pool, async (c) => {
      const { rows } = await c.query<{ topic_id: string; partitions: number }>('select topic_id, partitions from tributary_topics where name = $1 for update', [name]);
      if (rows[0] === undefined) throw new Error(`no topic ${name}`);
      const { topic_id: id, partitions: from } = rows[0];
      const led = await c.query<{ partition: number; leader: number; leader_epoch: number }>('select partition, leader, leader_epoch from tributary_partitions where topic_id = $1', [id]);
      const current: PartitionLeader[] = led.rows.map((r) => ({ topicId: id, partition: r.partition, leader: r.leader, leaderEpoch: r.leader_epoch }));
      // A partition the assignment does not place enters the plan leaderless (no live broker's id).
      const added: PartitionLeader[] = Array.from({ length: count - from }, (_, k) => ({
        topicId: id, partition: from + k, leader: assignment?.[k]?.find((b) => live.includes(b)) ?? NO_LEADER, leaderEpoch: 0,
      }));
      const placed = new Map(plan([...current, ...added], live, false, (b) => racks.get(b) ?? null).map((m) => [m.partition, m.leader]));
      for (const p of added) {
        await c.query('insert into tributary_partitions (topic_id, partition, leader, leader_epoch) values ($1, $2, $3, 0)', [id, p.partition, placed.get(p.partition) ?? p.leader]);
      }
      await c.query('update tributary_topics set partitions = $2 where topic_id = $1', [id, count]);
      await notifyMetadataChange(c);
    });
    await this.membership.refresh();
  }
}

function info(t: PgTopic): TopicInfo {
  return { name: t.name, id: t.id, partitions: t.partitions, configs: t.parsedConfigs, internal: INTERNAL_TOPICS.has(t.name) };
}
