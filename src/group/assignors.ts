// Server-side assignors of KIP-848 consumer groups. `uniform` spreads every subscribed partition as
// evenly as the subscriptions allow while keeping partitions where they are; `range` gives each
// member a contiguous range of every topic it subscribes to (co-partitioned topics line up).

import type { Assignment } from './consumer-group.js';

export interface AssignmentMember {
  memberId: string;
  /** Subscribed topic ids. */
  topics: ReadonlySet<string>;
  /** The member's current target assignment (stickiness). */
  current: Assignment;
}

export interface AssignmentSpec {
  members: AssignmentMember[];
  /** topic id → partition count, for every subscribed topic that exists. */
  partitions: ReadonlyMap<string, number>;
}

export interface ServerAssignor {
  readonly name: string;
  assign(spec: AssignmentSpec): Map<string, Assignment>;
}

function add(a: Assignment, topic: string, p: number): void {
  let s = a.get(topic);
  if (s === undefined) a.set(topic, (s = new Set()));
  s.add(p);
}

function remove(a: Assignment, topic: string, p: number): void {
  const s = a.get(topic);
  if (s === undefined) return;
  s.delete(p);
  if (s.size === 0) a.delete(topic);
}

export const uniformAssignor: ServerAssignor = {
  name: 'uniform',
  assign(spec) {
    const members = [...spec.members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
    const count = new Map<string, number>(members.map((m) => [m.memberId, 0]));
    const taken = new Set<string>();
    // In a homogeneous group a member keeps at most its fair share, so the result can balance.
    const homogeneous = members.every((m) => m.topics.size === members[0]!.topics.size && [...m.topics].every((t) => members[0]!.topics.has(t)));
    let all = 0;
    if (homogeneous && members.length > 0) for (const t of members[0]!.topics) all += spec.partitions.get(t) ?? 0;
    const quota = homogeneous && members.length > 0 ? Math.ceil(all / members.length) : Infinity;
    // 1. Stickiness: keep current partitions that still exist and are still subscribed (up to the quota).
    for (const m of members) {
      for (const [topic, parts] of m.current) {
        const n = spec.partitions.get(topic);
        if (n === undefined || !m.topics.has(topic)) continue;
        for (const p of [...parts].sort((a, b) => a - b)) {
          const key = `${topic}:${p}`;
          if (p >= n || taken.has(key) || count.get(m.memberId)! >= quota) continue;
          taken.add(key);
          add(result.get(m.memberId)!, topic, p);
          count.set(m.memberId, count.get(m.memberId)! + 1);
        }
      }
    }
    // 2. The rest, each to the least loaded subscribed member.
    const topics = [...spec.partitions.keys()].sort();
    for (const topic of topics) {
      const eligible = members.filter((m) => m.topics.has(topic));
      if (eligible.length === 0) continue;
      for (let p = 0; p < spec.partitions.get(topic)!; p++) {
        if (taken.has(`${topic}:${p}`)) continue;
        let best = eligible[0]!;
        for (const m of eligible) if (count.get(m.memberId)! < count.get(best.memberId)!) best = m;
        add(result.get(best.memberId)!, topic, p);
        count.set(best.memberId, count.get(best.memberId)! + 1);
        taken.add(`${topic}:${p}`);
      }
    }
    // 3. Balance: move partitions from the most to the least loaded member that can take them.
    for (let guard = 0; guard < 100_000; guard++) {
      let moved = false;
      const byLoad = [...members].sort((a, b) => count.get(b.memberId)! - count.get(a.memberId)!);
      outer: for (const from of byLoad) {
        const fromCount = count.get(from.memberId)!;
        for (const to of [...byLoad].reverse()) {
          if (count.get(to.memberId)! + 1 >= fromCount) break;
          for (const [topic, parts] of result.get(from.memberId)!) {
            if (!to.topics.has(topic)) continue;
            const p = Math.max(...parts);
            remove(result.get(from.memberId)!, topic, p);
            add(result.get(to.memberId)!, topic, p);
            count.set(from.memberId, fromCount - 1);
            count.set(to.memberId, count.get(to.memberId)! + 1);
            moved = true;
            break outer;
          }
        }
      }
      if (!moved) break;
    }
    return result;
  },
};

export const rangeAssignor: ServerAssignor = {
  name: 'range',
  assign(spec) {
    const result = new Map<string, Assignment>(spec.members.map((m) => [m.memberId, new Map()]));
    for (const [topic, n] of spec.partitions) {
      const subs = spec.members.filter((m) => m.topics.has(topic)).map((m) => m.memberId).sort();
      if (subs.length === 0) continue;
      const per = Math.floor(n / subs.length);
      const extra = n % subs.length;
      let next = 0;
      subs.forEach((id, i) => {
        const size = per + (i < extra ? 1 : 0);
        for (let p = next; p < next + size; p++) add(result.get(id)!, topic, p);
        next += size;
      });
    }
    return result;
  },
};

export const SERVER_ASSIGNORS: ReadonlyMap<string, ServerAssignor> = new Map([
  [uniformAssignor.name, uniformAssignor],
  [rangeAssignor.name, rangeAssignor],
]);
