// Metadata (key 3): brokers, cluster id, topics and partitions with leaders, leader epochs (KIP-320),
// topic ids (KIP-516), auto-creation (KIP-361's allowAutoTopicCreation) and topic name validation.

import { ApiKey, ErrorCode, ZERO_UUID, randomUuid } from '../../codec/index.js';
import { check, eq, errorIs, eventually, noError } from '../assert.js';
import type { CaseContext } from '../context.js';
import type { ConformanceCase } from '../types.js';

export const INVALID_TOPIC_NAMES = ['.', '..', 'bad name', 'bad/name', 'bad:name', 'x'.repeat(250)];

/**
 * Asks for `name` with allowAutoTopicCreation=true; returns the first answer's error and whether the
 * topic exists afterwards. A first answer of NONE or LEADER_NOT_AVAILABLE means created. After
 * UNKNOWN_TOPIC_OR_PARTITION, Kafka in KRaft mode may still be creating it (the broker forwards a
 * CreateTopics to its controller and answers at once), so this looks again for up to `waitMs`.
 */
async function requestAutoCreation(ctx: CaseContext, name: string, waitMs: number): Promise<{ first: number; created: boolean }> {
  const md = await ctx.metadata([name], { version: ctx.version, allowAutoTopicCreation: true });
  const t = md.topics.find((x) => x.name === name);
  check(t !== undefined, 'topic missing from the answer');
  let created = t.errorCode === ErrorCode.NONE || t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE;
  if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
    const exists = async () => (await ctx.metadata([name], { allowAutoTopicCreation: false })).topics[0]?.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    created = await eventually(exists, (x) => x, waitMs);
  }
  if (created) ctx.target.createdTopics.add(name);
  return { first: t.errorCode, created };
}

