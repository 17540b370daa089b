// KIP-848 (group.protocol=consumer): ConsumerGroupHeartbeat and ConsumerGroupDescribe over
// ConsumerGroup. The group epoch moves when membership, subscriptions or subscribed topic metadata
// change; the target assignment is recomputed by a server-side assignor for that epoch; each member
// then reconciles towards its target: it first revokes what it must give up (keeping its epoch),
// then takes the new epoch and the partitions that their previous owners have released.
// Regex subscriptions are resolved in the background, as Kafka's GroupMetadataManager does: the
// heartbeat that brings a new regex is answered with what is already resolved (its literal topics),
// the resolution runs after it and bumps the group epoch, and the member's next heartbeat gets the
// matches. A group resolves its regexes again on a heartbeat once 10 s have passed since the last
// resolution and a topic was created since, or group.consumer.regex.refresh.interval.ms has passed.
// Kafka's GroupMetadataManager.consumerGroupHeartbeat and CurrentAssignmentBuilder are the reference.
// A group's state is written to __consumer_offsets as one snapshot record per change (Tributary's own
// key version and JSON value, not Kafka's several KIP-848 record types), so members keep their epochs
// and partitions across a broker restart if they heartbeat within the session timeout.

import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type ConsumerGroupDescribeResponseDescribedGroup,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type Uuid,
} from '../codec/index.js';
import { SERVER_ASSIGNORS } from './assignors.js';
import { type Assignment, ConsumerGroup, ConsumerMember } from './consumer-group.js';
import type { ClientInfo, GroupCoordinator, MemberIdentity } from './coordinator.js';
import type { GroupLogRecord } from './group-log.js';
import { encodeKey, groupIdTooLong } from './records.js';

/** What a consumer group snapshot record holds (JSON). */
interface Snapshot {
  groupEpoch: number;
  assignmentEpoch: number;
  metadataSignature: string;
  /** Absent in snapshots written before regexes were resolved in the background. */
  resolvedRegexes?: { regex: string; topics: string[] }[];
  regexesResolvedAtMs?: number | null;
  members: {
    memberId: string; memberEpoch: number; previousMemberEpoch: number; state: ConsumerMember['state'];
    instanceId: string | null; rackId: string | null; rebalanceTimeoutMs: number; clientId: string; clientHost: string;
    subscribedTopicNames: string[]; subscribedTopicRegex: string | null; serverAssignor: string | null;
    assigned: WireAssignment; pendingRevocation: WireAssignment; target: WireAssignment;
  }[];
}
type WireAssignment = { topicId: Uuid; partitions: number[] }[];

/** The topics the coordinator can see (ClusterState fits). */
export interface TopicDirectory {
  topic(name: string): { name: string; id: Uuid; partitions: number } | undefined;
  topicById(id: Uuid): { name: string; id: Uuid; partitions: number } | undefined;
  topics(): Iterable<{ name: string; id: Uuid; partitions: number; internal?: boolean }>;
  /** Grows with every topic created: regexes resolved before the latest creation are stale. */
  readonly topicsCreated: number;
}

const LEAVE_EPOCH = -1;
const STATIC_LEAVE_EPOCH = -2;

/** Kafka's REGEX_BATCH_REFRESH_MIN_INTERVAL_MS: a group's regexes are resolved at most this often. */
export const REGEX_REFRESH_MIN_INTERVAL_MS = 10_000;

/** What a heartbeat's regex change means for the group epoch (Kafka's UpdateRegularExpressionStatus). */
type RegexUpdate = 'unchanged' | 'updated' | 'updated_and_resolved';

function heartbeatError(errorCode: number, errorMessage: string | null = null): ConsumerGroupHeartbeatResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
}

class HeartbeatError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** RE2/J-style full match (Kafka matches the whole topic name). */
function compileRegex(re: string): RegExp {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch (err) {
    throw new HeartbeatError(ErrorCode.INVALID_REGULAR_EXPRESSION, `Invalid regular expression ${re}: ${(err as Error).message}`);
  }
}

