// ACL enforcement as Kafka's StandardAuthorizer does it, seen by clients of different principals:
// run only when the suite is given a SASL PLAIN listener of a broker enforcing ACLs, a super user and
// two users without ACLs (`--sasl-bootstrap`, `--admin`, `--user`; else skipped, saying so). Each
// case creates the ACLs it needs as the super user and deletes them when it ends. Kafka applies an
// ACL a moment after CreateAcls answers (the controller commits it, then the broker's authorizer
// loads it), so every check after an ACL change polls (bounded) until it holds.

import { ApiKey, ErrorCode, ZERO_UUID } from '../../codec/index.js';
import type { KafkaConnection } from '../../client/connection.js';
import type { PlainCredentials } from '../../client/sasl.js';
import { check, eq, errName, errorIs, eventually, noError } from '../assert.js';
import type { CaseContext, TopicInfo } from '../context.js';
import type { ConformanceCase } from '../types.js';
import { coordinatorConn } from './groups.js';

// Kafka's AclOperation, ResourceType, PatternType and AclPermissionType codes (the wire values).
const Resource = { TOPIC: 2, GROUP: 3, CLUSTER: 4 } as const;
const Pattern = { LITERAL: 3, PREFIXED: 4 } as const;
const Op = { ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DESCRIBE: 8, IDEMPOTENT_WRITE: 12 } as const;
const Permission = { DENY: 2, ALLOW: 3 } as const;

interface Acl {
  resourceType: number;
  resourceName: string;
  patternType?: number;
  principal: string;
  operation: number;
  permission?: number;
}

const user = (c: PlainCredentials) => `User:${c.username}`;

/** Creates ACLs as the super user (removed when the case ends); fails the case on an error. */
async function grant(ctx: CaseContext, ...acls: Acl[]): Promise<void> {
  const admin = await ctx.conn();
  const v = ctx.pick(ApiKey.CreateAcls, 1);
  const bodies = acls.map((a) => ({
    resourceType: a.resourceType, resourceName: a.resourceName, resourcePatternType: a.patternType ?? Pattern.LITERAL,
    principal: a.principal, host: '*', operation: a.operation, permissionType: a.permission ?? Permission.ALLOW,
  }));
  ctx.onEnd(() => revoke(ctx, ...acls));
  const res = await admin.request(ApiKey.CreateAcls, v, { creations: bodies });
  for (const r of res.results) noError(r.errorCode, `CreateAcls as the super user (${r.errorMessage ?? ''})`);
}

/** Deletes exactly these ACLs (as the super user). */
async function revoke(ctx: CaseContext, ...acls: Acl[]): Promise<void> {
  const admin = await ctx.conn();
  const res = await admin.request(ApiKey.DeleteAcls, ctx.pick(ApiKey.DeleteAcls, 1), {
    filters: acls.map((a) => ({
      resourceTypeFilter: a.resourceType, resourceNameFilter: a.resourceName, patternTypeFilter: a.patternType ?? Pattern.LITERAL,
      principalFilter: a.principal, hostFilter: '*', operation: a.operation, permissionType: a.permission ?? Permission.ALLOW,
    })),
  });
  for (const r of res.filterResults) noError(r.errorCode, 'DeleteAcls as the super user');
}

/** Polls `read` until it returns `expected` (ACL changes take effect a moment after the answer). */
async function becomes(read: () => Promise<number>, expected: number, what: string): Promise<void> {
  errorIs(await eventually(read, (code) => code === expected, 10_000), expected, what);
}

async function produceCode(ctx: CaseContext, conn: KafkaConnection, topic: TopicInfo): Promise<number> {
  return (await ctx.produceRaw(topic, 0, ctx.recordsFor(ctx.pick(ApiKey.Produce, 3), [{ value: 'acl' }]), { conn, version: ctx.pick(ApiKey.Produce, 3) })).errorCode;
}

async function fetchCode(ctx: CaseContext, conn: KafkaConnection, topic: TopicInfo): Promise<number> {
  const v = ctx.pick(ApiKey.Fetch, 4);
  const res = await conn.request(ApiKey.Fetch, v, ctx.fetchBody(topic, [{ partition: 0, offset: 0 }], {}));
  if (res.errorCode !== 0) return res.errorCode;
  const t = res.responses.find((x) => (v >= 13 ? x.topicId === topic.topicId : x.topic === topic.name));
  return t?.partitions[0]?.errorCode ?? -2;
}

