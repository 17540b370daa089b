// The periodic one-line stats log (log.stats.interval.ms) for people without Prometheus: rates since
// the previous line, what is open and held now, and the process's memory, at info level.

import { type Clock, repeat, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BrokerMetrics } from './broker-metrics.js';

export function startStatsLog(metrics: BrokerMetrics, clock: Clock, intervalMs: number, logger: Logger): TimerHandle {
  let last = { ...metrics.totals, at: clock.now() };
  return repeat(clock, intervalMs, () => {
    const now = clock.now();
    const t = metrics.totals;
    const seconds = Math.max(0.001, (now - last.at) / 1000);
    const rate = (n: number) => Math.round(n / seconds);
    const mem = process.memoryUsage();
    logger.info('stats', {
      connections: t.connectionsOpen,
      requestsPerSec: rate(t.requests - last.requests),
      recordsInPerSec: rate(t.recordsIn - last.recordsIn),
      bytesInPerSec: rate(t.bytesIn - last.bytesIn),
      bytesOutPerSec: rate(t.bytesOut - last.bytesOut),
      requestMemoryBytes: metrics.requestMemoryInUse(),
      rssMiB: Math.round(mem.rss / 1048576),
      heapUsedMiB: Math.round(mem.heapUsed / 1048576),
    });
    last = { ...t, at: now };
  });
}
