// What a /metrics scrape reads from a running broker: partition offsets and sizes, groups with
// their state, members and lag (high watermark minus committed offset), transactional ids per
// transaction state, and request memory held.
// Computed when scraped, never on the request path.

import type { BrokerServices } from './api/context.js';
import type { BrokerStateSource, GroupStats, PartitionStats } from './metrics/broker-metrics.js';
import { TXN_STATES } from './txn/index.js';

export function brokerStateSource(services: BrokerServices, memoryInUse: () => number): BrokerStateSource {
  // Read from services at each scrape: reset() replaces the logs and coordinators.
  return {
    memoryInUse,
    *partitions(): Iterable<PartitionStats> {
      const { logs } = services;
      for (const log of logs.all()) {
        yield { topic: log.topic, partition: log.partition, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, highWatermark: log.highWatermark, sizeBytes: log.size };
      }
      // Partitions not opened since the last clean start, as of their checkpoint (ones it does not know are left out).
      for (const s of logs.dormantSummaries()) {
        yield { topic: s.topic, partition: s.partition, logStartOffset: s.logStartOffset, logEndOffset: s.logEndOffset, highWatermark: s.logEndOffset, sizeBytes: s.size ?? 0 };
      }
    },
    *groups(): Iterable<GroupStats> {
      const { logs, groups } = services;
      // Groups with members, and groups known only by their committed offsets (simple consumers).
      const ids = new Set([...groups.groups.keys(), ...groups.offsets.keys()]);
      for (const id of ids) {
        const g = groups.groups.get(id);
        if (g !== undefined && 'is' in g && g.is('Dead')) continue;
        const lag: GroupStats['lag'] = [];
        for (const [topic, byPartition] of groups.offsets.get(id) ?? []) {
          for (const [partition, committed] of byPartition) {
            const log = logs.get(topic, partition);
            if (log !== undefined) lag.push({ topic, partition, lag: Math.max(0, log.highWatermark - committed.offset) });
          }
        }
        yield { group: id, state: g?.state ?? 'Empty', members: g?.members.size ?? 0, lag };
      }
    },
    transactionStates(): Iterable<[string, number]> {
      // Every live state with its count, 0 included, so a dashboard's series exist before the first transaction.
      const counts = new Map<string, number>(TXN_STATES.filter((s) => s !== 'Dead').map((s) => [s, 0]));
      for (const t of services.txn.list()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
      return counts;
    },
  };
}
