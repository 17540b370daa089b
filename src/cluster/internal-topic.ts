// An internal compacted topic (__consumer_offsets, __transaction_state) used as a coordinator's
// durable state: registered on first write, partition logs opened lazily, records appended as one
// batch, and every record replayed in log order at start-up. The coordinators own the record
// formats and the choice of partition; this owns only the log plumbing they share.

import { buildRecordBatch, iterateBatches, readBatchRecords } from '../codec/records/index.js';
import type { AppendOptions, LogManager, PartitionLog } from '../log/index.js';
import type { ClusterState } from './cluster-state.js';

const COMPACT = { 'cleanup.policy': 'compact' };

export interface InternalRecord {
  key: Buffer;
  /** Null: a tombstone. */
  value: Buffer | null;
}

export class InternalTopicLog {
  private readonly logs = new Map<number, Promise<PartitionLog>>();

  constructor(
    private readonly logManager: LogManager,
    private readonly cluster: ClusterState | null,
    readonly topic: string,
    private readonly defaultPartitions: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The topic's partition count once it exists (it is created on the first write), else the setting. */
  get partitions(): number {
    return this.cluster?.topic(this.topic)?.partitions ?? this.defaultPartitions;
  }

  /** The partition's log, registering the topic on first use. */
  partitionLog(partition: number): Promise<PartitionLog> {
    let p = this.logs.get(partition);
    if (p === undefined) {
      if (this.cluster !== null && this.cluster.topic(this.topic) === undefined) {
        // Registered at once; a failure to persist the registration must not become an unhandled rejection.
        this.cluster.createTopic(this.topic, this.partitions, COMPACT, true).durable.catch(() => {});
      }
      p = this.logManager.getOrCreate(this.topic, partition, COMPACT);
      this.logs.set(partition, p);
      p.catch(() => this.logs.delete(partition));
    }
    return p;
  }

  /**
   * Appends records to one partition as one batch; resolves once durable, or with `deferSync` once
   * written (durable with the partition's next fsync: see AppendOptions.deferSync).
   */
  async append(partition: number, records: readonly InternalRecord[], opts: Pick<AppendOptions, 'deferSync'> = {}): Promise<void> {
    if (records.length === 0) return;
    const log = await this.partitionLog(partition);
    const now = this.now();
    await log.append(buildRecordBatch({ now, records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) }), opts);
  }

  /** Calls onRecord for every keyed data record, partition by partition, in log order. */
  async replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    for (const partition of this.logManager.partitionsOf(this.topic).sort((a, b) => a - b)) {
      const log = await this.partitionLog(partition);
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const res = await log.read(offset, 1 << 20, { minOneBatch: true, upperBound: log.logEndOffset });
        if (res.bytes === 0) break;
        // Whole batches, but a batch may span two of the buffers (memory:// lends its chunks as views).
        const batches = res.buffers.length === 1 ? res.buffers[0] : Buffer.concat(res.buffers, res.bytes);
        offset = Math.max(replayKeyedRecords(batches, offset, onRecord), res.nextOffset);
      }
    }
  }
}

/**
 * Calls onRecord for every keyed data record at or after `fromOffset` in whole v2 batches (control
 * batches and a torn tail skipped); answers the offset after the last batch read.
 */
export function replayKeyedRecords(chunk: Buffer, fromOffset: number, onRecord: (key: Buffer, value: Buffer | null) => void): number {
  let next = fromOffset;
  for (const span of iterateBatches(chunk)) {
    if (span.status !== 'complete' || span.magic !== 2) break;
    const { header, records } = readBatchRecords(chunk, span.position);
    next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
    if (header.isControl) continue;
    for (const r of records) {
      if (r.offset < fromOffset || r.key === null) continue;
      onRecord(r.key, r.value);
    }
  }
  return next;
}
