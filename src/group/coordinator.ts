// The group coordinator: every group of this broker (classic and KIP-848 consumer groups), their
// committed offsets, the timers that expire members and offsets, and the records that make both
// durable in __consumer_offsets. Kafka's GroupMetadataManager/OffsetMetadataManager are the reference.
// State changes happen synchronously (one logical writer); only the wait for durability is async.

import { randomUUID } from 'node:crypto';
import {
  decodeVersionedData,
  ErrorCode,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
  type HeartbeatRequest,
  type DescribeGroupsResponseDescribedGroup,
  type ListedGroup,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type ConsumerGroupDescribeResponseDescribedGroup,
} from '../codec/index.js';
import { type Clock, repeat, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { ClassicGroup, ClassicMember, EMPTY_ASSIGNMENT, type Protocol } from './classic-group.js';
import { DEFAULT_GROUP_CONFIG, type GroupCoordinatorConfig } from './config.js';
import type { GroupLog, GroupLogRecord } from './group-log.js';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupValue,
  encodeKey,
  encodeOffsetValue,
  type GroupMetadataValue,
  groupIdTooLong,
} from './records.js';
import { ConsumerGroup } from './consumer-group.js';
import { ConsumerGroupManager, type TopicDirectory } from './consumer-protocol.js';

/** A failure answered with a Kafka error code (the dispatcher maps `kafkaErrorCode`). */
export class CoordinatorError extends Error {
  constructor(readonly kafkaErrorCode: number, message?: string) {
    super(message ?? `kafka error ${kafkaErrorCode}`);
  }
}

/** What the coordinator needs to know about the calling client. */
export interface ClientInfo {
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface OffsetAndMetadata {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Explicit expiry (OffsetCommit v2-4 retention_time_ms), or -1. */
  expireTimestamp: number;
}

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface CommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** -1: the broker's retention. */
  retentionTimeMs: number;
  topics: { name: string; partitions: CommitPartition[] }[];
}

export interface CommitResult {
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchResult {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  reason?: string | null;
}

export type AnyGroup = ClassicGroup | ConsumerGroup;

/** Reports whether a transaction has pending (uncommitted) offsets for a partition of a group. */
export type PendingTxnOffsets = (groupId: string, topic: string, partition: number) => boolean;

export interface GroupCoordinatorOptions {
  clock: Clock;
  logger: Logger;
  config?: Partial<GroupCoordinatorConfig>;
  /** Where records go; none keeps everything in memory. */
  log?: GroupLog;
  /** Topic names, ids and partition counts (KIP-848 assignment and regex subscriptions). */
  topics?: TopicDirectory;
}

const UNKNOWN_MEMBER_ID = '';


function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null,
    leader: '', skipAssignment: false, memberId, members: [],
  };
}

function syncError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

