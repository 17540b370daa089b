// The partition side of the coordinator: writing commit/abort markers through the log engine, and
// expiring the producer state of idle producer ids (producer.id.expiration.ms) on every partition.

import { buildControlBatch } from '../codec/records/index.js';
import type { TopicManager } from '../cluster/topics.js';
import type { LogManager } from '../log/index.js';
import { type Clock, repeat, type TimerHandle } from '../util/clock.js';
import type { MarkerWriter } from './coordinator.js';

/** Markers appended to the partition's log (false when the partition no longer exists). */
export function logMarkerWriter(topics: TopicManager, clock: Clock, coordinatorEpoch = 0): MarkerWriter {
  return async (topic, partition, producerId, producerEpoch, commit) => {
    const log = await topics.partitionLog(topic, partition);
    if (log === undefined) return false;
    const marker = buildControlBatch({ type: commit ? 'commit' : 'abort', producerId, producerEpoch, coordinatorEpoch, timestamp: clock.now() });
    await log.append(marker);
    return true;
  };
}

/** Removes, every intervalMs, producers idle for expirationMs() (read each run: producer.id.expiration.ms is dynamic) with no open transaction (Kafka's producer-id expiration). */
export function startProducerExpiry(logs: LogManager, clock: Clock, expirationMs: () => number, intervalMs: number): TimerHandle {
  return repeat(clock, intervalMs, () => {
    const now = clock.now();
    for (const log of logs.all()) {
      if (!log.isClosed && !log.isOffline) log.producers.removeExpired(now, expirationMs());
    }
  });
}
