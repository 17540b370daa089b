// The classic rebalance protocol on a fake clock: every state transition and error of Kafka's
// ClassicGroup state machine that clients rely on.

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { ClassicGroup } from '../../src/group/index.js';
import { client, flush, joinNew, joinReq, newCoordinator, subscription, track } from './helpers.js';

const E = ErrorCode;

async function stableGroup(n: number, over = {}) {
  const { c, clock } = await newCoordinator();
  const joins = [];
  for (let i = 0; i < n; i++) joins.push(await joinNew(c, 'g', over));
  // The initial rebalance delay, extended while members keep arriving.
  for (let i = 0; i < 20 && !joins.every((j) => j.join.done); i++) {
    clock.advance(3000);
    await flush();
  }
  const responses = await Promise.all(joins.map((j) => j.join.promise));
  const leader = responses.find((r) => r.leader === r.memberId)!;
  const syncs = responses.map((r) =>
    track(c.syncGroup({
      groupId: 'g', generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: r.memberId === leader.memberId ? responses.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`a-${m.memberId}`) })) : [],
    }, client())),
  );
  await Promise.all(syncs.map((s) => s.promise));
  return { c, clock, members: responses.map((r) => r.memberId), leader: leader.memberId, generation: leader.generationId };
}

const hb = (memberId: string, generationId: number, groupInstanceId: string | null = null) => ({ groupId: 'g', generationId, memberId, groupInstanceId });