export const metadataCases: ConformanceCase[] = [
  {
    id: 'metadata.brokers',
    api: ApiKey.Metadata,
    title: 'lists at least one broker with host and port; v1+ a controller id; v2+ a cluster id',
    cite: 'MetadataResponse.json',
    versions: { each: true },
    async run(ctx) {
      const md = await ctx.metadata(ctx.version === 0 ? null : [], { version: ctx.version });
      check(md.brokers.length > 0, 'no brokers');
      for (const b of md.brokers) {
        check(b.nodeId >= 0, `broker node id ${b.nodeId}`);
        check(b.host.length > 0 && b.port > 0 && b.port < 65536, `broker ${b.nodeId} endpoint ${b.host}:${b.port}`);
      }
      if (ctx.version >= 1) check(md.controllerId >= -1, `controllerId ${md.controllerId}`);
      if (ctx.version >= 2) check(md.clusterId !== null && md.clusterId.length > 0, 'v2+ must carry a cluster id');
      if (ctx.version >= 1) eq(md.topics.length, 0, 'topics for an empty topic list (v1+: empty list means none)');
      if (ctx.version >= 13) noError(md.errorCode, 'top-level errorCode');
    },
  },
  {
    id: 'metadata.topic-partitions',
    api: ApiKey.Metadata,
    title: 'a created topic shows all its partitions, each with a live leader that is among its replicas and ISR',
    cite: 'MetadataResponse.json (MetadataResponsePartition)',
    versions: { each: true },
    async run(ctx) {
      const topic = await ctx.createTopic({ partitions: 3 });
      const md = await ctx.metadata([topic.name], { version: ctx.version });
      const nodes = new Set(md.brokers.map((b) => b.nodeId));
      const t = md.topics.find((x) => x.name === topic.name);
      check(t !== undefined, 'topic missing');
      noError(t.errorCode, 'topic errorCode');
      eq(t.partitions.length, 3, 'partition count');
      eq([...t.partitions.map((p) => p.partitionIndex)].sort().join(','), '0,1,2', 'partition indexes');
      if (ctx.version >= 1) eq(t.isInternal, false, 'isInternal');
      for (const p of t.partitions) {
        noError(p.errorCode, `partition ${p.partitionIndex} errorCode`);
        check(nodes.has(p.leaderId), `partition ${p.partitionIndex} leader ${p.leaderId} is not a listed broker`);
        check(p.replicaNodes.includes(p.leaderId), `partition ${p.partitionIndex}: leader not among replicas`);
        check(p.isrNodes.includes(p.leaderId), `partition ${p.partitionIndex}: leader not in ISR`);
      }
    },
  },
  {
    id: 'metadata.all-topics',
    api: ApiKey.Metadata,
    title: 'a null topic list (v1+; empty list at v0) returns every topic, including a new one',
    cite: 'MetadataRequest.json ("null for all topics"; v0 empty array)',
    versions: { each: true },
    async run(ctx) {
      const topic = await ctx.createTopic();
      const md = await ctx.metadata(null, { version: ctx.version });
      check(md.topics.some((t) => t.name === topic.name), `topic ${topic.name} missing from the all-topics answer`);
    },
  },
  {
    id: 'metadata.unknown-topic',
    api: ApiKey.Metadata,
    title: 'an unknown topic with allowAutoTopicCreation=false gets UNKNOWN_TOPIC_OR_PARTITION and is not created',
    cite: 'KIP-361 (allowAutoTopicCreation, v4+); KafkaApis.getTopicMetadata',
    versions: { each: true },
    async run(ctx) {
      if (ctx.version < 4 && ctx.target.autoCreateTopics !== false) {
        ctx.skip('before v4 Metadata auto-creates when the broker enables it; target setting unknown or on');
      }
      const name = ctx.topicName('unknown');
      const md = await ctx.metadata([name], { version: ctx.version, allowAutoTopicCreation: false });
      const t = md.topics.find((x) => x.name === name);
      check(t !== undefined, 'the unknown topic must still be answered');
      errorIs(t.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic');
      eq(t.partitions.length, 0, 'partitions of an unknown topic');
      const again = await ctx.metadata([name], { allowAutoTopicCreation: false });
      errorIs(again.topics[0]?.errorCode ?? -2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'the topic must not have been created');
    },
  },
  {
    id: 'metadata.auto-create.on',
    api: ApiKey.Metadata,
    title: 'with auto.create.topics.enable=true, allowAutoTopicCreation=true creates the topic (first answer NONE, LEADER_NOT_AVAILABLE or, in KRaft, UNKNOWN_TOPIC_OR_PARTITION)',
    cite: 'KIP-361; broker config auto.create.topics.enable; Kafka 4.3.1 answers the creating request UNKNOWN_TOPIC_OR_PARTITION (AutoTopicCreationManager forwards CreateTopics to the controller) and lists the topic a moment later',
    versions: { min: 4 },
    async run(ctx) {
      if (ctx.target.autoCreateTopics === false) ctx.skip('target runs with auto.create.topics.enable=false');
      const name = ctx.topicName('auto');
      const seen = await requestAutoCreation(ctx, name, ctx.target.autoCreateTopics === true ? 10_000 : 2_000);
      if (!seen.created && ctx.target.autoCreateTopics === undefined) {
        ctx.skip('target does not auto-create topics (auto.create.topics.enable=false?); pass --auto-create on to require it');
      }
      errorIs(seen.first, [ErrorCode.NONE, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], 'first answer for the auto-created topic');
      check(seen.created, 'the topic was not created');
      const info = await ctx.waitForTopic(name);
      check(info.partitions >= 1, 'auto-created topic has no partitions');
    },
  },
  {
    id: 'metadata.auto-create.off',
    api: ApiKey.Metadata,
    title: 'with auto.create.topics.enable=false, allowAutoTopicCreation=true still answers UNKNOWN_TOPIC_OR_PARTITION and creates nothing',
    cite: 'KIP-361; broker config auto.create.topics.enable',
    versions: { min: 4 },
    async run(ctx) {
      if (ctx.target.autoCreateTopics === true) ctx.skip('target runs with auto.create.topics.enable=true');
      const name = ctx.topicName('noauto');
      const seen = await requestAutoCreation(ctx, name, 1_000);
      if (seen.created && ctx.target.autoCreateTopics === undefined) {
        ctx.skip('target auto-creates topics (auto.create.topics.enable=true?); pass --auto-create off to require otherwise');
      }
      errorIs(seen.first, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'topic with auto-creation disabled');
      check(!seen.created, 'the topic must not have been created');
    },
  },
  {
    id: 'metadata.invalid-topic-name',
    api: ApiKey.Metadata,
    title: 'illegal topic names (".", "..", spaces, "/", ":", >249 chars) get INVALID_TOPIC_EXCEPTION, with or without auto-creation',
    cite: 'apache/kafka KafkaApis.getTopicMetadata and AutoTopicCreationManager.filterCreatableTopics (Topic.validate → INVALID_TOPIC_EXCEPTION)',
    versions: { min: 1, each: true },
    async run(ctx) {
      for (const allow of ctx.version >= 4 ? [false, true] : [false]) {
        const md = await ctx.metadata(INVALID_TOPIC_NAMES, { version: ctx.version, allowAutoTopicCreation: allow });
        for (const name of INVALID_TOPIC_NAMES) {
          const t = md.topics.find((x) => x.name === name);
          check(t !== undefined, `topic ${JSON.stringify(name.slice(0, 20))} missing from the answer`);
          errorIs(t.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `topic ${JSON.stringify(name.slice(0, 20))} (allowAutoTopicCreation=${allow})`);
        }
      }
    },
  },
  {
    id: 'metadata.topic-id',
    api: ApiKey.Metadata,
    title: 'v10+: every topic has a stable non-zero topic id; v12+: a topic can be looked up by id, an unknown id gets UNKNOWN_TOPIC_ID',
    cite: 'KIP-516 (topic identifiers); MetadataRequest.json v10/v12',
    versions: { min: 10, each: true },
    async run(ctx) {
      const topic = await ctx.createTopic();
      const md = await ctx.metadata([topic.name], { version: ctx.version });
      const t = md.topics[0];
      check(t !== undefined && t.name === topic.name, 'topic missing');
      check(t.topicId !== ZERO_UUID, 'topic id is zero');
      const md2 = await ctx.metadata([topic.name], { version: ctx.version });
      eq(md2.topics[0]?.topicId, t.topicId, 'topic id on a second request');
      if (ctx.version >= 12) {
        const conn = await ctx.conn();
        const byId = await conn.request(ApiKey.Metadata, ctx.version, { topics: [{ topicId: t.topicId, name: null }], allowAutoTopicCreation: false });
        const r = byId.topics[0];
        check(r !== undefined, 'no answer for a lookup by id');
        noError(r.errorCode, 'lookup by id');
        eq(r.name, topic.name, 'name of the topic looked up by id');
        const unknown = await conn.request(ApiKey.Metadata, ctx.version, { topics: [{ topicId: randomUuid(), name: null }], allowAutoTopicCreation: false });
        errorIs(unknown.topics[0]?.errorCode ?? -2, ErrorCode.UNKNOWN_TOPIC_ID, 'lookup by an unknown id');
      }
    },
  },
  {
    id: 'metadata.leader-epoch',
    api: ApiKey.Metadata,
    title: 'v7+: partitions carry a leader epoch >= 0 that does not change without a leader change',
    cite: 'KIP-320 (leader epoch in Metadata)',
    versions: { min: 7 },
    async run(ctx) {
      const topic = await ctx.createTopic({ partitions: 2 });
      for (const e of topic.leaderEpochs) check(e >= 0, `leader epoch ${e}`);
      const again = await ctx.topicInfo(topic.name);
      eq(again.leaderEpochs.join(','), topic.leaderEpochs.join(','), 'leader epochs on a second request');
    },
  },
];
