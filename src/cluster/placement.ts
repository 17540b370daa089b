// Kafka's replica placement: round-robin from a random start, the followers shifted by a random
// amount that grows every `brokers` partitions, and with racks, a broker list alternating between
// racks so that a partition's replicas land in as many racks as possible (the rack-aware
// assignment of Kafka's AdminUtils, which KRaft's StripedReplicaPlacer keeps in spirit).

export interface PlacementBroker {
  id: number;
  rack: string | null;
}

/** Replica lists for partitions firstPartition.. firstPartition+count-1; the first replica of each is its preferred leader. */
export function placeReplicas(
  brokers: readonly PlacementBroker[],
  count: number,
  replicationFactor: number,
  firstPartition = 0,
  random: (n: number) => number = (n) => Math.floor(Math.random() * n),
): number[][] {
  const n = brokers.length;
  if (replicationFactor > n) throw new Error(`replication factor ${replicationFactor} exceeds ${n} brokers`);
  const rackAware = brokers.every((b) => b.rack !== null);
  const ordered = rackAware ? alternateRacks(brokers) : [...brokers].sort((a, b) => a.id - b.id);
  const racks = new Set(ordered.map((b) => b.rack)).size;
  const startIndex = random(n);
  let shift = random(n);
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const p = firstPartition + i;
    if (p > 0 && p % n === 0) shift++;
    const first = (p + startIndex) % n;
    const replicas = [ordered[first]];
    if (!rackAware) {
      for (let j = 0; j < replicationFactor - 1; j++) replicas.push(ordered[followerIndex(first, shift, j, n)]);
    } else {
      // Each follower goes to a rack without a replica yet (until every rack has one) and to a broker without one.
      const racksUsed = new Set([replicas[0].rack]);
      for (let k = 0; replicas.length < replicationFactor; k++) {
        const b = ordered[followerIndex(first, shift * racks, k, n)];
        if ((racksUsed.has(b.rack) && racksUsed.size < racks) || replicas.includes(b)) continue;
        replicas.push(b);
        racksUsed.add(b.rack);
      }
    }
    out.push(replicas.map((b) => b.id));
  }
  return out;
}

function followerIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j) % (n - 1))) % n;
}

/** Racks in name order, brokers in id order within each; then one broker of each rack in turn. */
function alternateRacks(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const b of [...brokers].sort((a, b) => a.id - b.id)) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b);
    byRack.set(b.rack!, list);
  }
  const lists = [...byRack.keys()].sort().map((r) => byRack.get(r)!);
  const out: PlacementBroker[] = [];
  for (let i = 0; out.length < brokers.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}