describe('JoinGroup', () => {
  it('asks a v4+ member for its member id, then parks it until the initial rebalance delay ends', async () => {
    const { c, clock } = await newCoordinator();
    const first = await c.joinGroup(joinReq('g'), client(5, 'app'));
    expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^app-[0-9a-f-]{36}$/);
    const join = track(c.joinGroup(joinReq('g', first.memberId), client(5)));
    clock.advance(2999);
    await flush();
    expect(join.done).toBe(false);
    expect((c.groups.get('g') as ClassicGroup).state).toBe('PreparingRebalance');
    clock.advance(1);
    const r = await join.promise;
    expect(r).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range', protocolType: 'consumer', leader: first.memberId, memberId: first.memberId });
    expect(r.members.map((m) => m.memberId)).toEqual([first.memberId]);
    expect((c.groups.get('g') as ClassicGroup).state).toBe('CompletingRebalance');
  });

  it('v0-3 members get a member id at once', async () => {
    const { c, clock } = await newCoordinator();
    const join = track(c.joinGroup(joinReq('g'), client(3)));
    clock.advance(3000);
    const r = await join.promise;
    expect(r.errorCode).toBe(0);
    expect(r.memberId).not.toBe('');
  });

  it('rejects bad group ids and session timeouts outside the broker bounds', async () => {
    const { c } = await newCoordinator({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 30000 });
    expect((await c.joinGroup(joinReq(''), client())).errorCode).toBe(E.INVALID_GROUP_ID);
    // Longer than an int16 string: could be neither stored in __consumer_offsets nor listed.
    expect((await c.joinGroup(joinReq('g'.repeat(40_000)), client())).errorCode).toBe(E.INVALID_GROUP_ID);
    expect((await c.commitOffsets({ groupId: 'é'.repeat(20_000), generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] }, 9)).topics[0]!.partitions[0]!.errorCode).toBe(E.INVALID_GROUP_ID);
    expect(c.groups.size).toBe(0);
    expect((await c.joinGroup(joinReq('g', '', { sessionTimeoutMs: 5999 }), client())).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(joinReq('g', '', { sessionTimeoutMs: 30001 }), client())).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(joinReq('nope', 'some-member'), client())).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  it('extends the initial delay while new members arrive, and elects the first as leader', async () => {
    const { c, clock } = await newCoordinator({ initialRebalanceDelayMs: 3000 });
    const a = await joinNew(c, 'g');
    clock.advance(2000);
    const b = await joinNew(c, 'g');
    clock.advance(1000); // first delay ends, a member was added: wait another delay
    await flush();
    expect(a.join.done).toBe(false);
    clock.advance(6000);
    const [ra, rb] = await Promise.all([a.join.promise, b.join.promise]);
    expect(ra.leader).toBe(a.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
    expect(rb.generationId).toBe(1);
  });

  it('selects the protocol most members prefer among those all support', async () => {
    const { c, clock } = await newCoordinator();
    const md = subscription(['t']);
    const a = await joinNew(c, 'g', { protocols: [{ name: 'roundrobin', metadata: md }, { name: 'range', metadata: md }] });
    const b = await joinNew(c, 'g', { protocols: [{ name: 'range', metadata: md }, { name: 'roundrobin', metadata: md }] });
    const cc = await joinNew(c, 'g', { protocols: [{ name: 'range', metadata: md }, { name: 'sticky', metadata: md }, { name: 'roundrobin', metadata: md }] });
    clock.advance(10_000);
    const rs = await Promise.all([a.join.promise, b.join.promise, cc.join.promise]);
    expect(rs.map((r) => r.protocolName)).toEqual(['range', 'range', 'range']);
  });

  it('answers INCONSISTENT_GROUP_PROTOCOL when protocols or the protocol type do not match', async () => {
    const { c } = await newCoordinator();
    await joinNew(c, 'g');
    const other = await c.joinGroup(joinReq('g', '', { protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }), client());
    expect(other.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    const type = await c.joinGroup(joinReq('g', '', { protocolType: 'connect' }), client());
    expect(type.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    const empty = await c.joinGroup(joinReq('h', '', { protocols: [] }), client());
    expect(empty.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('refuses members beyond group.max.size', async () => {
    const { c, clock } = await newCoordinator({ maxSize: 2 });
    const a = await joinNew(c, 'g');
    const b = await joinNew(c, 'g');
    clock.advance(6000);
    await Promise.all([a.join.promise, b.join.promise]);
    // Checked before a member id is handed out.
    const third = await c.joinGroup(joinReq('g'), client());
    expect(third.errorCode).toBe(E.GROUP_MAX_SIZE_REACHED);
    // Existing members still rejoin.
    expect((await c.joinGroup(joinReq('g', a.memberId), client())).errorCode).toBe(0);
  });

  it('a follower rejoining a Stable group with the same metadata gets the current generation without a rebalance', async () => {
    const { c, members, leader, generation } = await stableGroup(2);
    const follower = members.find((m) => m !== leader)!;
    const r = await c.joinGroup(joinReq('g', follower), client());
    expect(r).toMatchObject({ errorCode: 0, generationId: generation, leader });
    expect((c.groups.get('g') as ClassicGroup).state).toBe('Stable');
  });

  it('a leader rejoining a Stable group forces a rebalance; others learn it from heartbeats', async () => {
    const { c, clock, members, leader, generation } = await stableGroup(2);
    const follower = members.find((m) => m !== leader)!;
    const lj = track(c.joinGroup(joinReq('g', leader), client()));
    expect((c.groups.get('g') as ClassicGroup).state).toBe('PreparingRebalance');
    expect(c.heartbeat(hb(follower, generation))).toBe(E.REBALANCE_IN_PROGRESS);
    const fj = track(c.joinGroup(joinReq('g', follower), client()));
    await flush();
    clock.advance(0);
    const [rl, rf] = await Promise.all([lj.promise, fj.promise]);
    expect(rl.generationId).toBe(generation + 1);
    expect(rf.generationId).toBe(generation + 1);
  });
});

describe('SyncGroup', () => {
  it('parks followers until the leader sends the assignment, then gives each its bytes', async () => {
    const { c, clock } = await newCoordinator();
    const a = await joinNew(c, 'g');
    const b = await joinNew(c, 'g');
    clock.advance(6000);
    const [ra, rb] = await Promise.all([a.join.promise, b.join.promise]);
    const leader = ra.leader === ra.memberId ? ra : rb;
    const follower = leader === ra ? rb : ra;
    const fs = track(c.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] }, client()));
    await flush();
    expect(fs.done).toBe(false);
    const ls = await c.syncGroup({
      groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: [{ memberId: follower.memberId, assignment: Buffer.from([1, 2, 3]) }],
    }, client(3));
    expect(ls.errorCode).toBe(0);
    expect(ls.assignment.length).toBe(0); // the leader gave itself nothing
    const f = await fs.promise;
    expect(f).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect([...f.assignment]).toEqual([1, 2, 3]);
    expect((c.groups.get('g') as ClassicGroup).state).toBe('Stable');
    // A late sync in Stable returns the stored assignment.
    const again = await c.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client());
    expect([...again.assignment]).toEqual([1, 2, 3]);
  });

  it('checks group, member, generation and protocol', async () => {
    const { c, members, generation } = await stableGroup(1);
    const s = (over: object) => c.syncGroup({ groupId: 'g', generationId: generation, memberId: members[0]!, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...over }, client());
    expect((await s({ groupId: 'x' })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await s({ memberId: 'who' })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await s({ generationId: generation + 1 })).errorCode).toBe(E.ILLEGAL_GENERATION);
    expect((await s({ protocolName: 'roundrobin' })).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await s({ protocolType: 'connect' })).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await s({})).errorCode).toBe(E.NONE);
  });

  it('answers REBALANCE_IN_PROGRESS to a parked sync when a rebalance starts', async () => {
    const { c, clock } = await newCoordinator();
    const a = await joinNew(c, 'g');
    const b = await joinNew(c, 'g');
    clock.advance(6000);
    const [ra, rb] = await Promise.all([a.join.promise, b.join.promise]);
    const follower = ra.leader === ra.memberId ? rb : ra;
    const fs = track(c.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client()));
    await joinNew(c, 'g'); // a third member arrives
    const late = track(c.joinGroup(joinReq('g', (await c.joinGroup(joinReq('g'), client())).memberId), client()));
    expect((await fs.promise).errorCode).toBe(E.REBALANCE_IN_PROGRESS);
    void late;
  });

  it('removes members that never send SyncGroup within the rebalance timeout', async () => {
    const { c, clock } = await newCoordinator();
    const a = await joinNew(c, 'g', { rebalanceTimeoutMs: 20_000 });
    const b = await joinNew(c, 'g', { rebalanceTimeoutMs: 20_000 });
    clock.advance(6000);
    const [ra, rb] = await Promise.all([a.join.promise, b.join.promise]);
    const leader = ra.leader === ra.memberId ? ra : rb;
    const follower = leader === ra ? rb : ra;
    // Only the follower syncs (and keeps heartbeating); the leader vanishes.
    const fs = track(c.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, client()));
    for (let t = 0; t < 20_000; t += 5000) {
      clock.advance(5000);
      c.heartbeat(hb(follower.memberId, 1));
    }
    expect((await fs.promise).errorCode).toBe(E.REBALANCE_IN_PROGRESS);
    const g = c.groups.get('g') as ClassicGroup;
    expect(g.members.has(leader.memberId)).toBe(false);
    expect(g.state).toBe('PreparingRebalance');
  });
});