async function commitCode(ctx: CaseContext, conn: KafkaConnection, group: string, topic: TopicInfo): Promise<number> {
  const res = await conn.request(ApiKey.OffsetCommit, ctx.pick(ApiKey.OffsetCommit, 2, 8), {
    groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: topic.name, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
  return res.topics[0]?.partitions[0]?.errorCode ?? -2;
}

async function initProducerIdCode(ctx: CaseContext, conn: KafkaConnection): Promise<number> {
  const res = await conn.request(ApiKey.InitProducerId, ctx.pick(ApiKey.InitProducerId), {
    transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false,
  });
  return res.errorCode;
}

/** The two users of the SASL target, and the super user's connection as the run's default. */
async function principals(ctx: CaseContext): Promise<{ alice: PlainCredentials; bob: PlainCredentials }> {
  const sasl = ctx.saslTarget();
  await ctx.asAdmin();
  return { alice: sasl.users[0], bob: sasl.users[1] };
}

const CITE = 'Kafka 4.3 StandardAuthorizer and AuthHelper; KIP-290 (prefixed ACLs)';
const REQUIRES = [ApiKey.DeleteAcls, ApiKey.CreateTopics, ApiKey.Produce, ApiKey.Fetch, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate];

export const aclCases: ConformanceCase[] = [
  {
    id: 'acl.prefixed-read',
    api: ApiKey.CreateAcls,
    title: 'READ on a PREFIXED topic pattern lets a principal fetch any topic with that prefix, not produce to it (TOPIC_AUTHORIZATION_FAILED)',
    cite: CITE,
    versions: { min: 1 },
    requires: REQUIRES,
    timeoutMs: 30_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const prefix = `${ctx.topicName('aclp')}-`;
      const topic = await ctx.createTopic({ tag: 'aclp' }); // a topic outside the prefix
      const mine = await ctx.createTopic({ name: `${prefix}data` });
      await ctx.produce(mine, 0, [{ value: 'one' }]);
      const conn = await ctx.connectAs(alice);
      errorIs(await fetchCode(ctx, conn, mine), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'fetch before any ACL');
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: prefix, patternType: Pattern.PREFIXED, principal: user(alice), operation: Op.READ });
      await becomes(() => fetchCode(ctx, conn, mine), ErrorCode.NONE, 'fetch with READ on the prefix');
      const fetched = await ctx.fetch(mine, 0, 0, { conn });
      check((fetched.records?.length ?? 0) > 0, 'fetch with READ on the prefix returned no records');
      errorIs(await produceCode(ctx, conn, mine), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'produce with READ only');
      errorIs(await fetchCode(ctx, conn, topic), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'fetch of a topic outside the prefix');
    },
  },
  {
    id: 'acl.deny-overrides-allow',
    api: ApiKey.CreateAcls,
    title: 'a DENY WRITE (for User:*) beats an ALLOW ALL for the principal: produce → TOPIC_AUTHORIZATION_FAILED, fetch still allowed',
    cite: `${CITE}: a matching DENY wins over any ALLOW`,
    versions: { min: 1 },
    requires: REQUIRES,
    timeoutMs: 30_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const topic = await ctx.createTopic({ tag: 'acld' });
      const conn = await ctx.connectAs(alice);
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: topic.name, principal: user(alice), operation: Op.ALL });
      await becomes(() => produceCode(ctx, conn, topic), ErrorCode.NONE, 'produce with ALLOW ALL');
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: topic.name, principal: 'User:*', operation: Op.WRITE, permission: Permission.DENY });
      await becomes(() => produceCode(ctx, conn, topic), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'produce with ALLOW ALL and DENY WRITE');
      errorIs(await fetchCode(ctx, conn, topic), ErrorCode.NONE, 'fetch with ALLOW ALL and DENY WRITE');
    },
  },
  {
    id: 'acl.commit-needs-group-read',
    api: ApiKey.CreateAcls,
    title: 'committing offsets needs READ on the group (GROUP_AUTHORIZATION_FAILED without), READ on the topic is not enough',
    cite: `${CITE}; KafkaApis.handleOffsetCommitRequest`,
    versions: { min: 1 },
    requires: [...REQUIRES, ApiKey.OffsetCommit, ApiKey.FindCoordinator],
    timeoutMs: 30_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const topic = await ctx.createTopic({ tag: 'aclg' });
      await ctx.produce(topic, 0, [{ value: 'one' }, { value: 'two' }]);
      const group = ctx.topicName('aclg-group');
      // As the super user, wait for the group's coordinator (Kafka creates __consumer_offsets on the
      // first FindCoordinator; a user without DESCRIBE on the group cannot ask).
      await coordinatorConn(ctx, group);
      const conn = await ctx.connectAs(alice);
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: topic.name, principal: user(alice), operation: Op.READ });
      await becomes(() => fetchCode(ctx, conn, topic), ErrorCode.NONE, 'fetch with READ on the topic');
      errorIs(await commitCode(ctx, conn, group, topic), ErrorCode.GROUP_AUTHORIZATION_FAILED, 'commit without READ on the group');
      await grant(ctx, { resourceType: Resource.GROUP, resourceName: group, principal: user(alice), operation: Op.READ });
      await becomes(() => commitCode(ctx, conn, group, topic), ErrorCode.NONE, 'commit with READ on the group and the topic');
    },
  },
  {
    id: 'acl.idempotent-producer',
    api: ApiKey.CreateAcls,
    title: 'InitProducerId without a transactional id needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic, else CLUSTER_AUTHORIZATION_FAILED',
    cite: `${CITE}; KIP-679 (WRITE on any topic implies IDEMPOTENT_WRITE since Kafka 2.8)`,
    versions: { min: 1 },
    requires: [...REQUIRES, ApiKey.InitProducerId],
    timeoutMs: 40_000,
    async run(ctx) {
      const { bob } = await principals(ctx);
      const topic = await ctx.createTopic({ tag: 'acli' });
      const conn = await ctx.connectAs(bob);
      errorIs(await initProducerIdCode(ctx, conn), ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'InitProducerId with no ACL');
      const cluster: Acl = { resourceType: Resource.CLUSTER, resourceName: 'kafka-cluster', principal: user(bob), operation: Op.IDEMPOTENT_WRITE };
      await grant(ctx, cluster);
      await becomes(() => initProducerIdCode(ctx, conn), ErrorCode.NONE, 'InitProducerId with IDEMPOTENT_WRITE on the cluster');
      await revoke(ctx, cluster);
      await becomes(() => initProducerIdCode(ctx, conn), ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'InitProducerId after IDEMPOTENT_WRITE is removed');
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: topic.name, principal: user(bob), operation: Op.WRITE });
      await becomes(() => initProducerIdCode(ctx, conn), ErrorCode.NONE, 'InitProducerId with WRITE on one topic');
    },
  },
  {
    id: 'acl.super-user',
    api: ApiKey.CreateAcls,
    title: 'a super user (super.users) may produce and fetch even where a DENY ALL for every principal applies',
    cite: `${CITE}: super users are allowed before any ACL is looked at`,
    versions: { min: 1 },
    requires: REQUIRES,
    timeoutMs: 30_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const topic = await ctx.createTopic({ tag: 'acls' });
      const conn = await ctx.connectAs(alice);
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: topic.name, principal: user(alice), operation: Op.ALL });
      await becomes(() => produceCode(ctx, conn, topic), ErrorCode.NONE, 'produce with ALLOW ALL');
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: topic.name, principal: 'User:*', operation: Op.ALL, permission: Permission.DENY });
      // Once the DENY is in force for an ordinary user, it is in force for the super user's request too.
      await becomes(() => produceCode(ctx, conn, topic), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'produce by a user under DENY ALL');
      const admin = await ctx.conn();
      errorIs(await produceCode(ctx, admin, topic), ErrorCode.NONE, 'produce by the super user under DENY ALL');
      errorIs(await fetchCode(ctx, admin, topic), ErrorCode.NONE, 'fetch by the super user under DENY ALL');
    },
  },
  {
    id: 'acl.metadata-filter',
    api: ApiKey.CreateAcls,
    title: 'Metadata of all topics leaves out those the principal may not DESCRIBE; asked by name they are TOPIC_AUTHORIZATION_FAILED; authorized operations report READ+DESCRIBE',
    cite: `${CITE}; KIP-430 (authorized operations in Metadata v8+)`,
    versions: { min: 1 },
    requires: [...REQUIRES, [ApiKey.Metadata, 8]],
    timeoutMs: 30_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const visible = await ctx.createTopic({ tag: 'aclm-visible' });
      const hidden = await ctx.createTopic({ tag: 'aclm-hidden' });
      const conn = await ctx.connectAs(alice);
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: visible.name, principal: user(alice), operation: Op.READ });
      const v = ctx.pick(ApiKey.Metadata, 8);
      const all = () => ctx.metadata(null, { conn, version: v });
      const listed = await eventually(all, (md) => md.topics.some((t) => t.name === visible.name), 10_000);
      check(listed.topics.some((t) => t.name === visible.name), `Metadata of all topics does not list ${visible.name} (READ implies DESCRIBE)`);
      check(!listed.topics.some((t) => t.name === hidden.name), `Metadata of all topics lists ${hidden.name}, which the principal may not describe`);
      const named = await conn.request(ApiKey.Metadata, v, {
        topics: [visible.name, hidden.name].map((name) => ({ name, topicId: ZERO_UUID })),
        allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true,
      });
      const h = named.topics.find((t) => t.name === hidden.name);
      errorIs(h?.errorCode ?? -2, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Metadata of a named topic the principal may not describe');
      const t = named.topics.find((x) => x.name === visible.name);
      noError(t?.errorCode ?? -2, 'Metadata of a named topic with READ');
      eq(t?.topicAuthorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE), 'topicAuthorizedOperations with READ (READ | DESCRIBE bits)');
    },
  },
  {
    id: 'acl.create-topics-needs-create',
    api: ApiKey.CreateAcls,
    title: 'CreateTopics without CREATE on the cluster or the topic → TOPIC_AUTHORIZATION_FAILED; CREATE on a PREFIXED pattern allows it',
    cite: `${CITE}; KafkaApis.handleCreateTopicsRequest`,
    versions: { min: 1 },
    requires: REQUIRES,
    timeoutMs: 30_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const conn = await ctx.connectAs(alice);
      const prefix = `${ctx.topicName('aclc')}-`;
      const name = `${prefix}new`;
      const create = async () => {
        const res = await conn.request(ApiKey.CreateTopics, ctx.pick(ApiKey.CreateTopics, 2), {
          topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false,
        });
        return res.topics[0]?.errorCode ?? -2;
      };
      errorIs(await create(), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'CreateTopics without CREATE');
      await grant(ctx, { resourceType: Resource.TOPIC, resourceName: prefix, patternType: Pattern.PREFIXED, principal: user(alice), operation: Op.CREATE });
      ctx.target.createdTopics.add(name);
      await becomes(create, ErrorCode.NONE, 'CreateTopics with CREATE on the prefix');
    },
  },
  {
    id: 'acl.describe-acls-needs-cluster-describe',
    api: ApiKey.DescribeAcls,
    title: 'DescribeAcls and CreateAcls by a principal without DESCRIBE/ALTER on the cluster → CLUSTER_AUTHORIZATION_FAILED; the super user may',
    cite: `${CITE}; AclControlManager / KafkaApis.handleDescribeAcls`,
    versions: { min: 1 },
    requires: REQUIRES,
    timeoutMs: 20_000,
    async run(ctx) {
      const { alice } = await principals(ctx);
      const conn = await ctx.connectAs(alice);
      const filter = { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 };
      const mine = await conn.request(ApiKey.DescribeAcls, ctx.version, filter);
      errorIs(mine.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DescribeAcls by a user');
      const created = await conn.request(ApiKey.CreateAcls, ctx.pick(ApiKey.CreateAcls, 1), {
        creations: [{ resourceType: Resource.TOPIC, resourceName: ctx.topicName('acla'), resourcePatternType: Pattern.LITERAL, principal: user(alice), host: '*', operation: Op.ALL, permissionType: Permission.ALLOW }],
      });
      errorIs(created.results[0]?.errorCode ?? -2, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'CreateAcls by a user');
      const admin = await ctx.conn();
      const all = await admin.request(ApiKey.DescribeAcls, ctx.version, filter);
      noError(all.errorCode, `DescribeAcls by the super user (${errName(all.errorCode)})`);
    },
  },
];
