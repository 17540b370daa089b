// Follower fetching (KIP-392) over PostgreSQL: with replica.selector.class = RackAwareReplicaSelector
// the leader of a partition sends a consumer in another broker's rack to that broker
// (preferred_read_replica), which serves the records from the database; a consumer in the leader's
// rack, or without a rack, is served by the leader.

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { startPgBroker } from '../../src/pg-broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('follower fetching over PostgreSQL', () => {
  const pg = pgSuite();

  it('the leader names a live broker in the consumer\'s rack; that broker serves the records', async () => {
    const url = await pg.database('racks');
    const start = async (rack: string) => {
      const b = await startPgBroker({
        storage: url,
        config: { 'broker.rack': rack, 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector', 'broker.heartbeat.interval.ms': 200 },
      });
      pg.cleanup(() => b.close());
      return b;
    };
    const east = await start('east');
    const west = await start('west');
    await east.pg.membership.refresh();
    const t = await west.pg.membership.createTopic('near', 1);
    await east.pg.membership.refresh();
    const leaderId = west.pg.membership.leaderOf(t.id, 0)!.leader;
    const leader = leaderId === east.nodeId ? east : west;
    const follower = leader === east ? west : east;
    const followerRack = follower === east ? 'east' : 'west';
    const leaderRack = follower === east ? 'west' : 'east';

    const toLeader = await RawClient.connect(leader.port);
    const produced = await toLeader.request(0, 9, {
      transactionalId: null, acks: -1, timeoutMs: 5000,
      topicData: [{ name: 'near', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: Buffer.from('hello') }] }) }] }],
    });
    expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    const fetch = (client: RawClient, rackId: string) => client.request(1, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'near', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId,
    }).then((r) => r.responses[0].partitions[0]);
    const hasRecords = (p: { records: Buffer | Buffer[] | null }) => (Array.isArray(p.records) ? p.records.some((b) => b.length > 0) : (p.records?.length ?? 0) > 0);

    const redirected = await fetch(toLeader, followerRack);
    expect(redirected).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: follower.nodeId, highWatermark: 1 });
    expect(hasRecords(redirected)).toBe(false);
    for (const rack of [leaderRack, '', 'elsewhere']) {
      const served = await fetch(toLeader, rack);
      expect(served.preferredReadReplica).toBe(-1);
      expect(hasRecords(served)).toBe(true);
    }
    const toFollower = await RawClient.connect(follower.port);
    const fromFollower = await fetch(toFollower, followerRack);
    expect(fromFollower).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1, highWatermark: 1 });
    expect(hasRecords(fromFollower)).toBe(true);
    toLeader.socket.destroy();
    toFollower.socket.destroy();
  });
});
