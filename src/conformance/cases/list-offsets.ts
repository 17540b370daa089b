// ListOffsets (key 2): earliest (-2), latest (-1), max timestamp (-3, KIP-734) and lookup by
// timestamp (first offset whose timestamp is >= the target), with out-of-order timestamps.

import { ApiKey, ErrorCode } from '../../codec/index.js';
import { eq, errorIs, noError } from '../assert.js';
import type { CaseContext, TopicInfo } from '../context.js';
import type { ConformanceCase } from '../types.js';

/** Offsets 0..4 with timestamps 1000, 3000, 2000 (one batch) then 5000, 4000 (another). */
async function outOfOrder(ctx: CaseContext): Promise<TopicInfo> {
  const topic = await ctx.createTopic();
  const v = ctx.pick(ApiKey.Produce, 3);
  await ctx.produce(topic, 0, [{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 3000 }, { value: 'c', timestamp: 2000 }], { version: v });
  await ctx.produce(topic, 0, [{ value: 'd', timestamp: 5000 }, { value: 'e', timestamp: 4000 }], { version: v });
  return topic;
}

export const listOffsetsCases: ConformanceCase[] = [
  {
    id: 'list-offsets.earliest-latest',
    api: ApiKey.ListOffsets,
    title: 'earliest (-2) is the log start and latest (-1) the high watermark, empty or not',
    cite: 'ListOffsetsRequest.json (Timestamp -2 / -1)',
    versions: { each: true },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const e0 = await ctx.listOffset(topic, 0, -2, { version: ctx.version });
      noError(e0.errorCode, 'earliest on an empty log');
      eq(e0.offset, 0, 'earliest on an empty log');
      const l0 = await ctx.listOffset(topic, 0, -1, { version: ctx.version });
      eq(l0.offset, 0, 'latest on an empty log');
      await ctx.produce(topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
      eq((await ctx.listOffset(topic, 0, -2, { version: ctx.version })).offset, 0, 'earliest after 3 records');
      eq((await ctx.listOffset(topic, 0, -1, { version: ctx.version })).offset, 3, 'latest after 3 records');
      if (ctx.version >= 1) eq((await ctx.listOffset(topic, 0, -1, { version: ctx.version })).timestamp, -1, 'timestamp of latest');
    },
  },
  {
    id: 'list-offsets.by-timestamp',
    api: ApiKey.ListOffsets,
    title: 'v1+: a timestamp finds the first offset whose timestamp is >= it, even with out-of-order timestamps; none → -1',
    cite: 'KIP-79 (ListOffsets by timestamp); UnifiedLog.fetchOffsetByTimestamp',
    versions: { min: 1, each: true },
    requires: [[ApiKey.Produce, 3]],
    async run(ctx) {
      const topic = await outOfOrder(ctx);
      const cases: [number, number, number][] = [
        [0, 0, 1000], [1000, 0, 1000], [1500, 1, 3000], [2000, 1, 3000], [3001, 3, 5000], [4500, 3, 5000], [5000, 3, 5000],
      ];
      for (const [ts, offset, found] of cases) {
        const r = await ctx.listOffset(topic, 0, ts, { version: ctx.version });
        noError(r.errorCode, `timestamp ${ts}`);
        eq(`${r.offset}@${r.timestamp}`, `${offset}@${found}`, `offset@timestamp for target ${ts}`);
      }
      const none = await ctx.listOffset(topic, 0, 6000, { version: ctx.version });
      noError(none.errorCode, 'timestamp after every record');
      eq(`${none.offset}@${none.timestamp}`, '-1@-1', 'offset@timestamp for a timestamp after every record');
    },
  },
  {
    id: 'list-offsets.max-timestamp',
    api: ApiKey.ListOffsets,
    title: 'v7+: -3 returns the offset and timestamp of the record with the largest timestamp, not the last one',
    cite: 'KIP-734 (MAX_TIMESTAMP spec)',
    versions: { min: 7, each: true },
    requires: [[ApiKey.Produce, 3]],
    async run(ctx) {
      const topic = await outOfOrder(ctx);
      const r = await ctx.listOffset(topic, 0, -3, { version: ctx.version });
      noError(r.errorCode, 'max timestamp');
      eq(`${r.offset}@${r.timestamp}`, '3@5000', 'offset@timestamp of the max timestamp');
    },
  },
  {
    id: 'list-offsets.unknown-partition',
    api: ApiKey.ListOffsets,
    title: 'an unknown partition gets UNKNOWN_TOPIC_OR_PARTITION',
    cite: 'ReplicaManager.fetchOffset',
    versions: { each: true },
    async run(ctx) {
      const topic = await ctx.createTopic();
      const r = await ctx.listOffset(topic, 4, -1, { version: ctx.version });
      errorIs(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition 4 of a 1-partition topic');
    },
  },
];
