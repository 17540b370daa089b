// Which broker identities exist in this process, which are alive, and who leads each partition at
// which epoch. One identity for startBroker(); several for startCluster(), sharing one log per
// partition, so "replication" is bookkeeping: every live replica is in sync. Handlers ask
// `leaderOf` and answer NOT_LEADER_OR_FOLLOWER with the leader's endpoint when it is not them.

import type { ClusterState, TopicInfo } from './cluster-state.js';
import { placeReplicas } from './placement.js';
import { PartitionReassignments } from './reassignments.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface BrokerIdentity {
  readonly nodeId: number;
  readonly rack: string | null;
  /** Advertised endpoint by listener name; empty until its listeners are bound. */
  readonly endpoints: Map<string, Endpoint>;
  alive: boolean;
}

export interface PartitionLeadership {
  /** -1 when no replica is alive. */
  leader: number;
  isr: number[];
}

export class Membership {
  readonly identities: ReadonlyMap<number, BrokerIdentity>;
  private readonly leadership = new Map<string, PartitionLeadership>();
  private cluster: ClusterState | null = null;
  /** AlterPartitionReassignments / ListPartitionReassignments (src/cluster/reassignments.ts); set by attach. */
  reassignments: PartitionReassignments | null = null;
  /** Called on every leader change: the owner of the logs starts a new leader epoch in the partition's log. */
  onLeaderChange: (topic: TopicInfo, partition: number, leader: number) => void = () => {};

  constructor(identities: { nodeId: number; rack?: string | null }[]) {
    if (identities.length === 0) throw new Error('a cluster needs at least one broker identity');
    this.identities = new Map(identities.map((i) => [i.nodeId, { nodeId: i.nodeId, rack: i.rack ?? null, endpoints: new Map(), alive: true }]));
  }

  /** Binds the topic metadata (replica assignments live with each topic, persisted with it). */
  attach(cluster: ClusterState): void {
    this.cluster = cluster;
    this.reassignments = new PartitionReassignments(this, cluster);
    // Reassignments left under way by the last run: every identity starts alive, so they complete.
    this.reassignments.advance();
  }

  get size(): number {
    return this.identities.size;
  }

  /** The live identities, by node id. */
  liveBrokers(): BrokerIdentity[] {
    return [...this.identities.values()].filter((b) => b.alive).sort((a, b) => a.nodeId - b.nodeId);
  }

  /** The controller: the lowest live node id (a KRaft quorum's choice is as arbitrary to clients). */
  get controllerId(): number {
    return this.liveBrokers()[0]?.nodeId ?? -1;
  }

  endpoint(nodeId: number, listenerName: string): Endpoint | undefined {
    const b = this.identities.get(nodeId);
    return b?.endpoints.get(listenerName) ?? b?.endpoints.values().next().value;
  }

  /** Kafka's placement of a new topic's (or new partitions') replicas over the registered identities. */
  place(partitions: number, replicationFactor: number, firstPartition = 0): number[][] {
    const brokers = [...this.identities.values()].map((b) => ({ id: b.nodeId, rack: b.rack }));
    return placeReplicas(brokers, partitions, replicationFactor, firstPartition);
  }

  /**
   * A partition's replicas. Topics created without an assignment (the internal topics, which the
   * coordinators create themselves, and topics from a one-node start) get a fixed round robin of
   * up to three identities, so that coordinators spread over the identities and stay put across restarts.
   */
  replicas(topic: TopicInfo, partition: number): number[] {
    return topic.replicas?.[partition] ?? this.defaultReplicas(partition);
  }

  private defaultReplicas(partition: number): number[] {
    const ids = [...this.identities.keys()].sort((a, b) => a - b);
    const rf = Math.min(3, ids.length);
    return Array.from({ length: rf }, (_, j) => ids[(partition + j) % ids.length]);
  }

  /**
   * The identity coordinating the keys of an internal topic's partition (__consumer_offsets,
   * __transaction_state): its leader, also before the coordinator created the topic; -1 if none is alive.
   */
  coordinatorOf(internalTopic: string, partition: number): number {
    const t = this.cluster?.topic(internalTopic);
    if (t !== undefined && partition < t.partitions) return this.state(t, partition).leader;
    return this.defaultReplicas(partition).find((id) => this.identities.get(id)?.alive) ?? -1;
  }

  /** Leader, epoch bumps and ISR of a partition, derived on first use from its replicas. */
  state(topic: TopicInfo, partition: number): PartitionLeadership {
    const key = `${topic.id}/${partition}`;
    let s = this.leadership.get(key);
    if (s === undefined) {
      const replicas = this.replicas(topic, partition);
      const isr = replicas.filter((id) => this.identities.get(id)?.alive);
      s = { leader: isr[0] ?? -1, isr };
      this.leadership.set(key, s);
    }
    return s;
  }

