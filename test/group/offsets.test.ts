// Committed offsets: member/generation checks per group state, metadata limits, fetch forms,
// OffsetDelete, DeleteGroups, retention, and replay of __consumer_offsets records.

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { ClassicGroup, MemoryGroupLog } from '../../src/group/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { client, flush, joinNew, newCoordinator, track } from './helpers.js';

const E = ErrorCode;
const commit = (groupId: string, generation: number, memberId: string, partitions: [string, number, number, string?][], retentionTimeMs = -1) => ({
  groupId, generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs,
  topics: [...new Set(partitions.map((p) => p[0]))].map((name) => ({
    name,
    partitions: partitions.filter((p) => p[0] === name).map(([, partitionIndex, committedOffset, md]) => ({
      partitionIndex, committedOffset, committedLeaderEpoch: 3, committedMetadata: md ?? null,
    })),
  })),
});
const codes = (r: { topics: { partitions: { errorCode: number }[] }[] }) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

async function oneMemberGroup(c: Awaited<ReturnType<typeof newCoordinator>>['c'], clock: FakeClock, groupId = 'g') {
  const j = await joinNew(c, groupId);
  clock.advance(3000);
  const r = await j.join.promise;
  return r;
}

describe('OffsetCommit and OffsetFetch', () => {
  it('simple consumers commit to a new group; fetch returns offset, leader epoch and metadata', async () => {
    const { c } = await newCoordinator();
    const r = await c.commitOffsets(commit('simple', -1, '', [['t', 0, 42, 'meta'], ['t', 1, 7]]), 2);
    expect(codes(r)).toEqual([0, 0]);
    const f = c.fetchOffsets('simple', [{ name: 't', partitionIndexes: [0, 1, 2] }], { requireStable: false });
    expect(f.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: 'meta', errorCode: 0 },
      { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: 3, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    ]);
    expect(c.fetchOffsets('simple', null, { requireStable: false }).topics.map((t) => t.name)).toEqual(['t']);
    expect(c.fetchOffsets('nobody', null, { requireStable: false })).toEqual({ errorCode: 0, topics: [] });
    expect(c.listGroups([], []).groups[0]).toMatchObject({ groupId: 'simple', protocolType: '', groupState: 'Empty' });
  });

  it('checks member and generation against the group', async () => {
    const { c, clock } = await newCoordinator();
    const r = await oneMemberGroup(c, clock);
    // CompletingRebalance: a valid member is told to finish the rebalance first.
    expect(codes(await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 1]]), 8))).toEqual([E.REBALANCE_IN_PROGRESS]);
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client());
    expect(codes(await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 1]]), 8))).toEqual([0]);
    expect(codes(await c.commitOffsets(commit('g', 2, r.memberId, [['t', 0, 1]]), 8))).toEqual([E.ILLEGAL_GENERATION]);
    expect(codes(await c.commitOffsets(commit('g', 1, 'stranger', [['t', 0, 1]]), 8))).toEqual([E.UNKNOWN_MEMBER_ID]);
    expect(codes(await c.commitOffsets(commit('g', -1, '', [['t', 0, 1]]), 8))).toEqual([E.UNKNOWN_MEMBER_ID]);
    expect(codes(await c.commitOffsets(commit('missing', 1, 'm', [['t', 0, 1]]), 8))).toEqual([E.ILLEGAL_GENERATION]);
    expect(codes(await c.commitOffsets(commit('missing', 1, 'm', [['t', 0, 1]]), 9))).toEqual([E.GROUP_ID_NOT_FOUND]);
    expect(codes(await c.commitOffsets(commit('', -1, '', [['t', 0, 1]]), 8))).toEqual([E.INVALID_GROUP_ID]);
  });

  it('refuses metadata over offset.metadata.max.bytes per partition', async () => {
    const { c } = await newCoordinator({ offsetMetadataMaxSize: 5 });
    const r = await c.commitOffsets(commit('s', -1, '', [['t', 0, 1, 'short'], ['t', 1, 1, 'toolong']]), 2);
    expect(codes(r)).toEqual([0, E.OFFSET_METADATA_TOO_LARGE]);
  });

  it('require_stable reports partitions with pending transactional offsets', async () => {
    const { c } = await newCoordinator();
    await c.commitOffsets(commit('s', -1, '', [['t', 0, 5], ['t', 1, 6]]), 2);
    c.pendingTransactionalOffsets = (_g, _t, p) => p === 1;
    const f = c.fetchOffsets('s', [{ name: 't', partitionIndexes: [0, 1] }], { requireStable: true });
    expect(f.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode])).toEqual([[5, 0], [-1, E.UNSTABLE_OFFSET_COMMIT]]);
    const g = c.fetchOffsets('s', [{ name: 't', partitionIndexes: [1] }], { requireStable: false });
    expect(g.topics[0]!.partitions[0]!.committedOffset).toBe(6);
  });

  it('a failed append answers the mapped error and leaves the old offset visible', async () => {
    const log = new MemoryGroupLog();
    const { c } = await newCoordinator({}, log);
    await c.commitOffsets(commit('s', -1, '', [['t', 0, 5]]), 2);
    log.failNext = Object.assign(new Error('disk'), { kafkaErrorCode: E.KAFKA_STORAGE_ERROR });
    expect(codes(await c.commitOffsets(commit('s', -1, '', [['t', 0, 9]]), 2))).toEqual([E.NOT_COORDINATOR]);
    expect(c.committedOffset('s', 't', 0)?.offset).toBe(5);
  });
});

