// __consumer_offsets through the log engine: Kafka's partitioning of group ids, Kafka's key/value
// layouts, an internal compacted topic, and replay of what was appended (tombstones included).

import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/cluster/cluster-state.js';
import { LogGroupLog, OFFSETS_TOPIC, offsetsPartitionFor } from '../../src/group/index.js';
import { decodeGroupValue, decodeKey, decodeOffsetValue, encodeGroupValue, encodeKey, encodeOffsetValue, javaStringHash } from '../../src/group/records.js';
import { LogManager } from '../../src/log/index.js';
import { openStorage } from '../../src/storage/index.js';
import { silentLogger } from '../../src/util/logger.js';

describe('__consumer_offsets records', () => {
  it('partitions group ids as Kafka does (abs(String.hashCode) % partitions)', () => {
    expect(javaStringHash('test')).toBe(3556498);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
    expect(offsetsPartitionFor('test', 50)).toBe(48);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
  });

  it('keys and values use Kafka\'s layouts (OffsetCommitKey v1, OffsetCommitValue v3/v1, GroupMetadata v2/v3)', () => {
    const k = encodeKey({ type: 'offset', group: 'g', topic: 't', partition: 7 });
    expect(k.toString('hex')).toBe('0001' + '0001' + '67' + '0001' + '74' + '00000007');
    expect(decodeKey(k)).toEqual({ type: 'offset', group: 'g', topic: 't', partition: 7 });
    expect(encodeKey({ type: 'group', group: 'g' }).toString('hex')).toBe('0002000167');
    const v = { offset: 5, leaderEpoch: 2, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 };
    expect(encodeOffsetValue(v).readInt16BE(0)).toBe(3);
    expect(decodeOffsetValue(encodeOffsetValue(v))).toEqual(v);
    const withExpiry = { ...v, leaderEpoch: -1, expireTimestamp: 9000 };
    expect(encodeOffsetValue(withExpiry).readInt16BE(0)).toBe(1);
    expect(decodeOffsetValue(encodeOffsetValue(withExpiry))).toEqual(withExpiry);
    const gv = {
      protocolType: 'consumer', generation: 3, protocol: 'range', leader: 'm1', currentStateTimestamp: 1234,
      members: [{ memberId: 'm1', groupInstanceId: 'i', clientId: 'c', clientHost: '/h', rebalanceTimeout: 1, sessionTimeout: 2, subscription: Buffer.from('s'), assignment: Buffer.from('a') }],
    };
    expect(decodeGroupValue(encodeGroupValue(gv))).toEqual(gv);
  });

  it('appends to the group\'s partition of an internal compacted topic and replays in order', async () => {
    const storage = await openStorage('memory://');
    const cluster = await ClusterState.open(storage, 1);
    const logs = await LogManager.open({ storage, logger: silentLogger, background: false });
    const log = new LogGroupLog(logs, cluster, 5);
    const rec = (group: string, offset: number | null) => ({
      key: encodeKey({ type: 'offset', group, topic: 't', partition: 0 }),
      value: offset === null ? null : encodeOffsetValue({ offset, leaderEpoch: -1, metadata: '', commitTimestamp: 1, expireTimestamp: -1 }),
    });
    await log.append('a', [rec('a', 1), rec('a', 2)]);
    await log.append('b', [rec('b', 3)]);
    await log.append('a', [rec('a', null)]);
    const topic = cluster.topic(OFFSETS_TOPIC)!;
    expect(topic).toMatchObject({ partitions: 5, internal: true, configs: { 'cleanup.policy': 'compact' } });
    expect(logs.get(OFFSETS_TOPIC, offsetsPartitionFor('a', 5))!.logEndOffset).toBe(3);
    const seen: string[] = [];
    await new LogGroupLog(logs, cluster, 5).replay((k, v) => {
      const key = decodeKey(k)!;
      seen.push(`${key.group}:${v === null ? 'tombstone' : decodeOffsetValue(v).offset}`);
    });
    expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a:1', 'a:2', 'a:tombstone']);
    expect(seen.filter((s) => s.startsWith('b'))).toEqual(['b:3']);
    await logs.close();
  });
});
