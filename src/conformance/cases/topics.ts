// CreateTopics (19), DeleteTopics (20), CreatePartitions (37): topic lifecycle and the validation
// errors of Kafka's controller (ReplicationControlManager, Topic.validate).

import { ApiKey, ErrorCode, ZERO_UUID, randomUuid } from '../../codec/index.js';
import { check, eq, errorIs, eventually, noError } from '../assert.js';
import type { CaseContext } from '../context.js';
import type { ConformanceCase } from '../types.js';
import { INVALID_TOPIC_NAMES } from './metadata.js';

interface CreateSpec {
  name: string;
  numPartitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

async function create(ctx: CaseContext, specs: CreateSpec[], validateOnly = false) {
  const conn = await ctx.conn();
  const res = await conn.request(ApiKey.CreateTopics, ctx.version, {
    topics: specs.map((s) => ({
      name: s.name,
      numPartitions: s.numPartitions ?? 1,
      replicationFactor: s.replicationFactor ?? 1,
      assignments: [],
      configs: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: 10_000,
    validateOnly,
  });
  for (const s of specs) if (!validateOnly) ctx.target.createdTopics.add(s.name);
  return res;
}

function result<T extends { name: string }>(list: T[], name: string, what: string): T {
  const r = list.find((x) => x.name === name);
  check(r !== undefined, `${what}: no result for ${name}`);
  return r;
}

async function exists(ctx: CaseContext, name: string): Promise<boolean> {
  const md = await ctx.metadata([name], { allowAutoTopicCreation: false });
  return md.topics.some((t) => t.name === name && t.errorCode === 0);
}

/** Whether the topic is gone from Metadata, allowing Kafka's KRaft propagation delay after DeleteTopics. */
async function gone(ctx: CaseContext, name: string): Promise<boolean> {
  return !(await eventually(() => exists(ctx, name), (present) => !present));
}

async function deleteByName(ctx: CaseContext, names: string[], version: number) {
  const conn = await ctx.conn();
  return conn.request(ApiKey.DeleteTopics, version, {
    topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
    topicNames: names,
    timeoutMs: 10_000,
  });
}

export const topicCases: ConformanceCase[] = [
  {
    id: 'create-topics.create',
    api: ApiKey.CreateTopics,
    title: 'creates a topic with the requested partitions; v5+ echoes partitions, replication and configs; v7+ a topic id',
    cite: 'CreateTopicsRequest.json / CreateTopicsResponse.json; KIP-525 (v5 configs); KIP-516 (v7 topic id)',
    versions: { each: true },
    requires: [ApiKey.Metadata],
    async run(ctx) {
      const name = ctx.topicName('create');
      const res = await create(ctx, [{ name, numPartitions: 3, configs: { 'retention.ms': '3600000' } }]);
      const r = result(res.topics, name, 'CreateTopics');
      noError(r.errorCode, `create ${name}`);
      if (ctx.version >= 5) {
        eq(r.numPartitions, 3, 'numPartitions');
        check(r.replicationFactor >= 1, `replicationFactor ${r.replicationFactor}`);
        const retention = r.configs?.find((c) => c.name === 'retention.ms');
        eq(retention?.value, '3600000', 'retention.ms in the returned configs');
      }
      const info = await ctx.waitForTopic(name, 3);
      eq(info.partitions, 3, 'partitions in Metadata');
      if (ctx.version >= 7) {
        check(r.topicId !== ZERO_UUID, 'v7+ topic id is zero');
        if (ctx.target.has(ApiKey.Metadata, 10)) eq(info.topicId, r.topicId, 'topic id in Metadata');
      }
    },
  },
  {
    id: 'create-topics.errors',
    api: ApiKey.CreateTopics,
    title: 'existing topic → TOPIC_ALREADY_EXISTS, bad name → INVALID_TOPIC_EXCEPTION, 0 partitions → INVALID_PARTITIONS, too many replicas → INVALID_REPLICATION_FACTOR, bad config → INVALID_CONFIG',
    cite: 'ReplicationControlManager.createTopics; Topic.validate; CreateTopicsResponse.json',
    versions: { each: true },
    async run(ctx) {
      const existing = ctx.topicName('exists');
      noError(result((await create(ctx, [{ name: existing }])).topics, existing, 'create').errorCode, 'first create');
      const again = result((await create(ctx, [{ name: existing }])).topics, existing, 'create again');
      errorIs(again.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS, 'creating an existing topic');
      const bad = await create(ctx, INVALID_TOPIC_NAMES.map((name) => ({ name })));
      for (const name of INVALID_TOPIC_NAMES) {
        errorIs(result(bad.topics, name, 'create').errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `name ${JSON.stringify(name.slice(0, 20))}`);
        ctx.target.createdTopics.delete(name);
      }
      const zero = ctx.topicName('zero');
      errorIs(result((await create(ctx, [{ name: zero, numPartitions: 0 }])).topics, zero, 'create').errorCode, ErrorCode.INVALID_PARTITIONS, 'numPartitions 0');
      const rf = ctx.topicName('rf');
      errorIs(result((await create(ctx, [{ name: rf, replicationFactor: 1000 }])).topics, rf, 'create').errorCode, ErrorCode.INVALID_REPLICATION_FACTOR, 'replicationFactor 1000');
      const cfg = ctx.topicName('cfg');
      errorIs(result((await create(ctx, [{ name: cfg, configs: { 'cleanup.policy': 'sometimes' } }])).topics, cfg, 'create').errorCode, ErrorCode.INVALID_CONFIG, 'cleanup.policy=sometimes');
      for (const n of [zero, rf, cfg]) check(!(await exists(ctx, n)), `${n} must not exist after a failed create`);
    },
  },
  {
    id: 'create-topics.validate-only',
    api: ApiKey.CreateTopics,
    title: 'v1+: validateOnly checks and answers NONE but creates nothing',
    cite: 'KIP-108 (validateOnly)',
    versions: { min: 1, each: true },
    requires: [ApiKey.Metadata],
    async run(ctx) {
      const name = ctx.topicName('dry');
      noError(result((await create(ctx, [{ name, numPartitions: 2 }], true)).topics, name, 'validateOnly').errorCode, 'validateOnly create');
      check(!(await exists(ctx, name)), 'validateOnly created the topic');
      const bad = ctx.topicName('dry');
      errorIs(result((await create(ctx, [{ name: bad, numPartitions: 0 }], true)).topics, bad, 'validateOnly').errorCode, ErrorCode.INVALID_PARTITIONS, 'validateOnly with 0 partitions');
    },
  },
  {
    id: 'create-topics.defaults',
    api: ApiKey.CreateTopics,
    title: 'v4+: numPartitions and replicationFactor -1 take the broker defaults',
    cite: 'KIP-464 (defaults for CreateTopics)',
    versions: { min: 4, each: true },
    requires: [ApiKey.Metadata],
    async run(ctx) {
      const name = ctx.topicName('defaults');
      const r = result((await create(ctx, [{ name, numPartitions: -1, replicationFactor: -1 }])).topics, name, 'create');
      noError(r.errorCode, 'create with -1/-1');
      const info = await ctx.waitForTopic(name);
      check(info.partitions >= 1, 'no partitions');
      if (ctx.version >= 5) eq(r.numPartitions, info.partitions, 'numPartitions echoed vs Metadata');
    },
  },
  {
    id: 'create-topics.duplicate-in-request',
    api: ApiKey.CreateTopics,
    title: 'the same name twice in one request gets INVALID_REQUEST',
    cite: 'KafkaApis.handleCreateTopicsRequest ("Create topics request from client contains duplicate topic")',
    async run(ctx) {
      const name = ctx.topicName('dup');
      const res = await create(ctx, [{ name }, { name }]);
      check(res.topics.length >= 1, 'no result');
      for (const r of res.topics.filter((t) => t.name === name)) errorIs(r.errorCode, ErrorCode.INVALID_REQUEST, 'duplicate name in one request');
    },
  },
  {
    id: 'delete-topics.delete',
    api: ApiKey.DeleteTopics,
    title: 'deletes a topic by name (by id at v6+); it disappears from Metadata; unknown names/ids get UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID',
    cite: 'DeleteTopicsRequest.json; KIP-516 (v6 by topic id); Kafka 4.3.1 (KRaft) can list the topic in Metadata for a moment after answering DeleteTopics',
    versions: { each: true },
    requires: [ApiKey.Metadata],
    async run(ctx) {
      const topic = await ctx.createTopic();
      const res = await deleteByName(ctx, [topic.name], ctx.version);
      const r = res.responses.find((x) => x.name === topic.name);
      check(r !== undefined, 'no result for the topic');
      noError(r.errorCode, 'delete');
      ctx.target.createdTopics.delete(topic.name);
      check(await gone(ctx, topic.name), 'topic still in Metadata 5 s after delete');
      const unknown = ctx.topicName('gone');
      const u = await deleteByName(ctx, [unknown], ctx.version);
      errorIs(u.responses.find((x) => x.name === unknown)?.errorCode ?? -2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'deleting an unknown name');
      if (ctx.version >= 6) {
        const byId = await ctx.createTopic();
        if (byId.topicId === ZERO_UUID) ctx.skip('Metadata gives no topic ids (v10+ needed)');
        const conn = await ctx.conn();
        const d = await conn.request(ApiKey.DeleteTopics, ctx.version, { topics: [{ name: null, topicId: byId.topicId }], timeoutMs: 10_000 });
        noError(d.responses[0]?.errorCode ?? -2, 'delete by topic id');
        ctx.target.createdTopics.delete(byId.name);
        check(await gone(ctx, byId.name), 'topic deleted by id still in Metadata 5 s later');
        const d2 = await conn.request(ApiKey.DeleteTopics, ctx.version, { topics: [{ name: null, topicId: randomUuid() }], timeoutMs: 10_000 });
        errorIs(d2.responses[0]?.errorCode ?? -2, ErrorCode.UNKNOWN_TOPIC_ID, 'deleting an unknown topic id');
      }
    },
  },
  {
    id: 'delete-topics.recreate',
    api: ApiKey.DeleteTopics,
    title: 'a deleted topic can be created again under the same name, empty and (v7+) with a new id',
    cite: 'KIP-516 (topic ids distinguish incarnations)',
    requires: [ApiKey.CreateTopics, ApiKey.Produce, ApiKey.ListOffsets],
    async run(ctx) {
      const topic = await ctx.createTopic();
      await ctx.produce(topic, 0, [{ value: 'old' }]);
      noError((await deleteByName(ctx, [topic.name], ctx.version)).responses[0]?.errorCode ?? -2, 'delete');
      const conn = await ctx.conn();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await conn.request(ApiKey.CreateTopics, ctx.pick(ApiKey.CreateTopics), {
          topics: [{ name: topic.name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000,
        });
        const code = res.topics[0]?.errorCode ?? -2;
        if (code === 0) break;
        // Kafka deletes asynchronously: TOPIC_ALREADY_EXISTS while deletion completes is allowed.
        if (code !== ErrorCode.TOPIC_ALREADY_EXISTS || Date.now() > deadline) errorIs(code, 0, 'recreate');
        await new Promise((r) => setTimeout(r, 100));
      }
      const again = await ctx.waitForTopic(topic.name);
      if (topic.topicId !== ZERO_UUID) check(again.topicId !== topic.topicId, 'recreated topic kept the old topic id');
      eq(await ctx.endOffset(again), 0, 'log end offset of the recreated topic');
    },
  },
  {
    id: 'create-partitions.increase',
    api: ApiKey.CreatePartitions,
    title: 'raising the count adds partitions; same or lower count → INVALID_PARTITIONS; unknown topic → UNKNOWN_TOPIC_OR_PARTITION; validateOnly changes nothing',
    cite: 'KIP-195 (CreatePartitions); ReplicationControlManager.createPartitions',
    versions: { each: true },
    requires: [ApiKey.Metadata],
    async run(ctx) {
      const topic = await ctx.createTopic({ partitions: 2 });
      const conn = await ctx.conn();
      const call = (name: string, count: number, validateOnly = false) =>
        conn.request(ApiKey.CreatePartitions, ctx.version, { topics: [{ name, count, assignments: null }], timeoutMs: 10_000, validateOnly });
      const dry = await call(topic.name, 5, true);
      noError(dry.results[0]?.errorCode ?? -2, 'validateOnly to 5');
      eq((await ctx.topicInfo(topic.name)).partitions, 2, 'partitions after validateOnly');
      const up = await call(topic.name, 4);
      noError(up.results[0]?.errorCode ?? -2, 'increase to 4');
      eq((await ctx.waitForTopic(topic.name, 4)).partitions, 4, 'partitions after the increase');
      errorIs((await call(topic.name, 4)).results[0]?.errorCode ?? -2, ErrorCode.INVALID_PARTITIONS, 'same count');
      errorIs((await call(topic.name, 1)).results[0]?.errorCode ?? -2, ErrorCode.INVALID_PARTITIONS, 'lower count');
      errorIs((await call(ctx.topicName('none'), 3)).results[0]?.errorCode ?? -2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic');
    },
  },
];