describe('OffsetDelete and DeleteGroups', () => {
  it('refuses to delete offsets of subscribed topics of a consumer group, allows others', async () => {
    const { c, clock } = await newCoordinator();
    const r = await oneMemberGroup(c, clock);
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client());
    await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 1], ['old', 0, 2]]), 8);
    const d = await c.deleteOffsets('g', [{ name: 't', partitions: [0] }, { name: 'old', partitions: [0] }]);
    expect(d.errorCode).toBe(0);
    expect(d.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([E.GROUP_SUBSCRIBED_TO_TOPIC, 0]);
    expect(c.committedOffset('g', 'old', 0)).toBeUndefined();
    expect(c.committedOffset('g', 't', 0)?.offset).toBe(1);
    expect((await c.deleteOffsets('none', [])).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
  });

  it('deletes empty groups with their offsets, refuses groups with members', async () => {
    const { c, clock } = await newCoordinator();
    const r = await oneMemberGroup(c, clock);
    await c.commitOffsets(commit('s', -1, '', [['t', 0, 1]]), 2);
    expect(await c.deleteGroups(['g', 's', 'none'])).toEqual([
      { groupId: 'g', errorCode: E.NON_EMPTY_GROUP },
      { groupId: 's', errorCode: 0 },
      { groupId: 'none', errorCode: E.GROUP_ID_NOT_FOUND },
    ]);
    expect(c.fetchOffsets('s', null, { requireStable: false }).topics).toEqual([]);
    c.leaveGroup('g', [{ memberId: r.memberId, groupInstanceId: null }]);
    expect(await c.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
    expect(c.groups.size).toBe(0);
  });
});

