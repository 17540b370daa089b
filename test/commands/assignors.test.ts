// The client-side assignors that `consume --group` runs as group leader: the same shares as Kafka's
// RangeAssignor and RoundRobinAssignor (their javadoc examples).

import { describe, expect, it } from 'vitest';
import { rangeAssignor, roundRobinAssignor } from '../../src/client/assignors.js';

const plain = (a: Map<string, Map<string, number[]>>): Record<string, Record<string, number[]>> =>
  Object.fromEntries([...a].map(([m, t]) => [m, Object.fromEntries(t)]));

describe('client assignors', () => {
  it('range: per topic, contiguous ranges, the first members take the remainder', () => {
    const members = [{ memberId: 'C1', topics: ['t0', 't1'] }, { memberId: 'C0', topics: ['t0', 't1'] }];
    expect(plain(rangeAssignor.assign(members, new Map([['t0', 3], ['t1', 3]])))).toEqual({
      C0: { t0: [0, 1], t1: [0, 1] },
      C1: { t0: [2], t1: [2] },
    });
  });

  it('range: a member gets nothing of a topic it does not subscribe to, and may get nothing at all', () => {
    const members = [{ memberId: 'a', topics: ['x'] }, { memberId: 'b', topics: ['y'] }, { memberId: 'c', topics: ['x'] }];
    expect(plain(rangeAssignor.assign(members, new Map([['x', 1], ['y', 2]])))).toEqual({ a: { x: [0] }, b: { y: [0, 1] }, c: {} });
  });

  it('roundrobin: partitions sorted by topic then partition go round the members in id order', () => {
    const members = [{ memberId: 'C1', topics: ['t0', 't1'] }, { memberId: 'C0', topics: ['t0', 't1'] }];
    expect(plain(roundRobinAssignor.assign(members, new Map([['t1', 3], ['t0', 3]])))).toEqual({
      C0: { t0: [0, 2], t1: [1] },
      C1: { t0: [1], t1: [0, 2] },
    });
  });

  it('roundrobin: skips members that do not subscribe to a partition\'s topic', () => {
    const members = [{ memberId: 'a', topics: ['x'] }, { memberId: 'b', topics: ['x', 'y'] }];
    expect(plain(roundRobinAssignor.assign(members, new Map([['x', 2], ['y', 2]])))).toEqual({ a: { x: [0] }, b: { x: [1], y: [0, 1] } });
  });
});
