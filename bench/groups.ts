// Group coordinator benchmark. Run:   npm run build:tools && node --expose-gc build/bench/groups.js
// Options (env): BENCH_MEMBERS (10), BENCH_ROUNDS (20), BENCH_GROUPS (1000), BENCH_GROUP_SIZE (5),
//   BENCH_DELAY_MS (initial rebalance delay for the first join, default 100).
//
// Prints:
// 1. Rebalance time for BENCH_MEMBERS classic consumers in one group, over real sockets against an
//    embedded broker (JoinGroup v5 with the MEMBER_ID_REQUIRED round trip, then SyncGroup v3):
//    - first join of an empty group: wall time from the first JoinGroup to the last SyncGroup answer,
//      and the same minus the group.initial.rebalance.delay.ms windows (waiting, not work; the delay is
//      extended once because members arrived during the first window);
//    - rebalance of the Stable group when every member rejoins at once (the leader forces it),
//      median and max over BENCH_ROUNDS rounds: no delay applies, the join completes as soon as
//      all known members are back.
// 2. Memory for BENCH_GROUPS groups × BENCH_GROUP_SIZE members, Stable with assignments and one
//    committed offset per member, in the coordinator alone (fake clock): heap and per-member bytes
//    after a forced GC (run node with --expose-gc, otherwise the figure includes garbage), and the
//    number of live timers (one session timer per member; no polling).

import { startBroker } from '../src/broker.js';
import { encodeVersionedData, type JoinGroupResponse } from '../src/codec/index.js';
import { GroupCoordinator } from '../src/group/index.js';
import { FakeClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { RawClient } from '../test/helpers/raw-client.js';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 1000);
const GROUP_SIZE = Number(process.env.BENCH_GROUP_SIZE ?? 5);
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 100);

const metadata = encodeVersionedData('ConsumerProtocolSubscription', 1, { topics: ['bench'], userData: null, ownedPartitions: [] });
const assignment = (i: number) =>
  encodeVersionedData('ConsumerProtocolAssignment', 1, { assignedPartitions: [{ topic: 'bench', partitions: [i] }], userData: null });

function joinBody(memberId: string) {
  return {
    groupId: 'bench-g', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata }], reason: null,
  };
}

async function syncAll(clients: RawClient[], joins: JoinGroupResponse[]): Promise<void> {
  const leader = joins.find((j) => j.leader === j.memberId)!;
  await Promise.all(joins.map((j, i) =>
    clients[i]!.request(14, 3, {
      groupId: 'bench-g', generationId: j.generationId, memberId: j.memberId, groupInstanceId: null,
      assignments: j === leader ? joins.map((m, k) => ({ memberId: m.memberId, assignment: assignment(k) })) : [],
    }).then((r: { errorCode: number }) => {
      if (r.errorCode !== 0) throw new Error(`sync error ${r.errorCode}`);
    }),
  ));
}

async function rebalanceBench(): Promise<void> {
  const broker = await startBroker({ config: { 'group.initial.rebalance.delay.ms': DELAY_MS } });
  await broker.services.groups.load();
  const clients = await Promise.all(Array.from({ length: MEMBERS }, () => RawClient.connect(broker.port)));
  try {
    const t0 = performance.now();
    const ids = await Promise.all(clients.map(async (c) => (await c.request(11, 5, joinBody(''))).memberId as string));
    let joins: JoinGroupResponse[] = await Promise.all(clients.map((c, i) => c.request(11, 5, joinBody(ids[i]!))));
    await syncAll(clients, joins);
    const first = performance.now() - t0;
    // Kafka's rule: the delay is extended once more when members arrived during it, so all members
    // joining inside the first window wait two windows.
    console.log(`first join of ${MEMBERS} members: ${first.toFixed(1)} ms wall, ${(first - 2 * DELAY_MS).toFixed(1)} ms besides the 2 × ${DELAY_MS} ms initial-delay windows`);

    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      joins = await Promise.all(clients.map((c, i) => c.request(11, 5, joinBody(joins[i]!.memberId))));
      await syncAll(clients, joins);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`rebalance of a Stable ${MEMBERS}-member group (all rejoin): median ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms, max ${times[times.length - 1]!.toFixed(2)} ms over ${ROUNDS} rounds (generation ${joins[0]!.generationId})`);
  } finally {
    for (const c of clients) c.close();
    await broker.close();
  }
}

async function memoryBench(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const clock = new FakeClock();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const c = new GroupCoordinator({ clock, logger: silentLogger, config: { initialRebalanceDelayMs: 0 } });
  await c.load();
  const client = { clientId: 'bench-client', clientHost: '/127.0.0.1', apiVersion: 3 };
  for (let g = 0; g < GROUPS; g++) {
    const groupId = `group-${g}`;
    const pending: Promise<JoinGroupResponse>[] = [];
    for (let m = 0; m < GROUP_SIZE; m++) pending.push(c.joinGroup({ ...joinBody(''), groupId }, client));
    clock.advance(0);
    const joins = await Promise.all(pending);
    const leader = joins.find((j) => j.leader === j.memberId)!;
    await Promise.all(joins.map((j, k) => c.syncGroup({
      groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: j === leader ? joins.map((m, i) => ({ memberId: m.memberId, assignment: assignment(i) })) : [],
    }, client).then(() => c.commitOffsets({
      groupId, generationIdOrMemberEpoch: j.generationId, memberId: j.memberId, groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'bench', partitions: [{ partitionIndex: k, committedOffset: 1000, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    }, 8))));
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const members = GROUPS * GROUP_SIZE;
  const stable = [...c.groups.values()].filter((g) => g.state === 'Stable').length;
  console.log(`${GROUPS} groups × ${GROUP_SIZE} members (${stable} Stable, ${members} offsets): heap +${((after - before) / 1048576).toFixed(1)} MiB, ${Math.round((after - before) / members)} B per member${gc ? '' : ' (no --expose-gc: includes garbage)'}; live timers ${clock.pending()} (one session timer per member + retention)`);
  await c.close();
}

await rebalanceBench();
await memoryBench();
