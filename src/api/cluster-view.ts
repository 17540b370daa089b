// What the APIs that list brokers and partition replicas (Metadata, DescribeCluster,
// DescribeTopicPartitions, FindCoordinator) say about the cluster: every live broker identity of
// the process (startCluster) or this node alone (startBroker), each at the address of the listener
// the client connected to.

import type { TopicInfo } from '../cluster/cluster-state.js';
import { advertisedFor, localNodeId, type RequestContext } from './context.js';

export interface ListedBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function listedBrokers(ctx: RequestContext): ListedBroker[] {
  const { membership } = ctx.broker;
  if (membership === undefined) return [{ nodeId: ctx.broker.cluster.nodeId, ...advertisedFor(ctx), rack: null }];
  const listener = ctx.connection.listenerName;
  const out: ListedBroker[] = [];
  for (const b of membership.liveBrokers()) {
    const at = b.nodeId === localNodeId(ctx) ? advertisedFor(ctx) : membership.endpoint(b.nodeId, listener);
    if (at !== undefined) out.push({ nodeId: b.nodeId, host: at.host, port: at.port, rack: b.rack });
  }
  return out;
}

export function controllerId(ctx: RequestContext): number {
  return ctx.broker.membership?.controllerId ?? ctx.broker.cluster.nodeId;
}

/** The endpoint of broker nodeId for this client's listener (KIP-951 node_endpoints); undefined if it is down. */
export function brokerEndpoint(ctx: RequestContext, nodeId: number): ListedBroker | undefined {
  return listedBrokers(ctx).find((b) => b.nodeId === nodeId);
}

/**
 * Leader, epoch, replicas and ISR of a partition with several identities; undefined on one node,
 * where the caller answers as before (this node, the log's epoch). The epoch is the log's own
 * (stamped in its batches) plus one per leader move since the process started.
 */
export function replicaState(ctx: RequestContext, t: TopicInfo, partition: number, logEpoch: number):
  { leaderId: number; leaderEpoch: number; replicaNodes: number[]; isrNodes: number[]; offlineReplicas: number[] } | undefined {
  const { membership } = ctx.broker;
  if (membership === undefined) return undefined;
  const replicas = membership.replicas(t, partition);
  const s = membership.state(t, partition);
  return {
    leaderId: s.leader,
    leaderEpoch: Math.max(logEpoch, 0) + s.epochBumps,
    replicaNodes: replicas,
    isrNodes: [...s.isr],
    offlineReplicas: replicas.filter((id) => !membership.identities.get(id)?.alive),
  };
}
