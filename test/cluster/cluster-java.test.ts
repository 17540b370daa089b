// The Apache Kafka Java client 4.3.1 against a 3-identity cluster in racks a, b, c with Kafka's
// RackAwareReplicaSelector, in one JVM (test/reference/clients/java/src/ClusterClients.java, compiled
// by that folder's install.sh): Admin creates topics with replication factor 3; the default
// (idempotent) producer loses and duplicates nothing while the partition's leader identity is stopped
// and started; a consumer with client.rack is served by the replica in its rack (KIP-392); Admin
// reassigns a partition away from its leader and elects leaders.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { compiledProgramsMissing, type JvmRun, runJvm } from '../reference/clients/jvm.js';
import { FetchCounter, stopAndStartLeaderWhileProducing } from '../helpers/cluster-clients.js';

const JAVA = fileURLToPath(new URL('../reference/clients/java', import.meta.url));
const missing = compiledProgramsMissing(JAVA);
if (missing && process.env.CI) throw new Error(`Java client against a cluster unavailable in CI: ${missing}`);

const prefix = `java-${randomUUID().slice(0, 8)}`;
let cluster: RunningCluster;
let fetches: FetchCounter;
let run: JvmRun;
let failover: Awaited<ReturnType<typeof stopAndStartLeaderWhileProducing>>;

type Line = { result?: Record<string, any>; error?: string };
const step = (id: string): Record<string, any> => {
  const line = run.lines.get(id) as Line | undefined;
  if (line?.result === undefined) throw new Error(`${id}: ${line?.error ?? 'no result line'}\nexit ${run.exitCode}, stderr:\n${run.stderr.slice(-4000)}`);
  return line.result;
};

describe.skipIf(!!missing)(`Java client against a 3-identity cluster${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      racks: ['a', 'b', 'c'],
      config: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' },
    });
    fetches = new FetchCounter(cluster);
    const jvm = runJvm(JAVA, 'ClusterClients', [cluster.bootstrap, prefix]);
    failover = await stopAndStartLeaderWhileProducing(cluster, `${prefix}-failover`, 500, jvm);
    fetches.count(failover.leader); // its interceptors ended when it stopped
    run = await jvm;
  }, 180_000);
  afterAll(async () => {
    fetches?.remove();
    await cluster?.close();
  });

  it('Admin creates a topic with replication factor 3: every identity a replica, in the ISR, with its rack', () => {
    const { partitions } = step('rf3');
    expect(partitions).toHaveLength(3);
    expect(new Set(partitions.map((p: { leader: number }) => p.leader)).size).toBe(3);
    for (const p of partitions) {
      expect([...p.replicas].sort()).toEqual([0, 1, 2]);
      expect([...p.isr].sort()).toEqual([0, 1, 2]);
      expect([...p.racks].sort()).toEqual(['a', 'b', 'c']);
      expect(p.leader).toBe(p.replicas[0]); // at creation: the preferred leader (the failover step moves leaderships later)
    }
  });

  it('the idempotent producer loses and duplicates nothing while the leader identity is stopped and started', () => {
    expect(failover.newLeader).not.toBe(failover.leader);
    expect(failover.newLeader).toBeGreaterThanOrEqual(0);
    expect(failover.atStop).toBeLessThan(3000); // the stop fell while it was producing
    expect(step('failover')).toEqual({ acked: 3000, errors: [], consumed: 3000, exactlyOnceInOrder: true });
    expect(cluster.services.topics.openPartitionLog(`${prefix}-failover`, 0)!.highWatermark).toBe(3000);
  });

  it('a consumer with client.rack reads from the replica in its rack (KIP-392)', () => {
    const near = step('near');
    expect(near.consumed).toBe(200);
    const topic = `${prefix}-near`;
    expect(cluster.brokers.find((b) => b.nodeId === near.follower)!.rack).toBe(near.rack);
    expect(fetches.of(near.follower, topic)).toBeGreaterThan(0);
    expect(fetches.of(cluster.partitionLeader(topic, 0), topic)).toBe(0);
  });

  it('Admin reassigns replicas (the leader leaves: the producer is redirected), lists none under way, elects the preferred leader', () => {
    expect(step('reassign')).toEqual({
      ongoing: 0,
      leaderAfterMove: 2,
      replicasAfterMove: [2, 1],
      electionWhenPreferredLeads: 'ElectionNotNeededException',
      leaderAfterElection: 1,
      cancelWithoutReassignment: 'NoReassignmentInProgressException',
      consumed: 30,
    });
    expect(cluster.membership.replicas(cluster.services.topics.topic(`${prefix}-move`)!, 0)).toEqual([1, 2]);
  });
});
