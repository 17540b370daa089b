// Failures a partition log reports. The API layer maps `kafkaError` to the Kafka error code of its
// response; everything else is a bug.

export type LogErrorCode = 'KAFKA_STORAGE_ERROR' | 'OFFSET_OUT_OF_RANGE' | 'CORRUPT_MESSAGE' | 'INVALID_RECORD' | 'LOG_DELETED' | 'NOT_LEADER_OR_FOLLOWER';

export class LogError extends Error {
  constructor(readonly kafkaError: LogErrorCode, message: string) {
    super(message);
    this.name = 'LogError';
  }
}

/** The partition is offline after a storage fault (EIO, ENOSPC, failed fsync, missing file). */
export class KafkaStorageError extends LogError {
  constructor(readonly topic: string, readonly partition: number, readonly reason: string, override readonly cause?: unknown) {
    super('KAFKA_STORAGE_ERROR', `partition ${topic}-${partition} is offline: ${reason}`);
    this.name = 'KafkaStorageError';
  }
}

/** fetchOffset / target offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends LogError {
  constructor(readonly offset: number, readonly logStartOffset: number, readonly logEndOffset: number) {
    super('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${logStartOffset}, ${logEndOffset}]`);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** Input that is not a sequence of whole v2 record batches. */
export class InvalidRecordsError extends LogError {
  constructor(message: string) {
    super('CORRUPT_MESSAGE', message);
    this.name = 'InvalidRecordsError';
  }
}

/** The log was closed or deleted while the call was pending. */
export class LogClosedError extends LogError {
  constructor(topic: string, partition: number) {
    super('LOG_DELETED', `partition ${topic}-${partition} is closed`);
    this.name = 'LogClosedError';
  }
}
