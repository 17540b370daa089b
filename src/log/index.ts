// Public API of the partitioned log engine (src/log). Full reference in the comment below.
/**
 * Tributary log engine — what the broker wires Produce / Fetch / ListOffsets / DeleteRecords /
 * OffsetForLeaderEpoch / topic deletion to.
 *
 * LogManager.open(opts): Promise<LogManager>
 *   opts: { url?: 'file://DIR' (default file://./data) | 'memory://', storage?: Storage, clock?, logger?,
 *           defaults?: LogConfigInput, configFor?: (topic) => LogConfigInput | undefined,
 *           maxOpenFiles? (1024), flushCheckIntervalMs? (1000), checkpointIntervalMs? (10000),
 *           retentionCheckIntervalMs? (300000), cleanerIntervalMs? (15000), cleanerDedupeBufferBytes? (16 MiB),
 *           background? (true), openConcurrency? (16) }
 *   get(topic, partition): PartitionLog | undefined
 *   getOrCreate(topic, partition, config?: LogConfigInput): Promise<PartitionLog>
 *   all(): PartitionLog[];  partitionsOf(topic): number[]
 *   updateTopicConfig(topic, config: LogConfigInput): void          (live)
 *   deleteLog(topic, partition): Promise<void>; deleteTopic(topic): Promise<void>   (files removed in background)
 *   runFlush(), runRetention(): Promise<number>, runCleaner(): Promise<number>   (what the timers run)
 *   close(): Promise<void>   (flush + checkpoint all, clean-shutdown marker)
 *
 * PartitionLog
 *   append(records: Buffer, opts?: { leaderEpoch?, durability?: 'fsync'|'os', validate? }): Promise<AppendResult>
 *     records = one or more v2 batches; base offsets / leader epoch / LogAppendTime patched in place,
 *     synchronously in call order. AppendResult { baseOffset, lastOffset, logAppendTime (-1 CreateTime), logStartOffset }
 *     resolves at the durability point ('fsync': after fdatasync with group commit; 'os': after the write).
 *   read(fetchOffset, maxBytes, { minOneBatch, upperBound? (default highWatermark) }): Promise<ReadResult>
 *     ReadResult { buffers: Buffer[] (whole batches, for writev), bytes, nextOffset, highWatermark,
 *     lastStableOffset, logStartOffset, logEndOffset }. OffsetOutOfRangeError when
 *     fetchOffset < logStartOffset or > logEndOffset.
 *   logStartOffset, logEndOffset, highWatermark, lastStableOffset, leaderEpoch, isOffline, size, segmentCount
 *   offsetForTimestamp(ts, { upperBound? }): Promise<{ offset, timestamp, leaderEpoch } | null>
 *   maxTimestampOffset(): Promise<{ offset, timestamp, leaderEpoch }>   (ListOffsets -3; -1s when empty)
 *   deleteRecordsBefore(offset | -1 for HW): Promise<newLogStartOffset>   (persisted)
 *   truncate(offset): Promise<void>;  flush(): Promise<void>;  checkpoint(): Promise<void>;  roll()
 *   setLeaderEpoch(epoch); endOffsetForEpoch(epoch): { leaderEpoch, endOffset }; leaderEpochEntries()
 *   onAppend(listener): unsubscribe — called when HW/LSO moves, on truncation, offline, close.
 *   waitForData(offset, timeoutMs): Promise<boolean> — true once highWatermark > offset.
 *   producers: ProducerStateManager — get(pid) → { producerEpoch, batches (last 5: firstSeq, lastSeq,
 *     firstOffset, lastOffset, timestamp), currentTxnFirstOffset, coordinatorEpoch }, findDuplicate(pid,
 *     epoch, firstSeq, lastSeq), firstUnstableOffset(), setCoordinatorEpoch(). Snapshotted at checkpoints,
 *     rebuilt on recovery by replaying batches after the snapshot.
 *   recordAbortedTxn(pid, firstOffset, lastOffset); abortedTransactions(fromOffset, upToOffset): AbortedTxn[]
 *     (ABORT markers appended to the log are recorded automatically).
 *   updateConfig(input: LogConfigInput); close(); delete()
 *
 * Errors (all LogError with .kafkaError): KafkaStorageError ('KAFKA_STORAGE_ERROR': the partition is
 * offline after EIO/ENOSPC/failed fsync/missing file; others keep working), OffsetOutOfRangeError
 * ('OFFSET_OUT_OF_RANGE'), InvalidRecordsError ('CORRUPT_MESSAGE'), LogClosedError ('LOG_DELETED').
 *
 * Config keys (LogConfigInput, Kafka names): segment.bytes, segment.ms, retention.ms, retention.bytes,
 * cleanup.policy (delete | compact | compact,delete), message.timestamp.type (CreateTime | LogAppendTime),
 * index.interval.bytes, flush.messages, flush.ms, durability (fsync | os; default fsync),
 * delete.retention.ms, min.cleanable.dirty.ratio, min.compaction.lag.ms, max.compaction.lag.ms.
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
