// Where the transaction coordinator hands the offsets of a committed transaction: the group
// coordinator's store, durably, like an OffsetCommit. It lives with the groups (not with the
// TxnOffsetCommit handler) because the broker wires it at start-up, before any request: importing
// it must not load a handler module (handlers load on their API's first request, src/api/handlers.ts).

import type { OffsetsSink, PendingOffset } from '../txn/index.js';
import { ClassicGroup } from './classic-group.js';
import type { GroupCoordinator } from './coordinator.js';
import { encodeKey, encodeOffsetValue } from './records.js';

/** The __consumer_offsets records of a committed transaction's offsets for one group. */
export function transactionalOffsetRecords(groupId: string, offsets: readonly PendingOffset[]): { key: Buffer; value: Buffer }[] {
  return offsets.map((o) => ({
    key: encodeKey({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition }),
    value: encodeOffsetValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: -1 }),
  }));
}

/**
 * Committed transactional offsets go to the group's store and __consumer_offsets. A transaction
 * completed again after a restart (keepLaterCommits) leaves alone an offset committed later than its
 * TxnOffsetCommit (by commit time: a tie goes to the transaction), which its first completion's
 * offsets may have been overwritten by before the restart.
 */
export function groupOffsetsSink(groups: GroupCoordinator): OffsetsSink {
  return async (groupId, pending, opts) => {
    const offsets = opts?.keepLaterCommits === true
      ? pending.filter((o) => (groups.committedOffset(groupId, o.topic, o.partition)?.commitTimestamp ?? -Infinity) <= o.commitTimestamp)
      : pending;
    if (offsets.length === 0) return;
    await groups.append(groupId, transactionalOffsetRecords(groupId, offsets));
    if (!groups.groups.has(groupId)) groups.groups.set(groupId, new ClassicGroup(groupId, groups.clock.now()));
    for (const o of offsets) {
      groups.putOffset(groupId, o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: -1 });
    }
  };
}
