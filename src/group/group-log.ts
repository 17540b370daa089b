// Where the coordinator's records go: the internal compacted topic __consumer_offsets through the log
// engine (LogGroupLog), or nowhere (memory only). Records of one group always land on the partition
// Kafka would choose for it (abs(groupId.hashCode) % offsets.topic.num.partitions).

import { buildRecordBatch, readBatchRecords, iterateBatches } from '../codec/records/index.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { LogManager, PartitionLog } from '../log/index.js';
import { offsetsPartitionFor } from './records.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

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
  private readonly logs = new Map<number, Promise<PartitionLog>>();

  constructor(
    private readonly logManager: LogManager,
    private readonly cluster: ClusterState | null,
    private readonly defaultPartitions: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The topic's partition count once it exists (it is created on the first append), else the setting. */
  private get partitions(): number {
    return this.cluster?.topic(OFFSETS_TOPIC)?.partitions ?? this.defaultPartitions;
  }

  private partitionLog(partition: number): Promise<PartitionLog> {
    let p = this.logs.get(partition);
    if (p === undefined) {
      if (this.cluster !== null && this.cluster.topic(OFFSETS_TOPIC) === undefined) {
        void this.cluster.createTopic(OFFSETS_TOPIC, this.partitions, { 'cleanup.policy': 'compact' }, true).durable;
      }
      p = this.logManager.getOrCreate(OFFSETS_TOPIC, partition, { 'cleanup.policy': 'compact' });
      this.logs.set(partition, p);
      p.catch(() => this.logs.delete(partition));
    }
    return p;
  }

  async append(groupId: string, records: readonly GroupLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const log = await this.partitionLog(offsetsPartitionFor(groupId, this.partitions));
    const now = this.now();
    const batch = buildRecordBatch({ now, records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
    await log.append(batch);
  }

  async replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    for (const partition of this.logManager.partitionsOf(OFFSETS_TOPIC).sort((a, b) => a - b)) {
      const log = await this.partitionLog(partition);
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const res = await log.read(offset, 1 << 20, { minOneBatch: true, upperBound: log.logEndOffset });
        if (res.bytes === 0) break;
        let next = offset;
        for (const chunk of res.buffers) {
          for (const span of iterateBatches(chunk)) {
            if (span.status !== 'complete' || span.magic !== 2) break;
            const { header, records } = readBatchRecords(chunk, span.position);
            if (header.isControl) continue;
            for (const r of records) {
              if (r.offset < offset || r.key === null) continue;
              onRecord(r.key, r.value);
            }
            next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
          }
        }
        offset = Math.max(next, res.nextOffset);
      }
    }
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
