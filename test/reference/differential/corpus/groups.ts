// Consumer groups: FindCoordinator; the classic protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup,
// OffsetCommit/OffsetFetch, DescribeGroups, ListGroups, OffsetDelete, DeleteGroups) at the newest
// versions (Java 4.3, franz-go), librdkafka's and the oldest served; the consumer protocol (KIP-848
// ConsumerGroupHeartbeat, ConsumerGroupDescribe); stale generations and member epochs.

import { name, ref, topicId, type RequestStep, type Sequence } from '../sequence.js';
import { atVersions } from './versions.js';

// ConsumerProtocolSubscription v0 for topic "x" and an empty ConsumerProtocolAssignment v0: the
// bytes a consumer sends; classic groups store them opaquely.
const SUBSCRIPTION = Buffer.from('0000' + '00000001' + '0001' + '78' + 'ffffffff', 'hex');
const ASSIGNMENT = Buffer.from('0000' + '00000000' + 'ffffffff', 'hex');

const joinBody = (memberId: unknown) => ({
  groupId: name('g'), sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null,
  protocolType: 'consumer', protocols: [{ name: 'range', metadata: SUBSCRIPTION }], reason: null,
});
const member = { generationId: ref('join', 'generationId'), memberId: ref('join', 'memberId') };

