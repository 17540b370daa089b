// What the APIs that list brokers and partition replicas (Metadata, DescribeCluster,
// DescribeTopicPartitions, FindCoordinator) say about the cluster: every live broker identity of
// the process (startCluster) or this node alone (startBroker), each at the address of the listener
// the client connected to.

import type { TopicInfo } from '../cluster/cluster-state.js';
import { preferredReadReplica } from '../cluster/replica-selector.js';
import { RACK_AWARE_REPLICA_SELECTOR } from '../config/broker-settings.js';
import { advertisedFor, localNodeId, type RequestContext } from './context.js';

export interface ListedBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Who is alive and where: the in-process identities (cluster/membership.ts) or the database's members (pg/pg-membership.ts). */
interface BrokerDirectory {
  liveBrokers(): readonly { nodeId: number; rack: string | null }[];
  endpoint(nodeId: number, listenerName: string): { host: string; port: number } | undefined;
}

export function listedBrokers(ctx: RequestContext): ListedBroker[] {
  // postgres:// storage: the brokers whose lease is live, as of this broker's last heartbeat.
  const membership: BrokerDirectory | undefined = ctx.broker.pg?.membership ?? ctx.broker.membership;
  if (membership === undefined) return [{ nodeId: ctx.broker.cluster.nodeId, ...advertisedFor(ctx), rack: null }];
  const listener = ctx.connection.listenerName;
  const out: ListedBroker[] = [];
  for (const b of membership.liveBrokers()) {
    const at = b.nodeId === localNodeId(ctx) ? advertisedFor(ctx) : membership.endpoint(b.nodeId, listener);
    if (at !== undefined) out.push({ nodeId: b.nodeId, host: at.host, port: at.port, rack: b.rack });
  }
  return out;
}

/**
 * postgres:// storage: when a request names a topic this broker's metadata lacks (made through another
 * broker since its last heartbeat), the database is read first, so the broker's own handlers know it.
 */
export async function learnTopics(ctx: RequestContext, names: Iterable<string>, ids: Iterable<string> = []): Promise<void> {
  const { pg, cluster } = ctx.broker;
  if (pg === undefined) return;
  for (const name of names) if (cluster.topic(name) === undefined) return pg.membership.catchUp();
  for (const id of ids) if (cluster.topicById(id) === undefined) return pg.membership.catchUp();
}

/**
 * postgres:// storage: the read of a metadata change already notified, to await before a listing so it
 * shows the change; undefined when there is none (always on other storage: no await on the hot path).
 */
export function pendingMetadata(ctx: RequestContext): Promise<void> | undefined {
  return ctx.broker.pg?.membership.pendingCatchUp()?.catch(() => {});
}

export function controllerId(ctx: RequestContext): number {
  if (ctx.broker.pg !== undefined) return ctx.broker.pg.membership.controllerId;
  return ctx.broker.membership?.controllerId ?? ctx.broker.cluster.nodeId;
}

/** The endpoint of broker nodeId for this client's listener (KIP-951 node_endpoints); undefined if it is down. */
export function brokerEndpoint(ctx: RequestContext, nodeId: number): ListedBroker | undefined {
  return listedBrokers(ctx).find((b) => b.nodeId === nodeId);
}

/**
 * Leader, epoch, replicas and ISR of a partition with several identities; undefined on one node,
 * where the caller answers as before (this node). The epoch is the log's: a leader change starts a
 * new epoch in it, as in Kafka, so batches are stamped with it and OffsetsForLeaderEpoch knows it.
 */
export function replicaState(ctx: RequestContext, t: TopicInfo, partition: number, logEpoch: number):
  { leaderId: number; leaderEpoch: number; replicaNodes: number[]; isrNodes: number[]; offlineReplicas: number[] } | undefined {
  const { membership, pg } = ctx.broker;
  if (pg !== undefined) {
    // The database's leader and epoch; every live broker is a replica and in the ISR, as Metadata lists them.
    const live = pg.membership.liveBrokers().map((b) => b.nodeId);
    const l = pg.membership.leaderOf(t.id, partition);
    const leaderId = l !== undefined && live.includes(l.leader) ? l.leader : -1;
    return { leaderId, leaderEpoch: l?.leaderEpoch ?? -1, replicaNodes: live, isrNodes: live, offlineReplicas: [] };
  }
  if (membership === undefined) return undefined;
  const replicas = membership.replicas(t, partition);
  const s = membership.state(t, partition);
  return {
    leaderId: s.leader,
    leaderEpoch: s.leader === -1 ? -1 : Math.max(logEpoch, 0),
    replicaNodes: replicas,
    isrNodes: [...s.isr],
    offlineReplicas: replicas.filter((id) => !membership.identities.get(id)?.alive),
  };
}

