// __consumer_offsets in the database is compacted by the partition's leader: many commits become one
// batch holding the last record of each key, the log start moves past the rest, and a broker that
// takes the partition over afterwards loads the same committed offsets from it.

import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { offsetsPartitionFor } from '../../src/group/index.js';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('coordinator partitions compacted in the database', () => {
  const pg = pgSuite();

  it('many commits become the last record of each key; the next coordinator loads the same offsets', async () => {
    const url = await pg.database('compaction');
    const start = async () => {
      const b = await startPgBroker({ storage: url, config: { 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500 } });
      pg.cleanup(() => b.close());
      return b;
    };
    const brokers = [await start(), await start()];
    const groupId = 'compacted';
    const partition = offsetsPartitionFor(groupId, 50);
    const offsetsTopic = brokers[0].pg.membership.topic('__consumer_offsets')!;
    const leaderOf = () => brokers[0].pg.membership.leaderOf(offsetsTopic.id, partition)!;
    const byNode = (id: number) => brokers.find((b) => b.nodeId === id)!;
    const coordinator = byNode(leaderOf().leader);
    const other = brokers.find((b) => b !== coordinator)!;
    await coordinator.pg.membership.createTopic('ledger', 2);
    await other.pg.membership.refresh();

    const commit = (client: RawClient, p: number, offset: number) => client.request(8, 8, {
      groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'ledger', partitions: [{ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
    }).then((r) => r.topics[0].partitions[0].errorCode as number);
    const committed = (client: RawClient, requireStable = false) => client.request(9, 7, { groupId, topics: [{ name: 'ledger', partitionIndexes: [0, 1] }], groups: [], requireStable })
      .then((r) => ({ errorCode: r.errorCode as number, offsets: r.topics[0]?.partitions.map((x: { committedOffset: number }) => x.committedOffset) }));

    const c = await RawClient.connect(coordinator.port);
    await vi.waitFor(async () => expect(await commit(c, 0, 1)).toBe(ErrorCode.NONE), { timeout: 5000, interval: 50 });
    for (let i = 2; i <= 30; i++) expect(await commit(c, i % 2, i)).toBe(ErrorCode.NONE);
    const rows = async () => (await coordinator.pg.pool.query('select count(*)::int as n from tributary_batches where topic_id = $1 and partition = $2', [offsetsTopic.id, partition])).rows[0].n as number;
    expect(await rows()).toBe(30);

    expect(await coordinator.pg.offsets.compactLedPartitions(0)).toBe(1);
    expect(await rows()).toBe(1);
    const start0 = await coordinator.pg.store.offsets(offsetsTopic.id, partition);
    expect(start0.highWatermark - start0.logStartOffset).toBe(2); // one record per committed partition
    expect(await committed(c)).toEqual({ errorCode: ErrorCode.NONE, offsets: [30, 29] });
    // Below the threshold nothing is rewritten.
    expect(await coordinator.pg.offsets.compactLedPartitions(1000)).toBe(0);
    // A commit after the compaction, then a stable fetch (which reads what other brokers appended that
    // the coordinator has not applied): the kept batch is not applied over the newer commit.
    expect(await commit(c, 0, 40)).toBe(ErrorCode.NONE);
    expect(await committed(c, true)).toEqual({ errorCode: ErrorCode.NONE, offsets: [40, 29] });
    expect(await commit(c, 0, 30)).toBe(ErrorCode.NONE);

    // The partition moves (as a takeover does: an epoch bump); the new coordinator replays the compacted log.
    await coordinator.pg.pool.query('update tributary_partitions set leader = $1, leader_epoch = leader_epoch + 1 where topic_id = $2 and partition = $3', [other.nodeId, offsetsTopic.id, partition]);
    await coordinator.pg.membership.refresh();
    await other.pg.membership.refresh();
    expect(await commit(c, 0, 99)).toBe(ErrorCode.NOT_COORDINATOR);
    c.socket.destroy();
    const o = await RawClient.connect(other.port);
    await vi.waitFor(async () => expect(await committed(o)).toEqual({ errorCode: ErrorCode.NONE, offsets: [30, 29] }), { timeout: 5000, interval: 50 });
    o.socket.destroy();
  });
});