/** Kafka's mapping of a failed append to the error a group request answers with. */
function appendErrorCode(err: unknown): number {
  const code = (err as { kafkaErrorCode?: unknown } | null)?.kafkaErrorCode;
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case undefined:
    case null:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return typeof code === 'number' ? code : ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly log: GroupLog | null;
  readonly groups = new Map<string, AnyGroup>();
  /** group → topic → partition → committed offset. */
  readonly offsets = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();
  private loading = false;
  private loaded: Promise<void> | null = null;
  private closed = false;
  private retentionTimer: TimerHandle | null = null;
  /** Per group, the chain of appends so records of one group are written in order. */
  private readonly appendChains = new Map<string, Promise<void>>();
  /** The transactions engine plugs in here (TxnOffsetCommit not yet committed or aborted). */
  pendingTransactionalOffsets: PendingTxnOffsets = () => false;
  /**
   * Pending transactional offsets kept outside this coordinator (postgres:// storage: in the database,
   * written for a transaction another broker may coordinate): the group's partitions ("topic\0partition")
   * with a transaction's offsets not yet committed or aborted. A require_stable OffsetFetch awaits it
   * before answering; a rejection answers COORDINATOR_NOT_AVAILABLE. Unset: pendingTransactionalOffsets alone.
   */
  externalPendingOffsets?: (groupId: string) => Promise<ReadonlySet<string>>;
  /**
   * Whether this broker coordinates a group now (NONE), is loading its partition
   * (COORDINATOR_LOAD_IN_PROGRESS) or not (NOT_COORDINATOR). Unset: every group is this broker's
   * (one node, or identities sharing one coordinator). Set by a cluster whose brokers each
   * coordinate the groups of the __consumer_offsets partitions they lead (src/pg/pg-group-partitions.ts).
   */
  ownership: ((groupId: string) => number) | null = null;
  readonly consumer: ConsumerGroupManager;

  constructor(opts: GroupCoordinatorOptions) {
    this.config = { ...DEFAULT_GROUP_CONFIG, ...opts.config };
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.log = opts.log ?? null;
    this.consumer = new ConsumerGroupManager(this, opts.topics ?? null);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Replays __consumer_offsets; until it finishes, requests get COORDINATOR_LOAD_IN_PROGRESS. */
  load(): Promise<void> {
    this.loaded ??= this.doLoad();
    return this.loaded;
  }

  get isLoading(): boolean {
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    this.loading = true;
    try {
      if (this.log !== null) {
        const log = this.log;
        const { records, groups } = await this.applyRecords((onRecord) => log.replay(onRecord));
        this.logger.info('groups loaded', { records, groups });
      }
    } finally {
      this.loading = false;
    }
    if (!this.closed) this.retentionTimer = repeat(this.clock, this.config.offsetsRetentionCheckIntervalMs, () => this.closed || this.expireOffsets());
  }

  /**
   * Takes over the groups of one __consumer_offsets partition this broker now leads (Kafka's
   * onElection): replays its records into groups and offsets. The caller answers requests for those
   * groups COORDINATOR_LOAD_IN_PROGRESS (ownership) until this resolves.
   */
  async loadGroups(replay: GroupLog['replay']): Promise<{ records: number; groups: number }> {
    return this.applyRecords(replay);
  }

  /**
   * Offsets a committed transaction's coordinator wrote to a partition of this coordinator (postgres://
   * storage: another broker's): applied as TxnOffsetCommit's would be here (groupOffsetsSink); other
   * records are left alone, since this coordinator's own state is newer than any log read.
   */
  async applyOffsetRecords(replay: GroupLog['replay']): Promise<void> {
    await replay((k, v) => {
      const key = decodeKey(k);
      if (key === null || key.type !== 'offset') return;
      if (v === null) return this.deleteOffset(key.group, key.topic, key.partition);
      if (!this.groups.has(key.group)) this.groups.set(key.group, new ClassicGroup(key.group, this.clock.now()));
      this.putOffset(key.group, key.topic, key.partition, decodeOffsetValue(v));
    });
  }

  /** Replays records; the last record of each group id wins, whichever protocol wrote it. */
  private async applyRecords(replay: GroupLog['replay']): Promise<{ records: number; groups: number }> {
    const groupValues = new Map<string, { classic: GroupMetadataValue } | { consumer: Buffer } | null>();
    const seen = new Set<string>();
    let n = 0;
    await replay((k, v) => {
      n++;
      const key = decodeKey(k);
      if (key === null) return;
      seen.add(key.group);
      if (key.type === 'offset') {
        if (v === null) this.deleteOffset(key.group, key.topic, key.partition);
        else this.putOffset(key.group, key.topic, key.partition, decodeOffsetValue(v));
      } else if (key.type === 'group') {
        const cur = groupValues.get(key.group);
        if (v !== null) groupValues.set(key.group, { classic: decodeGroupValue(v) });
        else if (cur && 'classic' in cur) groupValues.set(key.group, null);
      } else {
        const cur = groupValues.get(key.group);
        if (v !== null) groupValues.set(key.group, { consumer: Buffer.from(v) });
        else if (cur && 'consumer' in cur) groupValues.set(key.group, null);
      }
    });
    for (const [groupId, value] of groupValues) {
      if (value === null) continue;
      if ('classic' in value) this.restoreGroup(groupId, value.classic);
      else this.consumer.restore(groupId, value.consumer);
    }
    for (const groupId of seen) {
      if (this.offsets.has(groupId) && !this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this.clock.now()));
    }
    return { records: n, groups: [...seen].filter((g) => this.groups.has(g)).length };
  }

  /**
   * Gives up the groups `owned` names (Kafka's onResignation: this broker no longer leads their
   * __consumer_offsets partition): members waiting in a join or sync are answered NOT_COORDINATOR,
   * timers stop, and the groups and their offsets leave memory (the new coordinator loads them).
   */
  unloadGroups(owned: (groupId: string) => boolean): number {
    let n = 0;
    for (const [groupId, g] of [...this.groups]) {
      if (!owned(groupId)) continue;
      this.stopGroup(g);
      this.groups.delete(groupId);
      n++;
    }
    for (const groupId of [...this.offsets.keys()]) if (owned(groupId)) this.offsets.delete(groupId);
    return n;
  }

  /** Cancels a group's timers and answers its waiting members NOT_COORDINATOR. */
  private stopGroup(g: AnyGroup): void {
    if (g instanceof ClassicGroup) {
      g.joinTimer?.cancel();
      g.syncTimer?.cancel();
      for (const t of g.pendingMemberTimers.values()) t.cancel();
      for (const m of g.members.values()) {
        m.heartbeatTimer?.cancel();
        g.completeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        g.completeSync(m, syncError(ErrorCode.NOT_COORDINATOR));
      }
    } else {
      this.consumer.cancelTimers(g);
    }
  }

  private restoreGroup(groupId: string, v: GroupMetadataValue): void {
    const now = this.clock.now();
    const g = new ClassicGroup(groupId, v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : now);
    g.protocolType = v.protocolType === '' && v.members.length === 0 ? null : v.protocolType;
    g.generationId = v.generation;
    g.protocolName = v.protocol;
    for (const m of v.members) {
      const member = new ClassicMember(
        m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
        m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout, m.sessionTimeout,
        v.protocolType, [{ name: v.protocol ?? '', metadata: m.subscription }],
      );
      member.assignment = m.assignment;
      g.add(member, null);
    }
    g.leaderId = v.leader;
    g.subscribedTopics = this.computeSubscribedTopics(g);
    if (g.size > 0) {
      g.state = 'Stable';
      g.previousState = 'CompletingRebalance';
      for (const m of g.members.values()) this.scheduleHeartbeat(g, m, m.sessionTimeoutMs);
    }
    this.groups.set(groupId, g);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retentionTimer?.cancel();
    this.retentionTimer = null;
    if (this.loaded !== null) await this.loaded.catch(() => {});
    for (const g of this.groups.values()) this.stopGroup(g);
    await Promise.allSettled([...this.appendChains.values()]);
  }

  /**
   * COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR while the coordinator cannot serve (a group id:
   * that group, see ownership), else NONE.
   */
  checkActive(groupId?: string): number {
    if (this.loading || this.loaded === null) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (groupId !== undefined && this.ownership !== null) return this.ownership(groupId);
    return ErrorCode.NONE;
  }

  // ---- persistence ------------------------------------------------------------------------------

  /** Appends records of a group after the group's earlier appends. */
  append(groupId: string, records: GroupLogRecord[]): Promise<void> {
    if (this.log === null || records.length === 0) return Promise.resolve();
    const log = this.log;
    const prev = this.appendChains.get(groupId) ?? Promise.resolve();
    const next = prev.then(() => log.append(groupId, records));
    const tail = next.catch(() => {});
    this.appendChains.set(groupId, tail);
    void tail.then(() => {
      if (this.appendChains.get(groupId) === tail) this.appendChains.delete(groupId);
    });
    return next;
  }

  groupMetadataRecord(g: ClassicGroup): GroupLogRecord {
    const value: GroupMetadataValue = {
      protocolType: g.protocolType ?? '',
      generation: g.generationId,
      protocol: g.protocolName,
      leader: g.leaderId,
      currentStateTimestamp: g.stateTimestamp,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadataFor(g.protocolName),
        assignment: m.assignment,
      })),
    };
    return { key: encodeKey({ type: 'group', group: g.groupId }), value: encodeGroupValue(value) };
  }

  groupTombstone(groupId: string): GroupLogRecord {
    return { key: encodeKey({ type: 'group', group: groupId }), value: null };
  }

  // ---- KIP-848 consumer groups (see consumer-protocol.ts) ----------------------------------------

  consumerGroupHeartbeat(req: ConsumerGroupHeartbeatRequest, client: ClientInfo): ConsumerGroupHeartbeatResponse {
    return this.consumer.heartbeat(req, client);
  }

  consumerGroupDescribe(groupIds: readonly string[], apiVersion: number): ConsumerGroupDescribeResponseDescribedGroup[] {
    return this.consumer.describe(groupIds, apiVersion);
  }

  // ---- classic groups: JoinGroup ----------------------------------------------------------------

  joinGroup(req: JoinGroupRequest, client: ClientInfo): Promise<JoinGroupResponse> {
    const active = this.checkActive(req.groupId);
    if (active !== ErrorCode.NONE) return Promise.resolve(joinError(req.memberId, active));
    if (req.groupId === '' || groupIdTooLong(req.groupId)) return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    // v0 has no rebalance timeout: it is the session timeout.
    const rebalanceTimeoutMs = client.apiVersion === 0 || req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    // A protocol named twice counts once (the first one), as in Kafka's keyed protocol collection:
    // counting it twice would leave no protocol that every member supports.
    const seen = new Set<string>();
    const protocols: Protocol[] = [];
    for (const p of req.protocols) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      protocols.push({ name: p.name, metadata: Buffer.from(p.metadata) });
    }
    return new Promise((resolve) => {
      try {
        this.classicJoin({ ...req, rebalanceTimeoutMs }, protocols, client, resolve);
      } catch (err) {
        this.logger.error('join failed', { group: req.groupId, error: String(err) });
        resolve(joinError(req.memberId, err instanceof CoordinatorError ? err.kafkaErrorCode : ErrorCode.UNKNOWN_SERVER_ERROR));
      }
    });
  }

  private classicJoin(
    req: JoinGroupRequest,
    protocols: Protocol[],
    client: ClientInfo,
    respond: (r: JoinGroupResponse) => void,
  ): void {
    const groupId = req.groupId;
    const isUnknown = req.memberId === UNKNOWN_MEMBER_ID;
    let existing = this.groups.get(groupId);
    if (existing instanceof ConsumerGroup) {
      if (!existing.isEmpty()) {
        // Kafka lets classic members join a consumer group (KIP-848 upgrade path); we do not.
        respond(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
        return;
      }
      // An empty consumer group becomes a classic group (its offsets stay).
      this.consumer.deleteEmptyGroup(existing);
      existing = undefined;
    }
    let group = existing;
    const isNewGroup = group === undefined;
    if (group === undefined) {
      if (!isUnknown) {
        respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      }
      group = new ClassicGroup(groupId, this.clock.now());
      this.groups.set(groupId, group);
    }
    if (!group.acceptJoiningMember(req.memberId, this.config.maxSize)) {
      group.remove(req.memberId);
      respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknown) {
      this.joinNewMember(group, req, protocols, client, respond);
    } else {
      this.joinExistingMember(group, req, protocols, client, respond);
    }
    if (isNewGroup) {
      // Make the new group durable (Kafka writes an empty group metadata record).
      const g = group;
      this.append(groupId, [this.groupMetadataRecord(g)]).catch((err: unknown) => {
        this.logger.warn('failed to write new group metadata', { group: groupId, error: String(err) });
      });
    }
  }

  private joinNewMember(group: ClassicGroup, req: JoinGroupRequest, protocols: Protocol[], client: ClientInfo, respond: (r: JoinGroupResponse) => void): void {
    if (group.is('Dead')) {
      respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(req.protocolType, protocols.map((p) => p.name))) {
      respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = `${req.groupInstanceId ?? client.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const existingId = group.staticMemberId(req.groupInstanceId);
      if (existingId !== undefined) {
        this.updateStaticMemberAndRebalance(group, req, protocols, client, existingId, newMemberId, respond);
      } else {
        this.addMemberAndRebalance(group, req, protocols, client, newMemberId, respond);
      }
      return;
    }
    if (client.apiVersion >= 4) {
      // KIP-394: the member must come back with the id we give it.
      group.pendingJoinMembers.add(newMemberId);
      group.pendingMemberTimers.set(
        newMemberId,
        this.clock.setTimeout(() => this.expireHeartbeat(group.groupId, newMemberId), req.sessionTimeoutMs),
      );
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
      return;
    }
    this.addMemberAndRebalance(group, req, protocols, client, newMemberId, respond);
  }

  private joinExistingMember(group: ClassicGroup, req: JoinGroupRequest, protocols: Protocol[], client: ClientInfo, respond: (r: JoinGroupResponse) => void): void {
    const memberId = req.memberId;
    if (group.is('Dead')) {
      respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(req.protocolType, protocols.map((p) => p.name))) {
      respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.pendingJoinMembers.has(memberId)) {
      this.addMemberAndRebalance(group, req, protocols, client, memberId, respond);
      return;
    }
    const invalid = this.validateMember(group, memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) {
      respond(joinError(memberId, invalid));
      return;
    }
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, protocols, respond);
        return;
      case 'CompletingRebalance':
        if (member.matches(protocols)) {
          // The member missed its JoinGroup response: send it again.
          respond(this.joinResponse(group, memberId, group.isLeader(memberId), false));
        } else {
          this.updateMemberAndRebalance(group, member, req, protocols, respond);
        }
        return;
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(protocols)) {
          // A leader's JoinGroup forces a rebalance (it may have seen metadata change).
          this.updateMemberAndRebalance(group, member, req, protocols, respond);
        } else {
          respond(this.joinResponse(group, memberId, false, false));
        }
        return;
      default:
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private joinResponse(group: ClassicGroup, memberId: string, withMembers: boolean, skipAssignment: boolean, leader = group.leaderId): JoinGroupResponse {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: leader ?? '',
      skipAssignment,
      memberId,
      members: withMembers ? group.joinResponseMembers() : [],
    };
  }

  /** Kafka's validateMember: static identity first (FENCED_INSTANCE_ID), then the member id. */
  validateMember(group: ClassicGroup, memberId: string, instanceId: string | null): number {
    if (instanceId !== null) {
      const existing = group.staticMemberId(instanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private addMemberAndRebalance(group: ClassicGroup, req: JoinGroupRequest, protocols: Protocol[], client: ClientInfo, memberId: string, respond: (r: JoinGroupResponse) => void): void {
    const member = new ClassicMember(
      memberId, req.groupInstanceId, client.clientId, client.clientHost,
      req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, protocols,
    );
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, respond);
    // A parked JoinGroup of a new member expires, so defunct members cannot pile up.
    this.scheduleHeartbeat(group, member, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicMember, req: JoinGroupRequest, protocols: Protocol[], respond: (r: JoinGroupResponse) => void): void {
    group.updateMember(member, protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateStaticMemberAndRebalance(
    group: ClassicGroup, req: JoinGroupRequest, protocols: Protocol[], client: ClientInfo,
    oldMemberId: string, newMemberId: string, respond: (r: JoinGroupResponse) => void,
  ): void {
    const currentLeader = group.leaderId;
    const member = group.replaceStaticMember(req.groupInstanceId!, oldMemberId, newMemberId);
    this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    const oldProtocols = member.protocols;
    const oldRebalance = member.rebalanceTimeoutMs;
    const oldSession = member.sessionTimeoutMs;
    group.updateMember(member, protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName === group.selectProtocol()) {
          // Same protocol: no rebalance. Persist the new member id, then answer with the current generation.
          this.append(group.groupId, [this.groupMetadataRecord(group)]).then(
            () => {
              if (client.apiVersion >= 9) {
                const isLeader = group.isLeader(newMemberId);
                group.completeJoin(member, this.joinResponse(group, newMemberId, isLeader, isLeader));
              } else {
                group.completeJoin(member, this.joinResponse(group, newMemberId, false, false, currentLeader));
              }
            },
            (err: unknown) => {
              // Revert to the old member id.
              group.updateMember(member, oldProtocols, oldRebalance, oldSession, null);
              const old = group.replaceStaticMember(req.groupInstanceId!, newMemberId, oldMemberId);
              this.scheduleHeartbeat(group, old, old.sessionTimeoutMs);
              respond({ ...this.joinResponse(group, UNKNOWN_MEMBER_ID, false, false, currentLeader), errorCode: appendErrorCode(err) });
            },
          );
        } else {
          this.maybePrepareRebalanceOrCompleteJoin(group);
        }
        return;
      }
      case 'CompletingRebalance':
        // The leader may already hold the old member id in its assignment: rebalance again.
        this.prepareRebalance(group);
        return;
      default:
        this.maybeCompleteJoinPhase(group);
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.canRebalance()) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance')) return;
    // The initial rebalance of a new group waits for its delay to run out.
    if (group.previousState === 'Empty') return;
    if (!group.hasAllMembersJoined()) return;
    this.completeJoin(group);
  }

  prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.clock.now());
    group.joinTimer?.cancel();
    if (initial) {
      // A new group waits group.initial.rebalance.delay.ms for more members, extended while they
      // keep coming, up to the rebalance timeout.
      const delay = this.config.initialRebalanceDelayMs;
      const remaining = Math.max(group.rebalanceTimeoutMs() - delay, 0);
      group.joinTimer = this.clock.setTimeout(() => this.initialRebalanceTick(group, delay, remaining), delay);
      return;
    }
    if (group.hasAllMembersJoined()) {
      this.completeJoin(group);
    } else {
      group.joinTimer = this.clock.setTimeout(() => this.completeJoin(group), group.rebalanceTimeoutMs());
    }
  }

  private initialRebalanceTick(group: ClassicGroup, delay: number, remaining: number): void {
    group.joinTimer = null;
    if (this.groups.get(group.groupId) !== group || !group.is('PreparingRebalance')) return;
    if (group.newMemberAdded && remaining !== 0) {
      group.newMemberAdded = false;
      const nextDelay = Math.min(this.config.initialRebalanceDelayMs, remaining);
      const nextRemaining = Math.max(remaining - delay, 0);
      group.joinTimer = this.clock.setTimeout(() => this.initialRebalanceTick(group, nextDelay, nextRemaining), nextDelay);
    } else {
      this.completeJoin(group);
    }
  }

  private completeJoin(group: ClassicGroup): void {
    group.joinTimer?.cancel();
    group.joinTimer = null;
    if (this.groups.get(group.groupId) !== group || !group.is('PreparingRebalance')) return;
    // Dynamic members that did not rejoin in time are removed; static ones stay until their session ends.
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null && !m.isStatic) group.remove(m.memberId);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait again until session timeouts remove the silent members.
      group.joinTimer = this.clock.setTimeout(() => this.completeJoin(group), group.rebalanceTimeoutMs());
      return;
    }
    group.initNextGeneration(this.clock.now());
    group.subscribedTopics = this.computeSubscribedTopics(group);
    if (group.is('Empty')) {
      this.append(group.groupId, [this.groupMetadataRecord(group)]).catch((err: unknown) => {
        this.logger.warn('failed to write empty group metadata', { group: group.groupId, error: String(err) });
      });
      return;
    }
    this.logger.info('rebalance: new generation', { group: group.groupId, generation: group.generationId, members: group.size });
    for (const m of group.members.values()) {
      const isLeader = group.isLeader(m.memberId);
      group.completeJoin(m, this.joinResponse(group, m.memberId, isLeader, false));
      this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    // Members that never send SyncGroup are removed after the rebalance timeout.
    const generation = group.generationId;
    group.syncTimer?.cancel();
    group.syncTimer = this.clock.setTimeout(() => this.expirePendingSync(group, generation), group.rebalanceTimeoutMs());
  }

  private expirePendingSync(group: ClassicGroup, generation: number): void {
    group.syncTimer = null;
    if (this.groups.get(group.groupId) !== group || generation !== group.generationId) return;
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
    if (group.pendingSyncMembers.size === 0) return;
    for (const id of [...group.pendingSyncMembers]) group.remove(id);
    this.prepareRebalance(group);
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  private resetAndPropagateAssignment(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const m of group.members.values()) {
      const answered = group.completeSync(m, {
        throttleTimeMs: 0,
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      });
      if (answered) this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
  }

  // ---- heartbeats and session expiry ------------------------------------------------------------

  scheduleHeartbeat(group: ClassicGroup, member: ClassicMember, timeoutMs: number): void {
    member.heartbeatTimer?.cancel();
    const memberId = member.memberId;
    member.heartbeatTimer = this.clock.setTimeout(() => {
      if (member.memberId === memberId) member.heartbeatTimer = null;
      this.expireHeartbeat(group.groupId, memberId);
    }, timeoutMs);
  }

  private expireHeartbeat(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (!(group instanceof ClassicGroup) || group.is('Dead')) return;
    if (group.pendingJoinMembers.has(memberId)) {
      group.remove(memberId);
      if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
      return;
    }
    const member = group.members.get(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return;
    this.logger.info('member session expired', { group: groupId, member: memberId });
    this.removeMemberAndUpdateGroup(group, member);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicMember): void {
    // A new member may time out with a parked JoinGroup: answer it so the client retries.
    group.completeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
    else if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup ---------------------------------------------------------

  syncGroup(req: SyncGroupRequest, client: ClientInfo): Promise<SyncGroupResponse> {
    void client;
    const active = this.checkActive(req.groupId);
    if (active !== ErrorCode.NONE) return Promise.resolve(syncError(active));
    if (req.groupId === '') return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    const group = this.groups.get(req.groupId);
    if (group === undefined || group.isEmpty()) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (!(group instanceof ClassicGroup)) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return Promise.resolve(syncError(invalid));
    if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = group.members.get(req.memberId)!;
    if (group.is('PreparingRebalance')) return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (group.is('Stable')) {
      this.removePendingSyncMember(group, req.memberId);
      return Promise.resolve({
        throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType: group.protocolType,
        protocolName: group.protocolName, assignment: member.assignment,
      });
    }
    // CompletingRebalance: park until the leader's assignment is stored.
    return new Promise((resolve) => {
      member.awaitingSync = resolve;
      this.removePendingSyncMember(group, req.memberId);
      if (!group.isLeader(req.memberId)) return;
      const assignment = new Map<string, Buffer>();
      for (const a of req.assignments) assignment.set(a.memberId, Buffer.from(a.assignment));
      for (const m of group.members.values()) if (!assignment.has(m.memberId)) assignment.set(m.memberId, EMPTY_ASSIGNMENT);
      const generation = group.generationId;
      // The record carries the new assignment; members get it only once it is durable.
      const saved = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
      for (const m of group.members.values()) m.assignment = assignment.get(m.memberId)!;
      const record = this.groupMetadataRecord(group);
      for (const m of group.members.values()) m.assignment = saved.get(m.memberId)!;
      this.append(group.groupId, [record]).then(
        () => {
          if (!group.is('CompletingRebalance') || generation !== group.generationId) return;
          for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT;
          this.propagateAssignment(group, ErrorCode.NONE);
          group.transitionTo('Stable', this.clock.now());
        },
        (err: unknown) => {
          if (!group.is('CompletingRebalance') || generation !== group.generationId) return;
          this.resetAndPropagateAssignment(group, appendErrorCode(err));
          this.maybePrepareRebalanceOrCompleteJoin(group);
        },
      );
    });
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) {
      group.syncTimer?.cancel();
      group.syncTimer = null;
    }
  }

  heartbeat(req: HeartbeatRequest): number {
    const active = this.checkActive(req.groupId);
    if (active === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE; // Kafka answers blindly while loading
    if (active !== ErrorCode.NONE) return active;
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(req.groupId);
    if (!(group instanceof ClassicGroup)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
    }
  }

  /** LeaveGroup v3+ (v0-2 send one member: the handler wraps it). */
  leaveGroup(groupId: string, members: readonly MemberIdentity[]): { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] } {
    const active = this.checkActive(groupId);
    if (active !== ErrorCode.NONE) return { errorCode: active, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] };
    if (group instanceof ConsumerGroup) return this.consumer.classicLeave(group, members);
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results: { memberId: string; groupInstanceId: string | null; errorCode: number }[] = [];
    let removed = 0;
    for (const m of members) {
      const result: { memberId: string; groupInstanceId: string | null; errorCode: number } = { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE };
      results.push(result);
      if (m.memberId === UNKNOWN_MEMBER_ID) {
        // Admin removal by group.instance.id.
        const id = m.groupInstanceId !== null ? group.staticMemberId(m.groupInstanceId) : undefined;
        if (id === undefined) result.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else {
          this.removeCurrentMember(group, id);
          removed++;
        }
      } else if (group.pendingJoinMembers.has(m.memberId)) {
        group.remove(m.memberId);
        removed++;
      } else {
        const invalid = this.validateMember(group, m.memberId, m.groupInstanceId);
        if (invalid !== ErrorCode.NONE) result.errorCode = invalid;
        else {
          this.removeCurrentMember(group, m.memberId);
          removed++;
        }
      }
    }
    if (removed > 0) {
      if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
    }
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private removeCurrentMember(group: ClassicGroup, memberId: string): void {
    const member = group.members.get(memberId)!;
    group.completeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    group.completeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(memberId);
  }

  /**
   * Kafka's computeSubscribedTopics: for consumer-protocol groups, the union of the members'
   * subscriptions (empty without members); null when unknown (other protocols, undecodable).
   */
  private computeSubscribedTopics(group: ClassicGroup): Set<string> | null {
    if (group.protocolType !== 'consumer') return null;
    if (group.size === 0) return new Set();
    if (group.protocolName === null) return null;
    const topics = new Set<string>();
    try {
      for (const m of group.members.values()) {
        const meta = m.metadataFor(group.protocolName);
        for (const t of decodeVersionedData('ConsumerProtocolSubscription', meta).data.topics) topics.add(t);
      }
    } catch {
      return null;
    }
    return topics;
  }

  /** Kafka's isSubscribedToTopic: unknown subscriptions count as subscribed for consumer-protocol groups. */
  isSubscribedToTopic(g: AnyGroup, topic: string): boolean {
    if (g instanceof ConsumerGroup) return this.consumer.isSubscribedTo(g, topic);
    return g.subscribedTopics !== null ? g.subscribedTopics.has(topic) : g.protocolType === 'consumer';
  }

  // ---- offsets ----------------------------------------------------------------------------------

  putOffset(groupId: string, topic: string, partition: number, o: OffsetAndMetadata): void {
    let byTopic = this.offsets.get(groupId);
    if (byTopic === undefined) this.offsets.set(groupId, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
    byPartition.set(partition, o);
  }

  deleteOffset(groupId: string, topic: string, partition: number): boolean {
    const byTopic = this.offsets.get(groupId);
    const byPartition = byTopic?.get(topic);
    if (byPartition === undefined || !byPartition.delete(partition)) return false;
    if (byPartition.size === 0) byTopic!.delete(topic);
    if (byTopic!.size === 0) this.offsets.delete(groupId);
    return true;
  }

  committedOffset(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  private offsetRecord(groupId: string, topic: string, partition: number, o: OffsetAndMetadata | null): GroupLogRecord {
    return {
      key: encodeKey({ type: 'offset', group: groupId, topic, partition }),
      value: o === null ? null : encodeOffsetValue(o),
    };
  }

  /** OffsetCommit: validates the member per group type and version, then stores durably. */
  async commitOffsets(req: CommitRequest, apiVersion: number): Promise<CommitResult> {
    const fail = (code: number): CommitResult => ({
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
    });
    const active = this.checkActive(req.groupId);
    if (active !== ErrorCode.NONE) return fail(active);
    if (req.groupId === '' || groupIdTooLong(req.groupId)) return fail(ErrorCode.INVALID_GROUP_ID);
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      if (req.generationIdOrMemberEpoch < 0) {
        // A "simple" group: offsets of a consumer that does not use group management.
        group = new ClassicGroup(req.groupId, this.clock.now());
        this.groups.set(req.groupId, group);
      } else {
        return fail(apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      }
    }
    const invalid = group instanceof ClassicGroup
      ? this.validateClassicCommit(group, req)
      : this.consumer.validateCommit(group, req.memberId, req.generationIdOrMemberEpoch, apiVersion);
    if (invalid !== ErrorCode.NONE) return fail(invalid);
    if (group instanceof ClassicGroup && (group.is('Stable') || group.is('PreparingRebalance'))) {
      // A commit keeps a classic member's session alive.
      const m = group.members.get(req.memberId);
      if (m !== undefined) this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
    const now = this.clock.now();
    const expireTimestamp = req.retentionTimeMs >= 0 ? now + req.retentionTimeMs : -1;
    const result: CommitResult = { topics: [] };
    const records: GroupLogRecord[] = [];
    const accepted: { topic: string; partition: number; o: OffsetAndMetadata }[] = [];
    for (const t of req.topics) {
      const tr = { name: t.name, partitions: [] as { partitionIndex: number; errorCode: number }[] };
      result.topics.push(tr);
      for (const p of t.partitions) {
        if (p.committedMetadata !== null && p.committedMetadata.length > this.config.offsetMetadataMaxSize) {
          tr.partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
          continue;
        }
        tr.partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE });
        const o: OffsetAndMetadata = {
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata ?? '',
          commitTimestamp: now,
          expireTimestamp,
        };
        accepted.push({ topic: t.name, partition: p.partitionIndex, o });
        records.push(this.offsetRecord(req.groupId, t.name, p.partitionIndex, o));
      }
    }
    if (records.length === 0) return result;
    try {
      await this.append(req.groupId, records);
    } catch (err) {
      const code = appendErrorCode(err);
      for (const tr of result.topics) for (const p of tr.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
      return result;
    }
    // Offsets become visible once durable; the group may have been deleted meanwhile.
    if (!this.groups.has(req.groupId)) this.groups.set(req.groupId, new ClassicGroup(req.groupId, now));
    for (const a of accepted) this.putOffset(req.groupId, a.topic, a.partition, a.o);
    return result;
  }

  private validateClassicCommit(group: ClassicGroup, req: CommitRequest): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const generation = req.generationIdOrMemberEpoch;
    if (generation < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (generation >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
      if (invalid !== ErrorCode.NONE) return invalid;
      if (generation !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /**
   * OffsetFetch for one group: the listed partitions, or every committed one when topics is null.
   * With requireStable, partitions with pending transactional offsets answer UNSTABLE_OFFSET_COMMIT.
   */
  fetchOffsets(
    groupId: string,
    topics: readonly { name: string; partitionIndexes: readonly number[] }[] | null,
    opts: { requireStable: boolean; memberId?: string | null; memberEpoch?: number },
  ): FetchResult {
    const active = this.checkActive(groupId);
    if (active !== ErrorCode.NONE) return { errorCode: active, topics: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const group = this.groups.get(groupId);
    if (group instanceof ConsumerGroup && opts.memberId !== undefined && opts.memberId !== null) {
      const invalid = this.consumer.validateFetch(group, opts.memberId, opts.memberEpoch ?? -1);
      if (invalid !== ErrorCode.NONE) return { errorCode: invalid, topics: [] };
    }
    const missing = group === undefined || (group instanceof ClassicGroup && group.is('Dead'));
    const byTopic = missing ? undefined : this.offsets.get(groupId);
    const entry = (topic: string, partitionIndex: number, o: OffsetAndMetadata | undefined): FetchedPartition => {
      if (opts.requireStable && this.pendingTransactionalOffsets(groupId, topic, partitionIndex)) {
        return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      if (o === undefined) return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
      return { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const out: FetchResult = { errorCode: ErrorCode.NONE, topics: [] };
      if (byTopic === undefined) return out;
      for (const [name, parts] of byTopic) {
        out.topics.push({ name, partitions: [...parts].sort((a, b) => a[0] - b[0]).map(([p, o]) => entry(name, p, o)) });
      }
      return out;
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => entry(t.name, p, byTopic?.get(t.name)?.get(p))),
      })),
    };
  }

  /** OffsetDelete: only for topics the group does not subscribe to (or any topic of an empty group). */
  async deleteOffsets(groupId: string, topics: readonly { name: string; partitions: readonly number[] }[]): Promise<{ errorCode: number; topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }> {
    const active = this.checkActive(groupId);
    if (active !== ErrorCode.NONE) return { errorCode: active, topics: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const group = this.groups.get(groupId);
    if (group === undefined || (group instanceof ClassicGroup && group.is('Dead'))) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (group instanceof ClassicGroup && !group.is('Empty') && group.protocolType !== 'consumer') {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    }
    const subscribed = (t: string) => this.isSubscribedToTopic(group, t);
    const records: GroupLogRecord[] = [];
    const deletions: { topic: string; partition: number }[] = [];
    const out = topics.map((t) => {
      if (subscribed(t.name)) {
        return { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC })) };
      }
      for (const p of t.partitions) {
        if (this.committedOffset(groupId, t.name, p) !== undefined || this.pendingTransactionalOffsets(groupId, t.name, p)) {
          records.push(this.offsetRecord(groupId, t.name, p, null));
          deletions.push({ topic: t.name, partition: p });
        }
      }
      return { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p, errorCode: ErrorCode.NONE })) };
    });
    for (const d of deletions) this.deleteOffset(groupId, d.topic, d.partition);
    try {
      await this.append(groupId, records);
    } catch (err) {
      return { errorCode: appendErrorCode(err), topics: [] };
    }
    return { errorCode: ErrorCode.NONE, topics: out };
  }

  // ---- describe, list, delete -------------------------------------------------------------------

  describeGroups(groupIds: readonly string[], apiVersion: number): DescribeGroupsResponseDescribedGroup[] {
    return groupIds.map((groupId) => {
      const active = this.checkActive(groupId);
      const base: DescribeGroupsResponseDescribedGroup = {
        errorCode: ErrorCode.NONE, errorMessage: null, groupId, groupState: 'Dead', protocolType: '', protocolData: '',
        members: [], authorizedOperations: -2147483648,
      };
      if (active !== ErrorCode.NONE) return { ...base, groupState: '', errorCode: active };
      const g = this.groups.get(groupId);
      if (!(g instanceof ClassicGroup) || g.is('Dead')) {
        if (apiVersion >= 6) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` };
        return base;
      }
      const stable = g.is('Stable');
      return {
        ...base,
        groupState: g.state,
        protocolType: g.protocolType ?? '',
        protocolData: stable ? (g.protocolName ?? '') : '',
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? m.metadataFor(g.protocolName) : EMPTY_ASSIGNMENT,
          memberAssignment: stable ? m.assignment : EMPTY_ASSIGNMENT,
        })),
      };
    });
  }

  /** ListGroups; filters compare case-insensitively, as Kafka does. */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: ListedGroup[] } {
    const active = this.checkActive();
    if (active !== ErrorCode.NONE) return { errorCode: active, groups: [] };
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const groups: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      const state = g instanceof ClassicGroup ? g.state : g.state;
      if (g instanceof ClassicGroup && g.is('Dead')) continue;
      if (states.size > 0 && !states.has(state.toLowerCase())) continue;
      if (types.size > 0 && !types.has(g.type)) continue;
      groups.push({
        groupId: g.groupId,
        protocolType: g instanceof ClassicGroup ? (g.protocolType ?? '') : 'consumer',
        groupState: state,
        groupType: g.type,
      });
    }
    return { errorCode: ErrorCode.NONE, groups };
  }

  /** DeleteGroups: empty (or simple) groups only; their offsets go with them. */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(groupIds.map(async (groupId) => {
      const active = this.checkActive(groupId);
      if (active !== ErrorCode.NONE) return { groupId, errorCode: active };
      if (groupId === '') return { groupId, errorCode: ErrorCode.INVALID_GROUP_ID };
      const g = this.groups.get(groupId);
      if (g === undefined || (g instanceof ClassicGroup && g.is('Dead'))) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (!g.isEmpty()) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      const records = this.removeGroupAndOffsets(g);
      try {
        await this.append(groupId, records);
      } catch (err) {
        return { groupId, errorCode: appendErrorCode(err) };
      }
      return { groupId, errorCode: ErrorCode.NONE };
    }));
  }

  /** Drops a group and its offsets from memory; returns the tombstones to write. */
  private removeGroupAndOffsets(g: AnyGroup): GroupLogRecord[] {
    const records: GroupLogRecord[] = [];
    const byTopic = this.offsets.get(g.groupId);
    if (byTopic !== undefined) {
      for (const [topic, parts] of byTopic) for (const p of parts.keys()) records.push(this.offsetRecord(g.groupId, topic, p, null));
      this.offsets.delete(g.groupId);
    }
    if (g instanceof ClassicGroup) {
      g.joinTimer?.cancel();
      g.syncTimer?.cancel();
      g.transitionTo('Dead', this.clock.now());
      records.push(this.groupTombstone(g.groupId));
    } else {
      records.push(...this.consumer.tombstones(g));
      this.consumer.cancelTimers(g);
    }
    this.groups.delete(g.groupId);
    return records;
  }

  // ---- offset retention -------------------------------------------------------------------------

  /**
   * Removes expired offsets of topics the group does not subscribe to (Kafka's rules): an explicit
   * expiry; else retention counted from when an empty group became empty, or from the commit for a
   * simple group (no protocol), a Stable consumer-protocol group with known subscriptions, and a
   * KIP-848 group. An empty group left without offsets is deleted. Returns how many were removed.
   */
  expireOffsets(): number {
    const now = this.clock.now();
    const retention = this.config.offsetsRetentionMs;
    let removed = 0;
    for (const g of [...this.groups.values()]) {
      let base: ((o: OffsetAndMetadata) => number) | null = null;
      if (g instanceof ClassicGroup) {
        if (g.protocolType === null) base = (o) => o.commitTimestamp;
        else if (g.is('Empty')) base = () => g.stateTimestamp;
        else if (g.protocolType === 'consumer' && g.subscribedTopics !== null && g.is('Stable')) base = (o) => o.commitTimestamp;
      } else {
        base = (o) => o.commitTimestamp;
      }
      const records: GroupLogRecord[] = [];
      const byTopic = this.offsets.get(g.groupId);
      if (base !== null && byTopic !== undefined) {
        for (const [topic, parts] of [...byTopic]) {
          if (this.isSubscribedToTopic(g, topic)) continue;
          for (const [p, o] of [...parts]) {
            if (this.pendingTransactionalOffsets(g.groupId, topic, p)) continue;
            const expired = o.expireTimestamp >= 0 ? now >= o.expireTimestamp : now - base(o) >= retention;
            if (expired) {
              this.deleteOffset(g.groupId, topic, p);
              records.push(this.offsetRecord(g.groupId, topic, p, null));
              removed++;
            }
          }
        }
      }
      if (g.isEmpty() && !this.offsets.has(g.groupId)) {
        records.push(...this.removeGroupAndOffsets(g));
      }
      if (records.length > 0) {
        this.append(g.groupId, records).catch((err: unknown) => {
          this.logger.warn('failed to write offset expiry', { group: g.groupId, error: String(err) });
        });
      }
    }
    if (removed > 0) this.logger.info('expired offsets', { removed });
    return removed;
  }
}
