// Protocol answers of a 3-identity cluster to raw requests: NOT_LEADER_OR_FOLLOWER with KIP-951's
// current leader and endpoint on Produce v10+, FindCoordinator naming the coordinator and
// NOT_COORDINATOR elsewhere, and preferred leader elections that move the leadership back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { batch } from '../helpers/log-helpers.js';
import { RawClient } from '../helpers/raw-client.js';

let cluster: RunningCluster;
const clients: RawClient[] = [];
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
  await cluster.services.topics.createTopic('proto', 1, {}, false, 3);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

async function clientOf(nodeId: number): Promise<RawClient> {
  const c = await RawClient.connect(Number(cluster.brokers.find((b) => b.nodeId === nodeId)!.bootstrap.split(':')[1]));
  clients.push(c);
  return c;
}

describe('a 3-identity cluster on the wire', () => {
  it('answers Produce on a follower with NOT_LEADER_OR_FOLLOWER, the current leader and its endpoint (v10+)', async () => {
    const leader = cluster.partitionLeader('proto', 0);
    const follower = cluster.brokers.find((b) => b.nodeId !== leader)!.nodeId;
    const c = await clientOf(follower);
    const res = await c.request(0, 10, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'proto', partitionData: [{ index: 0, records: batch(['x']) }] }] });
    const p = res.responses[0].partitionResponses[0];
    expect(p.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(p.currentLeader.leaderId).toBe(leader);
    expect(p.currentLeader.leaderEpoch).toBeGreaterThanOrEqual(0);
    const at = cluster.brokers.find((b) => b.nodeId === leader)!.bootstrap;
    expect(res.nodeEndpoints).toEqual([expect.objectContaining({ nodeId: leader, host: at.split(':')[0], port: Number(at.split(':')[1]) })]);
    const ok = await (await clientOf(leader)).request(0, 10, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'proto', partitionData: [{ index: 0, records: batch(['y']) }] }] });
    expect(ok.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
  });

  it('names one coordinator for a group; the other identities answer NOT_COORDINATOR', async () => {
    const found = await (await clientOf(0)).request(10, 3, { key: 'proto-group', keyType: 0 });
    expect(found.errorCode).toBe(ErrorCode.NONE);
    expect([0, 1, 2]).toContain(found.nodeId);
    for (const b of cluster.brokers) {
      const c = await clientOf(b.nodeId);
      const hb = await c.request(12, 3, { groupId: 'proto-group', generationId: 1, memberId: 'm', groupInstanceId: null });
      if (b.nodeId === found.nodeId) expect(hb.errorCode).not.toBe(ErrorCode.NOT_COORDINATOR);
      else expect(hb.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    }
  });

  it('ElectLeaders (preferred) moves the leadership back to the first replica with an epoch bump', async () => {
    const md = async () => (await (await clientOf(0)).request(3, 9, { topics: [{ name: 'proto' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0].partitions[0];
    const before = await md();
    const preferred = before.replicaNodes[0];
    const other = before.replicaNodes[1];
    cluster.moveLeader('proto', 0, other);
    const moved = await md();
    expect(moved.leaderId).toBe(other);
    expect(moved.leaderEpoch).toBe(before.leaderEpoch + 1);
    const res = await (await clientOf(1)).request(43, 2, { electionType: 0, topicPartitions: [{ topic: 'proto', partitions: [0] }], timeoutMs: 1000 });
    expect(res.replicaElectionResults[0].partitionResult[0]).toMatchObject({ partitionId: 0, errorCode: ErrorCode.NONE });
    const after = await md();
    expect(after.leaderId).toBe(preferred);
    expect(after.leaderEpoch).toBe(before.leaderEpoch + 2);
    const again = await (await clientOf(1)).request(43, 2, { electionType: 0, topicPartitions: [{ topic: 'proto', partitions: [0] }], timeoutMs: 1000 });
    expect(again.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
  });
});

describe('DescribeTopicPartitions in a cluster', () => {
  it('reports the replicas, leader, ISR and offline replicas Metadata reports, also after an identity stops', async () => {
    await cluster.services.topics.createTopic('dtp', 3, {}, false, 3);
    const c = await clientOf(cluster.brokers[0].nodeId);
    const compare = async () => {
      const md = (await c.request(3, 9, { topics: [{ name: 'dtp' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0].partitions;
      const dtp = (await c.request(75, 0, { topics: [{ name: 'dtp' }], responsePartitionLimit: 100, cursor: null })).topics[0].partitions;
      expect(dtp).toHaveLength(3);
      for (const [i, p] of dtp.entries()) {
        const m = md[i];
        expect({ leader: p.leaderId, epoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, offline: p.offlineReplicas }).toEqual({ leader: m.leaderId, epoch: m.leaderEpoch, replicas: m.replicaNodes, isr: m.isrNodes, offline: m.offlineReplicas });
        expect(p.replicaNodes).toHaveLength(3);
      }
      return dtp;
    };
    const before = await compare();
    expect(new Set(before.map((p: { leaderId: number }) => p.leaderId)).size).toBe(3); // leaders spread over the identities
    const stopped = cluster.brokers[2].nodeId;
    await cluster.stopBroker(stopped);
    try {
      const after = await compare();
      for (const p of after) {
        expect(p.offlineReplicas).toEqual([stopped]);
        expect(p.isrNodes).not.toContain(stopped);
        expect(p.leaderId).not.toBe(stopped);
      }
    } finally {
      await cluster.startBroker(stopped);
    }
  });
});
