// postgres:// storage: the APIs whose data lives in the database are answered by the handlers of
// this directory; every other API keeps the broker's own handler (groups, transactions, configs
// and ACLs stay with each broker for now: see README, "Cluster over PostgreSQL (preview)").
// Loaded on first use, like every handler: a broker on other storage never loads them.

import { schemaVersions, type ApiHandler, type HandlerEntry } from '../registry.js';

/** The handler entries of this storage; the ranges are those the handler modules declare. */
export const PG_ENTRIES: readonly HandlerEntry[] = [
  { ...schemaVersions(0), minVersion: 3, load: async () => (await import('./00-produce.js')).pgProduceHandler },
  { ...schemaVersions(1), minVersion: 4, load: async () => (await import('./01-fetch.js')).pgFetchHandler },
  { ...schemaVersions(2), minVersion: 1, load: async () => (await import('./02-list-offsets.js')).pgListOffsetsHandler },
  { ...schemaVersions(3), load: async () => (await import('./03-metadata.js')).pgMetadataHandler },
  { ...schemaVersions(19), minVersion: 2, load: async () => (await import('./19-create-topics.js')).pgCreateTopicsHandler },
  { apiKey: 22, minVersion: 0, maxVersion: 5, load: async () => (await import('./22-init-producer-id.js')).pgInitProducerIdHandler },
];

/**
 * APIs not served on this storage yet, because the broker's own handler would act on its local
 * state and not on the database (a topic created there would exist on this broker only):
 * DeleteTopics, DeleteRecords, OffsetForLeaderEpoch, CreatePartitions, DescribeTopicPartitions.
 * Left out of ApiVersions, so clients see them as unsupported.
 */
export const NOT_YET: ReadonlySet<number> = new Set([20, 21, 23, 37, 75]);

/** The handler list with the database-backed handlers in place of the broker's own. */
export function withPgHandlers(handlers: readonly (HandlerEntry | ApiHandler)[]): (HandlerEntry | ApiHandler)[] {
  const replaced = new Map(PG_ENTRIES.map((h) => [h.apiKey, h]));
  return handlers.filter((h) => !NOT_YET.has(h.apiKey)).map((h) => replaced.get(h.apiKey) ?? h);
}