const commitBody = (generation: unknown, memberId: unknown, offset: number) => ({
  groupId: name('g'), generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs: -1,
  topics: [{ name: name('t'), topicId: topicId('t'), partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
});

const offsetFetchBody = (memberId: unknown = null, memberEpoch: unknown = -1) => ({
  groupId: name('g'), topics: [{ name: name('t'), partitionIndexes: [0] }], requireStable: false,
  groups: [{ groupId: name('g'), memberId, memberEpoch, topics: [{ name: name('t'), topicId: topicId('t'), partitionIndexes: [0] }] }],
});

const heartbeat = (extra: Record<string, unknown>): Record<string, unknown> => ({
  groupId: name('g'), memberId: ref('join', 'memberId'), memberEpoch: ref('join', 'memberEpoch'), instanceId: null, rackId: null,
  rebalanceTimeoutMs: -1, subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, ...extra,
});

const listGroups = (versions: number[], filter: Record<string, unknown>, suffix: string): RequestStep[] =>
  atVersions(16, versions, filter, { suffix, scope: [{ list: 'groups', key: 'groupId' }] });

export const GROUPS: Sequence[] = [
  {
    id: 'find-coordinator',
    title: 'FindCoordinator for a group and a transactional id at v0 (oldest), v3 (librdkafka) and v6 (batched keys)',
    steps: [
      ...atVersions(10, [0, 3], { key: name('g'), keyType: 0 }, { suffix: ':group' }),
      ...atVersions(10, [6], { keyType: 0, coordinatorKeys: [name('g'), name('h')] }, { suffix: ':groups' }),
      ...atVersions(10, [3, 6], { key: name('tx'), keyType: 1, coordinatorKeys: [name('tx')] }, { suffix: ':transaction' }),
      ...atVersions(10, [6], { keyType: 2, coordinatorKeys: ['x'] }, { suffix: ':invalid-key-type' }),
    ],
  },
  {
    id: 'classic-group',
    title: 'Classic group at the newest versions: member id required, join, sync, heartbeat, commit, fetch, describe, list, leave, delete',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      { name: 'join:member-id-required', api: 11, version: 9, body: joinBody('') },
      { name: 'join', api: 11, version: 9, body: joinBody(ref('join:member-id-required', 'memberId')) },
      { name: 'sync', api: 14, version: 5, body: { groupId: name('g'), ...member, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: ref('join', 'memberId'), assignment: ASSIGNMENT }] } },
      ...atVersions(12, [4], { groupId: name('g'), ...member, groupInstanceId: null }),
      ...atVersions(8, [9, 10], commitBody(ref('join', 'generationId'), ref('join', 'memberId'), 1)),
      ...atVersions(9, [1, 7, 8, 9, 10], offsetFetchBody()),
      ...atVersions(15, [0, 5, 6], { groups: [name('g'), name('missing')], includeAuthorizedOperations: false }),
      ...listGroups([0, 3], {}, ''),
      ...listGroups([4], { statesFilter: ['Stable'] }, ':stable'),
      ...listGroups([5], { statesFilter: [], typesFilter: ['classic'] }, ':classic'),
      ...atVersions(47, [0], { groupId: name('g'), topics: [{ name: name('t'), partitions: [{ partitionIndex: 0 }] }] }, { suffix: ':active-group' }),
      ...atVersions(42, [2], { groupsNames: [name('g')] }, { suffix: ':active-group' }),
      ...atVersions(13, [5], { groupId: name('g'), members: [{ memberId: ref('join', 'memberId'), groupInstanceId: null, reason: 'done' }] }),
      ...atVersions(15, [6], { groups: [name('g')], includeAuthorizedOperations: false }, { suffix: ':empty' }),
      ...atVersions(47, [0], { groupId: name('g'), topics: [{ name: name('t'), partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }, { name: name('missing'), partitions: [{ partitionIndex: 0 }] }] }),
      ...atVersions(9, [8], offsetFetchBody(), { suffix: ':after-delete' }),
      ...atVersions(42, [0, 2], { groupsNames: [name('g'), name('missing')] }),
    ],
  },
  {
    id: 'classic-group.errors',
    title: 'Classic group errors: stale generation, unknown member, commit without generation, heartbeat before sync, unknown group',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      ...atVersions(12, [4], { groupId: name('g'), generationId: 1, memberId: 'nobody', groupInstanceId: null }, { suffix: ':unknown-group' }),
      { name: 'join:member-id-required', api: 11, version: 9, body: joinBody('') },
      { name: 'join', api: 11, version: 9, body: joinBody(ref('join:member-id-required', 'memberId')) },
      ...atVersions(12, [4], { groupId: name('g'), ...member, groupInstanceId: null }, { suffix: ':before-sync' }),
      { name: 'sync:stale-generation', api: 14, version: 5, body: { groupId: name('g'), generationId: 99, memberId: ref('join', 'memberId'), groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] } },
      { name: 'sync', api: 14, version: 5, body: { groupId: name('g'), ...member, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: ref('join', 'memberId'), assignment: ASSIGNMENT }] } },
      ...atVersions(12, [0, 4], { groupId: name('g'), generationId: 99, memberId: ref('join', 'memberId'), groupInstanceId: null }, { suffix: ':stale-generation' }),
      ...atVersions(12, [4], { groupId: name('g'), generationId: ref('join', 'generationId'), memberId: 'nobody', groupInstanceId: null }, { suffix: ':unknown-member' }),
      ...atVersions(8, [9], commitBody(99, ref('join', 'memberId'), 1), { suffix: ':stale-generation' }),
      ...atVersions(8, [9], commitBody(ref('join', 'generationId'), 'nobody', 1), { suffix: ':unknown-member' }),
      ...atVersions(8, [2, 9], commitBody(-1, '', 1), { suffix: ':no-generation' }),
      ...atVersions(13, [5], { groupId: name('g'), members: [{ memberId: 'nobody', groupInstanceId: null, reason: null }] }, { suffix: ':unknown-member' }),
      ...atVersions(11, [9], { ...joinBody(''), protocolType: 'connect' }, { suffix: ':inconsistent-protocol' }),
    ],
  },
  {
    id: 'classic-group.old-versions',
    title: 'Classic group at old versions: JoinGroup v0 and v3 (no member id round trip), SyncGroup v0, Heartbeat v0, LeaveGroup v0, OffsetCommit v2, OffsetFetch v1',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      { name: 'join', api: 11, version: 3, body: joinBody('') },
      { name: 'sync', api: 14, version: 0, body: { groupId: name('g'), ...member, assignments: [{ memberId: ref('join', 'memberId'), assignment: ASSIGNMENT }] } },
      ...atVersions(12, [0], { groupId: name('g'), ...member }),
      ...atVersions(8, [2], commitBody(ref('join', 'generationId'), ref('join', 'memberId'), 3)),
      ...atVersions(9, [1], offsetFetchBody()),
      ...atVersions(13, [0], { groupId: name('g'), memberId: ref('join', 'memberId') }),
      { name: 'join-v0', api: 11, version: 0, body: joinBody('') },
    ],
  },
  {
    id: 'consumer-group',
    title: 'KIP-848 consumer group: ConsumerGroupHeartbeat v0 and v1 join, heartbeat, commit at v9/v10 with the member epoch, describe, list, leave',
    setup: [{ topic: 't', partitions: 2 }],
    steps: [
      { name: 'join-v0', api: 68, version: 0, body: heartbeat({ memberId: '', memberEpoch: 0, groupId: name('g0'), rebalanceTimeoutMs: 30_000, subscribedTopicNames: [name('t')], serverAssignor: 'uniform', topicPartitions: [] }) },
      { name: 'join', api: 68, version: 1, body: heartbeat({ memberId: 'differentialMember0001', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [name('t')], serverAssignor: 'uniform', topicPartitions: [] }) },
      { name: 'heartbeat', api: 68, version: 1, body: heartbeat({ topicPartitions: [{ topicId: topicId('t'), partitions: [0, 1] }] }) },
      ...atVersions(8, [9, 10], commitBody(ref('join', 'memberEpoch'), ref('join', 'memberId'), 5)),
      ...atVersions(9, [9, 10], offsetFetchBody(ref('join', 'memberId'), ref('join', 'memberEpoch'))),
      ...atVersions(69, [0, 1], { groupIds: [name('g'), name('missing')], includeAuthorizedOperations: false }),
      ...atVersions(15, [6], { groups: [name('g')], includeAuthorizedOperations: false }),
      ...listGroups([5], { statesFilter: [], typesFilter: ['consumer'] }, ':consumer'),
      { name: 'leave', api: 68, version: 1, body: heartbeat({ memberEpoch: -1 }) },
      { name: 'leave-v0', api: 68, version: 0, body: heartbeat({ groupId: name('g0'), memberId: ref('join-v0', 'memberId'), memberEpoch: -1 }) },
      ...atVersions(69, [1], { groupIds: [name('g')], includeAuthorizedOperations: false }, { suffix: ':after-leave' }),
    ],
  },
  {
    id: 'consumer-group.errors',
    title: 'KIP-848 errors: fenced member epoch, unknown member, stale member epoch on commit, invalid join requests',
    setup: [{ topic: 't', partitions: 1 }],
    steps: [
      { name: 'join', api: 68, version: 1, body: heartbeat({ memberId: 'differentialMember0002', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [name('t')], serverAssignor: 'uniform', topicPartitions: [] }) },
      { name: 'heartbeat:fenced-epoch', api: 68, version: 1, body: heartbeat({ memberEpoch: 99 }) },
      { name: 'heartbeat:unknown-member', api: 68, version: 1, body: heartbeat({ memberId: 'differentialNobody0001', memberEpoch: 1 }) },
      { name: 'join:no-subscription', api: 68, version: 1, body: heartbeat({ memberId: 'differentialMember0003', memberEpoch: 0, rebalanceTimeoutMs: 30_000 }) },
      { name: 'join:unknown-assignor', api: 68, version: 1, body: heartbeat({ memberId: 'differentialMember0004', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [name('t')], serverAssignor: 'nope', topicPartitions: [] }) },
      { name: 'join-v1:empty-member-id', api: 68, version: 1, body: heartbeat({ memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [name('t')], topicPartitions: [] }) },
      ...atVersions(8, [10], commitBody(0, ref('join', 'memberId'), 1), { suffix: ':stale-member-epoch' }),
      ...atVersions(8, [10], commitBody(99, ref('join', 'memberId'), 1), { suffix: ':future-member-epoch' }),
      ...atVersions(9, [10], offsetFetchBody(ref('join', 'memberId'), 99), { suffix: ':stale-member-epoch' }),
      ...atVersions(11, [9], joinBody(''), { suffix: ':classic-join-on-consumer-group' }),
    ],
  },
];
