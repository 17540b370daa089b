// KIP-848 consumer groups on a fake clock: epochs, target assignment, revoke-then-assign
// reconciliation, fencing, leaving, session expiry, regex subscriptions, and the assignors.

import { describe, expect, it } from 'vitest';
import { ErrorCode, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from '../../src/codec/index.js';
import { rangeAssignor, uniformAssignor } from '../../src/group/assignors.js';
import type { TopicDirectory } from '../../src/group/index.js';
import { client, newCoordinator } from './helpers.js';

const E = ErrorCode;

function directory(topics: Record<string, number>): TopicDirectory & { topicsCreated: number; add(name: string, n: number): void } {
  const list = Object.entries(topics).map(([name, partitions]) => ({ name, id: `id-${name}`, partitions, internal: false }));
  return {
    topic: (name) => list.find((t) => t.name === name),
    topicById: (id) => list.find((t) => t.id === id),
    topics: () => list,
    topicsCreated: 0,
    add(name, n) {
      list.push({ name, id: `id-${name}`, partitions: n, internal: false });
      this.topicsCreated++;
    },
  };
}

function hbReq(over: Partial<ConsumerGroupHeartbeatRequest>): ConsumerGroupHeartbeatRequest {
  return {
    groupId: 'g', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
    subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, ...over,
  };
}

const parts = (r: ConsumerGroupHeartbeatResponse) =>
  (r.assignment?.topicPartitions ?? []).flatMap((tp) => tp.partitions.map((p) => `${tp.topicId.slice(3)}-${p}`)).sort();
const owned = (r: ConsumerGroupHeartbeatResponse) => r.assignment!.topicPartitions;

async function setup(topics: Record<string, number> = { t: 6 }, config = {}) {
  const dir = directory(topics);
  const { c, clock } = await newCoordinator(config, undefined, dir);
  const join = (memberId: string, over: Partial<ConsumerGroupHeartbeatRequest> = {}) =>
    c.consumerGroupHeartbeat(hbReq({ memberId, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [], ...over }), client(1));
  const beat = (memberId: string, memberEpoch: number, over: Partial<ConsumerGroupHeartbeatRequest> = {}) =>
    c.consumerGroupHeartbeat(hbReq({ memberId, memberEpoch, ...over }), client(1));
  return { c, clock, dir, join, beat };
}

describe('ConsumerGroupHeartbeat', () => {
  it('a first member gets every partition with epoch 2 (a new group starts at epoch 1, as in Kafka)', async () => {
    const { c, join } = await setup();
    const r = await join('m1');
    expect(r).toMatchObject({ errorCode: 0, memberId: 'm1', memberEpoch: 2, heartbeatIntervalMs: 5000 });
    expect(parts(r)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
    expect(c.consumerGroupDescribe(['g'], 1)[0]).toMatchObject({ groupState: 'Stable', groupEpoch: 2, assignmentEpoch: 2, assignorName: 'uniform' });
  });

  it('v0 lets the broker choose the member id; v1 requires the client to', async () => {
    const { c } = await setup();
    const r = c.consumerGroupHeartbeat(hbReq({ rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }), client(0));
    expect(r.errorCode).toBe(0);
    expect(r.memberId).toMatch(/^[0-9a-f-]{36}$/);
    const v1 = c.consumerGroupHeartbeat(hbReq({ rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }), client(1));
    expect(v1.errorCode).toBe(E.INVALID_REQUEST);
  });

  it('a second member: the first revokes half, then the second takes it (revoke before assign)', async () => {
    const { c, join, beat } = await setup();
    await join('m1');
    const r2 = join('m2');
    expect(r2).toMatchObject({ memberEpoch: 3 });
    expect(parts(r2)).toEqual([]); // its partitions are still owned by m1
    // m1 is told to keep only its target (epoch stays 2 until it revokes).
    const r1 = beat('m1', 2);
    expect(r1.memberEpoch).toBe(2);
    expect(parts(r1)).toHaveLength(3);
    expect(c.consumerGroupDescribe(['g'], 1)[0]!.groupState).toBe('Reconciling');
    // Not yet revoked: still owns all six.
    const still = beat('m1', 2, { topicPartitions: [{ topicId: 'id-t', partitions: [0, 1, 2, 3, 4, 5] }] });
    expect(still.memberEpoch).toBe(2);
    // Revoked: it gets epoch 3.
    const done = beat('m1', 2, { topicPartitions: owned(r1) });
    expect(done.memberEpoch).toBe(3);
    const r2b = beat('m2', 3);
    expect(parts(r2b)).toHaveLength(3);
    expect(new Set([...parts(r1), ...parts(r2b)]).size).toBe(6);
    expect(c.consumerGroupDescribe(['g'], 1)[0]!.groupState).toBe('Stable');
  });

  it('fences bad epochs and unknown members; accepts a retry of the previous epoch', async () => {
    const { c, join, beat } = await setup();
    const r = await join('m1');
    expect(beat('m1', 5).errorCode).toBe(E.FENCED_MEMBER_EPOCH);
    expect(beat('nobody', 1).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect(beat('m1', 0, { rebalanceTimeoutMs: -1 }).errorCode).toBe(E.INVALID_REQUEST);
    join('m2');
    beat('m1', 2);
    const r1 = beat('m1', 2, { topicPartitions: [{ topicId: 'id-t', partitions: [0, 1, 2] }] });
    expect(r1.memberEpoch).toBe(3);
    // Lost response: m1 retries with epoch 2 and what it owns now.
    expect(beat('m1', 2, { topicPartitions: owned(r1) }).errorCode).toBe(0);
    expect(beat('m1', 2, { topicPartitions: [{ topicId: 'id-t', partitions: [5] }] }).errorCode).toBe(E.FENCED_MEMBER_EPOCH);
    void r;
    void c;
  });

  it('leaving and session expiry move the partitions to the rest', async () => {
    const { c, clock, join, beat } = await setup();
    await join('m1');
    const j2 = join('m2');
    const j3 = join('m3');
    let r1 = beat('m1', 2);
    r1 = beat('m1', 2, { topicPartitions: owned(r1) });
    const r2 = beat('m2', j2.memberEpoch);
    beat('m3', j3.memberEpoch);
    // m3 leaves.
    expect(beat('m3', -1)).toMatchObject({ errorCode: 0, memberEpoch: -1 });
    const a = beat('m1', r1.memberEpoch);
    const b = beat('m2', r2.memberEpoch);
    expect(parts(a).length + parts(b).length).toBe(6);
    // m2 goes silent: after the session timeout m1 owns everything.
    clock.advance(40_000);
    beat('m1', a.memberEpoch);
    clock.advance(10_000);
    const g = c.consumerGroupDescribe(['g'], 1)[0]!;
    expect(g.members.map((m) => m.memberId)).toEqual(['m1']);
    const last = beat('m1', a.memberEpoch);
    expect(parts(last)).toHaveLength(6);
  });

  it('a member that does not revoke within its rebalance timeout is removed', async () => {
    const { c, clock, join, beat } = await setup();
    await join('m1', { rebalanceTimeoutMs: 5000 });
    join('m2');
    beat('m1', 2); // told to revoke
    let last = beat('m2', 3);
    for (let i = 0; i < 3; i++) {
      clock.advance(2000);
      last = beat('m2', last.memberEpoch);
    }
    expect(c.consumerGroupDescribe(['g'], 1)[0]!.members.map((m) => m.memberId)).toEqual(['m2']);
    expect(last.memberEpoch).toBe(4);
    expect(parts(last)).toHaveLength(6);
  });

  it('validates assignor and regex', async () => {
    const { join } = await setup({ orders: 2 });
    expect(join('x', { serverAssignor: 'sticky' }).errorCode).toBe(E.UNSUPPORTED_ASSIGNOR);
    expect(join('x', { subscribedTopicNames: null, subscribedTopicRegex: 'ord(' }).errorCode).toBe(E.INVALID_REGULAR_EXPRESSION);
  });
});

describe('regex subscriptions resolve in the background, as in Kafka', () => {
  it('the first heartbeat assigns the literal topics; a later one the matches; a topic created later follows', async () => {
    const { c, clock, dir, join, beat } = await setup({ lit: 1, orders: 2, 'orders-eu': 2, other: 4 });
    const r1 = join('m1', { subscribedTopicNames: ['lit'], subscribedTopicRegex: 'orders.*' });
    expect(r1).toMatchObject({ errorCode: 0, memberEpoch: 2 });
    expect(parts(r1)).toEqual(['lit-0']);
    // The resolution runs after the heartbeat and moves the group epoch.
    clock.advance(0);
    expect(c.consumerGroupDescribe(['g'], 1)[0]).toMatchObject({ groupEpoch: 3, assignmentEpoch: 2 });
    const r2 = beat('m1', 2);
    expect(r2.memberEpoch).toBe(3);
    expect(parts(r2)).toEqual(['lit-0', 'orders-0', 'orders-1', 'orders-eu-0', 'orders-eu-1']);

    // A topic created later: resolved again by a heartbeat once 10 s have passed since the last resolution.
    dir.add('orders-us', 1);
    clock.advance(5000);
    expect(beat('m1', 3)).toMatchObject({ memberEpoch: 3, assignment: null });
    clock.advance(5000); // exactly 10 s: not yet
    expect(beat('m1', 3)).toMatchObject({ memberEpoch: 3, assignment: null });
    clock.advance(1);
    expect(beat('m1', 3)).toMatchObject({ memberEpoch: 3, assignment: null });
    clock.advance(0);
    const r3 = beat('m1', 3);
    expect(r3.memberEpoch).toBe(4);
    expect(parts(r3)).toContain('orders-us-0');

  });

  it('resolves again after group.consumer.regex.refresh.interval.ms even without topic creations', async () => {
    const { c, clock, dir, join, beat } = await setup({ orders: 1 }, { consumerRegexRefreshIntervalMs: 30_000 });
    join('m1', { subscribedTopicNames: null, subscribedTopicRegex: 'orders.*' });
    clock.advance(0);
    expect(parts(beat('m1', 1))).toEqual(['orders-0']);
    // A topic that appears without counting as created (as after a restart) waits for the interval.
    dir.add('orders-late', 1);
    dir.topicsCreated--;
    clock.advance(20_000);
    beat('m1', 2);
    clock.advance(0);
    expect(c.consumerGroupDescribe(['g'], 1)[0]!.groupEpoch).toBe(2);
    clock.advance(10_001);
    beat('m1', 2);
    clock.advance(0);
    expect(c.consumerGroupDescribe(['g'], 1)[0]!.groupEpoch).toBe(3);
    expect(parts(beat('m1', 2))).toEqual(['orders-0', 'orders-late-0']);
  });

  it('a member joining with a regex the group has resolved moves the epoch at once; leaving drops it', async () => {
    const { c, clock, join, beat } = await setup({ orders: 4 });
    join('m1', { subscribedTopicNames: null, subscribedTopicRegex: 'orders' });
    clock.advance(0);
    beat('m1', 1);
    const r2 = join('m2', { subscribedTopicNames: null, subscribedTopicRegex: 'orders' });
    expect(r2.memberEpoch).toBe(3);
    const d = c.consumerGroupDescribe(['g'], 1)[0]!;
    expect(d).toMatchObject({ groupEpoch: 3, assignmentEpoch: 3 });
    expect(d.members.find((m) => m.memberId === 'm2')!.targetAssignment.topicPartitions[0]!.partitions).toHaveLength(2);
    // The last subscriber of a regex leaving forgets its resolution: a new member resolves it again.
    beat('m1', -1);
    beat('m2', -1);
    const r3 = join('m3', { subscribedTopicNames: null, subscribedTopicRegex: 'orders' });
    expect(parts(r3)).toEqual([]);
    clock.advance(0);
    expect(parts(beat('m3', r3.memberEpoch))).toHaveLength(4);
  });

  it('a static member leaving with epoch -2 comes back to its partitions without a rebalance', async () => {
    const { c, join, beat } = await setup();
    const a = join('a1', { instanceId: 'A' });
    join('b1', { instanceId: 'B' });
    const ra = beat('a1', a.memberEpoch);
    const ra2 = beat('a1', a.memberEpoch, { topicPartitions: owned(ra) });
    const mine = parts(ra2);
    expect(beat('a1', -2, { instanceId: 'A' }).memberEpoch).toBe(-2);
    const epoch = c.consumerGroupDescribe(['g'], 1)[0]!.groupEpoch;
    // The same instance id is busy until released; a new member id takes over.
    const back = join('a2', { instanceId: 'A' });
    expect(back.errorCode).toBe(0);
    expect(parts(back)).toEqual(mine);
    expect(c.consumerGroupDescribe(['g'], 1)[0]!.groupEpoch).toBe(epoch);
    expect(join('a3', { instanceId: 'A' }).errorCode).toBe(E.UNRELEASED_INSTANCE_ID);
  });

  it('commits check the member epoch; describe and list show the group', async () => {
    const { c, join } = await setup();
    const r = join('m1');
    const commit = (epoch: number) => c.commitOffsets({ groupId: 'g', generationIdOrMemberEpoch: epoch, memberId: 'm1', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }] }] }, 9);
    expect((await commit(r.memberEpoch + 1)).topics[0]!.partitions[0]!.errorCode).toBe(E.STALE_MEMBER_EPOCH);
    expect((await commit(r.memberEpoch)).topics[0]!.partitions[0]!.errorCode).toBe(0);
    expect(c.fetchOffsets('g', null, { requireStable: false, memberId: 'm1', memberEpoch: 7 }).errorCode).toBe(E.STALE_MEMBER_EPOCH);
    expect(c.listGroups([], ['consumer']).groups).toEqual([{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' }]);
    const d = c.consumerGroupDescribe(['g', 'none'], 1);
    expect(d[0]!.members[0]).toMatchObject({ memberId: 'm1', memberEpoch: 2, subscribedTopicNames: ['t'], memberType: 1 });
    expect(d[0]!.members[0]!.assignment.topicPartitions[0]).toMatchObject({ topicId: 'id-t', topicName: 't' });
    expect(d[1]!.errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    // A classic JoinGroup cannot enter a live consumer group.
    expect((await c.joinGroup({ groupId: 'g', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null }, client())).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('durability', () => {
  it('a restarted coordinator keeps members, epochs and assignments; silent members expire', async () => {
    const { MemoryGroupLog } = await import('../../src/group/index.js');
    const log = new MemoryGroupLog();
    const dir = directory({ t: 4 });
    const { c, clock } = await newCoordinator({}, log, dir);
    const hb = (co: typeof c, over: Partial<ConsumerGroupHeartbeatRequest>) => co.consumerGroupHeartbeat(hbReq(over), client(1));
    hb(c, { memberId: 'a', rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [] });
    const b = hb(c, { memberId: 'b', rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [] });
    let a = hb(c, { memberId: 'a', memberEpoch: 2 });
    a = hb(c, { memberId: 'a', memberEpoch: 2, topicPartitions: owned(a) });
    const b2 = hb(c, { memberId: 'b', memberEpoch: b.memberEpoch });
    await c.close();

    const { c: d } = await newCoordinator({}, log, dir, clock);
    const desc = d.consumerGroupDescribe(['g'], 1)[0]!;
    expect(desc).toMatchObject({ groupState: 'Stable', groupEpoch: 3, assignmentEpoch: 3 });
    const a2 = hb(d, { memberId: 'a', memberEpoch: a.memberEpoch, topicPartitions: owned(a) });
    expect(a2.errorCode).toBe(0);
    expect(a2.memberEpoch).toBe(3);
    // b never comes back: after the session timeout a gets everything.
    clock.advance(44_000);
    hb(d, { memberId: 'a', memberEpoch: 3 });
    clock.advance(2000);
    const a3 = hb(d, { memberId: 'a', memberEpoch: 3 });
    expect(parts(a3)).toHaveLength(4);
    expect(parts(b2)).toHaveLength(2);
    // Deleting the empty-after-leave group removes its snapshot.
    hb(d, { memberId: 'a', memberEpoch: -1 });
    expect(await d.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
    await d.close();
    const { c: e } = await newCoordinator({}, log, dir, clock);
    expect(e.groups.has('g')).toBe(false);
  });
});

describe('durability of regex resolutions', () => {
  it('a restarted coordinator keeps what regexes matched, so members keep their partitions', async () => {
    const { MemoryGroupLog } = await import('../../src/group/index.js');
    const log = new MemoryGroupLog();
    const dir = directory({ orders: 2, other: 1 });
    const { c, clock } = await newCoordinator({}, log, dir);
    const hb = (co: typeof c, over: Partial<ConsumerGroupHeartbeatRequest>) => co.consumerGroupHeartbeat(hbReq({ memberId: 'a', ...over }), client(1));
    hb(c, { rebalanceTimeoutMs: 30_000, subscribedTopicRegex: 'ord.*', topicPartitions: [] });
    clock.advance(0);
    const a = hb(c, { memberEpoch: 1 });
    expect(parts(a)).toEqual(['orders-0', 'orders-1']);
    await c.close();

    const { c: d } = await newCoordinator({}, log, dir, clock);
    const a2 = hb(d, { memberEpoch: 2, topicPartitions: owned(a) });
    expect(a2).toMatchObject({ errorCode: 0, memberEpoch: 2 });
    expect(d.consumerGroupDescribe(['g'], 1)[0]).toMatchObject({ groupEpoch: 2, assignmentEpoch: 2, groupState: 'Stable' });
    await d.close();
  });
});

describe('server-side assignors', () => {
  const current = new Map();
  it('range gives contiguous, co-partitioned ranges', () => {
    const out = rangeAssignor.assign({
      members: [{ memberId: 'b', topics: new Set(['x', 'y']), current }, { memberId: 'a', topics: new Set(['x', 'y']), current }],
      partitions: new Map([['x', 5], ['y', 5]]),
    });
    expect([...out.get('a')!.get('x')!]).toEqual([0, 1, 2]);
    expect([...out.get('a')!.get('y')!]).toEqual([0, 1, 2]);
    expect([...out.get('b')!.get('x')!]).toEqual([3, 4]);
  });

  it('uniform balances heterogeneous subscriptions and keeps partitions where they are', () => {
    const spec = {
      members: [
        { memberId: 'a', topics: new Set(['x']), current },
        { memberId: 'b', topics: new Set(['x', 'y']), current },
        { memberId: 'c', topics: new Set(['y']), current },
      ],
      partitions: new Map([['x', 4], ['y', 4]]),
    };
    const out = uniformAssignor.assign(spec);
    const size = (id: string) => [...out.get(id)!.values()].reduce((n, s) => n + s.size, 0);
    expect([size('a'), size('b'), size('c')].sort()).toEqual([2, 3, 3]);
    expect(out.get('a')!.has('y')).toBe(false);
    // Sticky: a fourth member only takes from the others.
    const again = uniformAssignor.assign({
      members: [...spec.members.map((m) => ({ ...m, current: out.get(m.memberId)! })), { memberId: 'd', topics: new Set(['x', 'y']), current: new Map() }],
      partitions: spec.partitions,
    });
    let moved = 0;
    for (const id of ['a', 'b', 'c']) {
      for (const [t, ps] of out.get(id)!) for (const p of ps) if (!again.get(id)!.get(t)?.has(p)) moved++;
    }
    expect(moved).toBe(2);
  });
});
