// Admin APIs beyond topic lifecycle: DescribeConfigs (32), AlterConfigs (33),
// IncrementalAlterConfigs (44), DeleteRecords (21), DescribeCluster (60).

import { ApiKey, ErrorCode } from '../../codec/index.js';
import { check, eq, errorIs, eventually, noError } from '../assert.js';
import type { CaseContext, TopicInfo } from '../context.js';
import type { ConformanceCase } from '../types.js';

const TOPIC = 2;
const BROKER = 4;

async function describeTopic(ctx: CaseContext, name: string, keys: string[] | null, version?: number) {
  const v = version ?? ctx.pick(ApiKey.DescribeConfigs);
  const conn = await ctx.conn();
  const res = await conn.request(ApiKey.DescribeConfigs, v, {
    resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }], includeSynonyms: false, includeDocumentation: false,
  });
  const r = res.results[0];
  check(r !== undefined, 'DescribeConfigs returned no result');
  return r;
}

async function configValue(ctx: CaseContext, topic: TopicInfo, key: string): Promise<{ value: string | null; source: number } | undefined> {
  const r = await describeTopic(ctx, topic.name, [key]);
  noError(r.errorCode, 'DescribeConfigs');
  const c = r.configs.find((x) => x.name === key);
  return c === undefined ? undefined : { value: c.value, source: c.configSource };
}

/**
 * The config once `done` holds (bounded): Kafka 4.3.1 (KRaft) answers AlterConfigs and
 * IncrementalAlterConfigs when the controller committed the change; DescribeConfigs on the broker
 * shows it once the broker applied the metadata log a moment later.
 */
function configAfterChange(ctx: CaseContext, topic: TopicInfo, key: string, done: (c: { value: string | null; source: number } | undefined) => boolean) {
  return eventually(() => configValue(ctx, topic, key), done);
}

