// Follower fetching (KIP-392): which replica a consumer should read a partition from, as Kafka's
// partition leader decides with replica.selector.class = RackAwareReplicaSelector
// (ReplicaManager.findPreferredReadReplica). The candidates are the leader and the in-sync followers
// whose log holds the fetch offset; a client without a rack, or whose rack has no candidate or has
// the leader, reads from the leader; otherwise from a candidate in its rack. Kafka picks the most
// caught-up one there; every replica of this process shares one log, so all are equally caught up
// and the lowest node id is chosen, which keeps the choice stable.

import type { TopicInfo } from './cluster-state.js';
import type { Membership } from './membership.js';

/** The node id a consumer in clientRack should fetch from instead of the leader, or -1 (the leader serves it). */
export function preferredReadReplica(
  membership: Membership,
  topic: TopicInfo,
  partition: number,
  clientRack: string,
  /** Whether the fetch offset lies within the log (followers whose log does not hold it are no candidates). */
  offsetInLog: boolean,
): number {
  if (clientRack === '') return -1;
  const { leader, isr } = membership.state(topic, partition);
  if (leader === -1) return -1;
  const rackOf = (id: number) => membership.identities.get(id)?.rack ?? null;
  if (rackOf(leader) === clientRack) return -1;
  if (!offsetInLog) return -1;
  const inRack = isr.filter((id) => id !== leader && membership.identities.get(id)?.alive === true && rackOf(id) === clientRack);
  return inRack.length === 0 ? -1 : Math.min(...inRack);
}
