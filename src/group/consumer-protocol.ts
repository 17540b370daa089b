// KIP-848 (group.protocol=consumer): ConsumerGroupHeartbeat and ConsumerGroupDescribe over
// ConsumerGroup — group epochs, target assignments from the server-side assignors, and per-member
// reconciliation (revoke first, then assign partitions once their previous owner released them).

import { ErrorCode } from '../codec/index.js';
import type { Uuid } from '../codec/index.js';
import type { GroupCoordinator, MemberIdentity } from './coordinator.js';
import { ConsumerGroup } from './consumer-group.js';
import type { GroupLogRecord } from './group-log.js';

/** The topics the coordinator can see (ClusterState fits). */
export interface TopicDirectory {
  topic(name: string): { name: string; id: Uuid; partitions: number } | undefined;
  topicById(id: Uuid): { name: string; id: Uuid; partitions: number } | undefined;
  topics(): Iterable<{ name: string; id: Uuid; partitions: number; internal?: boolean }>;
}

export class ConsumerGroupManager {
  constructor(
    private readonly coordinator: GroupCoordinator,
    readonly topics: TopicDirectory | null,
  ) {}

  cancelTimers(g: ConsumerGroup): void {
    for (const m of g.members.values()) {
      m.sessionTimer?.cancel();
      m.rebalanceTimer?.cancel();
    }
  }

  /** An empty consumer group is replaced by a classic group of the same id. */
  deleteEmptyGroup(g: ConsumerGroup): void {
    this.cancelTimers(g);
    g.dead = true;
    this.coordinator.groups.delete(g.groupId);
  }

  tombstones(_g: ConsumerGroup): GroupLogRecord[] {
    return [];
  }

  classicLeave(_g: ConsumerGroup, members: readonly MemberIdentity[]): { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] } {
    return {
      errorCode: ErrorCode.NONE,
      members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
    };
  }

  validateCommit(g: ConsumerGroup, memberId: string, memberEpoch: number, _apiVersion: number): number {
    if (memberEpoch < 0 && g.isEmpty()) return ErrorCode.NONE;
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
      if (m.subscribedTopicRegex !== null && new RegExp(`^(?:${m.subscribedTopicRegex})$`).test(topic)) return true;
    }
    return false;
  }
}