export const adminCases: ConformanceCase[] = [
  {
    id: 'describe-configs.topic',
    api: ApiKey.DescribeConfigs,
    title: 'a topic\'s override is reported with source DYNAMIC_TOPIC_CONFIG, defaults too; a key filter returns only those keys; unknown topic → UNKNOWN_TOPIC_OR_PARTITION',
    cite: 'KIP-133 / KIP-226 (DescribeConfigs, config sources); DescribeConfigsResponse.json',
    versions: { each: true },
    requires: [ApiKey.CreateTopics],
    async run(ctx) {
      const topic = await ctx.createTopic({ configs: { 'retention.ms': '3600000' } });
      const all = await describeTopic(ctx, topic.name, null, ctx.version);
      noError(all.errorCode, 'DescribeConfigs');
      const retention = all.configs.find((c) => c.name === 'retention.ms');
      eq(retention?.value, '3600000', 'retention.ms');
      if (ctx.version >= 1) eq(retention?.configSource, 1, 'configSource of a topic override (1 = DYNAMIC_TOPIC_CONFIG)');
      const cleanup = all.configs.find((c) => c.name === 'cleanup.policy');
      eq(cleanup?.value, 'delete', 'default cleanup.policy');
      const some = await describeTopic(ctx, topic.name, ['retention.ms', 'cleanup.policy'], ctx.version);
      eq(some.configs.map((c) => c.name).sort().join(','), 'cleanup.policy,retention.ms', 'keys returned for a key filter');
      const unknown = await describeTopic(ctx, ctx.topicName('none'), null, ctx.version);
      errorIs(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic');
    },
  },
  {
    id: 'describe-configs.broker',
    api: ApiKey.DescribeConfigs,
    title: 'the broker resource (name = node id) describes broker configs',
    cite: 'DescribeConfigsRequest.json (ResourceType 4 = BROKER)',
    async run(ctx) {
      const md = await ctx.metadata([]);
      const node = md.brokers[0]?.nodeId ?? 0;
      const conn = await ctx.nodeConn(node);
      const res = await conn.request(ApiKey.DescribeConfigs, ctx.version, {
        resources: [{ resourceType: BROKER, resourceName: String(node), configurationKeys: null }], includeSynonyms: false, includeDocumentation: false,
      });
      noError(res.results[0]?.errorCode ?? -2, 'DescribeConfigs for the broker');
      check((res.results[0]?.configs.length ?? 0) > 0, 'no broker configs');
    },
  },
  {
    id: 'alter-configs.topic',
    api: ApiKey.AlterConfigs,
    title: 'AlterConfigs replaces a topic\'s overrides; an invalid value → INVALID_CONFIG; validateOnly changes nothing',
    cite: 'KIP-133 (AlterConfigs, non-incremental); Kafka 4.3.1 (KRaft) shows the change in DescribeConfigs a moment after the response',
    versions: { each: true },
    requires: [ApiKey.DescribeConfigs, ApiKey.CreateTopics],
    async run(ctx) {
      const topic = await ctx.createTopic({ configs: { 'retention.ms': '3600000' } });
      const conn = await ctx.conn();
      const alter = (configs: Record<string, string>, validateOnly = false) => conn.request(ApiKey.AlterConfigs, ctx.version, {
        resources: [{ resourceType: TOPIC, resourceName: topic.name, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }], validateOnly,
      });
      noError((await alter({ 'segment.ms': '7200000' }, true)).responses[0]?.errorCode ?? -2, 'validateOnly');
      eq((await configValue(ctx, topic, 'segment.ms'))?.source === 1, false, 'segment.ms overridden after validateOnly');
      noError((await alter({ 'segment.ms': '7200000' })).responses[0]?.errorCode ?? -2, 'AlterConfigs');
      eq((await configAfterChange(ctx, topic, 'segment.ms', (c) => c?.value === '7200000'))?.value, '7200000', 'segment.ms');
      const retention = await configAfterChange(ctx, topic, 'retention.ms', (c) => c?.source !== 1);
      check(retention?.source !== 1, 'retention.ms is still a topic override: AlterConfigs must replace the whole set');
      errorIs((await alter({ 'retention.ms': 'soon' })).responses[0]?.errorCode ?? -2, ErrorCode.INVALID_CONFIG, 'retention.ms=soon');
    },
  },
  {
    id: 'incremental-alter-configs.topic',
    api: ApiKey.IncrementalAlterConfigs,
    title: 'SET adds one override leaving others; DELETE reverts it to the default; an unknown operation or bad value → INVALID_CONFIG / INVALID_REQUEST',
    cite: 'KIP-339 (IncrementalAlterConfigs); Kafka 4.3.1 (KRaft) shows the change in DescribeConfigs a moment after the response',
    versions: { each: true },
    requires: [ApiKey.DescribeConfigs, ApiKey.CreateTopics],
    async run(ctx) {
      const topic = await ctx.createTopic({ configs: { 'retention.ms': '3600000' } });
      const conn = await ctx.conn();
      const op = (name: string, configOperation: number, value: string | null) => conn.request(ApiKey.IncrementalAlterConfigs, ctx.version, {
        resources: [{ resourceType: TOPIC, resourceName: topic.name, configs: [{ name, configOperation, value }] }], validateOnly: false,
      });
      noError((await op('segment.ms', 0, '7200000')).responses[0]?.errorCode ?? -2, 'SET segment.ms');
      eq((await configAfterChange(ctx, topic, 'segment.ms', (c) => c?.value === '7200000'))?.value, '7200000', 'segment.ms after SET');
      eq((await configValue(ctx, topic, 'retention.ms'))?.value, '3600000', 'retention.ms untouched by SET of another key');
      noError((await op('retention.ms', 1, null)).responses[0]?.errorCode ?? -2, 'DELETE retention.ms');
      const after = await configAfterChange(ctx, topic, 'retention.ms', (c) => c?.source !== 1);
      check(after?.source !== 1, 'retention.ms still an override after DELETE');
      errorIs((await op('retention.ms', 0, 'soon')).responses[0]?.errorCode ?? -2, ErrorCode.INVALID_CONFIG, 'SET retention.ms=soon');
    },
  },
  {
    id: 'delete-records.truncate',
    api: ApiKey.DeleteRecords,
    title: 'DeleteRecords moves the log start offset (low watermark); earlier offsets are OFFSET_OUT_OF_RANGE; -1 means the high watermark; beyond it → OFFSET_OUT_OF_RANGE',
    cite: 'KIP-107 (DeleteRecords)',
    versions: { each: true },
    requires: [ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [0, 1, 2, 3, 4].map((i) => ({ value: `r${i}` })));
      const conn = await ctx.nodeConn(topic.leaders[0]);
      const del = async (offset: number) => (await conn.request(ApiKey.DeleteRecords, ctx.version, { topics: [{ name: topic.name, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 10_000 })).topics[0]?.partitions[0];
      const r = await del(3);
      check(r !== undefined, 'no partition result');
      noError(r.errorCode, 'DeleteRecords to 3');
      eq(r.lowWatermark, 3, 'low watermark');
      eq((await ctx.listOffset(topic, 0, -2)).offset, 3, 'earliest offset after DeleteRecords');
      errorIs((await ctx.fetch(topic, 0, 1)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'fetch below the log start');
      const beyond = await del(99);
      errorIs(beyond?.errorCode ?? -2, ErrorCode.OFFSET_OUT_OF_RANGE, 'DeleteRecords beyond the high watermark');
      const toEnd = await del(-1);
      noError(toEnd?.errorCode ?? -2, 'DeleteRecords to -1');
      eq(toEnd?.lowWatermark, 5, 'low watermark for offset -1 (the high watermark)');
    },
  },
  {
    id: 'offset-for-leader-epoch.end-offset',
    api: ApiKey.OffsetForLeaderEpoch,
    title: 'the current leader epoch ends at the log end offset; an epoch newer than any known gets -1/-1; an unknown partition UNKNOWN_TOPIC_OR_PARTITION',
    cite: 'KIP-101 / KIP-279 (OffsetsForLeaderEpoch); KIP-320 (consumers use it, replicaId -1)',
    versions: { each: true },
    requires: [ApiKey.Produce],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
      const epoch = Math.max(0, topic.leaderEpochs[0]);
      const conn = await ctx.nodeConn(topic.leaders[0]);
      const ask = async (partition: number, leaderEpoch: number) => {
        const res = await conn.request(ApiKey.OffsetForLeaderEpoch, ctx.version, { replicaId: -1, topics: [{ topic: topic.name, partitions: [{ partition, currentLeaderEpoch: -1, leaderEpoch }] }] });
        const p = res.topics[0]?.partitions[0];
        check(p !== undefined, 'no partition result');
        return p;
      };
      const cur = await ask(0, epoch);
      noError(cur.errorCode, `epoch ${epoch}`);
      eq(cur.endOffset, 3, `end offset of the current epoch ${epoch}`);
      if (ctx.version >= 1) eq(cur.leaderEpoch, epoch, 'leader epoch answered');
      const future = await ask(0, epoch + 10);
      noError(future.errorCode, `epoch ${epoch + 10}`);
      eq(future.endOffset, -1, 'end offset of an epoch newer than any known (UNDEFINED_EPOCH_OFFSET)');
      if (ctx.version >= 1) eq(future.leaderEpoch, -1, 'leader epoch answered for an unknown newer epoch');
      errorIs((await ask(5, epoch)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition 5 of a 1-partition topic');
    },
  },
  {
    id: 'describe-cluster.brokers',
    api: ApiKey.DescribeCluster,
    title: 'lists the same brokers and cluster id as Metadata, and a controller id',
    cite: 'KIP-700 (DescribeCluster)',
    versions: { each: true },
    async run(ctx) {
      const conn = await ctx.conn();
      const res = await conn.request(ApiKey.DescribeCluster, ctx.version, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false });
      noError(res.errorCode, 'DescribeCluster');
      const md = await ctx.metadata([]);
      eq(res.brokers.map((b) => b.brokerId).sort().join(','), md.brokers.map((b) => b.nodeId).sort().join(','), 'broker ids vs Metadata');
      if (ctx.target.has(ApiKey.Metadata, 2)) eq(res.clusterId, md.clusterId, 'cluster id vs Metadata');
    },
  },
];
