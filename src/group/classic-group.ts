// The classic (JoinGroup/SyncGroup) group: its members, state, generation and protocol bookkeeping,
// following Kafka's ClassicGroup. Pure data and small rules; the coordinator drives transitions and timers.

import type { JoinGroupResponse, SyncGroupResponse } from '../codec/index.js';
import type { TimerHandle } from '../util/clock.js';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Kafka's allowed previous states per target state (ClassicGroupState.validPreviousStates). */
const VALID_PREVIOUS: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export class ClassicMember {
  assignment: Buffer = EMPTY_ASSIGNMENT;
  /** Set while a JoinGroup of this member is parked. */
  awaitingJoin: ((r: JoinGroupResponse) => void) | null = null;
  /** Set while a SyncGroup of this member is parked. */
  awaitingSync: ((r: SyncGroupResponse) => void) | null = null;
  /** Joined during the current rebalance and not yet given a generation. */
  isNew = false;
  heartbeatTimer: TimerHandle | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: Protocol[],
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** Kafka's hasSatisfiedHeartbeat: members parked in a rebalance count as alive, new ones do not. */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.awaitingJoin !== null || this.awaitingSync !== null;
  }

  /** Same protocol names and metadata bytes, in the same order. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata));
  }

  metadataFor(protocol: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_ASSIGNMENT;
  }

  /** The first of this member's protocols (in its preference order) that is a candidate. */
  vote(candidates: ReadonlySet<string>): string {
    for (const p of this.protocols) if (candidates.has(p.name)) return p.name;
    throw new Error('member supports none of the candidate protocols');
  }
}

export class ClassicGroup {
  readonly type = 'classic' as const;
  state: ClassicGroupState = 'Empty';
  previousState: ClassicGroupState = 'Empty';
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** How many members support each protocol name. */
  private readonly supportedProtocols = new Map<string, number>();
  numAwaitingJoin = 0;
  /** The initial-rebalance delay may be extended while new members arrive. */
  newMemberAdded = false;
  joinTimer: TimerHandle | null = null;
  syncTimer: TimerHandle | null = null;
  pendingMemberTimers = new Map<string, TimerHandle>();

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestamp = now;
  }

  isEmpty(): boolean {
    return this.state === 'Empty';
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: ClassicGroupState, now: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${state}`);
    }
    this.previousState = this.state;
    this.state = state;
    this.stateTimestamp = now;
  }

  /** PreparingRebalance can be entered from here. */
  canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.state);
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  staticMemberId(instanceId: string): string | undefined {
    return this.staticMembers.get(instanceId);
  }

  add(member: ClassicMember, onJoin: ((r: JoinGroupResponse) => void) | null): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    this.incrementProtocols(member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    member.awaitingJoin = onJoin;
    if (onJoin !== null) this.numAwaitingJoin++;
    this.pendingJoinMembers.delete(member.memberId);
    this.pendingMemberTimers.get(member.memberId)?.cancel();
    this.pendingMemberTimers.delete(member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): void {
    const m = this.members.get(memberId);
    if (m !== undefined) {
      this.members.delete(memberId);
      this.decrementProtocols(m);
      if (m.awaitingJoin !== null) this.numAwaitingJoin--;
      if (m.groupInstanceId !== null) this.staticMembers.delete(m.groupInstanceId);
      m.heartbeatTimer?.cancel();
      m.heartbeatTimer = null;
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    const t = this.pendingMemberTimers.get(memberId);
    if (t !== undefined) {
      t.cancel();
      this.pendingMemberTimers.delete(memberId);
    }
  }

  /** New protocols, timeouts and a parked JoinGroup for an existing member. */
  updateMember(m: ClassicMember, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, onJoin: ((r: JoinGroupResponse) => void) | null): void {
    this.decrementProtocols(m);
    m.protocols = protocols;
    this.incrementProtocols(m);
    m.rebalanceTimeoutMs = rebalanceTimeoutMs;
    m.sessionTimeoutMs = sessionTimeoutMs;
    if (onJoin !== null) {
      if (m.awaitingJoin === null) this.numAwaitingJoin++;
    } else if (m.awaitingJoin !== null) {
      this.numAwaitingJoin--;
    }
    m.awaitingJoin = onJoin;
  }

  /** Answers a parked JoinGroup, if any; true if one was answered. */
  completeJoin(m: ClassicMember, response: JoinGroupResponse): boolean {
    const cb = m.awaitingJoin;
    if (cb === null) return false;
    m.awaitingJoin = null;
    this.numAwaitingJoin--;
    cb(response);
    return true;
  }

  completeSync(m: ClassicMember, response: SyncGroupResponse): boolean {
    const cb = m.awaitingSync;
    if (cb === null) return false;
    m.awaitingSync = null;
    cb(response);
    return true;
  }

  /** Moves a static member to a new member id; parked requests of the old id are fenced. */
  replaceStaticMember(instanceId: string, oldMemberId: string, newMemberId: string): ClassicMember {
    const old = this.members.get(oldMemberId);
    if (old === undefined) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.completeJoin(old, {
      throttleTimeMs: 0, errorCode: 82 /* FENCED_INSTANCE_ID */, generationId: -1, protocolType: null, protocolName: null,
      leader: '', skipAssignment: false, memberId: oldMemberId, members: [],
    });
    this.completeSync(old, { throttleTimeMs: 0, errorCode: 82, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT });
    this.members.delete(oldMemberId);
    old.heartbeatTimer?.cancel();
    old.heartbeatTimer = null;
    old.memberId = newMemberId;
    this.members.set(newMemberId, old);
    this.staticMembers.set(instanceId, newMemberId);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return old;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin && this.pendingJoinMembers.size === 0;
  }

  /** Kafka's acceptance rule for a joining member under group.max.size. */
  acceptJoiningMember(memberId: string, maxSize: number): boolean {
    switch (this.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance': {
        const m = this.members.get(memberId);
        return (m !== undefined && m.awaitingJoin !== null) || this.numAwaitingJoin < maxSize;
      }
      default:
        return this.members.has(memberId) || this.members.size < maxSize;
    }
  }

  /** Empty groups accept any non-empty type and protocol list; others need the type and a common protocol. */
  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.state === 'Empty') return protocolType !== '' && names.length > 0;
    return this.protocolType === protocolType && names.some((n) => (this.supportedProtocols.get(n) ?? 0) === this.members.size);
  }

  /** The protocol every member supports that most members prefer. */
  selectProtocol(): string {
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === null) throw new Error('cannot select a protocol for an empty group');
    return best;
  }

  /** If the leader has not rejoined, the first rejoined member leads. False if nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader !== undefined && leader.awaitingJoin !== null) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin !== null) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance', now);
    } else {
      this.protocolName = null;
      this.transitionTo('Empty', now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The members as the leader's JoinGroup response lists them (metadata of the chosen protocol). */
  joinResponseMembers(): { memberId: string; groupInstanceId: string | null; metadata: Buffer }[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(this.protocolName),
    }));
  }

  /** Topics the members subscribe to, when they all speak the consumer protocol; null if unknown. */
  subscribedTopics: Set<string> | null = null;

  private incrementProtocols(m: ClassicMember): void {
    for (const p of m.protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
  }

  private decrementProtocols(m: ClassicMember): void {
    for (const p of m.protocols) {
      const n = (this.supportedProtocols.get(p.name) ?? 0) - 1;
      if (n <= 0) this.supportedProtocols.delete(p.name);
      else this.supportedProtocols.set(p.name, n);
    }
  }
}
