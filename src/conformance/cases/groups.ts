// The classic group protocol: FindCoordinator (10), JoinGroup (11), SyncGroup (14), Heartbeat (12),
// LeaveGroup (13), DescribeGroups (15), ListGroups (16), DeleteGroups (42) and committed offsets
// (OffsetCommit 8, OffsetFetch 9). Behaviour from Kafka's GroupCoordinator / classic group state
// machine, KIP-394 (member id required), KIP-345 (static membership).

import { ApiKey, ErrorCode, encodeVersionedData } from '../../codec/index.js';
import type { KafkaConnection } from '../../client/connection.js';
import { check, eq, errorIs, eventually, noError } from '../assert.js';
import type { CaseContext, TopicInfo } from '../context.js';
import type { ConformanceCase } from '../types.js';

const GROUP_TIMEOUT = 30_000;

/** Errors of a coordinator that is not (or not yet) serving a key: clients find it again and retry. */
const COORDINATOR_NOT_READY: number[] = [ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR];

/** Keys (`<keyType>:<key>`) whose coordinator answered as loaded, per target. */
const readyKeys = new WeakMap<object, Set<string>>();

/**
 * A connection to the coordinator of `key` (group: keyType 0; transactional id: 1), once it serves
 * the key. On a fresh Kafka the first lookup creates __consumer_offsets / __transaction_state and
 * answers COORDINATOR_NOT_AVAILABLE; then the coordinator loads its partition and answers
 * NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS for a moment (Kafka 4.3.1). Clients retry both, so
 * the setup does too, probing with DescribeGroups / DescribeTransactions, which change nothing.
 */
