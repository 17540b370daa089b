// A member of a classic consumer group (protocol type "consumer"), as Kafka's ConsumerCoordinator
// behaves with an eager assignor: JoinGroup (with the MEMBER_ID_REQUIRED round trip of v4+), the
// leader computes every member's partitions and hands them over in SyncGroup, Heartbeat on a timer
// tells it when the group rebalances or forgot it, OffsetCommit under its generation, LeaveGroup
// when it stops. The owner of the member (consume.ts) polls `rejoinNeeded`, commits what it owns,
// and calls join() again: eager rebalancing gives up every partition before the new assignment.

import { ApiKey, decodeVersionedData, encodeVersionedData, ErrorCode } from '../codec/index.js';
import { CLIENT_ASSIGNORS, type ClientAssignor } from './assignors.js';
import type { ClusterClient } from './cluster-client.js';
import { ClientError, check, kafkaError } from './errors.js';
import { commitOffsets, type GroupOffsets } from './group-offsets.js';

export interface GroupMemberOptions {
  /** Kafka consumer defaults: session.timeout.ms 45 s, heartbeat.interval.ms 3 s. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long the coordinator waits for members to rejoin (Kafka's max.poll.interval.ms; 60 s here). */
  rebalanceTimeoutMs?: number;
  assignors?: readonly ClientAssignor[];
}

