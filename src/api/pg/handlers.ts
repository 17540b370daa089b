// postgres:// storage: the APIs whose data lives in the database are answered by the handlers of
// this directory; every other API keeps the broker's own handler, acting on the database where it
// must (configs, ACLs, topics; transactions through the coordinator of txn/pg-transactions.ts). The group APIs
// keep theirs too: the group coordinator itself answers NOT_COORDINATOR for the groups of
// __consumer_offsets partitions this broker does not lead (src/pg/coordinator-partitions.ts).
// Loaded on first use, like every handler: a broker on other storage never loads them.

import { schemaVersions, type ApiHandler, type HandlerEntry } from '../registry.js';

/** The handler entries of this storage; the ranges are those the handler modules declare. */
export const PG_ENTRIES: readonly HandlerEntry[] = [
  { ...schemaVersions(0), load: async () => (await import('./00-produce.js')).pgProduceHandler },
  { ...schemaVersions(1), load: async () => (await import('./01-fetch.js')).pgFetchHandler },
  { ...schemaVersions(2), load: async () => (await import('./02-list-offsets.js')).pgListOffsetsHandler },
  { ...schemaVersions(3), load: async () => (await import('./03-metadata.js')).pgMetadataHandler },
  { ...schemaVersions(19), minVersion: 2, load: async () => (await import('./19-create-topics.js')).pgCreateTopicsHandler },
  { ...schemaVersions(21), load: async () => (await import('./21-delete-records.js')).pgDeleteRecordsHandler },
  { apiKey: 22, minVersion: 0, maxVersion: 5, load: async () => (await import('./22-init-producer-id.js')).pgInitProducerIdHandler },
  { ...schemaVersions(23), load: async () => (await import('./23-offset-for-leader-epoch.js')).pgOffsetForLeaderEpochHandler },
];

/**
 * APIs not served on this storage yet, left out of ApiVersions so that clients see them as
 * unsupported: none now. (DeleteTopics, CreatePartitions and DescribeTopicPartitions keep the
 * broker's own handlers, which act on the database: pg/topic-admin.ts, api/cluster-view.ts.)
 */
export const NOT_YET: ReadonlySet<number> = new Set<number>([]);

/** The handler list with the database-backed handlers in place of the broker's own. */
export function withPgHandlers<T extends HandlerEntry | ApiHandler>(handlers: readonly T[]): (T | HandlerEntry)[] {
  const replaced = new Map(PG_ENTRIES.map((h) => [h.apiKey, h]));
  return handlers.filter((h) => !NOT_YET.has(h.apiKey)).map((h) => replaced.get(h.apiKey) ?? h);
}
