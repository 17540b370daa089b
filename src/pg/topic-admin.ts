// Topic administration in the database, the operations DeleteTopics, CreatePartitions and the topic
// part of (Incremental)AlterConfigs perform
// (src/api/20-delete-topics.ts, 37-create-partitions.ts, which also serve the one-node broker through
// TopicManager): deleting a topic removes its partitions, batches and producer state in one
// transaction; growing one adds partitions led round robin by the live brokers (or by the first
// live broker of a manual assignment) at epoch 0. Every broker sees the change at its next refresh
// (this one at once). The data is shared, so every live broker is a replica of every partition.

import type { TopicInfo } from '../cluster/cluster-state.js';
import type { Uuid } from '../codec/uuid.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import { notifyMetadataChange } from './append-notifier.js';
import { inTransaction } from './connection.js';
import { rackAlternated, type PgTopic } from './leadership.js';
import type { PgPartitionStore } from './partition-store.js';
import type { PgMembership } from './pg-membership.js';

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

  /** Grows a topic to `count` partitions (validated by the caller); `assignment[k]` names the replicas of the k-th new one. */
  async setPartitionCount(name: string, count: number, assignment?: number[][]): Promise<void> {
    const live = rackAlternated(await this.membership.registry.live());
    if (live.length === 0) throw new Error('no live broker to lead the partitions');
    await inTransaction(this.membership.pool, async (c) => {
      const { rows } = await c.query<{ topic_id: string; partitions: number }>('select topic_id, partitions from tributary_topics where name = $1 for update', [name]);
      if (rows[0] === undefined) throw new Error(`no topic ${name}`);
      const { topic_id: id, partitions: from } = rows[0];
      const start = Math.floor(Math.random() * live.length);
      for (let p = from; p < count; p++) {
        const chosen = assignment?.[p - from]?.find((b) => live.includes(b));
        const leader = chosen ?? live[(start + p) % live.length];
        await c.query('insert into tributary_partitions (topic_id, partition, leader, leader_epoch) values ($1, $2, $3, 0)', [id, p, leader]);
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
