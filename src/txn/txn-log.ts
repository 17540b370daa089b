// Where the transaction coordinator's state goes: the internal compacted topic __transaction_state
// through the log engine (LogTxnLog), or memory (MemoryTxnLog, for tests). One record per
// transactional id (Kafka's TransactionLogKey v0: int16 version 0, string id) on the partition Kafka
// would choose, plus the producer-id block record on partition 0. Values are our own versioned JSON:
// nothing outside the coordinator reads them, and they carry the pending transactional offsets.

import type { ClusterState } from '../cluster/cluster-state.js';
import { InternalTopicLog } from '../cluster/internal-topic.js';
import type { AppendOptions, LogManager } from '../log/index.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

const TXN_KEY_VERSION = 0;
/** Key version of the producer-id block record (not a Kafka key: Kafka keeps it in its metadata log). */
const PRODUCER_ID_BLOCK_KEY_VERSION = 0x7f00;

export type TxnLogKey = { type: 'txn'; transactionalId: string } | { type: 'producer-id-block' };

export function encodeTxnKey(key: TxnLogKey): Buffer {
  if (key.type === 'producer-id-block') {
    const b = Buffer.alloc(2);
    b.writeInt16BE(PRODUCER_ID_BLOCK_KEY_VERSION, 0);
    return b;
  }
  const id = Buffer.from(key.transactionalId, 'utf8');
  const b = Buffer.allocUnsafe(4 + id.length);
  b.writeInt16BE(TXN_KEY_VERSION, 0);
  b.writeInt16BE(id.length, 2);
  id.copy(b, 4);
  return b;
}

export function decodeTxnKey(b: Buffer): TxnLogKey | null {
  if (b.length < 2) return null;
  const version = b.readInt16BE(0);
  if (version === PRODUCER_ID_BLOCK_KEY_VERSION) return { type: 'producer-id-block' };
  if (version !== TXN_KEY_VERSION || b.length < 4) return null;
  const len = b.readInt16BE(2);
  if (len < 0 || 4 + len > b.length) return null;
  return { type: 'txn', transactionalId: b.toString('utf8', 4, 4 + len) };
}

/** Java's String.hashCode over UTF-16 code units, as Kafka's partitionFor uses it. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's partition of __transaction_state for a transactional id: abs(hashCode) % partitions. */
export function transactionStatePartitionFor(transactionalId: string, partitions: number): number {
  const h = javaStringHash(transactionalId);
  // Utils.abs: Integer.MIN_VALUE maps to 0.
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

/** What an append of the coordinator's state may ask: deferSync (AppendOptions.deferSync). */
export type TxnAppendOptions = Pick<AppendOptions, 'deferSync'>;

export interface TxnLogRecord {
  key: Buffer;
  /** Null: a tombstone (an expired transactional id). */
  value: Buffer | null;
}

export interface TxnLog {
  /**
   * Appends one record on the partition of its key; resolves once durable, or with `deferSync` once
   * written, durable with the partition's next fsync (a record whose loss recovery makes good).
   */
  append(partitionKey: string, record: TxnLogRecord, opts?: TxnAppendOptions): Promise<void>;
  /** Calls onRecord for every record, in log order within each partition. */
  replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void>;
}

/** __transaction_state in the broker's log engine, registered as an internal compacted topic. */
export class LogTxnLog implements TxnLog {
  private readonly topic: InternalTopicLog;

  constructor(logManager: LogManager, cluster: ClusterState | null, partitions: number, now: () => number = Date.now) {
    this.topic = new InternalTopicLog(logManager, cluster, TRANSACTION_STATE_TOPIC, partitions, now);
  }

  append(partitionKey: string, record: TxnLogRecord, opts?: TxnAppendOptions): Promise<void> {
    // The producer-id block record (key '') lives on partition 0.
    const partition = partitionKey === '' ? 0 : transactionStatePartitionFor(partitionKey, this.topic.partitions);
    return this.topic.append(partition, [record], opts);
  }

  replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    return this.topic.replay(onRecord);
  }
}

/** Keeps records in memory: for coordinator tests without a log engine. */
export class MemoryTxnLog implements TxnLog {
  readonly records: TxnLogRecord[] = [];
  /** When set, the next append waits for this promise (to hold a write in flight in a test). */
  gate: Promise<void> | null = null;
  failNext: Error | null = null;

  async append(_partitionKey: string, record: TxnLogRecord): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.records.push(record);
  }

  async replay(onRecord: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    for (const r of this.records) onRecord(r.key, r.value);
  }
}
