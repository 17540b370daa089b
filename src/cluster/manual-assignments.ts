// Kafka's checks of a manual replica assignment (ReplicationControlManager), shared by CreateTopics,
// CreatePartitions and AlterPartitionReassignments. Its own module so that one handler does not
// import another's: each handler module loads on its API's first request (src/api/handlers.ts).

/** Kafka's checks of one manual assignment: `registered` is the only broker's node id, or every broker identity's. */
export function manualAssignmentProblem(brokerIds: readonly number[], registered: number | readonly number[], replicationFactor?: number): string | undefined {
  const isRegistered = (id: number) => (typeof registered === 'number' ? id === registered : registered.includes(id));
  if (brokerIds.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let prev: number | undefined;
  for (const id of sorted) {
    if (!isRegistered(id)) return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    if (id === prev) return `The manual partition assignment includes the broker ${prev} more than once.`;
    prev = id;
  }
  if (replicationFactor !== undefined && sorted.length !== replicationFactor) {
    return `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`;
  }
  return undefined;
}
