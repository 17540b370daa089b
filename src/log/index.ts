// Public API of the partitioned log engine (src/log). Full reference in the comment below.
/**
 * Tributary log engine — what the broker wires Produce / Fetch / ListOffsets / DeleteRecords /
 * OffsetForLeaderEpoch / topic deletion to. Imports only util, codec and storage.
 *
 * Layout under the storage root: one directory per partition, `<topic>-<partition>/`, holding segments
 * `<20-digit base offset>.log` (raw v2 batches as produced, offsets patched) with `.index` (int32 rel
 * offset, int32 position) and `.timeindex` (int64 max timestamp so far, int32 rel offset), one entry per
 * index.interval.bytes, plus `partition.meta` (JSON, replaced atomically: log start offset, recovery
 * point, producer-state snapshot, leader epochs, aborted transactions, cleaner checkpoint). The root holds
 * `.clean_shutdown` between a clean close and the next open: the checkpoint of every partition
 * (partition-checkpoint.ts) that lets a clean start open no log until its first use.
 *
 * LogManager.open(opts?: LogManagerOptions): Promise<LogManager>
 *   opts: { url?: 'file://DIR' (default file://./data) | 'memory://'; storage?: Storage; clock?: Clock;
 *           logger?: Logger; defaults?: LogConfigInput (broker-wide); configFor?: (topic) => LogConfigInput | undefined;
 *           maxOpenFiles? = 1024; flushCheckIntervalMs? = 1000; checkpointIntervalMs? = 10000;
 *           retentionCheckIntervalMs? = 300000; cleanerIntervalMs? = 15000; cleanerDedupeBufferBytes? = 16 MiB;
 *           background? = true (timers on the Clock); openConcurrency? = 16; closeConcurrency? = 64 }
 *   Logs open lazily: after a clean start (or a crash) a partition's log stays dormant, files closed,
 *   until getOrCreate opens it (after a crash: validating its tail past its recovery point then).
 *   get(topic, partition): PartitionLog | undefined   (open logs only);  has(topic, partition): boolean
 *   getOrCreate(topic, partition, config?: LogConfigInput): Promise<PartitionLog>   (existing: config applied incrementally)
 *   all(): PartitionLog[] (open ones);  partitionsOf(topic): number[] (open or dormant)
 *   dormantSummaries(): offsets and size of dormant logs, from the checkpoint;  sizes(topicFilter)
 *   updateTopicConfig(topic, config: LogConfigInput, replace = false): void   (live; replace = defaults + config)
 *   deleteLog(topic, partition): Promise<void>;  deleteTopic(topic): Promise<void>
 *     (the log stops at once, its directory is renamed aside and removed in the background)
 *   runFlush(): Promise<void>; runRetention(): Promise<number>; runCleaner(): Promise<number>   (what the timers run)
 *   close(): Promise<void>   (flush every log in bounded batches, write the clean-shutdown checkpoint)
 *   pool.openCount: open file descriptors (bounded by maxOpenFiles); defaults: LogConfig; cleaner.lastStats
 *
 * PartitionLog (topic, partition, config: LogConfig)
 *   append(records: Buffer, opts?: { leaderEpoch?: number; durability?: 'fsync' | 'os'; validate?: boolean; onVisible?: () => void; deferSync?: boolean }): Promise<AppendResult>
 *     records: one or more v2 batches. Base offsets, partition leader epoch (opts.leaderEpoch ?? the epoch set by
 *     setLeaderEpoch) and, for message.timestamp.type=LogAppendTime, the append time are patched in place,
 *     synchronously and in call order. AppendResult { baseOffset, lastOffset, logAppendTime (-1 for CreateTime),
 *     logStartOffset }, resolved at the durability point: 'fsync' after fdatasync (group commit: concurrent
 *     appends share fsyncs), 'os' after the write. opts.onVisible: called once the records are visible (written), or
 *     will never be (failed). opts.deferSync: resolved after the write and made durable by the log's next fsync,
 *     without one of its own (records whose loss is recovered from others already durable). Rejects
 *     InvalidRecordsError for bytes that are not whole v2 batches.
 *   read(fetchOffset, maxBytes, { minOneBatch: boolean; upperBound?: number = highWatermark }): Promise<ReadResult>
 *     ReadResult { buffers: Buffer[] (whole stored batches from the one containing fetchOffset, ready for writev),
 *     bytes, nextOffset, highWatermark, lastStableOffset, logStartOffset, logEndOffset }. One segment per call,
 *     positional reads of at most maxBytes (or the first batch) plus an index-interval scan.
 *     OffsetOutOfRangeError when fetchOffset < logStartOffset or > logEndOffset; empty when ≥ upperBound.
 *   logStartOffset, logEndOffset, highWatermark (written end, in the page cache: visible at once, fsynced or not),
 *   lastStableOffset (min(HW, first offset of an open or not-yet-stable transaction)), leaderEpoch,
 *   isOffline, offlineReason, isClosed, size, segmentCount, segmentBases(), needsCheckpoint, hasUnflushed
 *   offsetForTimestamp(ts, { upperBound? = HW }): Promise<{ offset, timestamp, leaderEpoch } | null>
 *     (first batch in offset order with maxTimestamp ≥ ts, then its first record with timestamp ≥ ts)
 *   maxTimestampOffset(): Promise<{ offset, timestamp, leaderEpoch }>   (ListOffsets -3; all -1 when empty)
 *     ListOffsets -2 / -1 are logStartOffset / highWatermark (or lastStableOffset) directly.
 *   deleteRecordsBefore(offset | -1 = HW): Promise<number>  (the new logStartOffset; ≤ HW, persisted)
 *   truncate(offset): Promise<void>;  flush(): Promise<void>;  checkpoint(): Promise<void>;  roll(): void
 *   setLeaderEpoch(epoch): void;  endOffsetForEpoch(epoch): { leaderEpoch, endOffset };  leaderEpochEntries()
 *   onAppend(listener: () => void): () => void   — called when HW/LSO move, on truncation, offline, close
 *   waitForData(offset, timeoutMs): Promise<boolean>   — true once highWatermark > offset, false on timeout
 *   producers: ProducerStateManager — get(pid) → { producerId, producerEpoch, batches: last 5 { firstSeq, lastSeq,
 *     firstOffset, lastOffset, timestamp }, currentTxnFirstOffset, coordinatorEpoch, lastTimestamp };
 *     findDuplicate(pid, epoch, firstSeq, lastSeq); firstUnstableOffset(); setCoordinatorEpoch(pid, e); entries().
 *     Updated on every append, snapshotted at checkpoints, rebuilt on recovery by replaying batches after it.
 *     The log does not reject duplicates or bad sequences itself: call findDuplicate / check sequences and then
 *     append() in the same synchronous step (no await between), so no other append can interleave.
 *   recordAbortedTxn(producerId, firstOffset, lastOffset): void;  abortedTransactions(fromOffset, upToOffset): AbortedTxn[]
 *     (ABORT markers appended to the log are recorded automatically, also on recovery replay)
 *   updateConfig(input: LogConfigInput, base?: LogConfig): void   (incremental, live)
 *   applyRetention(now?): Promise<number>;  close(): Promise<void>;  delete(): Promise<void>
 *
 * Errors (all LogError with .kafkaError): KafkaStorageError 'KAFKA_STORAGE_ERROR' (partition offline after
 * EIO / ENOSPC / failed fsync / missing file — one log line says why; other partitions keep working),
 * OffsetOutOfRangeError 'OFFSET_OUT_OF_RANGE', InvalidRecordsError 'CORRUPT_MESSAGE', LogClosedError 'LOG_DELETED'.
 *
 * Config keys (LogConfigInput, Kafka names; numbers or numeric strings): segment.bytes (1 GiB), segment.ms (7 d),
 * retention.ms (7 d, -1 = forever), retention.bytes (-1), cleanup.policy (delete | compact | compact,delete),
 * message.timestamp.type (CreateTime | LogAppendTime), index.interval.bytes (4096), flush.messages, flush.ms
 * (both "never" by default), durability (fsync | os; default fsync), delete.retention.ms (1 d),
 * min.cleanable.dirty.ratio (0.5), min.compaction.lag.ms (0), max.compaction.lag.ms (never).
 */

export { LogManager, type LogManagerOptions } from './manager.js';
export {
  PartitionLog,
  type AppendOptions,
  type AppendResult,
  type ReadOptions,
  type ReadResult,
  type TimestampOffset,
} from './partition-log.js';
export { type LogConfig, type LogConfigInput, type Durability, DEFAULT_LOG_CONFIG, parseLogConfig } from './config.js';
export { LogError, KafkaStorageError, OffsetOutOfRangeError, InvalidRecordsError, LogClosedError, type LogErrorCode } from './errors.js';
export { ProducerStateManager, type ProducerEntry, type BatchMetadata, NUM_BATCHES_TO_RETAIN } from './producer-state.js';
export { type AbortedTxn } from './aborted-txns.js';
export { type EpochEntry } from './leader-epoch.js';