/** A partition's leader and epoch as KIP-951's current_leader carries them. */
export interface CurrentLeader {
  leaderId: number;
  leaderEpoch: number;
}

/**
 * Whether this identity may serve a partition request, as Kafka's ReplicaManager decides: the leader
 * always; with `followerReads` (a consumer's Fetch v11+, KIP-392) any replica. Otherwise the partition's
 * current leader, for a NOT_LEADER_OR_FOLLOWER answer. Always served on one node.
 */
export function misdirected(ctx: RequestContext, topic: string, partition: number, followerReads = false): CurrentLeader | undefined {
  const { membership } = ctx.broker;
  if (membership === undefined) return undefined;
  const t = ctx.broker.cluster.topic(topic);
  if (t === undefined || partition < 0 || partition >= t.partitions) return undefined; // the handler answers for unknown partitions
  const s = membership.state(t, partition);
  const me = localNodeId(ctx);
  if (s.leader === me) return undefined;
  if (followerReads && s.isr.includes(me)) return undefined;
  const log = ctx.broker.topics.openPartitionLog(topic, partition);
  return { leaderId: s.leader, leaderEpoch: s.leader === -1 ? -1 : Math.max(log?.leaderEpoch ?? 0, 0) };
}

/**
 * The rack a Fetch's reader may be redirected by (KIP-392), or undefined when no redirection applies:
 * one node, no replica.selector.class, a version before 11, or a follower's fetch (Kafka computes a
 * preferred read replica only for consumers).
 */
export function followerFetchRack(ctx: RequestContext, request: { replicaId: number; replicaState: { replicaId: number }; rackId: string }): string | undefined {
  if ((ctx.broker.membership === undefined && ctx.broker.pg === undefined) || ctx.apiVersion < 11) return undefined;
  if (ctx.broker.config.get('replica.selector.class') !== RACK_AWARE_REPLICA_SELECTOR) return undefined;
  const replicaId = ctx.apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId;
  return replicaId >= 0 ? undefined : request.rackId;
}

/**
 * The replica a consumer in `rack` should read the partition from, when this identity leads it and
 * that is another replica (Kafka's findPreferredReadReplica, asked only of the leader); else -1.
 */
export function preferredReplicaFor(ctx: RequestContext, topic: string, partition: number, rack: string, offsetInLog: boolean): number {
  const { membership } = ctx.broker;
  const t = ctx.broker.cluster.topic(topic);
  if (membership === undefined || t === undefined) return -1;
  if (membership.state(t, partition).leader !== localNodeId(ctx)) return -1;
  return preferredReadReplica(membership, t, partition, rack, offsetInLog);
}

/**
 * KIP-951 node_endpoints: the address (on this client's listener) of each leader named in current_leader
 * fields. `leaders` is called only with several brokers (identities, or a PostgreSQL cluster): one node
 * never redirects, and Produce and Fetch need not collect anything for it.
 */
export function leaderEndpoints(ctx: RequestContext, leaders: () => Iterable<number>): { nodeId: number; host: string; port: number; rack: string | null }[] {
  if (ctx.broker.membership === undefined && ctx.broker.pg === undefined) return [];
  const wanted = new Set([...leaders()].filter((id) => id >= 0));
  if (wanted.size === 0) return [];
  return listedBrokers(ctx).filter((b) => wanted.has(b.nodeId));
}

/** The in-sync replica count when it is below min.insync.replicas (acks=all is then refused), else undefined. */
export function insufficientIsr(ctx: RequestContext, topic: TopicInfo, partition: number, minIsr: number): number[] | undefined {
  const { membership } = ctx.broker;
  if (membership === undefined) return minIsr > 1 ? [ctx.broker.cluster.nodeId] : undefined; // one node: the ISR is itself
  const isr = membership.state(topic, partition).isr;
  return isr.length < minIsr ? isr : undefined;
}
