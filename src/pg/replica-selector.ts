// Follower fetching (KIP-392) on postgres:// storage, as Kafka's RackAwareReplicaSelector decides it
// (src/cluster/replica-selector.ts for the in-process cluster): a consumer without a rack, or in the
// leader's rack, or in a rack without a live broker, reads from the leader; otherwise from a live
// broker in its rack. Every broker holds every partition's data (the database), so all are equally
// caught up: the lowest node id, which keeps the choice stable.

/** The node id a consumer in clientRack should fetch from instead of the leader, or -1. */
export function preferredReadBroker(live: readonly { nodeId: number; rack: string | null }[], leader: number, clientRack: string): number {
  if (clientRack === '') return -1;
  const rackOf = (id: number) => live.find((b) => b.nodeId === id)?.rack ?? null;
  if (rackOf(leader) === clientRack) return -1;
  const inRack = live.filter((b) => b.nodeId !== leader && b.rack === clientRack).map((b) => b.nodeId);
  return inRack.length === 0 ? -1 : Math.min(...inRack);
}
