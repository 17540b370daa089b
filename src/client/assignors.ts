// Client-side partition assignors of the classic consumer protocol, run by the group leader after
// JoinGroup (Kafka's RangeAssignor and RoundRobinAssignor). Pure functions: members' subscriptions
// and partition counts in, each member's partitions out.

/** A member as the leader sees it in the JoinGroup response. */
export interface Subscriber {
  memberId: string;
  topics: string[];
}

/** memberId → topic → partitions (sorted). Every member is present, possibly with nothing. */
export type GroupAssignment = Map<string, Map<string, number[]>>;

export interface ClientAssignor {
  /** The protocol name sent in JoinGroup; members agree on one that all of them support. */
  name: string;
  assign(members: Subscriber[], partitionsPerTopic: Map<string, number>): GroupAssignment;
}

function emptyAssignment(members: Subscriber[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

function give(out: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const topics = out.get(memberId)!;
  const list = topics.get(topic);
  if (list === undefined) topics.set(topic, [partition]);
  else list.push(partition);
}

const byMemberId = (a: Subscriber, b: Subscriber): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

/**
 * Kafka's "range": per topic, its subscribers sorted by member id each take a contiguous range; the
 * first (partitions % subscribers) take one more.
 */
export const rangeAssignor: ClientAssignor = {
  name: 'range',
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const subscribers = members.filter((m) => m.topics.includes(topic)).sort(byMemberId);
      if (subscribers.length === 0) continue;
      const each = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = each * i + Math.min(i, extra);
        const length = each + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) give(out, m.memberId, topic, p);
      });
    }
    return out;
  },
};

/**
 * Kafka's "roundrobin": every subscribed partition, sorted by topic then partition, goes to the next
 * member (sorted by id) that subscribes to its topic.
 */
function roundRobin(name: string): ClientAssignor {
  return {
    name,
    assign(members, partitionsPerTopic) {
      const out = emptyAssignment(members);
      const sorted = [...members].sort(byMemberId);
      if (sorted.length === 0) return out;
      let next = 0;
      for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (!sorted.some((m) => m.topics.includes(topic))) continue;
        for (let p = 0; p < count; p++) {
          while (!sorted[next % sorted.length].topics.includes(topic)) next++;
          give(out, sorted[next % sorted.length].memberId, topic, p);
          next++;
        }
      }
      return out;
    },
  };
}

export const roundRobinAssignor = roundRobin('roundrobin');

/**
 * The same assignor under the name kafkajs gives its default (and only built-in) one, so that a
 * kafkajs consumer with default settings can share a group with `tributary consume --group`.
 */
export const kafkajsRoundRobinAssignor = roundRobin('RoundRobinAssigner');

/** In order of preference, as sent in JoinGroup (Kafka's consumer prefers range by default too). */
export const CLIENT_ASSIGNORS: readonly ClientAssignor[] = [rangeAssignor, roundRobinAssignor, kafkajsRoundRobinAssignor];
