// Log compaction (placeholder until the cleaner lands).
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { PartitionLog } from './partition-log.js';

export class LogCleaner {
  constructor(readonly clock: Clock, readonly logger: Logger, readonly dedupeBufferBytes: number) {}
  async clean(_log: PartitionLog): Promise<boolean> {
    return false;
  }
}
