// KIP-392 follower fetching on a 3-identity cluster in racks a, b, c, with Kafka's
// RackAwareReplicaSelector: the partition leader tells a consumer of another rack to read from the
// in-sync replica there (preferred_read_replica, no records, answered at once), and that replica
// serves it; as Kafka's ReplicaManager.findPreferredReadReplica, only the leader redirects, only
// consumers (not followers) and only Fetch v11+, and a reader whose rack has the leader or no
// live in-sync replica, or whose offset is outside the log, stays with the leader. kafkajs follows it.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { batch } from '../helpers/log-helpers.js';
import { FetchCounter } from '../helpers/cluster-clients.js';
import { RawClient } from '../helpers/raw-client.js';

const SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
let cluster: RunningCluster;
let plain: RunningCluster;
const clients: RawClient[] = [];
let leader: number;
let follower: number;
const rackOf = (c: RunningCluster, id: number) => c.brokers.find((b) => b.nodeId === id)!.rack!;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, racks: ['a', 'b', 'c'], config: { 'replica.selector.class': SELECTOR } });
  plain = await startCluster({ brokers: 3, racks: ['a', 'b', 'c'] });
  for (const c of [cluster, plain]) {
    await c.services.topics.createTopic('near', 1, {}, false, 3);
    const l = c.partitionLeader('near', 0);
    const res = await (await clientOf(c, l)).request(0, 10, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'near', partitionData: [{ index: 0, records: batch(['x', 'y', 'z']) }] }] });
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
  }
  leader = cluster.partitionLeader('near', 0);
  follower = cluster.brokers.find((b) => b.nodeId !== leader)!.nodeId;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
  await plain?.close();
});

async function clientOf(c: RunningCluster, nodeId: number): Promise<RawClient> {
  const raw = await RawClient.connect(Number(c.brokers.find((b) => b.nodeId === nodeId)!.bootstrap.split(':')[1]));
  clients.push(raw);
  return raw;
}

