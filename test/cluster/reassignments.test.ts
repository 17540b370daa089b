// AlterPartitionReassignments / ListPartitionReassignments / ElectLeaders doing real moves on a
// 3-identity cluster, as Kafka's controller does them: the replica set changes, a leader that leaves
// the set hands over to the first target replica in the ISR with a new epoch (a replica that leaves
// bumps the epoch too), a reassignment adding a stopped identity stays under way (listed,
// cancellable) until it starts, clients are redirected, and the assignment outlives a restart.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ZERO_UUID } from '../../src/codec/index.js';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { batch } from '../helpers/log-helpers.js';
import { RawClient } from '../helpers/raw-client.js';

let cluster: RunningCluster;
let dataDir: string;
const clients: RawClient[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tributary-reassign-'));
  cluster = await startCluster({ brokers: 3, storage: `file://${dataDir}` });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function clientOf(nodeId: number): Promise<RawClient> {
  const raw = await RawClient.connect(Number(cluster.brokers.find((b) => b.nodeId === nodeId)!.bootstrap.split(':')[1]));
  clients.push(raw);
  return raw;
}

const anyLive = () => cluster.brokers.find((b) => b.alive)!.nodeId;

async function partitionMd(topic: string): Promise<{ leaderId: number; leaderEpoch: number; replicaNodes: number[]; isrNodes: number[] }> {
  const res = await (await clientOf(anyLive())).request(3, 12, { topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  return res.topics[0].partitions[0];
}

async function reassign(topic: string, replicas: number[] | null, allowReplicationFactorChange = false) {
  const res = await (await clientOf(anyLive())).request(45, 1, { timeoutMs: 5000, allowReplicationFactorChange, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas }] }] });
  expect(res.errorCode).toBe(ErrorCode.NONE);
  return res.responses[0].partitions[0] as { errorCode: number; errorMessage: string | null };
}

async function listReassignments(topics: { name: string; partitionIndexes: number[] }[] | null) {
  return (await (await clientOf(anyLive())).request(46, 0, { timeoutMs: 5000, topics })).topics;
}

async function createTopic(name: string, replicas: number[]): Promise<void> {
  await cluster.services.topics.createTopic(name, 1, {}, false, replicas.length);
  // Whatever the placement chose, start from the given assignment.
  expect(await reassign(name, replicas)).toMatchObject({ errorCode: ErrorCode.NONE });
  cluster.moveLeader(name, 0, replicas[0]);
}