/** Errors that mean: find the coordinator again and retry. */
const COORDINATOR_MOVED = new Set<number>([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR]);
/** Errors that mean: the member's generation is over, join again. */
const REJOIN = new Set<number>([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);

const EMPTY = Buffer.alloc(0);

export class GroupMember {
  memberId = '';
  generationId = -1;
  /** The protocol (assignor) the group chose at the last join. */
  protocol: string | null = null;
  /** topic → partitions this member owns in its generation. */
  assignment = new Map<string, number[]>();
  /** Set by a heartbeat or a commit that learnt the group moved on; cleared by join(). */
  rejoinNeeded = true;
  /** A heartbeat failure that is not a rebalance (surfaced by the owner on its next turn). */
  failure: Error | null = null;

  private coordinator = -1;
  private running = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly assignors: readonly ClientAssignor[];

  constructor(
    private readonly c: ClusterClient,
    readonly groupId: string,
    readonly topics: string[],
    options: GroupMemberOptions = {},
  ) {
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000;
    this.assignors = options.assignors ?? CLIENT_ASSIGNORS;
  }

  private async coordinatorNode(): Promise<number> {
    if (this.coordinator < 0) this.coordinator = await this.c.coordinator(this.groupId);
    return this.coordinator;
  }

  /** Joins (or rejoins) the group and resolves with this member's partitions of the new generation. */
  async join(): Promise<Map<string, number[]>> {
    this.stopHeartbeats();
    this.assignment = new Map();
    const deadline = Date.now() + this.rebalanceTimeoutMs + this.c.timeoutMs;
    const subscription = encodeVersionedData('ConsumerProtocolSubscription', 0, { topics: this.topics, userData: EMPTY });
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (Date.now() > deadline) throw new ClientError(`could not join group ${this.groupId} in ${this.rebalanceTimeoutMs + this.c.timeoutMs} ms`, 'timeout');
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** Math.min(attempt, 4), 500)));
      }
      const node = await this.coordinatorNode();
      const joined = await this.c.send(ApiKey.JoinGroup, {
        groupId: this.groupId, sessionTimeoutMs: this.sessionTimeoutMs, rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId, groupInstanceId: null, protocolType: 'consumer',
        protocols: this.assignors.map((a) => ({ name: a.name, metadata: subscription })), reason: null,
      }, { node, version: this.c.version(ApiKey.JoinGroup, 1), timeoutMs: this.rebalanceTimeoutMs + this.c.timeoutMs });
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId;
        attempt = -1; // not a failure: the join proper follows at once
        continue;
      }
      if (this.retriable(joined.errorCode)) continue;
      check(joined.errorCode, `join group ${this.groupId}`);
      this.memberId = joined.memberId;
      this.generationId = joined.generationId;
      this.protocol = joined.protocolName;

      const assignments = joined.leader === joined.memberId && !joined.skipAssignment ? await this.assign(joined.protocolName, joined.members) : [];
      const synced = await this.c.send(ApiKey.SyncGroup, {
        groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null,
        protocolType: 'consumer', protocolName: joined.protocolName, assignments,
      }, { node, version: this.c.version(ApiKey.SyncGroup), timeoutMs: this.rebalanceTimeoutMs + this.c.timeoutMs });
      if (this.retriable(synced.errorCode)) continue;
      check(synced.errorCode, `sync group ${this.groupId}`);
      this.assignment = decodeAssignment(synced.assignment);
      this.rejoinNeeded = false;
      this.startHeartbeats();
      return this.assignment;
    }
  }

  /** Handles the errors after which the join starts over; false for the others. */
  private retriable(code: number): boolean {
    if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    if (COORDINATOR_MOVED.has(code)) this.coordinator = -1;
    return REJOIN.has(code) || COORDINATOR_MOVED.has(code);
  }

  /** The leader's work: every member's partitions under the chosen assignor. */
  private async assign(protocolName: string | null, members: { memberId: string; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (assignor === undefined) throw new ClientError(`group ${this.groupId} chose assignor ${String(protocolName)}, which this member did not offer`, 'kafka');
    const subscribers = members.map((m) => {
      try {
        return { memberId: m.memberId, topics: decodeVersionedData('ConsumerProtocolSubscription', m.metadata).data.topics };
      } catch {
        return { memberId: m.memberId, topics: [] }; // metadata we cannot read: that member gets nothing
      }
    });
    const wanted = [...new Set(subscribers.flatMap((s) => s.topics))];
    const metadata = await this.c.metadata(wanted);
    const partitionsPerTopic = new Map<string, number>();
    for (const t of metadata.topics) if (t.errorCode === 0 && t.name !== null) partitionsPerTopic.set(t.name, t.partitions.length);
    return [...assignor.assign(subscribers, partitionsPerTopic)].map(([memberId, topics]) => ({ memberId, assignment: encodeAssignment(topics) }));
  }

  private startHeartbeats(): void {
    const beat = async (): Promise<void> => {
      this.heartbeatTimer = null;
      const generationId = this.generationId;
      try {
        const res = await this.c.send(ApiKey.Heartbeat, {
          groupId: this.groupId, generationId, memberId: this.memberId, groupInstanceId: null,
        }, { node: await this.coordinatorNode() });
        // An answer about a generation a rejoin has already left behind says nothing of the new one.
        if (generationId !== this.generationId) return;
        if (this.retriable(res.errorCode)) {
          if (REJOIN.has(res.errorCode)) this.rejoinNeeded = true;
        } else if (res.errorCode !== 0) {
          this.failure = kafkaError(res.errorCode, `heartbeat in group ${this.groupId}`);
        }
      } catch (err) {
        // A connection that failed once may come back; one that keeps failing ends the session, and
        // the next heartbeat's UNKNOWN_MEMBER_ID then asks for a rejoin.
        if (!(err instanceof ClientError)) this.failure = err as Error;
      }
      if (!this.rejoinNeeded && this.failure === null && this.heartbeatTimer === null && this.running) this.schedule(beat);
    };
    this.running = true;
    this.schedule(beat);
  }

  private schedule(beat: () => Promise<void>): void {
    this.heartbeatTimer = setTimeout(() => void beat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    this.running = false;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /**
   * Commits offsets under this member's generation. False when the group has moved on (the commit
   * was refused with a rebalance error): the caller rejoins, and the next owner of those partitions
   * starts from the previous commit.
   */
  async commit(offsets: GroupOffsets): Promise<boolean> {
    try {
      await commitOffsets(this.c, this.groupId, offsets, { generationId: this.generationId, memberId: this.memberId });
      return true;
    } catch (err) {
      if (err instanceof ClientError && REJOIN.has(err.errorCode)) {
        this.retriable(err.errorCode);
        this.rejoinNeeded = true;
        return false;
      }
      throw err;
    }
  }

  /** Leaves the group so that its partitions go to the other members at once (not after the session timeout). */
  async leave(): Promise<void> {
    this.stopHeartbeats();
    if (this.memberId === '') return;
    const memberId = this.memberId;
    this.memberId = '';
    this.generationId = -1;
    const res = await this.c.send(ApiKey.LeaveGroup, {
      groupId: this.groupId, memberId, members: [{ memberId, groupInstanceId: null, reason: 'the consumer is stopping' }],
    }, { node: await this.coordinatorNode() });
    // UNKNOWN_MEMBER_ID: the group already forgot us, which is what leaving asks for.
    if (res.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) check(res.errorCode, `leave group ${this.groupId}`);
    for (const m of res.members) if (m.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) check(m.errorCode, `leave group ${this.groupId}`);
  }
}

function encodeAssignment(topics: Map<string, number[]>): Buffer {
  return encodeVersionedData('ConsumerProtocolAssignment', 0, {
    assignedPartitions: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    userData: EMPTY,
  });
}

function decodeAssignment(bytes: Buffer): Map<string, number[]> {
  if (bytes.length < 2) return new Map(); // a member the leader gave nothing
  const { data } = decodeVersionedData('ConsumerProtocolAssignment', bytes);
  return new Map(data.assignedPartitions.map((tp) => [tp.topic, [...tp.partitions].sort((a, b) => a - b)]));
}
