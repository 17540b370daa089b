// Partition reassignments of a test cluster (AlterPartitionReassignments, ListPartitionReassignments),
// as Kafka's controller runs them (ReplicationControlManager, PartitionChangeBuilder): the replica
// list becomes the target followed by the replicas being removed, the added replicas join the ISR
// once caught up, and then the reassignment completes: the removed replicas leave the list and the
// ISR, and a leader that left the set hands over to the first target replica in the ISR. The leader
// epoch goes up when the leader changes or a replica leaves. Every replica of this process shares
// one log, so a live replica is caught up at once: a reassignment completes when it is asked, unless
// a replica it adds is stopped; it then stays under way (listed, cancellable) until that identity
// starts. The assignment and the reassignments under way are kept with the topic (ClusterState).

import { ErrorCode } from '../codec/index.js';
import type { ClusterState, TopicInfo } from './cluster-state.js';
import { manualAssignmentProblem } from './manual-assignments.js';
import type { Membership } from './membership.js';

export interface PartitionOutcome {
  errorCode: number;
  errorMessage: string | null;
}

export interface OngoingReassignment {
  partition: number;
  replicas: number[];
  adding: number[];
  removing: number[];
}

const OK: PartitionOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

export class PartitionReassignments {
  constructor(
    private readonly membership: Membership,
    private readonly cluster: ClusterState,
  ) {}

  /** Starts (target) or cancels (null) the reassignment of one partition; the topic and partition exist. */
  alter(topic: TopicInfo, partition: number, target: number[] | null, allowReplicationFactorChange: boolean): PartitionOutcome & { durable?: Promise<void> } {
    const ongoing = topic.reassigning?.[partition];
    const replicas = this.membership.replicas(topic, partition);
    if (target === null) {
      // Kafka's ApiError leaves out a message that is the error's own: null on the wire.
      if (ongoing === undefined) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null };
      return this.cancel(topic, partition, replicas, ongoing);
    }
    const problem = manualAssignmentProblem(target, [...this.membership.identities.keys()]);
    if (problem !== undefined) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: problem };
    // KIP-860: the replication factor is that of the replica set the partition is headed for.
    const current = ongoing === undefined ? replicas.length : replicas.filter((id) => !ongoing.removing.includes(id)).length;
    if (!allowReplicationFactorChange && current !== target.length) {
      return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `The replication factor is changed from ${current} to ${target.length}` };
    }
    const removing = replicas.filter((id) => !target.includes(id));
    const adding = target.filter((id) => !replicas.includes(id));
    return { ...OK, durable: this.apply(topic, partition, [...target, ...removing], adding, removing) };
  }

  /** The reassignments under way: of the given partitions, or of every topic. */
  ongoing(topic: TopicInfo, partitions?: readonly number[]): OngoingReassignment[] {
    const out: OngoingReassignment[] = [];
    for (const [key, r] of Object.entries(topic.reassigning ?? {})) {
      const partition = Number(key);
      if (partitions !== undefined && !partitions.includes(partition)) continue;
      out.push({ partition, replicas: this.membership.replicas(topic, partition), adding: [...r.adding], removing: [...r.removing] });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /** Completes the reassignments whose added replicas are now in sync (an identity started). */
  advance(): void {
    for (const topic of this.cluster.topics()) {
      for (const [key, r] of Object.entries(topic.reassigning ?? {})) {
        const partition = Number(key);
        // Not awaited (an identity's start does not wait for it); a failed write is retried by the next one, which writes every topic.
        this.apply(topic, partition, this.membership.replicas(topic, partition), r.adding, r.removing).catch(() => {});
      }
    }
  }

  /** PartitionReassignmentRevert: back to the replicas before the reassignment, without those it added. */
  private cancel(topic: TopicInfo, partition: number, replicas: number[], ongoing: { adding: number[] }): PartitionOutcome & { durable?: Promise<void> } {
    const original = replicas.filter((id) => !ongoing.adding.includes(id));
    let isr = this.membership.state(topic, partition).isr.filter((id) => !ongoing.adding.includes(id));
    if (isr.length === 0) {
      // Only the replicas it was adding are in sync: reverting takes an unclean election, which Kafka
      // refuses unless the topic's unclean.leader.election.enable (the broker's is false here).
      if (topic.configs['unclean.leader.election.enable'] !== true) {
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: `Unable to revert partition assignment for ${topic.name}:${partition} because it would require an unclean leader election.`,
        };
      }
      // PartitionReassignmentRevert puts the first original replica in the ISR; if it is down, the
      // unclean election makes the first live original replica the leader and the ISR.
      const live = original.find((id) => this.membership.identities.get(id)?.alive === true);
      isr = [this.membership.identities.get(original[0])?.alive === true || live === undefined ? original[0] : live];
    }
    return { ...OK, durable: this.change(topic, partition, replicas, original, isr, null) };
  }

  /**
   * One PartitionChangeBuilder step: the replica list (target then removing), the ISR grown by the live
   * added replicas (caught up at once here), completed when the ISR holds every target replica.
   */
  private apply(topic: TopicInfo, partition: number, replicas: number[], adding: number[], removing: number[]): Promise<void> {
    const before = this.membership.replicas(topic, partition);
    const s = this.membership.state(topic, partition);
    const alive = (id: number) => this.membership.identities.get(id)?.alive === true;
    let isr = replicas.filter((id) => s.isr.includes(id) || (adding.includes(id) && alive(id)));
    let next = replicas;
    let ongoing: { adding: number[]; removing: number[] } | null = adding.length > 0 || removing.length > 0 ? { adding, removing } : null;
    if (ongoing !== null) {
      const targetIsr = isr.filter((id) => !removing.includes(id));
      const target = replicas.filter((id) => !removing.includes(id));
      if (targetIsr.length > 0 && target.every((id) => targetIsr.includes(id))) {
        next = target;
        isr = targetIsr;
        ongoing = null;
      }
    }
    return this.change(topic, partition, before, next, isr, ongoing);
  }

  /** Stores the assignment, elects as Kafka's ONLINE election and bumps the epoch where Kafka does; resolves once durable. */
  private change(topic: TopicInfo, partition: number, before: number[], replicas: number[], isr: number[], ongoing: { adding: number[]; removing: number[] } | null): Promise<void> {
    const assignment = Array.from({ length: topic.partitions }, (_, p) => (p === partition ? replicas : this.membership.replicas(topic, p)));
    const reassigning = { ...topic.reassigning };
    if (ongoing === null) delete reassigning[partition];
    else reassigning[partition] = ongoing;
    const durable = this.cluster.setReplicaAssignment(topic.name, assignment, reassigning);
    const s = this.membership.state(topic, partition);
    const alive = (id: number) => this.membership.identities.get(id)?.alive === true;
    const leader = isr.includes(s.leader) && alive(s.leader) ? s.leader : (replicas.find((id) => isr.includes(id) && alive(id)) ?? -1);
    // A replica that leaves the list is fenced by a new leader epoch even when the leader stays.
    const replicaLeft = before.some((id) => !replicas.includes(id));
    this.membership.changePartition(topic, partition, leader, isr, replicaLeft);
    return durable;
  }
}