describe('partition reassignments on a 3-identity cluster', () => {
  it('moves the leader off a removed replica: new replica set and ISR, the first target replica leads with a new epoch, Produce is redirected', async () => {
    await createTopic('move-leader', [0, 1]);
    const before = await partitionMd('move-leader');
    expect(before).toMatchObject({ leaderId: 0, replicaNodes: [0, 1], isrNodes: [0, 1] });
    expect(await reassign('move-leader', [2, 1])).toEqual({ partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null });
    const after = await partitionMd('move-leader');
    expect(after).toMatchObject({ leaderId: 2, leaderEpoch: before.leaderEpoch + 1, replicaNodes: [2, 1], isrNodes: [2, 1] });
    expect(await listReassignments(null)).toEqual([]);
    const res = await (await clientOf(0)).request(0, 10, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'move-leader', partitionData: [{ index: 0, records: batch(['x']) }] }] });
    expect(res.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 2, leaderEpoch: after.leaderEpoch } });
  });

  it('DescribeTopicPartitions (the Java Admin\'s describeTopics) lists the moved replicas, ISR, leader and epoch as Metadata does', async () => {
    const md = await partitionMd('move-leader');
    const res = await (await clientOf(1)).request(75, 0, { topics: [{ name: 'move-leader' }], responsePartitionLimit: 100, cursor: null });
    expect(res.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, leaderId: 2, leaderEpoch: md.leaderEpoch, replicaNodes: [2, 1], isrNodes: [2, 1], offlineReplicas: [] });
  });

  it('a follower that leaves bumps the epoch; the leader stays', async () => {
    await createTopic('drop-follower', [0, 1]);
    const before = await partitionMd('drop-follower');
    expect(await reassign('drop-follower', [0, 2])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await partitionMd('drop-follower')).toMatchObject({ leaderId: 0, leaderEpoch: before.leaderEpoch + 1, replicaNodes: [0, 2], isrNodes: [0, 2] });
  });

  it('reordering keeps leader and epoch; a preferred election then moves the leadership to the new first replica', async () => {
    await createTopic('reorder', [0, 1]);
    const before = await partitionMd('reorder');
    expect(await reassign('reorder', [1, 0])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await partitionMd('reorder')).toMatchObject({ leaderId: 0, leaderEpoch: before.leaderEpoch, replicaNodes: [1, 0] });
    const elected = await (await clientOf(2)).request(43, 2, { electionType: 0, topicPartitions: [{ topic: 'reorder', partitions: [0] }], timeoutMs: 1000 });
    expect(elected.replicaElectionResults[0].partitionResult[0]).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await partitionMd('reorder')).toMatchObject({ leaderId: 1, leaderEpoch: before.leaderEpoch + 1 });
  });

  it('refuses a replication factor change unless allowed (KIP-860), and an unknown or repeated broker', async () => {
    await createTopic('grow', [0, 1]);
    expect(await reassign('grow', [0, 1, 2])).toEqual({ partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'The replication factor is changed from 2 to 3' });
    expect(await reassign('grow', [0, 9])).toEqual({ partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 9, but no such broker is registered.' });
    expect(await reassign('grow', [1, 1])).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT });
    expect(await reassign('grow', [0, 1, 2], true)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await partitionMd('grow')).toMatchObject({ leaderId: 0, replicaNodes: [0, 1, 2], isrNodes: [0, 1, 2] });
  });

  it('adding a stopped identity stays under way (listed, the RF it heads for, cancellable) and completes when it starts', async () => {
    await createTopic('pending', [0, 1]);
    const epoch0 = (await partitionMd('pending')).leaderEpoch;
    await cluster.stopBroker(2);
    try {
      expect(await reassign('pending', [0, 2])).toMatchObject({ errorCode: ErrorCode.NONE });
      expect(await partitionMd('pending')).toMatchObject({ leaderId: 0, replicaNodes: [0, 2, 1], isrNodes: [0, 1] });
      const ongoing = [{ name: 'pending', partitions: [{ partitionIndex: 0, replicas: [0, 2, 1], addingReplicas: [2], removingReplicas: [1] }] }];
      expect(await listReassignments(null)).toMatchObject(ongoing);
      expect(await listReassignments([{ name: 'pending', partitionIndexes: [0, 7] }, { name: 'no-such-topic', partitionIndexes: [0] }])).toMatchObject(ongoing);
      expect(await reassign('pending', [0, 1, 2])).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'The replication factor is changed from 2 to 3' });
      // Cancelled: back to the replicas before, without the one it was adding.
      expect(await reassign('pending', null)).toEqual({ partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null });
      expect(await partitionMd('pending')).toMatchObject({ leaderId: 0, replicaNodes: [0, 1], isrNodes: [0, 1] });
      expect(await listReassignments(null)).toEqual([]);
      expect(await reassign('pending', null)).toEqual({ partitionIndex: 0, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null });
      expect(await reassign('pending', [2, 1])).toMatchObject({ errorCode: ErrorCode.NONE });
      // Under way, the leader (0, being removed) stays: no target replica is in sync yet besides 1.
      expect(await partitionMd('pending')).toMatchObject({ leaderId: 0, replicaNodes: [2, 1, 0], isrNodes: [1, 0] });
    } finally {
      await cluster.startBroker(2);
    }
    const done = await partitionMd('pending');
    expect(done).toMatchObject({ leaderId: 2, replicaNodes: [2, 1], isrNodes: [2, 1] });
    expect(done.leaderEpoch).toBeGreaterThan(epoch0);
    expect(await listReassignments(null)).toEqual([]);
  });

  it('CreateTopics and CreatePartitions take manual assignments over the identities, checked as Kafka checks them', async () => {
    const c = await clientOf(anyLive());
    const create = (name: string, assignments: number[][]) =>
      c.request(19, 7, { topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments: assignments.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })), configs: [] }], timeoutMs: 5000, validateOnly: false });
    const ok = await create('manual', [[1, 2], [2, 0]]);
    expect(ok.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 2 });
    const md = await (await clientOf(anyLive())).request(3, 12, { topics: [{ name: 'manual', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.topics[0].partitions.map((p: { leaderId: number; replicaNodes: number[] }) => [p.leaderId, p.replicaNodes])).toEqual([[1, [1, 2]], [2, [2, 0]]]);
    expect((await create('manual-bad', [[1, 9]])).topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 9, but no such broker is registered.' });
    expect((await create('manual-uneven', [[1, 2], [0]])).topics[0]).toMatchObject({
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 2 replica(s).',
    });
    const grow = (assignments: number[][]) => c.request(37, 3, { topics: [{ name: 'manual', count: 2 + assignments.length, assignments: assignments.map((brokerIds) => ({ brokerIds })) }], timeoutMs: 5000, validateOnly: false });
    expect((await grow([[0]])).results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT });
    expect((await grow([[0, 1]])).results[0]).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(cluster.services.cluster.topic('manual')!.replicas).toEqual([[1, 2], [2, 0], [0, 1]]);
  });

  it('cancelling when only the replicas being added are in sync needs the topic\'s unclean.leader.election.enable', async () => {
    for (const [name, unclean] of [['revert-clean', false], ['revert-unclean', true]] as const) {
      await cluster.services.topics.createTopic(name, 1, unclean ? { 'unclean.leader.election.enable': true } : {}, false, 1);
      expect(await reassign(name, [0])).toMatchObject({ errorCode: ErrorCode.NONE });
      cluster.moveLeader(name, 0, 0);
    }
    await cluster.stopBroker(2);
    try {
      for (const name of ['revert-clean', 'revert-unclean']) {
        expect(await reassign(name, [1, 2], true)).toMatchObject({ errorCode: ErrorCode.NONE });
        expect(await partitionMd(name)).toMatchObject({ leaderId: 0, replicaNodes: [1, 2, 0], isrNodes: [1, 0] });
      }
      await cluster.stopBroker(0);
      expect(await partitionMd('revert-clean')).toMatchObject({ leaderId: 1, isrNodes: [1] });
      expect(await reassign('revert-clean', null)).toEqual({
        partitionIndex: 0,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: 'Unable to revert partition assignment for revert-clean:0 because it would require an unclean leader election.',
      });
      // Reverted to [0], which is down: no leader until it starts.
      expect(await reassign('revert-unclean', null)).toMatchObject({ errorCode: ErrorCode.NONE });
      expect(await partitionMd('revert-unclean')).toMatchObject({ leaderId: -1, replicaNodes: [0], isrNodes: [0] });
      await cluster.startBroker(0);
      expect(await partitionMd('revert-unclean')).toMatchObject({ leaderId: 0, replicaNodes: [0], isrNodes: [0] });
    } finally {
      await cluster.startBroker(0);
      await cluster.startBroker(2);
    }
    expect(await partitionMd('revert-clean')).toMatchObject({ replicaNodes: [1, 2], isrNodes: [1, 2] });
  });

  it('kafkajs keeps producing to a partition whose leader is moved away by a reassignment', async () => {
    await createTopic('kjs-move', [0, 1]);
    const kafka = new Kafka({ clientId: 'reassign', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic: 'kjs-move', acks: -1, messages: [{ value: 'before' }] });
      expect(await reassign('kjs-move', [2, 1])).toMatchObject({ errorCode: ErrorCode.NONE });
      await producer.send({ topic: 'kjs-move', acks: -1, messages: [{ value: 'after' }] });
    } finally {
      await producer.disconnect();
    }
    expect(cluster.partitionLeader('kjs-move', 0)).toBe(2);
    expect(cluster.services.topics.openPartitionLog('kjs-move', 0)!.highWatermark).toBe(2);
  });

  it('the assignment is kept with the topic: a restarted cluster has it, and a reassignment under way', async () => {
    await createTopic('kept', [0, 1]);
    expect(await reassign('kept', [1, 2])).toMatchObject({ errorCode: ErrorCode.NONE });
    await cluster.stopBroker(0);
    await createTopic('kept-pending', [1, 2]);
    expect(await reassign('kept-pending', [0, 2])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(cluster.services.cluster.topic('kept-pending')!.reassigning).toEqual({ 0: { adding: [0], removing: [1] } });
    await cluster.close();
    cluster = await startCluster({ brokers: 3, storage: `file://${dataDir}` });
    expect(cluster.services.cluster.topic('kept')!.replicas).toEqual([[1, 2]]);
    expect((await partitionMd('kept')).replicaNodes).toEqual([1, 2]);
    // Every identity is up after the restart: the reassignment under way completes.
    expect((await partitionMd('kept-pending')).replicaNodes).toEqual([0, 2]);
    expect(await listReassignments(null)).toEqual([]);
  });
});