describe('Heartbeat and session expiry', () => {
  it('answers per state, member and generation', async () => {
    const { c, members, generation } = await stableGroup(1);
    expect(c.heartbeat(hb(members[0]!, generation))).toBe(E.NONE);
    expect(c.heartbeat(hb(members[0]!, generation - 1))).toBe(E.ILLEGAL_GENERATION);
    expect(c.heartbeat(hb('who', generation))).toBe(E.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat({ ...hb(members[0]!, generation), groupId: 'other' })).toBe(E.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat({ ...hb(members[0]!, generation), groupId: '' })).toBe(E.INVALID_GROUP_ID);
  });

  it('a silent member is removed after its session timeout and the others rebalance without it', async () => {
    const { c, clock, members, generation } = await stableGroup(2, { sessionTimeoutMs: 10_000 });
    const [alive, silent] = members as [string, string];
    clock.advance(6000);
    expect(c.heartbeat(hb(alive, generation))).toBe(E.NONE);
    clock.advance(4000); // silent's session (10s since its sync) ends
    const g = c.groups.get('g') as ClassicGroup;
    expect(g.members.has(silent)).toBe(false);
    expect(g.state).toBe('PreparingRebalance');
    expect(c.heartbeat(hb(alive, generation))).toBe(E.REBALANCE_IN_PROGRESS);
    const r = await c.joinGroup(joinReq('g', alive, { sessionTimeoutMs: 10_000 }), client());
    expect(r).toMatchObject({ errorCode: 0, generationId: generation + 1, leader: alive });
    expect(r.members.map((m) => m.memberId)).toEqual([alive]);
  });

  it('members that do not rejoin within the rebalance timeout are dropped from the next generation', async () => {
    const { c, clock, members, generation } = await stableGroup(2, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const [a, b] = members as [string, string];
    const ja = track(c.joinGroup(joinReq('g', a, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000, reason: 'x', protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] }), client()));
    clock.advance(19_999);
    await flush();
    expect(ja.done).toBe(false);
    clock.advance(1);
    const r = await ja.promise;
    expect(r.generationId).toBe(generation + 1);
    expect(r.members.map((m) => m.memberId)).toEqual([a]);
    expect((c.groups.get('g') as ClassicGroup).members.has(b)).toBe(false);
  });

  it('a pending member (MEMBER_ID_REQUIRED) that never comes back expires after its session timeout', async () => {
    const { c, clock, members, generation } = await stableGroup(1);
    const pending = await c.joinGroup(joinReq('g', '', { sessionTimeoutMs: 10_000 }), client());
    const g = c.groups.get('g') as ClassicGroup;
    expect(g.pendingJoinMembers.has(pending.memberId)).toBe(true);
    clock.advance(9000);
    c.heartbeat(hb(members[0]!, generation));
    clock.advance(1000);
    expect(g.pendingJoinMembers.size).toBe(0);
    expect(g.state).toBe('Stable');
  });
});

