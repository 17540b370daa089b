// postgres:// storage: the APIs whose data lives in the database are answered by the handlers of
// this directory; every other API keeps the broker's own handler (groups, transactions, configs
// and ACLs stay with each broker for now: see README, "Cluster over PostgreSQL (preview)").

import type { HandlerEntry, ApiHandler } from '../registry.js';
import { pgProduceHandler } from './00-produce.js';
import { pgFetchHandler } from './01-fetch.js';
import { pgListOffsetsHandler } from './02-list-offsets.js';
import { pgMetadataHandler } from './03-metadata.js';

const PG_HANDLERS: readonly ApiHandler[] = [pgProduceHandler, pgFetchHandler, pgListOffsetsHandler, pgMetadataHandler];

/**
 * APIs not served on this storage yet, because the broker's own handler would act on its local
 * state and not on the database (a topic created there would exist on this broker only):
 * CreateTopics, DeleteTopics, DeleteRecords, OffsetForLeaderEpoch, CreatePartitions,
 * DescribeTopicPartitions. Left out of ApiVersions, so clients see them as unsupported.
 */
const NOT_YET = new Set([19, 20, 21, 23, 37, 75]);

/** The handler list with the database-backed handlers in place of the broker's own. */
export function withPgHandlers(handlers: readonly (HandlerEntry | ApiHandler)[]): (HandlerEntry | ApiHandler)[] {
  const replaced = new Map(PG_HANDLERS.map((h) => [h.apiKey, h]));
  return handlers.filter((h) => !NOT_YET.has(h.apiKey)).map((h) => replaced.get(h.apiKey) ?? h);
}