function sameAssignment(a: Assignment, b: Assignment): boolean {
  let n = 0;
  for (const [t, ps] of a) {
    if (ps.size === 0) continue;
    n++;
    const o = b.get(t);
    if (o === undefined || o.size !== ps.size) return false;
    for (const p of ps) if (!o.has(p)) return false;
  }
  for (const ps of b.values()) if (ps.size > 0) n--;
  return n === 0;
}

function intersect(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [t, ps] of a) {
    const o = b.get(t);
    if (o === undefined) continue;
    const s = new Set([...ps].filter((p) => o.has(p)));
    if (s.size > 0) out.set(t, s);
  }
  return out;
}

function minus(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [t, ps] of a) {
    const o = b.get(t);
    const s = new Set([...ps].filter((p) => o === undefined || !o.has(p)));
    if (s.size > 0) out.set(t, s);
  }
  return out;
}

function isEmpty(a: Assignment): boolean {
  for (const s of a.values()) if (s.size > 0) return false;
  return true;
}

function fromWire(tps: readonly { topicId: Uuid; partitions: readonly number[] }[]): Assignment {
  const out: Assignment = new Map();
  for (const tp of tps) if (tp.partitions.length > 0) out.set(tp.topicId, new Set(tp.partitions));
  return out;
}

function toWire(a: Assignment): { topicId: Uuid; partitions: number[] }[] {
  return [...a].filter(([, ps]) => ps.size > 0).map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((x, y) => x - y) }));
}

export class ConsumerGroupManager {
  constructor(
    private readonly coordinator: GroupCoordinator,
    readonly topics: TopicDirectory | null,
  ) {}

  // ---- ConsumerGroupHeartbeat -----------------------------------------------------------------

  heartbeat(req: ConsumerGroupHeartbeatRequest, client: ClientInfo): ConsumerGroupHeartbeatResponse {
    const active = this.coordinator.checkActive(req.groupId);
    if (active !== ErrorCode.NONE) return heartbeatError(active);
    try {
      this.validate(req, client.apiVersion);
      const r = req.memberEpoch === LEAVE_EPOCH || req.memberEpoch === STATIC_LEAVE_EPOCH ? this.leave(req) : this.join(req, client);
      const g = this.coordinator.groups.get(req.groupId);
      if (g instanceof ConsumerGroup) this.persist(g);
      return r;
    } catch (err) {
      if (err instanceof HeartbeatError) return heartbeatError(err.code, err.message);
      throw err;
    }
  }