export async function coordinatorConn(ctx: CaseContext, key: string, keyType = 0): Promise<KafkaConnection> {
  if (!ctx.target.has(ApiKey.FindCoordinator)) return ctx.conn();
  const v = ctx.pick(ApiKey.FindCoordinator);
  const conn = await ctx.conn();
  let ready = readyKeys.get(ctx.target);
  if (ready === undefined) readyKeys.set(ctx.target, (ready = new Set()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await conn.request(ApiKey.FindCoordinator, v, { key, keyType, coordinatorKeys: [key] });
    const c = v >= 4 ? res.coordinators[0] : { errorCode: res.errorCode, nodeId: res.nodeId, host: res.host, port: res.port };
    check(c !== undefined, 'FindCoordinator returned no coordinator');
    let code = c.errorCode;
    if (code === 0) {
      const coordinator = await ctx.nodeConn(c.nodeId);
      if (ready.has(`${keyType}:${key}`)) return coordinator;
      code = await probeCoordinator(ctx, coordinator, key, keyType);
      if (!COORDINATOR_NOT_READY.includes(code)) {
        ready.add(`${keyType}:${key}`);
        return coordinator;
      }
    } else if (!COORDINATOR_NOT_READY.includes(code)) {
      noError(code, 'FindCoordinator');
    }
    if (Date.now() > deadline) noError(code, 'coordinator (after 15 s)');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error a coordinator answers for `key` with a read-only request (0 when it cannot be asked). */
async function probeCoordinator(ctx: CaseContext, conn: KafkaConnection, key: string, keyType: number): Promise<number> {
  if (keyType === 0 && ctx.target.has(ApiKey.DescribeGroups)) {
    const res = await conn.request(ApiKey.DescribeGroups, ctx.pick(ApiKey.DescribeGroups), { groups: [key], includeAuthorizedOperations: false });
    return res.groups[0]?.errorCode ?? 0;
  }
  if (keyType === 1 && ctx.target.has(ApiKey.DescribeTransactions)) {
    const res = await conn.request(ApiKey.DescribeTransactions, ctx.pick(ApiKey.DescribeTransactions), { transactionalIds: [key] });
    return res.transactionStates[0]?.errorCode ?? 0;
  }
  return 0;
}

export function subscription(topics: string[]): Buffer {
  return encodeVersionedData('ConsumerProtocolSubscription', 0, { topics, userData: null });
}

export function assignment(topic: string, partitions: number[]): Buffer {
  return encodeVersionedData('ConsumerProtocolAssignment', 0, { assignedPartitions: [{ topic, partitions }], userData: null });
}

interface Member {
  memberId: string;
  generationId: number;
  leader: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface JoinOptions {
  version?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  protocolType?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  topics?: string[];
  conn?: KafkaConnection;
}

/** Sends one JoinGroup and returns the raw response. */
export async function joinOnce(ctx: CaseContext, groupId: string, o: JoinOptions = {}) {
  const v = o.version ?? ctx.pick(ApiKey.JoinGroup);
  const conn = o.conn ?? (await coordinatorConn(ctx, groupId));
  return conn.request(ApiKey.JoinGroup, v, {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 10_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: [{ name: 'range', metadata: subscription(o.topics ?? ['t']) }],
    reason: null,
  }, { timeoutMs: GROUP_TIMEOUT });
}

/** Joins, answering MEMBER_ID_REQUIRED (KIP-394) with the given id. */
export async function join(ctx: CaseContext, groupId: string, o: JoinOptions = {}): Promise<Member> {
  let res = await joinOnce(ctx, groupId, o);
  if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
    check(res.memberId.length > 0, 'MEMBER_ID_REQUIRED without a member id');
    res = await joinOnce(ctx, groupId, { ...o, memberId: res.memberId });
  }
  noError(res.errorCode, 'JoinGroup');
  return { memberId: res.memberId, generationId: res.generationId, leader: res.leader, members: res.members };
}

export async function sync(ctx: CaseContext, groupId: string, m: Member, assignments: { memberId: string; assignment: Buffer }[], o: { version?: number; groupInstanceId?: string | null; conn?: KafkaConnection } = {}) {
  const v = o.version ?? ctx.pick(ApiKey.SyncGroup);
  const conn = o.conn ?? (await coordinatorConn(ctx, groupId));
  return conn.request(ApiKey.SyncGroup, v, {
    groupId, generationId: m.generationId, memberId: m.memberId, groupInstanceId: o.groupInstanceId ?? null,
    protocolType: 'consumer', protocolName: 'range', assignments,
  }, { timeoutMs: GROUP_TIMEOUT });
}

export async function heartbeat(ctx: CaseContext, groupId: string, memberId: string, generationId: number, o: { version?: number; groupInstanceId?: string | null; conn?: KafkaConnection } = {}) {
  const v = o.version ?? ctx.pick(ApiKey.Heartbeat);
  const conn = o.conn ?? (await coordinatorConn(ctx, groupId));
  return conn.request(ApiKey.Heartbeat, v, { groupId, generationId, memberId, groupInstanceId: o.groupInstanceId ?? null });
}

/** A one-member group, joined and synced; returns the member and its assignment bytes. */
async function stableGroup(ctx: CaseContext, groupId: string, o: JoinOptions = {}) {
  const m = await join(ctx, groupId, o);
  eq(m.leader, m.memberId, 'the only member is the leader');
  const a = assignment(o.topics?.[0] ?? 't', [0]);
  const s = await sync(ctx, groupId, m, [{ memberId: m.memberId, assignment: a }], { groupInstanceId: o.groupInstanceId });
  noError(s.errorCode, 'SyncGroup');
  return { m, assignment: s.assignment };
}

async function commit(ctx: CaseContext, groupId: string, topic: TopicInfo, offsets: { partition: number; offset: number; metadata: string | null; epoch?: number }[], o: { version?: number; generationId?: number; memberId?: string } = {}) {
  const v = o.version ?? ctx.pick(ApiKey.OffsetCommit);
  const conn = await coordinatorConn(ctx, groupId);
  const res = await conn.request(ApiKey.OffsetCommit, v, {
    groupId, generationIdOrMemberEpoch: o.generationId ?? -1, memberId: o.memberId ?? '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: topic.name, topicId: topic.topicId, partitions: offsets.map((x) => ({ partitionIndex: x.partition, committedOffset: x.offset, committedLeaderEpoch: x.epoch ?? -1, commitTimestamp: -1, committedMetadata: x.metadata })) }],
  });
  return res.topics.flatMap((t) => t.partitions);
}

/** OffsetFetch in the version's shape; returns partition → {offset, metadata, epoch, errorCode}. */
export async function fetchOffsets(ctx: CaseContext, groupId: string, topic: TopicInfo | null, partitions: number[], o: { version?: number; requireStable?: boolean } = {}) {
  const v = o.version ?? ctx.pick(ApiKey.OffsetFetch);
  const conn = await coordinatorConn(ctx, groupId);
  const topics = topic === null ? null : [{ name: topic.name, topicId: topic.topicId, partitionIndexes: partitions }];
  const res = await conn.request(ApiKey.OffsetFetch, v, {
    groupId, topics, requireStable: o.requireStable ?? false,
    groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
  });
  const out = new Map<string, { offset: number; metadata: string | null; epoch: number; errorCode: number }>();
  let errorCode = 0;
  if (v >= 8) {
    const g = res.groups[0];
    check(g !== undefined, 'OffsetFetch v8+ returned no group');
    errorCode = g.errorCode;
    for (const t of g.topics) for (const p of t.partitions) out.set(`${v >= 10 ? t.topicId : t.name}:${p.partitionIndex}`, { offset: p.committedOffset, metadata: p.metadata, epoch: p.committedLeaderEpoch, errorCode: p.errorCode });
  } else {
    errorCode = v >= 2 ? res.errorCode : 0;
    for (const t of res.topics) for (const p of t.partitions) out.set(`${t.name}:${p.partitionIndex}`, { offset: p.committedOffset, metadata: p.metadata, epoch: p.committedLeaderEpoch, errorCode: p.errorCode });
  }
  const keyOf = (t: TopicInfo, p: number) => `${v >= 10 ? t.topicId : t.name}:${p}`;
  return { errorCode, get: (t: TopicInfo, p: number) => out.get(keyOf(t, p)), size: out.size };
}

export const groupCases: ConformanceCase[] = [
  {
    id: 'find-coordinator.group',
    api: ApiKey.FindCoordinator,
    title: 'a group id resolves to a live coordinator broker (v4+: batched coordinatorKeys), after COORDINATOR_NOT_AVAILABLE while the offsets topic is created',
    cite: 'FindCoordinatorRequest.json; KIP-699 (batched lookups, v4); Kafka 4.3.1 answers the first lookups on a fresh cluster with COORDINATOR_NOT_AVAILABLE while it creates __consumer_offsets',
    versions: { each: true },
    async run(ctx) {
      const conn = await ctx.conn();
      const group = ctx.topicName('group');
      const lookup = async () => {
        const res = await conn.request(ApiKey.FindCoordinator, ctx.version, { key: group, keyType: 0, coordinatorKeys: [group] });
        return ctx.version >= 4 ? res.coordinators.find((x) => x.key === group) : { errorCode: res.errorCode, nodeId: res.nodeId, host: res.host, port: res.port };
      };
      const c = await eventually(lookup, (x) => x?.errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE, 15_000);
      check(c !== undefined, 'no coordinator entry for the group');
      noError(c.errorCode, 'FindCoordinator');
      const md = await ctx.metadata([]);
      check(md.brokers.some((b) => b.nodeId === c.nodeId), `coordinator ${c.nodeId} is not a broker in Metadata`);
      check(c.port > 0 && c.host.length > 0, 'coordinator endpoint');
    },
  },
  {
    id: 'join-group.member-id-required',
    api: ApiKey.JoinGroup,
    title: 'v4+: a first join without a member id gets MEMBER_ID_REQUIRED and an id; joining with it succeeds as leader',
    cite: 'KIP-394 (require member.id for initial join)',
    versions: { min: 4, each: true },
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const first = await joinOnce(ctx, group, { version: ctx.version });
      errorIs(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED, 'first JoinGroup with an empty member id');
      check(first.memberId.length > 0, 'no member id in the MEMBER_ID_REQUIRED answer');
      const second = await joinOnce(ctx, group, { version: ctx.version, memberId: first.memberId });
      noError(second.errorCode, 'JoinGroup with the assigned member id');
      eq(second.memberId, first.memberId, 'member id');
      eq(second.leader, first.memberId, 'leader');
      check(second.generationId >= 1, `generation ${second.generationId}`);
      eq(second.members.length, 1, 'members given to the leader');
      eq(second.protocolName, 'range', 'chosen protocol');
    },
  },
  {
    id: 'group.lifecycle',
    api: ApiKey.JoinGroup,
    title: 'join → sync (leader\'s assignment comes back) → heartbeat NONE → leave → heartbeat UNKNOWN_MEMBER_ID',
    cite: 'Kafka classic group protocol (GroupCoordinator); JoinGroup/SyncGroup/Heartbeat/LeaveGroup JSON',
    versions: { each: true },
    requires: [ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const m = await join(ctx, group, { version: ctx.version });
      const a = assignment('t', [0, 1]);
      const s = await sync(ctx, group, m, [{ memberId: m.memberId, assignment: a }]);
      noError(s.errorCode, 'SyncGroup');
      check(Buffer.compare(s.assignment, a) === 0, 'SyncGroup must return the leader\'s assignment bytes unchanged');
      noError((await heartbeat(ctx, group, m.memberId, m.generationId)).errorCode, 'Heartbeat');
      const conn = await coordinatorConn(ctx, group);
      const lv = ctx.pick(ApiKey.LeaveGroup);
      const leave = await conn.request(ApiKey.LeaveGroup, lv, { groupId: group, memberId: m.memberId, members: [{ memberId: m.memberId, groupInstanceId: null, reason: null }] });
      noError(leave.errorCode, 'LeaveGroup');
      if (lv >= 3) noError(leave.members[0]?.errorCode ?? -2, 'LeaveGroup member result');
      errorIs((await heartbeat(ctx, group, m.memberId, m.generationId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'Heartbeat after leaving');
    },
  },
  {
    id: 'heartbeat.errors',
    api: ApiKey.Heartbeat,
    title: 'a wrong generation gets ILLEGAL_GENERATION, an unknown member UNKNOWN_MEMBER_ID',
    cite: 'GroupCoordinator.handleHeartbeat',
    versions: { each: true },
    requires: [ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const { m } = await stableGroup(ctx, group);
      noError((await heartbeat(ctx, group, m.memberId, m.generationId, { version: ctx.version })).errorCode, 'Heartbeat');
      errorIs((await heartbeat(ctx, group, m.memberId, m.generationId + 5, { version: ctx.version })).errorCode, ErrorCode.ILLEGAL_GENERATION, 'Heartbeat with generation + 5');
      errorIs((await heartbeat(ctx, group, 'no-such-member', m.generationId, { version: ctx.version })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'Heartbeat from an unknown member');
    },
  },
  {
    id: 'heartbeat.rebalance-in-progress',
    api: ApiKey.Heartbeat,
    title: 'when a second member joins, the first member\'s heartbeat gets REBALANCE_IN_PROGRESS until it rejoins',
    cite: 'GroupCoordinator (PreparingRebalance → REBALANCE_IN_PROGRESS)',
    requires: [ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const { m } = await stableGroup(ctx, group);
      const other = await ctx.connect();
      const jv = ctx.pick(ApiKey.JoinGroup);
      let secondId = '';
      if (jv >= 4) {
        const r = await joinOnce(ctx, group, { conn: other });
        errorIs(r.errorCode, ErrorCode.MEMBER_ID_REQUIRED, 'second member first join');
        secondId = r.memberId;
      }
      const secondJoin = joinOnce(ctx, group, { conn: other, memberId: secondId });
      // The second join cannot complete before the first member rejoins; poll heartbeats until the
      // coordinator has moved to PreparingRebalance (bounded).
      const deadline = Date.now() + 10_000;
      let code = 0;
      while (Date.now() < deadline) {
        code = (await heartbeat(ctx, group, m.memberId, m.generationId, { version: ctx.version })).errorCode;
        if (code !== 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      errorIs(code, ErrorCode.REBALANCE_IN_PROGRESS, 'heartbeat of the first member during the rebalance');
      const rejoin = await joinOnce(ctx, group, { memberId: m.memberId });
      noError(rejoin.errorCode, 'rejoin of the first member');
      const second = await secondJoin;
      noError(second.errorCode, 'join of the second member');
      eq(second.generationId, rejoin.generationId, 'both members in the same generation');
      check(rejoin.generationId > m.generationId, 'generation must increase');
    },
  },
  {
    id: 'join-group.errors',
    api: ApiKey.JoinGroup,
    title: 'empty group id → INVALID_GROUP_ID; session timeout out of bounds → INVALID_SESSION_TIMEOUT; other protocol type → INCONSISTENT_GROUP_PROTOCOL; unknown member id → UNKNOWN_MEMBER_ID',
    cite: 'GroupCoordinator.handleJoinGroup; broker configs group.min/max.session.timeout.ms',
    versions: { each: true },
    requires: [ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const v = ctx.version;
      errorIs((await joinOnce(ctx, '', { version: v, conn: await ctx.conn() })).errorCode, ErrorCode.INVALID_GROUP_ID, 'empty group id');
      errorIs((await joinOnce(ctx, ctx.topicName('g'), { version: v, sessionTimeoutMs: 1 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, 'sessionTimeoutMs 1');
      errorIs((await joinOnce(ctx, ctx.topicName('g'), { version: v, sessionTimeoutMs: 2_000_000_000 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, 'sessionTimeoutMs 2e9');
      const group = ctx.topicName('g');
      await stableGroup(ctx, group);
      const other = await joinOnce(ctx, group, { version: v, protocolType: 'connect' });
      errorIs(other.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'joining a consumer group with protocol type "connect"');
      errorIs((await joinOnce(ctx, group, { version: v, memberId: 'not-a-member' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'unknown member id');
    },
  },
  {
    id: 'join-group.static-member',
    api: ApiKey.JoinGroup,
    title: 'v5+: a static member joins without MEMBER_ID_REQUIRED; a new join with its instance id replaces it and the old member id is FENCED_INSTANCE_ID',
    cite: 'KIP-345 (static membership)',
    versions: { min: 5, each: true },
    requires: [[ApiKey.SyncGroup, 3], [ApiKey.Heartbeat, 3]],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const instance = 'instance-1';
      const first = await joinOnce(ctx, group, { version: ctx.version, groupInstanceId: instance });
      noError(first.errorCode, 'first join of a static member (no MEMBER_ID_REQUIRED round)');
      const s = await sync(ctx, group, { memberId: first.memberId, generationId: first.generationId, leader: first.leader, members: first.members }, [{ memberId: first.memberId, assignment: assignment('t', [0]) }], { groupInstanceId: instance });
      noError(s.errorCode, 'SyncGroup');
      const replaced = await joinOnce(ctx, group, { version: ctx.version, groupInstanceId: instance });
      noError(replaced.errorCode, 'rejoin with the same instance id and no member id');
      check(replaced.memberId !== first.memberId, 'the replacing join must get a new member id');
      const hb = await heartbeat(ctx, group, first.memberId, first.generationId, { groupInstanceId: instance });
      errorIs(hb.errorCode, ErrorCode.FENCED_INSTANCE_ID, 'heartbeat from the replaced member id');
    },
  },
  {
    id: 'sync-group.errors',
    api: ApiKey.SyncGroup,
    title: 'an unknown member gets UNKNOWN_MEMBER_ID; a wrong generation ILLEGAL_GENERATION',
    cite: 'GroupCoordinator.handleSyncGroup',
    versions: { each: true },
    requires: [ApiKey.JoinGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const m = await join(ctx, group);
      const bad = await sync(ctx, group, { ...m, memberId: 'nobody' }, [], { version: ctx.version });
      errorIs(bad.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'SyncGroup from an unknown member');
      const gen = await sync(ctx, group, { ...m, generationId: m.generationId + 3 }, [], { version: ctx.version });
      errorIs(gen.errorCode, ErrorCode.ILLEGAL_GENERATION, 'SyncGroup with a wrong generation');
      const ok = await sync(ctx, group, m, [{ memberId: m.memberId, assignment: assignment('t', [0]) }], { version: ctx.version });
      noError(ok.errorCode, 'SyncGroup');
    },
  },
  {
    id: 'offset-commit.round-trip',
    api: ApiKey.OffsetCommit,
    title: 'offsets committed with metadata (simple, generation -1) come back from OffsetFetch; uncommitted partitions give -1',
    cite: 'OffsetCommitRequest.json / OffsetFetchResponse.json; GroupCoordinator.handleCommitOffsets (simple consumer commits)',
    versions: { each: true },
    requires: [ApiKey.OffsetFetch],
    async run(ctx) {
      const group = ctx.topicName('g');
      const topic = await ctx.createTopic({ partitions: 3 });
      const res = await commit(ctx, group, topic, [{ partition: 0, offset: 5, metadata: 'meta-0', epoch: topic.leaderEpochs[0] }, { partition: 1, offset: 0, metadata: null }], { version: ctx.version });
      eq(res.length, 2, 'partition results');
      for (const p of res) noError(p.errorCode, `commit partition ${p.partitionIndex}`);
      const f = await fetchOffsets(ctx, group, topic, [0, 1, 2]);
      noError(f.errorCode, 'OffsetFetch');
      const p0 = f.get(topic, 0);
      check(p0 !== undefined, 'partition 0 missing');
      eq(p0.offset, 5, 'committed offset of partition 0');
      eq(p0.metadata, 'meta-0', 'metadata of partition 0');
      eq(f.get(topic, 1)?.offset, 0, 'committed offset of partition 1');
      const p2 = f.get(topic, 2);
      eq(p2?.offset, -1, 'offset of an uncommitted partition');
      noError(p2?.errorCode ?? -2, 'uncommitted partition errorCode');
    },
  },
  {
    id: 'offset-fetch.versions',
    api: ApiKey.OffsetFetch,
    title: 'every OffsetFetch version returns committed offsets and metadata; v2+ null topics means all committed partitions',
    cite: 'OffsetFetchRequest.json (v2 null topics, v8 batched groups, KIP-709)',
    versions: { each: true },
    requires: [ApiKey.OffsetCommit],
    async run(ctx) {
      const group = ctx.topicName('g');
      const topic = await ctx.createTopic({ partitions: 2 });
      for (const p of await commit(ctx, group, topic, [{ partition: 0, offset: 7, metadata: 'm' }, { partition: 1, offset: 9, metadata: '' }])) noError(p.errorCode, 'commit');
      const f = await fetchOffsets(ctx, group, topic, [0, 1], { version: ctx.version });
      noError(f.errorCode, 'OffsetFetch');
      eq(f.get(topic, 0)?.offset, 7, 'partition 0');
      eq(f.get(topic, 0)?.metadata, 'm', 'partition 0 metadata');
      eq(f.get(topic, 1)?.offset, 9, 'partition 1');
      if (ctx.version >= 2) {
        const all = await fetchOffsets(ctx, group, null, [], { version: ctx.version });
        noError(all.errorCode, 'OffsetFetch all');
        eq(all.size, 2, 'partitions returned for topics=null');
      }
    },
  },
  {
    id: 'offset-commit.errors',
    api: ApiKey.OffsetCommit,
    title: 'metadata over offset.metadata.max.bytes → OFFSET_METADATA_TOO_LARGE; in a live group a wrong generation → ILLEGAL_GENERATION, unknown member → UNKNOWN_MEMBER_ID',
    cite: 'GroupCoordinator.handleCommitOffsets; broker config offset.metadata.max.bytes (4096)',
    versions: { min: 1, each: true },
    requires: [ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const topic = await ctx.createTopic();
      const big = await commit(ctx, ctx.topicName('g'), topic, [{ partition: 0, offset: 1, metadata: 'x'.repeat(5000) }], { version: ctx.version });
      errorIs(big[0]?.errorCode ?? -2, ErrorCode.OFFSET_METADATA_TOO_LARGE, '5000-byte metadata');
      const group = ctx.topicName('g');
      const { m } = await stableGroup(ctx, group);
      const ok = await commit(ctx, group, topic, [{ partition: 0, offset: 1, metadata: '' }], { version: ctx.version, generationId: m.generationId, memberId: m.memberId });
      noError(ok[0]?.errorCode ?? -2, 'commit by the member');
      const gen = await commit(ctx, group, topic, [{ partition: 0, offset: 2, metadata: '' }], { version: ctx.version, generationId: m.generationId + 1, memberId: m.memberId });
      errorIs(gen[0]?.errorCode ?? -2, [ErrorCode.ILLEGAL_GENERATION, ErrorCode.STALE_MEMBER_EPOCH], 'commit with a wrong generation');
      const who = await commit(ctx, group, topic, [{ partition: 0, offset: 2, metadata: '' }], { version: ctx.version, generationId: m.generationId, memberId: 'nobody' });
      errorIs(who[0]?.errorCode ?? -2, ErrorCode.UNKNOWN_MEMBER_ID, 'commit from an unknown member');
    },
  },
  {
    id: 'describe-groups.stable',
    api: ApiKey.DescribeGroups,
    title: 'a joined group is Stable with its protocol and member; an unknown group is Dead with no members',
    cite: 'DescribeGroupsResponse.json; GroupCoordinator.handleDescribeGroup',
    versions: { each: true },
    requires: [ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      const { m } = await stableGroup(ctx, group);
      const conn = await coordinatorConn(ctx, group);
      const unknown = ctx.topicName('g');
      const res = await conn.request(ApiKey.DescribeGroups, ctx.version, { groups: [group, unknown], includeAuthorizedOperations: false });
      const g = res.groups.find((x) => x.groupId === group);
      check(g !== undefined, 'group missing');
      noError(g.errorCode, 'describe');
      eq(g.groupState, 'Stable', 'state');
      eq(g.protocolType, 'consumer', 'protocol type');
      eq(g.protocolData, 'range', 'protocol');
      eq(g.members.map((x) => x.memberId).join(','), m.memberId, 'members');
      const u = res.groups.find((x) => x.groupId === unknown);
      check(u !== undefined, 'unknown group missing');
      if (u.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) {
        noError(u.errorCode, 'unknown group');
        eq(u.groupState, 'Dead', 'state of an unknown group');
        eq(u.members.length, 0, 'members of an unknown group');
      }
    },
  },
  {
    id: 'list-groups.contains',
    api: ApiKey.ListGroups,
    title: 'a joined group is listed with its protocol type (v4+: and state, filterable)',
    cite: 'ListGroupsRequest.json; KIP-518 (states filter, v4)',
    versions: { each: true },
    requires: [ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const group = ctx.topicName('g');
      await stableGroup(ctx, group);
      const conn = await coordinatorConn(ctx, group);
      const res = await conn.request(ApiKey.ListGroups, ctx.version, { statesFilter: [], typesFilter: [] });
      noError(res.errorCode, 'ListGroups');
      const g = res.groups.find((x) => x.groupId === group);
      check(g !== undefined, 'group not listed');
      eq(g.protocolType, 'consumer', 'protocol type');
      if (ctx.version >= 4) {
        eq(g.groupState, 'Stable', 'state');
        const empty = await conn.request(ApiKey.ListGroups, ctx.version, { statesFilter: ['Empty'], typesFilter: [] });
        check(!empty.groups.some((x) => x.groupId === group), 'a Stable group listed under the Empty filter');
      }
    },
  },
  {
    id: 'offset-delete.delete',
    api: ApiKey.OffsetDelete,
    title: 'offsets of an empty group are deleted; a group whose members subscribe to the topic gets GROUP_SUBSCRIBED_TO_TOPIC; unknown group → GROUP_ID_NOT_FOUND',
    cite: 'KIP-496 (OffsetDelete)',
    versions: { each: true },
    requires: [ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const topic = await ctx.createTopic();
      const del = async (group: string) => (await coordinatorConn(ctx, group)).request(ApiKey.OffsetDelete, ctx.version, { groupId: group, topics: [{ name: topic.name, partitions: [{ partitionIndex: 0 }] }] });
      const empty = ctx.topicName('g');
      noError((await commit(ctx, empty, topic, [{ partition: 0, offset: 4, metadata: '' }]))[0]?.errorCode ?? -2, 'commit');
      const res = await del(empty);
      noError(res.errorCode, 'OffsetDelete on an empty group');
      noError(res.topics[0]?.partitions[0]?.errorCode ?? -2, 'partition result');
      eq((await fetchOffsets(ctx, empty, topic, [0])).get(topic, 0)?.offset, -1, 'offset after OffsetDelete');
      const live = ctx.topicName('g');
      const { m } = await stableGroup(ctx, live, { topics: [topic.name] });
      noError((await commit(ctx, live, topic, [{ partition: 0, offset: 4, metadata: '' }], { generationId: m.generationId, memberId: m.memberId }))[0]?.errorCode ?? -2, 'commit by the member');
      const sub = await del(live);
      noError(sub.errorCode, 'OffsetDelete top-level for a live group');
      errorIs(sub.topics[0]?.partitions[0]?.errorCode ?? -2, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 'deleting offsets of a subscribed topic');
      errorIs((await del(ctx.topicName('g'))).errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'unknown group');
    },
  },
  {
    id: 'delete-groups.delete',
    api: ApiKey.DeleteGroups,
    title: 'an empty group with offsets is deleted (offsets gone); a group with members gets NON_EMPTY_GROUP; unknown → GROUP_ID_NOT_FOUND',
    cite: 'DeleteGroupsResponse.json; GroupCoordinator.handleDeleteGroups',
    versions: { each: true },
    requires: [ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.JoinGroup, ApiKey.SyncGroup],
    timeoutMs: GROUP_TIMEOUT,
    async run(ctx) {
      const topic = await ctx.createTopic();
      const emptyGroup = ctx.topicName('g');
      noError((await commit(ctx, emptyGroup, topic, [{ partition: 0, offset: 3, metadata: '' }]))[0]?.errorCode ?? -2, 'commit');
      const live = ctx.topicName('g');
      await stableGroup(ctx, live);
      const unknown = ctx.topicName('g');
      const conn = await coordinatorConn(ctx, emptyGroup);
      const res = await conn.request(ApiKey.DeleteGroups, ctx.version, { groupsNames: [emptyGroup, live, unknown] });
      const code = (g: string) => res.results.find((r) => r.groupId === g)?.errorCode ?? -2;
      noError(code(emptyGroup), 'delete an empty group');
      errorIs(code(live), ErrorCode.NON_EMPTY_GROUP, 'delete a group with a member');
      errorIs(code(unknown), ErrorCode.GROUP_ID_NOT_FOUND, 'delete an unknown group');
      eq((await fetchOffsets(ctx, emptyGroup, topic, [0])).get(topic, 0)?.offset, -1, 'offset after the group was deleted');
    },
  },
];