function fetchBody(rackId: string, opts: { fetchOffset?: number; replicaId?: number; maxWaitMs?: number; minBytes?: number } = {}) {
  return {
    replicaId: opts.replicaId ?? -1,
    replicaState: { replicaId: opts.replicaId ?? -1, replicaEpoch: -1 },
    maxWaitMs: opts.maxWaitMs ?? 0, minBytes: opts.minBytes ?? 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 'near', partitions: [{ partition: 0, fetchOffset: opts.fetchOffset ?? 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
    forgottenTopicsData: [], rackId,
  };
}

async function fetchFrom(c: RunningCluster, nodeId: number, version: number, body: object) {
  const res = await (await clientOf(c, nodeId)).request(1, version, body);
  return res.responses[0].partitions[0];
}

const recordBytes = (p: { records: Buffer | null }) => p.records?.length ?? 0;

describe('follower fetching (KIP-392) with RackAwareReplicaSelector', () => {
  it('the leader sends a consumer of a follower\'s rack to that follower: no records, offsets, answered without waiting', async () => {
    const started = Date.now();
    const p = await fetchFrom(cluster, leader, 12, fetchBody(rackOf(cluster, follower), { maxWaitMs: 5000, minBytes: 1 << 20 }));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(p).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: follower, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0 });
    expect(recordBytes(p)).toBe(0);
  });

  it('the follower serves that consumer the records, naming no other replica', async () => {
    const p = await fetchFrom(cluster, follower, 12, fetchBody(rackOf(cluster, follower)));
    expect(p).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1, highWatermark: 3 });
    expect(recordBytes(p)).toBeGreaterThan(0);
  });

  it('works on the newest Fetch version too (v15+ carries the replica id in replica_state)', async () => {
    const p = await fetchFrom(cluster, leader, 17, { ...fetchBody(rackOf(cluster, follower)), topics: [{ topicId: cluster.services.topics.topic('near')!.id, partitions: fetchBody('').topics[0].partitions }] });
    expect(p.preferredReadReplica).toBe(follower);
  });

  it('the leader serves a consumer of its own rack, of a rack without replicas, or without a rack', async () => {
    for (const rack of [rackOf(cluster, leader), 'nowhere', '']) {
      const p = await fetchFrom(cluster, leader, 12, fetchBody(rack));
      expect(p.preferredReadReplica, `rack '${rack}'`).toBe(-1);
      expect(recordBytes(p)).toBeGreaterThan(0);
    }
  });

  it('before v11 (no rack_id) and for a follower\'s fetch (replica id >= 0) the leader does not redirect', async () => {
    const v10 = await fetchFrom(cluster, leader, 10, fetchBody(''));
    expect(v10.preferredReadReplica).toBe(-1);
    expect(recordBytes(v10)).toBeGreaterThan(0);
    const replica = await fetchFrom(cluster, leader, 12, fetchBody(rackOf(cluster, follower), { replicaId: follower }));
    expect(replica.preferredReadReplica).toBe(-1);
  });

  it('a follower never redirects, even a consumer of another follower\'s rack', async () => {
    const other = cluster.brokers.find((b) => b.nodeId !== leader && b.nodeId !== follower)!.nodeId;
    const p = await fetchFrom(cluster, follower, 12, fetchBody(rackOf(cluster, other)));
    expect(p.preferredReadReplica).toBe(-1);
    expect(recordBytes(p)).toBeGreaterThan(0);
  });

  it('an offset outside the log is answered by the leader (OFFSET_OUT_OF_RANGE), not redirected', async () => {
    const p = await fetchFrom(cluster, leader, 12, fetchBody(rackOf(cluster, follower), { fetchOffset: 100 }));
    expect(p).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, preferredReadReplica: -1 });
  });

  it('a stopped replica (out of the ISR) is not chosen; once started again it is', async () => {
    await cluster.stopBroker(follower);
    try {
      expect(cluster.partitionLeader('near', 0)).toBe(leader);
      const p = await fetchFrom(cluster, leader, 12, fetchBody(rackOf(cluster, follower)));
      expect(p.preferredReadReplica).toBe(-1);
      expect(recordBytes(p)).toBeGreaterThan(0);
    } finally {
      await cluster.startBroker(follower);
    }
    const p = await fetchFrom(cluster, leader, 12, fetchBody(rackOf(cluster, follower)));
    expect(p.preferredReadReplica).toBe(follower);
  });

  it('an incremental fetch session lists a redirected partition even when its offsets did not change', async () => {
    const c = await clientOf(cluster, leader);
    const body = fetchBody(rackOf(cluster, follower));
    const first = await c.request(1, 12, { ...body, sessionId: 0, sessionEpoch: 0 });
    expect(first.sessionId).not.toBe(0);
    const next = await c.request(1, 12, { ...body, sessionId: first.sessionId, sessionEpoch: 1, topics: [] });
    expect(next.responses[0]?.partitions[0]).toMatchObject({ preferredReadReplica: follower });
  });

  it('a kafkajs consumer with rackId follows preferred_read_replica: the replica in its rack serves its records', async () => {
    const fetches = new FetchCounter(cluster);
    const kafka = new Kafka({ clientId: 'near-reader', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'near-readers', rackId: rackOf(cluster, follower) });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: 'near', fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length === 3) resolve();
          },
        });
      });
      expect(seen).toEqual(['x', 'y', 'z']);
    } finally {
      await consumer.disconnect();
      fetches.remove();
    }
    expect(fetches.of(follower, 'near')).toBeGreaterThan(0);
    expect(fetches.of(leader, 'near')).toBe(0);
  });

  it('without replica.selector.class consumers read from the leader (Kafka\'s default)', async () => {
    const l = plain.partitionLeader('near', 0);
    const f = plain.brokers.find((b) => b.nodeId !== l)!;
    const p = await fetchFrom(plain, l, 12, fetchBody(f.rack!));
    expect(p.preferredReadReplica).toBe(-1);
    expect(recordBytes(p)).toBeGreaterThan(0);
  });
});
