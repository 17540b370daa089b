// The postgres:// handler entries advertise exactly what their modules serve, and replace (or
// withdraw) the broker's own entries for the data APIs only.

import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/api/handlers.js';
import { NOT_YET, PG_ENTRIES, withPgHandlers } from '../../src/api/pg/handlers.js';

describe('postgres:// handler list', () => {
  it('each entry loads a handler declaring the same key and versions', async () => {
    for (const e of PG_ENTRIES) {
      const h = await e.load();
      expect([h.apiKey, h.minVersion, h.maxVersion]).toEqual([e.apiKey, e.minVersion, e.maxVersion]);
    }
  });

  it('replaces Produce, Fetch, ListOffsets, Metadata, CreateTopics, DeleteRecords, InitProducerId and OffsetForLeaderEpoch, keeps the rest', () => {
    const list = withPgHandlers(HANDLERS);
    const keys = list.map((h) => h.apiKey);
    // Every API is offered: DeleteTopics, CreatePartitions and DescribeTopicPartitions keep the broker's own handlers, which act on the database.
    expect(NOT_YET.size).toBe(0);
    for (const k of [20, 21, 23, 37, 75]) expect(keys).toContain(k);
    expect(PG_ENTRIES.map((e) => e.apiKey)).toEqual([0, 1, 2, 3, 19, 21, 22, 23]);
    for (const e of PG_ENTRIES) expect(list.find((h) => h.apiKey === e.apiKey)).toBe(e);
    const kept = list.filter((h) => !PG_ENTRIES.includes(h as never));
    expect(kept.every((h) => HANDLERS.includes(h as never))).toBe(true);
    expect(list).toHaveLength(HANDLERS.length);
  });
});