  leaderOf(topicName: string, partition: number): number {
    const t = this.cluster?.topic(topicName);
    if (t === undefined) return -1;
    return this.state(t, partition).leader;
  }

  /**
   * An identity stops or starts. Stopping: it leaves every ISR, and each partition it led moves to
   * the next live in-sync replica with a leader epoch bump (no live replica: leader -1, as Kafka's
   * offline partition). Starting: it rejoins the ISR of its replicas at once (the log is shared, so
   * it is caught up) and leads again the partitions that had no leader; others stay where they are
   * until a preferred election or moveLeader, as with Kafka's auto.leader.rebalance off.
   */
  setAlive(nodeId: number, alive: boolean): void {
    const b = this.identities.get(nodeId);
    if (b === undefined) throw new Error(`no broker identity ${nodeId}`);
    if (b.alive === alive) return;
    this.materialise();
    b.alive = alive;
    for (const [key, s] of this.leadership) {
      const replicas = this.replicasByKey(key);
      if (!replicas.includes(nodeId)) continue;
      if (!alive) {
        s.isr = s.isr.filter((id) => id !== nodeId);
        if (s.leader === nodeId) this.elect(key, s, s.isr[0] ?? -1);
      } else {
        s.isr = replicas.filter((id) => id === nodeId || s.isr.includes(id));
        if (s.leader === -1) this.elect(key, s, nodeId);
      }
    }
    // A replica a reassignment was adding is in sync once it is back: the reassignment completes.
    if (alive) this.reassignments?.advance();
  }

  /**
   * A controller's change of a partition (a reassignment step): its ISR and leader, with a new
   * leader epoch when the leader changes or `bumpEpoch` (a replica left), as Kafka's PartitionChangeBuilder.
   */
  changePartition(topic: TopicInfo, partition: number, leader: number, isr: number[], bumpEpoch: boolean): void {
    const s = this.state(topic, partition);
    s.isr = [...isr];
    if (leader !== s.leader || bumpEpoch) this.elect(`${topic.id}/${partition}`, s, leader);
  }

  /** Makes toId (a live replica) lead the partition, with an epoch bump. */
  moveLeader(topicName: string, partition: number, toId: number): void {
    const t = this.cluster?.topic(topicName);
    if (t === undefined || partition < 0 || partition >= t.partitions) throw new Error(`no partition ${topicName}-${partition}`);
    if (!this.replicas(t, partition).includes(toId)) throw new Error(`broker ${toId} is not a replica of ${topicName}-${partition}`);
    if (!this.identities.get(toId)?.alive) throw new Error(`broker ${toId} is stopped`);
    const s = this.state(t, partition);
    if (s.leader !== toId) this.elect(`${t.id}/${partition}`, s, toId);
  }

  /**
   * ElectLeaders: 'preferred' moves the leadership to the first replica when it is alive and in sync;
   * 'unclean' elects any live replica of a partition without a leader. Answers what happened.
   */
  electLeader(topic: TopicInfo, partition: number, type: 'preferred' | 'unclean'): 'elected' | 'not-needed' | 'not-available' {
    const s = this.state(topic, partition);
    const replicas = this.replicas(topic, partition);
    if (type === 'preferred') {
      if (s.leader === replicas[0]) return 'not-needed';
      if (!s.isr.includes(replicas[0])) return 'not-available';
      this.elect(`${topic.id}/${partition}`, s, replicas[0]);
      return 'elected';
    }
    if (s.leader !== -1) return 'not-needed';
    const live = replicas.find((id) => this.identities.get(id)?.alive);
    if (live === undefined) return 'not-available';
    s.isr = [live];
    this.elect(`${topic.id}/${partition}`, s, live);
    return 'elected';
  }

  private elect(key: string, s: PartitionLeadership, leader: number): void {
    s.leader = leader;
    const { topic, partition } = this.parseKey(key);
    if (topic !== undefined && leader !== -1) this.onLeaderChange(topic, partition, leader);
  }

  private parseKey(key: string): { topic: TopicInfo | undefined; partition: number } {
    const slash = key.lastIndexOf('/');
    return { topic: this.cluster?.topicById(key.slice(0, slash)), partition: Number(key.slice(slash + 1)) };
  }

  /** Every partition's state, so that a membership change applies to all of them. */
  private materialise(): void {
    for (const t of this.cluster?.topics() ?? []) for (let p = 0; p < t.partitions; p++) this.state(t, p);
  }

  private replicasByKey(key: string): number[] {
    const { topic, partition } = this.parseKey(key);
    return topic === undefined ? [] : this.replicas(topic, partition);
  }

  /** Forgets every partition's leadership (a reset cluster's topics are new). */
  forgetAll(): void {
    this.leadership.clear();
  }

  /** Forgets a deleted topic's leadership (a topic of the same name later gets a new id anyway). */
  forget(topic: TopicInfo): void {
    for (let p = 0; p < topic.partitions; p++) this.leadership.delete(`${topic.id}/${p}`);
  }
}
