// Where the coordinator's records go: the internal compacted topic __consumer_offsets through the log
// engine (LogGroupLog), or nowhere (memory only). Records of one group always land on the partition
// Kafka would choose for it (abs(groupId.hashCode) % offsets.topic.num.partitions).

import type { ClusterState } from '../cluster/cluster-state.js';
import { InternalTopicLog } from '../cluster/internal-topic.js';
import { OFFSETS_TOPIC } from '../cluster/topic-names.js';
import type { LogManager } from '../log/index.js';
import { offsetsPartitionFor } from './records.js';

export { OFFSETS_TOPIC };

export interface GroupLogRecord {
  key: Buffer;
  /** Null: a tombstone. */
  value: Buffer | null;
}

export interface GroupLog {
  /** Appends the records of one group as one batch; resolves once durable. */
  append(groupId: string, records: readonly GroupLogRecord[]): Promise<void>;
  /** Calls onRecord for every record, in log order within each partition. */
  replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void>;
}

/** __consumer_offsets in the broker's log engine, registered as an internal compacted topic. */
export class LogGroupLog implements GroupLog {
  private readonly topic: InternalTopicLog;

  constructor(logManager: LogManager, cluster: ClusterState | null, defaultPartitions: number, now: () => number = Date.now) {
    this.topic = new InternalTopicLog(logManager, cluster, OFFSETS_TOPIC, defaultPartitions, now);
  }

  append(groupId: string, records: readonly GroupLogRecord[]): Promise<void> {
    return this.topic.append(offsetsPartitionFor(groupId, this.topic.partitions), records);
  }

  replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    return this.topic.replay(onRecord);
  }
}

/** Keeps records in memory: for tests of replay without a log engine. */
export class MemoryGroupLog implements GroupLog {
  readonly records: GroupLogRecord[] = [];
  failNext: Error | null = null;

  async append(_groupId: string, records: readonly GroupLogRecord[]): Promise<void> {
    if (this.failNext !== null) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.records.push(...records);
  }

  async replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    for (const r of this.records) onRecord(r.key, r.value);
  }
}
