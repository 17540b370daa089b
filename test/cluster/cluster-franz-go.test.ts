// franz-go 1.22 (kgo, kadm) against a 3-identity cluster in racks a, b, c with Kafka's
// RackAwareReplicaSelector, through the Go clients' scenario program (scenario franz-cluster in
// test/reference/clients/go/franz_cluster.go, built by that folder's install.sh): topics with
// replication factor 3, the idempotent producer losing and duplicating nothing while the partition's
// leader identity is stopped and started, and a kgo.Rack consumer served by the replica in its rack.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../src/index.js';
import { GO_FOLDER, goUnavailable } from '../reference/clients/go/go-scenarios.js';
import { run } from '../helpers/tools.js';
import { FetchCounter, stopAndStartLeaderWhileProducing } from '../helpers/cluster-clients.js';

const prefix = `franz-${randomUUID().slice(0, 8)}`;
let cluster: RunningCluster;
let fetches: FetchCounter;
let result: Record<string, any>;
let failover: Awaited<ReturnType<typeof stopAndStartLeaderWhileProducing>>;

describe.skipIf(!!goUnavailable)(`franz-go against a 3-identity cluster${goUnavailable ? ` (skipped: ${goUnavailable})` : ''}`, () => {
  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      racks: ['a', 'b', 'c'],
      config: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' },
    });
    fetches = new FetchCounter(cluster);
    const program = run(path.join(GO_FOLDER, 'bin', 'scenarios'), ['franz-cluster', cluster.bootstrap, prefix], { timeoutMs: 100_000 });
    failover = await stopAndStartLeaderWhileProducing(cluster, `${prefix}-failover`, 500, program);
    fetches.count(failover.leader); // its interceptors ended when it stopped
    const r = await program;
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.code !== 0 || !last.startsWith('{')) throw new Error(`franz-cluster exited ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
    result = JSON.parse(last) as Record<string, any>;
  }, 120_000);
  afterAll(async () => {
    fetches?.remove();
    await cluster?.close();
  });

  it('the idempotent producer loses and duplicates nothing while the leader identity is stopped and started', () => {
    expect(failover.newLeader).not.toBe(failover.leader);
    expect(failover.newLeader).toBeGreaterThanOrEqual(0);
    expect(failover.atStop).toBeLessThan(3000); // the stop fell while it was producing
    expect(result).toMatchObject({ acked: 3000, errors: [], consumedExactlyInOrder: true });
    expect(cluster.membership.replicas(cluster.services.topics.topic(`${prefix}-failover`)!, 0)).toHaveLength(3);
    expect(cluster.services.topics.openPartitionLog(`${prefix}-failover`, 0)!.highWatermark).toBe(3000);
  });

  it('a consumer with kgo.Rack reads from the replica in its rack (KIP-392)', () => {
    const topic = `${prefix}-near`;
    expect(result.nearConsumed).toBe(200);
    expect(cluster.brokers.find((b) => b.nodeId === result.nearFollower)!.rack).toBe(result.nearRack);
    expect(fetches.of(result.nearFollower, topic)).toBeGreaterThan(0);
    expect(fetches.of(cluster.partitionLeader(topic, 0), topic)).toBe(0);
  });
});
