// ElectLeaders, AlterPartitionReassignments and ListPartitionReassignments as a one-node cluster answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
  await b.broker.services.topics.createTopic('ca-a', 2, {});
});
afterAll(() => b.close());

describe('ElectLeaders', () => {
  it('answers ELECTION_NOT_NEEDED for existing partitions at v0-v2', async () => {
    const c = await b.client();
    for (let v = 0; v <= 2; v++) {
      const res = await c.request(43, v, { electionType: v === 0 ? 0 : 1, topicPartitions: [{ topic: 'ca-a', partitions: [0, 1, 7] }, { topic: 'ca-none', partitions: [0] }], timeoutMs: 1000 });
      expect(res.errorCode).toBe(0);
      expect(res.replicaElectionResults[0]).toEqual({
        topic: 'ca-a',
        partitionResult: [
          { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
          { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
          { partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as ca-a-7' },
        ],
      });
      expect(res.replicaElectionResults[1].partitionResult[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such topic as ca-none' });
    }
  });

  it('lists nothing to elect for all partitions, and refuses unknown election types', async () => {
    const c = await b.client();
    const all = await c.request(43, 2, { electionType: 0, topicPartitions: null, timeoutMs: 1000 });
    expect(all.replicaElectionResults.find((r: any) => r.topic === 'ca-a')).toEqual({ topic: 'ca-a', partitionResult: [] });
    const bad = await c.request(43, 1, { electionType: 5, topicPartitions: [{ topic: 'ca-a', partitions: [0] }], timeoutMs: 1000 });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(bad.replicaElectionResults[0].partitionResult[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown election type 5' });
  });
});

describe('partition reassignments', () => {
  it('AlterPartitionReassignments v0-v1: [this node] completes at once; others are refused', async () => {
    const c = await b.client();
    const nodeId = b.broker.services.cluster.nodeId;
    for (let v = 0; v <= 1; v++) {
      const res = await c.request(45, v, {
        timeoutMs: 1000,
        allowReplicationFactorChange: true,
        topics: [
          {
            name: 'ca-a',
            partitions: [
              { partitionIndex: 0, replicas: [nodeId] },
              { partitionIndex: 1, replicas: [nodeId, 5] },
              { partitionIndex: 0, replicas: null },
              { partitionIndex: 9, replicas: [nodeId] },
              { partitionIndex: 1, replicas: [] },
            ],
          },
          { name: 'ca-none', partitions: [{ partitionIndex: 0, replicas: [nodeId] }] },
        ],
      });
      expect(res.errorCode).toBe(0);
      expect(res.responses[0].partitions.map((p: any) => p.errorCode)).toEqual([
        ErrorCode.NONE,
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ]);
      expect(res.responses[0].partitions[1].errorMessage).toBe('The manual partition assignment includes broker 5, but no such broker is registered.');
      expect(res.responses[1].partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find a topic named ca-none.' });
      // Kafka's ApiError leaves out a message that is the error's own.
      expect(res.responses[0].partitions[2].errorMessage).toBeNull();
    }
    // As Kafka 4.3.1 answers: the target is checked as a manual assignment before its replication factor.
    const rf = await c.request(45, 1, {
      timeoutMs: 1000,
      allowReplicationFactorChange: false,
      topics: [{ name: 'ca-a', partitions: [{ partitionIndex: 0, replicas: [nodeId, nodeId] }, { partitionIndex: 0, replicas: [nodeId, 7] }, { partitionIndex: 0, replicas: [nodeId] }] }],
    });
    expect(rf.responses[0].partitions).toEqual([
      { partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `The manual partition assignment includes the broker ${nodeId} more than once.` },
      { partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 7, but no such broker is registered.' },
      { partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
  });

  it('ListPartitionReassignments v0: none in progress', async () => {
    const c = await b.client();
    expect(await c.request(46, 0, { timeoutMs: 1000, topics: null })).toMatchObject({ errorCode: 0, topics: [] });
    expect(await c.request(46, 0, { timeoutMs: 1000, topics: [{ name: 'ca-a', partitionIndexes: [0, 1] }] })).toMatchObject({ errorCode: 0, topics: [] });
  });
});
