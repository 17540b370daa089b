// A KIP-848 consumer group (group.protocol=consumer): members with epochs, subscriptions and
// assignments computed by the broker. The reconciliation rules live in consumer-protocol.ts.

import type { TimerHandle } from '../util/clock.js';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';
export type MemberReconcileState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';

/** topic id → partitions. */
export type Assignment = Map<string, Set<number>>;

export class ConsumerMember {
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: MemberReconcileState = 'stable';
  instanceId: string | null = null;
  rackId: string | null = null;
  rebalanceTimeoutMs = 300_000;
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  /** What the member owns (or is told to own) now. */
  assigned: Assignment = new Map();
  /** What it must give up before it gets more. */
  pendingRevocation: Assignment = new Map();
  sessionTimer: TimerHandle | null = null;
  rebalanceTimer: TimerHandle | null = null;

  constructor(
    readonly memberId: string,
    public clientId: string,
    public clientHost: string,
  ) {}
}

export class ConsumerGroup {
  readonly type = 'consumer' as const;
  // A new group starts at epoch 1, as Kafka's (4.x ModernGroup and TargetAssignmentMetadata.INITIAL):
  // its first member joins at epoch 2, and no group epoch equals the joining member epoch 0.
  groupEpoch = 1;
  assignmentEpoch = 1;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** member id → target assignment of assignmentEpoch. */
  targetAssignment = new Map<string, Assignment>();
  /** Signature of the subscribed topics' ids and partition counts at the last epoch bump. */
  metadataSignature = '';
  /** "topicId:partition" → member id currently holding it (assigned or pending revocation). */
  readonly owners = new Map<string, string>();
  /**
   * Subscribed regex → the topic names it matched when last resolved (Kafka's resolved regular
   * expressions). A regex's topics count for assignment only once resolved, in the background.
   */
  readonly resolvedRegexes = new Map<string, Set<string>>();
  /** When the regexes were last resolved (clock ms), and the broker's topic-creation count then. */
  regexesResolvedAtMs = Number.NEGATIVE_INFINITY;
  regexesResolvedVersion = -1;
  /** The pending background resolution, if one is scheduled. */
  regexRefreshTimer: TimerHandle | null = null;
  dead = false;
  /** The last snapshot written to __consumer_offsets (writes are skipped when nothing changed). */
  lastPersisted = '';

  constructor(readonly groupId: string) {}

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  get state(): ConsumerGroupState {
    if (this.dead) return 'Dead';
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== 'stable') return 'Reconciling';
    }
    return 'Stable';
  }
}
