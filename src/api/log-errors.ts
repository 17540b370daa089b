// The log engine reports failures as LogError with a Kafka error name; handlers answer them with
// the matching code. Anything else is unexpected and propagates (the dispatcher logs it).

import { ErrorCode } from '../codec/index.js';
import { LogError } from '../log/index.js';

/** The Kafka error code for a log failure; rethrows anything that is not a LogError. */
export function logErrorCode(err: unknown): number {
  if (err instanceof LogError) {
    if (err.kafkaError === 'LOG_DELETED') return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const code = (ErrorCode as Record<string, number>)[err.kafkaError];
    if (code !== undefined) return code;
  }
  throw err;
}