describe('retention', () => {
  it('expires offsets of an empty group offsets.retention after it became empty, then the group', async () => {
    const { c, clock } = await newCoordinator({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
    const r = await oneMemberGroup(c, clock);
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client());
    await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 1]]), 8);
    // While the member is there, nothing expires.
    for (let i = 0; i < 10; i++) {
      clock.advance(9000);
      c.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null });
    }
    expect(c.committedOffset('g', 't', 0)?.offset).toBe(1);
    c.leaveGroup('g', [{ memberId: r.memberId, groupInstanceId: null }]);
    clock.advance(50_000);
    expect(c.committedOffset('g', 't', 0)).toBeDefined();
    clock.advance(20_000);
    expect(c.committedOffset('g', 't', 0)).toBeUndefined();
    expect(c.groups.has('g')).toBe(false);
  });

  it('in a Stable consumer-protocol group, only offsets of topics nobody subscribes to expire', async () => {
    const { c, clock } = await newCoordinator({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
    const r = await oneMemberGroup(c, clock); // subscribes to 't'
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client());
    await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 1], ['old', 0, 2]]), 8);
    for (let i = 0; i < 8; i++) {
      clock.advance(9000);
      c.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null });
    }
    expect(c.committedOffset('g', 't', 0)?.offset).toBe(1);
    expect(c.committedOffset('g', 'old', 0)).toBeUndefined();
  });

  it('an empty group restored from the log still expires', async () => {
    const log = new MemoryGroupLog();
    const clock = new FakeClock();
    const { c } = await newCoordinator({}, log, undefined, clock);
    const r = await oneMemberGroup(c, clock);
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client());
    await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 1]]), 8);
    c.leaveGroup('g', [{ memberId: r.memberId, groupInstanceId: null }]);
    await c.close();
    const { c: d } = await newCoordinator({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 }, log, undefined, clock);
    expect((d.groups.get('g') as ClassicGroup).state).toBe('Empty');
    clock.advance(70_000);
    expect(d.committedOffset('g', 't', 0)).toBeUndefined();
    expect(d.groups.has('g')).toBe(false);
  });

  it('honours an explicit retention time (OffsetCommit v2-4)', async () => {
    const { c, clock } = await newCoordinator({ offsetsRetentionMs: 1_000_000, offsetsRetentionCheckIntervalMs: 1000 });
    await c.commitOffsets(commit('s', -1, '', [['t', 0, 1]], 5000), 2);
    clock.advance(4000);
    expect(c.committedOffset('s', 't', 0)).toBeDefined();
    clock.advance(2000);
    expect(c.committedOffset('s', 't', 0)).toBeUndefined();
  });
});

describe('replay', () => {
  it('a new coordinator over the same records restores offsets and the Stable group', async () => {
    const log = new MemoryGroupLog();
    const clock = new FakeClock();
    const { c } = await newCoordinator({}, log, undefined, clock);
    const j = await joinNew(c, 'g', { groupInstanceId: null });
    clock.advance(3000);
    const r = await j.join.promise;
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: r.memberId, assignment: Buffer.from('A') }] }, client());
    await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 10, 'm'], ['t', 1, 11]]), 8);
    await c.commitOffsets(commit('g', 1, r.memberId, [['t', 0, 12, 'm2']]), 8);
    await c.commitOffsets(commit('gone', -1, '', [['t', 0, 1]]), 2);
    await c.deleteGroups(['gone']);
    await c.close();

    const { c: d } = await newCoordinator({}, log, undefined, clock);
    expect(d.committedOffset('g', 't', 0)).toMatchObject({ offset: 12, metadata: 'm2', leaderEpoch: 3 });
    expect(d.committedOffset('g', 't', 1)?.offset).toBe(11);
    expect(d.groups.has('gone')).toBe(false);
    const g = d.groups.get('g') as ClassicGroup;
    expect(g).toMatchObject({ state: 'Stable', generationId: 1, protocolName: 'range', leaderId: r.memberId });
    expect(g.members.get(r.memberId)!.assignment.toString()).toBe('A');
    expect(d.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null })).toBe(0);
    // The restored member still expires if it never comes back.
    clock.advance(10_000);
    expect(g.state).toBe('Empty');
    expect(g.size).toBe(0);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS until loaded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const log = new MemoryGroupLog();
    log.replay = async () => gate;
    const { GroupCoordinator } = await import('../../src/group/index.js');
    const { silentLogger } = await import('../../src/util/logger.js');
    const c = new GroupCoordinator({ clock: new FakeClock(), logger: silentLogger, log });
    const loading = track(c.load());
    expect((await c.joinGroup({ groupId: 'g', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 1, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [], reason: null }, client())).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS);
    expect(c.fetchOffsets('g', null, { requireStable: false }).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS);
    expect(c.listGroups([], []).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    await loading.promise;
    await flush();
    expect(c.listGroups([], []).errorCode).toBe(0);
  });
});