describe('LeaveGroup', () => {
  it('removes members (batched by identity) and rebalances the rest', async () => {
    const { c, members, generation } = await stableGroup(3);
    const [a, b, d] = members as [string, string, string];
    const r = c.leaveGroup('g', [{ memberId: a, groupInstanceId: null }, { memberId: 'nobody', groupInstanceId: null }, { memberId: b, groupInstanceId: null }]);
    expect(r.errorCode).toBe(0);
    expect(r.members.map((m) => m.errorCode)).toEqual([0, E.UNKNOWN_MEMBER_ID, 0]);
    const g = c.groups.get('g') as ClassicGroup;
    expect([...g.members.keys()]).toEqual([d]);
    expect(g.state).toBe('PreparingRebalance');
    const j = await c.joinGroup(joinReq('g', d), client());
    expect(j).toMatchObject({ generationId: generation + 1, leader: d });
    expect(c.leaveGroup('nope', [{ memberId: d, groupInstanceId: null }]).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  it('the last member leaving empties the group (next generation, no protocol)', async () => {
    const { c, members, generation } = await stableGroup(1);
    c.leaveGroup('g', [{ memberId: members[0]!, groupInstanceId: null }]);
    const g = c.groups.get('g') as ClassicGroup;
    expect(g.state).toBe('Empty');
    expect(g.generationId).toBe(generation + 1);
    expect(g.protocolName).toBeNull();
  });
});

describe('static membership', () => {
  it('a restarted static member rejoins a Stable group without a rebalance; the old id is fenced', async () => {
    const { c, members, generation } = await stableGroup(2, { groupInstanceId: null });
    void members;
    // Build a group with one static member.
    const { c: c2, clock } = await newCoordinator();
    const s = track(c2.joinGroup(joinReq('g', '', { groupInstanceId: 'i-1' }), client()));
    const d = await joinNew(c2, 'g');
    clock.advance(6000);
    const [rs, rd] = await Promise.all([s.promise, d.join.promise]);
    expect(rs.errorCode).toBe(0);
    expect(rs.memberId.startsWith('i-1-')).toBe(true);
    const leader = rs.leader;
    await Promise.all([rs, rd].map((r) => c2.syncGroup({
      groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: r === rs ? 'i-1' : null, protocolType: null, protocolName: null,
      assignments: r.memberId === leader ? [{ memberId: rs.memberId, assignment: Buffer.from('S') }, { memberId: rd.memberId, assignment: Buffer.from('D') }] : [],
    }, client())));
    // Restart: unknown member id, same instance id.
    const again = await c2.joinGroup(joinReq('g', '', { groupInstanceId: 'i-1' }), client(5));
    expect(again.errorCode).toBe(0);
    expect(again.generationId).toBe(1);
    expect(again.memberId).not.toBe(rs.memberId);
    const g = c2.groups.get('g') as ClassicGroup;
    expect(g.state).toBe('Stable');
    expect(c2.heartbeat(hb(rs.memberId, 1, 'i-1'))).toBe(E.FENCED_INSTANCE_ID);
    expect(c2.heartbeat(hb(again.memberId, 1, 'i-1'))).toBe(E.NONE);
    expect(c2.heartbeat(hb(rd.memberId, 1))).toBe(E.NONE);
    const sync = await c2.syncGroup({ groupId: 'g', generationId: 1, memberId: again.memberId, groupInstanceId: 'i-1', protocolType: null, protocolName: null, assignments: [] }, client());
    expect(sync.assignment.toString()).toBe('S');
    void c;
    void generation;
  });

  it('a v9 static leader that rejoins is told to skip the assignment', async () => {
    const { c, clock } = await newCoordinator();
    const s = track(c.joinGroup(joinReq('g', '', { groupInstanceId: 'lead' }), client(9)));
    clock.advance(3000);
    const r = await s.promise;
    await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: 'lead', protocolType: null, protocolName: null, assignments: [] }, client(9));
    const again = await c.joinGroup(joinReq('g', '', { groupInstanceId: 'lead' }), client(9));
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, skipAssignment: true, leader: again.memberId });
    expect(again.members).toHaveLength(1);
  });

  it('admin removal by group.instance.id, and FENCED_INSTANCE_ID for a mismatched member id', async () => {
    const { c, clock } = await newCoordinator();
    const s = track(c.joinGroup(joinReq('g', '', { groupInstanceId: 'x' }), client()));
    clock.advance(3000);
    const r = await s.promise;
    const fenced = c.leaveGroup('g', [{ memberId: 'other', groupInstanceId: 'x' }]);
    expect(fenced.members[0]!.errorCode).toBe(E.FENCED_INSTANCE_ID);
    const byInstance = c.leaveGroup('g', [{ memberId: '', groupInstanceId: 'x' }]);
    expect(byInstance.members[0]!.errorCode).toBe(0);
    expect((c.groups.get('g') as ClassicGroup).members.has(r.memberId)).toBe(false);
  });
});

describe('describe and list', () => {
  it('describes Stable groups with metadata and assignments, lists with state and type filters', async () => {
    const { c, members } = await stableGroup(2);
    const [d] = c.describeGroups(['g', 'missing'], 5);
    expect(d).toMatchObject({ groupId: 'g', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d!.members.map((m) => m.memberAssignment.toString()).sort()).toEqual(members.map((m) => `a-${m}`).sort());
    expect(c.describeGroups(['missing'], 5)[0]).toMatchObject({ errorCode: 0, groupState: 'Dead' });
    expect(c.describeGroups(['missing'], 6)[0]).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND });
    expect(c.listGroups([], []).groups).toEqual([{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }]);
    expect(c.listGroups(['empty'], []).groups).toEqual([]);
    expect(c.listGroups(['STABLE'], ['classic']).groups).toHaveLength(1);
    expect(c.listGroups([], ['consumer']).groups).toHaveLength(0);
  });
});
