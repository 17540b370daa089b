// The group handlers over a real socket, version by version: FindCoordinator batching, the classic
// join/sync round trip at flexible versions, OffsetCommit/OffsetFetch from v0 to v10 (topic ids,
// batched groups), ListGroups filters, DeleteGroups, and KIP-848 heartbeats and describe.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { subscription } from './helpers.js';

let broker: RunningBroker;
let client: RawClient;
let topicId: string;
beforeAll(async () => {
  broker = await startBroker({ config: { 'group.initial.rebalance.delay.ms': 0 } });
  await broker.services.groups.load();
  client = await RawClient.connect(broker.port);
  const created = await client.request(19, 7, { topics: [{ name: 'wire', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(created.topics[0].errorCode).toBe(0);
  topicId = broker.services.cluster.topic('wire')!.id;
});
afterAll(async () => {
  client?.close();
  await broker?.close();
});

describe('FindCoordinator', () => {
  it('answers this node for group and transaction keys, batched from v4', async () => {
    for (let v = 0; v <= 3; v++) {
      const r = await client.request(10, v, { key: 'g', keyType: v >= 1 ? 1 : 0 });
      expect(r).toMatchObject({ errorCode: 0, nodeId: 1, host: '127.0.0.1', port: broker.port });
    }
    for (let v = 4; v <= 6; v++) {
      const r = await client.request(10, v, { keyType: 0, coordinatorKeys: ['a', 'b', ''] });
      expect(r.coordinators.map((c: { key: string; errorCode: number; port: number }) => [c.key, c.errorCode, c.port])).toEqual([
        ['a', 0, broker.port], ['b', 0, broker.port], ['', 0, broker.port],
      ]);
    }
    const share = await client.request(10, 6, { keyType: 2, coordinatorKeys: ['g:x:0'] });
    expect(share.coordinators[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('classic group over the wire', () => {
  it('JoinGroup v9 / SyncGroup v5 / Heartbeat v4 / DescribeGroups v5 / LeaveGroup v5', async () => {
    const join = { groupId: 'wire-g', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(['wire']) }], reason: 'test' };
    const first = await client.request(11, 9, { ...join, memberId: '' });
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await client.request(11, 9, { ...join, memberId: first.memberId });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, skipAssignment: false });
    expect(Buffer.from(joined.members[0].metadata).equals(subscription(['wire']))).toBe(true);
    const synced = await client.request(14, 5, {
      groupId: 'wire-g', generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: first.memberId, assignment: Buffer.from('assignment-bytes') }],
    });
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(Buffer.from(synced.assignment).toString()).toBe('assignment-bytes');
    expect((await client.request(12, 4, { groupId: 'wire-g', generationId: 1, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(0);
    const described = await client.request(15, 5, { groups: ['wire-g'], includeAuthorizedOperations: true });
    expect(described.groups[0].authorizedOperations).toBe((1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11));
    expect(described.groups[0]).toMatchObject({ groupState: 'Stable', protocolData: 'range', members: [expect.objectContaining({ memberId: first.memberId, clientId: 'raw-client', clientHost: '/127.0.0.1' })] });
    const left = await client.request(13, 5, { groupId: 'wire-g', members: [{ memberId: first.memberId, groupInstanceId: null, reason: 'bye' }, { memberId: 'x', groupInstanceId: null, reason: null }] });
    expect(left.errorCode).toBe(0);
    expect(left.members.map((m: { errorCode: number }) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    const leftV0 = await client.request(13, 0, { groupId: 'wire-g', memberId: 'x' });
    expect(leftV0.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('offsets over the wire', () => {
  it('OffsetCommit v0-10 and OffsetFetch v1-10 (topic ids in v10, batched groups from v8)', async () => {
    for (let v = 0; v <= 10; v++) {
      const r = await client.request(8, v, {
        groupId: `off-${v}`, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
        topics: [{ name: v >= 10 ? '' : 'wire', topicId: topicId, partitions: [
          { partitionIndex: 0, committedOffset: 100 + v, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: `v${v}` },
          { partitionIndex: 9, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null },
        ] }],
      });
      const byPartition = Object.fromEntries(r.topics[0].partitions.map((p: { partitionIndex: number; errorCode: number }) => [p.partitionIndex, p.errorCode]));
      expect(byPartition).toEqual({ 0: 0, 9: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
      if (v >= 10) expect(r.topics[0].topicId).toBe(topicId);
    }
    for (let v = 1; v <= 7; v++) {
      const r = await client.request(9, v, { groupId: `off-${v}`, topics: [{ name: 'wire', partitionIndexes: [0, 1] }], requireStable: false });
      expect(r.topics[0].partitions.map((p: { committedOffset: number; metadata: string }) => [p.committedOffset, p.metadata])).toEqual([[100 + v, `v${v}`], [-1, '']]);
    }
    const all = await client.request(9, 2, { groupId: 'off-2', topics: null });
    expect(all.topics).toEqual([expect.objectContaining({ name: 'wire' })]);
    const batched = await client.request(9, 8, {
      groups: [{ groupId: 'off-8', topics: [{ name: 'wire', partitionIndexes: [0] }] }, { groupId: 'off-9', topics: null }, { groupId: '', topics: null }],
      requireStable: true,
    });
    expect(batched.groups.map((g: { groupId: string; errorCode: number; topics: { partitions: { committedOffset: number }[] }[] }) => [g.groupId, g.errorCode, g.topics[0]?.partitions[0]?.committedOffset])).toEqual([
      ['off-8', 0, 108], ['off-9', 0, 109], ['', ErrorCode.INVALID_GROUP_ID, undefined],
    ]);
    const byId = await client.request(9, 10, { groups: [{ groupId: 'off-10', memberId: null, memberEpoch: -1, topics: [{ topicId, partitionIndexes: [0] }] }], requireStable: false });
    expect(byId.groups[0].topics[0]).toMatchObject({ topicId, partitions: [expect.objectContaining({ committedOffset: 110, metadata: 'v10' })] });
  });

  it('ListGroups v5 filters, OffsetDelete, DeleteGroups v2', async () => {
    const listed = await client.request(16, 5, { statesFilter: ['Empty'], typesFilter: ['classic'] });
    expect(listed.groups.map((g: { groupId: string }) => g.groupId)).toEqual(expect.arrayContaining(['off-0', 'off-10']));
    expect(listed.groups.every((g: { groupState: string; groupType: string }) => g.groupState === 'Empty' && g.groupType === 'classic')).toBe(true);
    expect((await client.request(16, 5, { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([]);
    const od = await client.request(47, 0, { groupId: 'off-3', topics: [{ name: 'wire', partitions: [{ partitionIndex: 0 }] }] });
    expect(od).toMatchObject({ errorCode: 0, topics: [{ name: 'wire', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
    // Partitions that do not exist are answered UNKNOWN_TOPIC_OR_PARTITION first, as Kafka does.
    const unknown = await client.request(47, 0, { groupId: 'off-3', topics: [{ name: 'wire', partitions: [{ partitionIndex: 1 }, { partitionIndex: 9 }] }, { name: 'nope', partitions: [{ partitionIndex: 0 }] }] });
    expect(unknown).toMatchObject({ errorCode: 0, topics: [
      { name: 'wire', partitions: [{ partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }, { partitionIndex: 1, errorCode: 0 }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    ] });
    const del = await client.request(42, 2, { groupsNames: ['off-4', 'nope'] });
    expect(del.results).toEqual([{ groupId: 'off-4', errorCode: 0 }, { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
  });
});

describe('KIP-848 over the wire', () => {
  it('ConsumerGroupHeartbeat v1 joins, reconciles a second member, and ConsumerGroupDescribe v1 shows both', async () => {
    const hb = (over: object) => client.request(68, 1, {
      groupId: 'kip848', memberId: 'm-a', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30000,
      subscribedTopicNames: ['wire'], subscribedTopicRegex: null, serverAssignor: 'range', topicPartitions: [], ...over,
    });
    const a = await hb({});
    expect(a).toMatchObject({ errorCode: 0, memberId: 'm-a', memberEpoch: 2, assignment: { topicPartitions: [{ topicId, partitions: [0, 1, 2] }] } });
    const b = await hb({ memberId: 'm-b' });
    expect(b.memberEpoch).toBe(3);
    const a2 = await hb({ memberEpoch: 2, rebalanceTimeoutMs: -1, subscribedTopicNames: null, serverAssignor: null, topicPartitions: null });
    expect(a2.assignment.topicPartitions[0].partitions).toEqual([0, 1]);
    const a3 = await hb({ memberEpoch: 2, rebalanceTimeoutMs: -1, subscribedTopicNames: null, serverAssignor: null, topicPartitions: [{ topicId, partitions: [0, 1] }] });
    expect(a3.memberEpoch).toBe(3);
    const b2 = await hb({ memberId: 'm-b', memberEpoch: 3, rebalanceTimeoutMs: -1, subscribedTopicNames: null, serverAssignor: null, topicPartitions: null });
    expect(b2.assignment.topicPartitions[0].partitions).toEqual([2]);
    const d = await client.request(69, 1, { groupIds: ['kip848'], includeAuthorizedOperations: false });
    expect(d.groups[0]).toMatchObject({ groupState: 'Stable', groupEpoch: 3, assignmentEpoch: 3, assignorName: 'range' });
    expect(d.groups[0].members.map((m: { memberId: string }) => m.memberId).sort()).toEqual(['m-a', 'm-b']);
    // Commits use the member epoch (OffsetCommit v9).
    const stale = await client.request(8, 9, { groupId: 'kip848', generationIdOrMemberEpoch: 2, memberId: 'm-a', groupInstanceId: null, topics: [{ name: 'wire', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(stale.topics[0].partitions[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    const ok = await client.request(8, 9, { groupId: 'kip848', generationIdOrMemberEpoch: 3, memberId: 'm-a', groupInstanceId: null, topics: [{ name: 'wire', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(ok.topics[0].partitions[0].errorCode).toBe(0);
    const leave = await hb({ memberEpoch: -1 });
    expect(leave).toMatchObject({ errorCode: 0, memberEpoch: -1 });
  });
});
