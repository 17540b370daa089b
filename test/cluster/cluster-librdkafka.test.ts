// librdkafka (Debian python3-confluent-kafka, test/cluster/py/cluster_client.py) against a
// 3-identity cluster in racks a, b, c with Kafka's RackAwareReplicaSelector: a topic with
// replication factor 3 created by its AdminClient; an idempotent producer that keeps producing
// while the partition's leader identity is stopped and started, with no record lost or duplicated;
// and a consumer with client.rack whose fetches are served by the replica in its rack (KIP-392).

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { HAVE_CONFLUENT_KAFKA, PYTHON, requireTool } from '../helpers/tools.js';
import { runClient } from '../e2e/interop-common.js';
import { FetchCounter, stopAndStartLeaderWhileProducing } from '../helpers/cluster-clients.js';

const SCRIPT = fileURLToPath(new URL('./py/cluster_client.py', import.meta.url));
const enabled = requireTool(HAVE_CONFLUENT_KAFKA, 'python3-confluent-kafka');

let cluster: RunningCluster;
beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    racks: ['a', 'b', 'c'],
    config: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' },
  });
});
afterAll(() => cluster?.close());

function ck<T = any>(...args: string[]): Promise<T> {
  return runClient<T>(PYTHON, [SCRIPT, cluster.bootstrap, ...args], 90_000);
}

describe.runIf(enabled)('librdkafka against a 3-identity cluster', () => {
  it('creates a topic with replication factor 3: every identity a replica and in the ISR', async () => {
    const r = await ck('create', 'ck-rf3', '3', '3');
    expect(r.partitions).toHaveLength(3);
    for (const p of r.partitions) {
      expect([...p.replicas].sort()).toEqual([0, 1, 2]);
      expect([...p.isrs].sort()).toEqual([0, 1, 2]);
      expect(p.leader).toBe(cluster.partitionLeader('ck-rf3', p.id));
    }
  }, 90_000);

  it('an idempotent producer loses and duplicates nothing while the leader identity is stopped and started', async () => {
    const topic = 'ck-failover';
    await ck('create', topic, '1', '3');
    const n = 3000;
    const producer = runClient(PYTHON, [SCRIPT, cluster.bootstrap, 'produce', topic, String(n)], 90_000);
    const { leader, newLeader, atStop } = await stopAndStartLeaderWhileProducing(cluster, topic, 500, producer);
    expect(newLeader).not.toBe(leader);
    expect(newLeader).toBeGreaterThanOrEqual(0);
    expect(atStop).toBeLessThan(n); // the stop happened while it was producing
    expect(await producer).toEqual({ acked: n, inOrder: true });
    expect(cluster.services.topics.openPartitionLog(topic, 0)!.highWatermark).toBe(n);
    const consumed = await ck<{ values: string[] }>('consume', topic, String(n), 'ck-failover-readers');
    expect(consumed.values).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  }, 120_000);

  it('a consumer with client.rack is sent by the leader to the replica in its rack, which serves its fetches (KIP-392)', async () => {
    const topic = 'ck-near';
    await ck('create', topic, '1', '3');
    const leader = cluster.partitionLeader(topic, 0);
    const near = cluster.brokers.find((b) => b.nodeId !== leader)!;
    const producer = runClient(PYTHON, [SCRIPT, cluster.bootstrap, 'produce', topic, '200'], 90_000);
    await producer;
    const counts = new FetchCounter(cluster);
    try {
      const consumed = await ck<{ values: string[] }>('consume', topic, '200', 'ck-near-readers', near.rack!);
      expect(consumed.values).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    } finally {
      counts.remove();
    }
    expect(counts.of(near.nodeId, topic)).toBeGreaterThan(0);
    expect(counts.of(leader, topic)).toBe(0);
  }, 90_000);
});