  private validate(req: ConsumerGroupHeartbeatRequest, apiVersion: number): void {
    const bad = (m: string) => new HeartbeatError(ErrorCode.INVALID_REQUEST, m);
    if (req.groupId === '') throw bad('GroupId can\'t be empty.');
    if (groupIdTooLong(req.groupId)) throw new HeartbeatError(ErrorCode.INVALID_GROUP_ID, 'GroupId is longer than 32767 bytes.');
    if (req.rackId !== null && req.rackId === '') throw bad('RackId can\'t be empty.');
    if (req.instanceId !== null && req.instanceId === '') throw bad('InstanceId can\'t be empty.');
    if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_EPOCH || req.memberEpoch === STATIC_LEAVE_EPOCH || apiVersion >= 1) {
      if (req.memberId === '') throw bad('MemberId can\'t be empty.');
    }
    if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) throw bad('RebalanceTimeoutMs must be provided in first request.');
      if (req.topicPartitions === null || req.topicPartitions.length > 0) throw bad('TopicPartitions must be empty when (re-)joining.');
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) throw bad('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
    } else if (req.memberEpoch === STATIC_LEAVE_EPOCH) {
      if (req.instanceId === null) throw bad('InstanceId can\'t be null.');
    } else if (req.memberEpoch < STATIC_LEAVE_EPOCH) {
      throw bad(`MemberEpoch is ${req.memberEpoch}, but must be greater than or equal to -2.`);
    }
    if (req.serverAssignor !== null && !SERVER_ASSIGNORS.has(req.serverAssignor)) {
      throw new HeartbeatError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${[...SERVER_ASSIGNORS.keys()].join(', ')}.`);
    }
    if (req.subscribedTopicRegex !== null) compileRegex(req.subscribedTopicRegex);
  }

  private getOrCreateGroup(groupId: string, create: boolean): ConsumerGroup {
    const existing = this.coordinator.groups.get(groupId);
    if (existing instanceof ConsumerGroup) return existing;
    if (existing !== undefined) {
      // An empty classic group (offsets only) becomes a consumer group; a live one stays classic.
      if (!existing.isEmpty() || !create) throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
      this.coordinator.groups.delete(groupId);
    } else if (!create) {
      throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
    }
    const g = new ConsumerGroup(groupId);
    this.coordinator.groups.set(groupId, g);
    return g;
  }

  private join(req: ConsumerGroupHeartbeatRequest, client: ClientInfo): ConsumerGroupHeartbeatResponse {
    const cfg = this.coordinator.config;
    const joining = req.memberEpoch === 0;
    const group = this.getOrCreateGroup(req.groupId, joining);
    let member = group.members.get(req.memberId);
    let changed = false;
    let fullResponse = joining;
    if (joining) {
      if (member !== undefined) {
        // A fenced member rejoins with its id: it starts again from nothing.
        this.removeMember(group, member);
        member = undefined;
      }
      if (req.instanceId !== null) {
        const prevId = group.staticMembers.get(req.instanceId);
        const prev = prevId !== undefined ? group.members.get(prevId) : undefined;
        if (prev !== undefined && prev.memberEpoch !== STATIC_LEAVE_EPOCH) {
          throw new HeartbeatError(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${prevId} with instance id ${req.instanceId} is not released yet.`);
        }
        if (prev !== undefined) {
          // A static member coming back takes over its old assignment and epoch: no rebalance.
          member = this.replaceStaticMember(group, prev, req.memberId || randomUUID(), client);
        }
      }
      if (member === undefined) {
        if (group.members.size >= cfg.consumerMaxSize) {
          throw new HeartbeatError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${cfg.consumerMaxSize} members.`);
        }
        member = new ConsumerMember(req.memberId || randomUUID(), client.clientId, client.clientHost);
        member.instanceId = req.instanceId;
        group.members.set(member.memberId, member);
        if (req.instanceId !== null) group.staticMembers.set(req.instanceId, member.memberId);
      }
    } else {
      if (member === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      if (req.instanceId !== null && group.staticMembers.get(req.instanceId) !== member.memberId) {
        throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Instance id ${req.instanceId} belongs to another member.`);
      }
      this.checkEpoch(member, req);
    }
    const m = member;
    // Subscription updates (null = unchanged).
    if (req.rebalanceTimeoutMs !== -1) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.rackId !== null) m.rackId = req.rackId;
    if (req.subscribedTopicNames !== null && req.subscribedTopicNames.join('\0') !== m.subscribedTopicNames.join('\0')) {
      m.subscribedTopicNames = [...req.subscribedTopicNames];
      changed = true;
    }
    const previousRegex = m.subscribedTopicRegex;
    if (req.subscribedTopicRegex !== null) m.subscribedTopicRegex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
    // A regex already resolved for the group moves the epoch now; a new one only once resolved.
    if (this.updateRegexes(group, previousRegex, m.subscribedTopicRegex) === 'updated_and_resolved') changed = true;
    if (req.serverAssignor !== null && req.serverAssignor !== m.serverAssignor) {
      m.serverAssignor = req.serverAssignor;
      changed = true;
    }
    if (req.topicPartitions !== null && req.rebalanceTimeoutMs !== -1) fullResponse = true;
    // Topic metadata (new topics of resolved regexes, more partitions) also moves the group epoch.
    const signature = this.metadataSignature(group);
    if (changed || signature !== group.metadataSignature) {
      group.groupEpoch++;
      group.metadataSignature = signature;
    }
    if (group.groupEpoch > group.assignmentEpoch) this.computeTargetAssignment(group);
    const before = { epoch: m.memberEpoch, assigned: m.assigned };
    this.reconcile(group, m, req.topicPartitions === null ? null : fromWire(req.topicPartitions));
    this.scheduleSession(group, m, cfg.consumerSessionTimeoutMs);
    const assignmentChanged = before.epoch !== m.memberEpoch || !sameAssignment(before.assigned, m.assigned);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      heartbeatIntervalMs: cfg.consumerHeartbeatIntervalMs,
      assignment: assignmentChanged || fullResponse ? { topicPartitions: toWire(m.assigned) } : null,
    };
  }

  /** Kafka's epoch check: a smaller epoch is accepted only as a retry of the previous one. */
  private checkEpoch(m: ConsumerMember, req: ConsumerGroupHeartbeatRequest): void {
    if (req.memberEpoch > m.memberEpoch) {
      throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}).`);
    }
    if (req.memberEpoch < m.memberEpoch) {
      const owned = req.topicPartitions === null ? null : fromWire(req.topicPartitions);
      if (req.memberEpoch !== m.previousMemberEpoch || owned === null || !sameAssignment(owned, m.assigned)) {
        throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}).`);
      }
    }
  }

  private replaceStaticMember(group: ConsumerGroup, prev: ConsumerMember, newId: string, client: ClientInfo): ConsumerMember {
    const m = new ConsumerMember(newId, client.clientId, client.clientHost);
    Object.assign(m, {
      memberEpoch: prev.previousMemberEpoch >= 0 ? prev.previousMemberEpoch : 0,
      previousMemberEpoch: -1,
      state: prev.state,
      instanceId: prev.instanceId,
      rackId: prev.rackId,
      rebalanceTimeoutMs: prev.rebalanceTimeoutMs,
      subscribedTopicNames: prev.subscribedTopicNames,
      subscribedTopicRegex: prev.subscribedTopicRegex,
      serverAssignor: prev.serverAssignor,
      assigned: prev.assigned,
      pendingRevocation: prev.pendingRevocation,
    });
    prev.sessionTimer?.cancel();
    prev.rebalanceTimer?.cancel();
    group.members.delete(prev.memberId);
    group.members.set(newId, m);
    group.staticMembers.set(m.instanceId!, newId);
    const target = group.targetAssignment.get(prev.memberId);
    group.targetAssignment.delete(prev.memberId);
    if (target !== undefined) group.targetAssignment.set(newId, target);
    for (const [k, owner] of group.owners) if (owner === prev.memberId) group.owners.set(k, newId);
    return m;
  }

  private leave(req: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
    const group = this.getOrCreateGroup(req.groupId, false);
    let member = group.members.get(req.memberId);
    if (member === undefined && req.instanceId !== null) {
      const id = group.staticMembers.get(req.instanceId);
      member = id !== undefined ? group.members.get(id) : undefined;
      if (member !== undefined && member.memberId !== req.memberId) {
        throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Instance id ${req.instanceId} belongs to another member.`);
      }
    }
    if (member === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
    if (req.memberEpoch === STATIC_LEAVE_EPOCH) {
      // A static member leaving temporarily keeps its partitions until its session expires.
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = STATIC_LEAVE_EPOCH;
      member.rebalanceTimer?.cancel();
      this.scheduleSession(group, member, this.coordinator.config.consumerSessionTimeoutMs);
    } else {
      this.removeMember(group, member);
      group.groupEpoch++;
    }
    return {
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch,
      heartbeatIntervalMs: 0, assignment: null,
    };
  }

  private removeMember(group: ConsumerGroup, m: ConsumerMember): void {
    m.sessionTimer?.cancel();
    m.rebalanceTimer?.cancel();
    group.members.delete(m.memberId);
    if (m.instanceId !== null && group.staticMembers.get(m.instanceId) === m.memberId) group.staticMembers.delete(m.instanceId);
    group.targetAssignment.delete(m.memberId);
    for (const [k, owner] of [...group.owners]) if (owner === m.memberId) group.owners.delete(k);
    this.dropUnsubscribedRegexes(group);
  }

  private scheduleSession(group: ConsumerGroup, m: ConsumerMember, ms: number): void {
    m.sessionTimer?.cancel();
    m.sessionTimer = this.coordinator.clock.setTimeout(() => {
      m.sessionTimer = null;
      if (group.members.get(m.memberId) !== m) return;
      this.coordinator.logger.info('consumer group member session expired', { group: group.groupId, member: m.memberId });
      this.removeMember(group, m);
      group.groupEpoch++;
      this.persist(group);
    }, ms);
  }

  // ---- regex subscriptions ----------------------------------------------------------------------

  /** Subscribed regex → how many members subscribe to it. */
  private subscribedRegexes(group: ConsumerGroup): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of group.members.values()) if (m.subscribedTopicRegex !== null) out.set(m.subscribedTopicRegex, (out.get(m.subscribedTopicRegex) ?? 0) + 1);
    return out;
  }

  /** Forgets the resolution of regexes no member subscribes to any more. */
  private dropUnsubscribedRegexes(group: ConsumerGroup): void {
    const subscribed = this.subscribedRegexes(group);
    for (const regex of group.resolvedRegexes.keys()) if (!subscribed.has(regex)) group.resolvedRegexes.delete(regex);
  }

  /**
   * Kafka's maybeUpdateRegularExpressions, after a member's regex went from previous to current:
   * says whether the change moves the group epoch now, and schedules a background resolution of
   * the group's regexes when one is due.
   */
  private updateRegexes(group: ConsumerGroup, previous: string | null, current: string | null): RegexUpdate {
    const now = this.coordinator.clock.now();
    let update: RegexUpdate = 'unchanged';
    let requireRefresh = false;
    const subscribed = this.subscribedRegexes(group);
    if (previous !== current) {
      update = 'updated';
      this.dropUnsubscribedRegexes(group);
      if (current !== null) {
        // The member is the regex's only subscriber: it is new to the group and must be resolved.
        if (subscribed.get(current) === 1) requireRefresh = true;
        else if (group.resolvedRegexes.has(current)) update = 'updated_and_resolved';
      } else {
        update = 'updated_and_resolved';
      }
    }
    if (subscribed.size === 0) return update;
    // One resolution at a time, and at most one every 10 s.
    if (group.regexRefreshTimer !== null) return update;
    const lastRefreshMs = group.resolvedRegexes.size > 0 ? group.regexesResolvedAtMs : Number.NEGATIVE_INFINITY;
    if (now <= lastRefreshMs + REGEX_REFRESH_MIN_INTERVAL_MS) return update;
    requireRefresh ||= subscribed.size !== group.resolvedRegexes.size;
    requireRefresh ||= this.topics !== null && group.regexesResolvedVersion < this.topics.topicsCreated;
    requireRefresh ||= now > lastRefreshMs + this.coordinator.config.consumerRegexRefreshIntervalMs;
    if (requireRefresh) this.scheduleRegexRefresh(group);
    return update;
  }

  /**
   * Resolves the group's regexes after the current request (Kafka runs it on its executor), then
   * moves the group epoch if what they match changed; members learn it on their next heartbeat.
   */
  private scheduleRegexRefresh(group: ConsumerGroup): void {
    group.regexRefreshTimer = this.coordinator.clock.setTimeout(() => {
      group.regexRefreshTimer = null;
      if (group.dead || this.coordinator.groups.get(group.groupId) !== group) return;
      const startedMs = this.coordinator.clock.now();
      const version = this.topics?.topicsCreated ?? 0;
      const subscribed = this.subscribedRegexes(group);
      let bump = false;
      for (const [regex, topics] of this.resolveRegexes(subscribed.keys())) {
        const before = group.resolvedRegexes.get(regex) ?? new Set<string>();
        if (before.size !== topics.size || [...topics].some((t) => !before.has(t))) bump = true;
        group.resolvedRegexes.set(regex, topics);
      }
      if (subscribed.size > 0) {
        group.regexesResolvedAtMs = startedMs;
        group.regexesResolvedVersion = version;
      }
      const signature = this.metadataSignature(group);
      if (bump || signature !== group.metadataSignature) {
        group.groupEpoch++;
        group.metadataSignature = signature;
        this.coordinator.logger.info('consumer group regex subscriptions resolved', { group: group.groupId, groupEpoch: group.groupEpoch });
      }
      this.persist(group);
    }, 0);
  }

  /** Regex → the names of the topics it fully matches now; internal topics too, as in Kafka 4.3. */
  private resolveRegexes(regexes: Iterable<string>): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const compiled: [string, RegExp][] = [];
    for (const regex of regexes) {
      out.set(regex, new Set());
      try {
        compiled.push([regex, compileRegex(regex)]);
      } catch {
        // Validated when the member sent it; a regex that still fails matches nothing.
      }
    }
    if (this.topics === null) return out;
    for (const t of this.topics.topics()) {
      for (const [regex, re] of compiled) if (re.test(t.name)) out.get(regex)!.add(t.name);
    }
    return out;
  }

  // ---- assignment -------------------------------------------------------------------------------

  /** Topic ids (with partition counts) a member subscribes to: its topic names and its regex's resolution. */
  private subscribedTopics(group: ConsumerGroup, m: ConsumerMember): Map<string, number> {
    const out = new Map<string, number>();
    if (this.topics === null) return out;
    const resolved = m.subscribedTopicRegex === null ? undefined : group.resolvedRegexes.get(m.subscribedTopicRegex);
    for (const name of [...m.subscribedTopicNames, ...(resolved ?? [])]) {
      const t = this.topics.topic(name);
      if (t !== undefined) out.set(t.id, t.partitions);
    }
    return out;
  }

  private metadataSignature(group: ConsumerGroup): string {
    const all = new Map<string, number>();
    for (const m of group.members.values()) for (const [t, n] of this.subscribedTopics(group, m)) all.set(t, n);
    return [...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${t}:${n}`).join(',');
  }

  /** The assignor most members ask for, else the broker's first. */
  private assignorFor(group: ConsumerGroup): string {
    const votes = new Map<string, number>();
    for (const m of group.members.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = this.coordinator.config.consumerAssignors[0] ?? 'uniform';
    let n = 0;
    for (const [name, v] of votes) if (v > n) [best, n] = [name, v];
    return best;
  }

  private computeTargetAssignment(group: ConsumerGroup): void {
    const assignor = SERVER_ASSIGNORS.get(this.assignorFor(group))!;
    const partitions = new Map<string, number>();
    const members = [...group.members.values()].map((m) => {
      const subs = this.subscribedTopics(group, m);
      for (const [t, n] of subs) partitions.set(t, n);
      return { memberId: m.memberId, topics: new Set(subs.keys()), current: group.targetAssignment.get(m.memberId) ?? m.assigned };
    });
    group.targetAssignment = assignor.assign({ members, partitions });
    group.assignmentEpoch = group.groupEpoch;
  }

  /**
   * Moves a member towards its target: revoke first (epoch unchanged until the member reports it no
   * longer owns them), then take the new epoch with every target partition already released.
   */
  private reconcile(group: ConsumerGroup, m: ConsumerMember, owned: Assignment | null): void {
    if (m.state === 'unrevoked_partitions') {
      const stillOwned = owned === null ? true : !isEmpty(intersect(owned, m.pendingRevocation));
      if (stillOwned) return;
      for (const [t, ps] of m.pendingRevocation) for (const p of ps) if (group.owners.get(`${t}:${p}`) === m.memberId) group.owners.delete(`${t}:${p}`);
      m.pendingRevocation = new Map();
      m.rebalanceTimer?.cancel();
      m.rebalanceTimer = null;
      m.state = 'stable';
    }
    const target = group.targetAssignment.get(m.memberId) ?? new Map<string, Set<number>>();
    if (m.memberEpoch === group.assignmentEpoch && m.state === 'stable' && sameAssignment(m.assigned, target)) return;
    const keep = intersect(m.assigned, target);
    const revoke = minus(m.assigned, target);
    if (!isEmpty(revoke)) {
      m.assigned = keep;
      m.pendingRevocation = revoke;
      m.state = 'unrevoked_partitions';
      m.rebalanceTimer?.cancel();
      m.rebalanceTimer = this.coordinator.clock.setTimeout(() => {
        m.rebalanceTimer = null;
        if (group.members.get(m.memberId) !== m || m.state !== 'unrevoked_partitions') return;
        this.coordinator.logger.info('consumer group member did not revoke in time', { group: group.groupId, member: m.memberId });
        this.removeMember(group, m);
        group.groupEpoch++;
        this.persist(group);
      }, m.rebalanceTimeoutMs);
      return;
    }
    const wanted = minus(target, m.assigned);
    let unreleased = false;
    const next: Assignment = new Map([...keep].map(([t, ps]) => [t, new Set(ps)]));
    for (const [t, ps] of wanted) {
      for (const p of ps) {
        const owner = group.owners.get(`${t}:${p}`);
        if (owner !== undefined && owner !== m.memberId && group.members.has(owner)) {
          unreleased = true;
          continue;
        }
        group.owners.set(`${t}:${p}`, m.memberId);
        let s = next.get(t);
        if (s === undefined) next.set(t, (s = new Set()));
        s.add(p);
      }
    }
    m.assigned = next;
    if (m.memberEpoch !== group.assignmentEpoch) {
      m.previousMemberEpoch = m.memberEpoch;
      m.memberEpoch = group.assignmentEpoch;
    }
    m.state = unreleased ? 'unreleased_partitions' : 'stable';
  }

  // ---- ConsumerGroupDescribe --------------------------------------------------------------------

  describe(groupIds: readonly string[], apiVersion: number): ConsumerGroupDescribeResponseDescribedGroup[] {
    const named = (a: Assignment) => ({
      topicPartitions: toWire(a).map((tp) => ({ ...tp, topicName: this.topics?.topicById(tp.topicId)?.name ?? '' })),
    });
    return groupIds.map((groupId) => {
      const base: ConsumerGroupDescribeResponseDescribedGroup = {
        errorCode: ErrorCode.NONE, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '',
        members: [], authorizedOperations: -2147483648,
      };
      const active = this.coordinator.checkActive(groupId);
      if (active !== ErrorCode.NONE) return { ...base, errorCode: active };
      const g = this.coordinator.groups.get(groupId);
      if (g === undefined) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` };
      if (!(g instanceof ConsumerGroup)) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a consumer group.` };
      return {
        ...base,
        groupState: g.state,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignorName: this.assignorFor(g),
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: named(m.assigned),
          targetAssignment: named(g.targetAssignment.get(m.memberId) ?? new Map()),
          memberType: apiVersion >= 1 ? 1 : -1,
        })),
      };
    });
  }

  // ---- what the rest of the coordinator asks ----------------------------------------------------

  cancelTimers(g: ConsumerGroup): void {
    for (const m of g.members.values()) {
      m.sessionTimer?.cancel();
      m.rebalanceTimer?.cancel();
    }
    g.regexRefreshTimer?.cancel();
    g.regexRefreshTimer = null;
  }

  /** An empty consumer group is replaced by a classic group of the same id (offsets stay). */
  deleteEmptyGroup(g: ConsumerGroup): void {
    this.cancelTimers(g);
    g.dead = true;
    this.coordinator.groups.delete(g.groupId);
    this.write(g.groupId, this.tombstones(g));
  }

  tombstones(g: ConsumerGroup): GroupLogRecord[] {
    return [{ key: encodeKey({ type: 'consumer', group: g.groupId }), value: null }];
  }

  // ---- durability -------------------------------------------------------------------------------

  private write(groupId: string, records: GroupLogRecord[]): void {
    this.coordinator.append(groupId, records).catch((err: unknown) => {
      this.coordinator.logger.warn('failed to write consumer group state', { group: groupId, error: String(err) });
    });
  }

  /** Writes the group's snapshot when it changed since the last one. */
  persist(g: ConsumerGroup): void {
    if (g.dead || this.coordinator.groups.get(g.groupId) !== g) return;
    const snap: Snapshot = {
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      metadataSignature: g.metadataSignature,
      resolvedRegexes: [...g.resolvedRegexes].map(([regex, topics]) => ({ regex, topics: [...topics].sort() })),
      regexesResolvedAtMs: Number.isFinite(g.regexesResolvedAtMs) ? g.regexesResolvedAtMs : null,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId, memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: m.state,
        instanceId: m.instanceId, rackId: m.rackId, rebalanceTimeoutMs: m.rebalanceTimeoutMs, clientId: m.clientId, clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex, serverAssignor: m.serverAssignor,
        assigned: toWire(m.assigned), pendingRevocation: toWire(m.pendingRevocation), target: toWire(g.targetAssignment.get(m.memberId) ?? new Map()),
      })),
    };
    const json = JSON.stringify(snap);
    if (json === g.lastPersisted) return;
    g.lastPersisted = json;
    this.write(g.groupId, [{ key: encodeKey({ type: 'consumer', group: g.groupId }), value: Buffer.from(json) }]);
  }

  /** Rebuilds a group from its snapshot; members must heartbeat within a new session timeout. */
  restore(groupId: string, value: Buffer): void {
    const json = value.toString();
    const snap = JSON.parse(json) as Snapshot;
    const g = new ConsumerGroup(groupId);
    g.groupEpoch = snap.groupEpoch;
    g.assignmentEpoch = snap.assignmentEpoch;
    g.metadataSignature = snap.metadataSignature;
    g.lastPersisted = json;
    for (const s of snap.members) {
      const m = new ConsumerMember(s.memberId, s.clientId, s.clientHost);
      Object.assign(m, {
        memberEpoch: s.memberEpoch, previousMemberEpoch: s.previousMemberEpoch, state: s.state, instanceId: s.instanceId, rackId: s.rackId,
        rebalanceTimeoutMs: s.rebalanceTimeoutMs, subscribedTopicNames: s.subscribedTopicNames, subscribedTopicRegex: s.subscribedTopicRegex,
        serverAssignor: s.serverAssignor, assigned: fromWire(s.assigned), pendingRevocation: fromWire(s.pendingRevocation),
      });
      g.members.set(m.memberId, m);
      if (m.instanceId !== null) g.staticMembers.set(m.instanceId, m.memberId);
      g.targetAssignment.set(m.memberId, fromWire(s.target));
      for (const a of [m.assigned, m.pendingRevocation]) for (const [t, ps] of a) for (const p of ps) g.owners.set(`${t}:${p}`, m.memberId);
      this.scheduleSession(g, m, this.coordinator.config.consumerSessionTimeoutMs);
    }
    if (snap.resolvedRegexes !== undefined) {
      for (const r of snap.resolvedRegexes) g.resolvedRegexes.set(r.regex, new Set(r.topics));
      g.regexesResolvedAtMs = snap.regexesResolvedAtMs ?? Number.NEGATIVE_INFINITY;
    } else {
      // Written when regexes matched live: resolve them now so the assignment stays as it was.
      for (const [regex, topics] of this.resolveRegexes(this.subscribedRegexes(g).keys())) g.resolvedRegexes.set(regex, topics);
    }
    // Topics may have been created after the last resolution, before the restart: resolve again.
    g.regexesResolvedVersion = -1;
    this.coordinator.groups.set(groupId, g);
  }

  /** Classic LeaveGroup against a consumer group: its members do not speak the classic protocol. */
  classicLeave(_g: ConsumerGroup, members: readonly MemberIdentity[]): { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] } {
    return {
      errorCode: ErrorCode.NONE,
      members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
    };
  }

  validateCommit(g: ConsumerGroup, memberId: string, memberEpoch: number, _apiVersion: number): number {
    if (memberEpoch < 0 && memberId === '' && g.isEmpty()) return ErrorCode.NONE;
    const m = g.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== m.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  validateFetch(g: ConsumerGroup, memberId: string, memberEpoch: number): number {
    const m = g.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== m.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  isSubscribedTo(g: ConsumerGroup, topic: string): boolean {
    for (const m of g.members.values()) {
      if (m.subscribedTopicNames.includes(topic)) return true;
      if (m.subscribedTopicRegex !== null && g.resolvedRegexes.get(m.subscribedTopicRegex)?.has(topic) === true) return true;
    }
    return false;
  }
}
