// Data schemas that ride inside other messages: the consumer protocol (JoinGroup/SyncGroup
// metadata and assignment), control-record values, with their int16 version prefix.
import { describe, expect, it } from 'vitest';
import { DATA_SCHEMAS, decodeData, decodeVersionedData, encodeData, encodeVersionedData } from '../../src/codec/index.js';

describe('consumer protocol', () => {
  it('Subscription v0 as Java and kafkajs write it', () => {
    const buf = Buffer.from(
      '0000' + // version 0
        '00000002' + '0001' + '61' + '0001' + '62' + // topics [a, b]
        'ffffffff', // user data null
      'hex',
    );
    const { version, data } = decodeVersionedData('ConsumerProtocolSubscription', buf);
    expect(version).toBe(0);
    expect(data.topics).toEqual(['a', 'b']);
    expect(data.userData).toBe(null);
    expect(data.ownedPartitions).toEqual([]);
    expect(data.generationId).toBe(-1);
    expect(data.rackId).toBe(null);
    expect(encodeVersionedData('ConsumerProtocolSubscription', 0, data).equals(buf)).toBe(true);
  });

  it('Subscription v3 round trip; a newer version is read as the newest known', () => {
    const v3 = encodeVersionedData('ConsumerProtocolSubscription', 3, {
      topics: ['t'],
      userData: Buffer.from('ud'),
      ownedPartitions: [{ topic: 't', partitions: [0, 1] }],
      generationId: 5,
      rackId: 'r1',
    });
    const d = decodeVersionedData('ConsumerProtocolSubscription', v3);
    expect(d.version).toBe(3);
    expect(d.data).toMatchObject({ topics: ['t'], generationId: 5, rackId: 'r1', ownedPartitions: [{ topic: 't', partitions: [0, 1] }] });
    // A v9 payload (future client) that appends fields: parsed as v3, extra bytes ignored.
    const future = Buffer.concat([Buffer.from('0009', 'hex'), v3.subarray(2), Buffer.from('deadbeef', 'hex')]);
    expect(decodeVersionedData('ConsumerProtocolSubscription', future).data).toMatchObject({ topics: ['t'], rackId: 'r1' });
  });

  it('Assignment v0', () => {
    const buf = Buffer.from('0000' + '00000001' + '0001' + '74' + '00000002' + '00000000' + '00000001' + '00000000', 'hex');
    const { data } = decodeVersionedData('ConsumerProtocolAssignment', buf);
    expect(data.assignedPartitions).toEqual([{ topic: 't', partitions: [0, 1] }]);
    expect(data.userData?.length).toBe(0);
    expect(encodeVersionedData('ConsumerProtocolAssignment', 0, data).equals(buf)).toBe(true);
  });
});

describe('control records and others', () => {
  it('EndTxnMarker v0: version, coordinator epoch', () => {
    const buf = encodeData('EndTxnMarker', 0, { coordinatorEpoch: 7 });
    expect(buf.toString('hex')).toBe('00000007');
    expect(decodeData('EndTxnMarker', 0, buf).coordinatorEpoch).toBe(7);
  });

  it('lists every data and header schema', () => {
    expect(Object.keys(DATA_SCHEMAS).sort()).toEqual(
      [
        'ConsumerProtocolAssignment',
        'ConsumerProtocolSubscription',
        'ControlRecordTypeSchema',
        'DefaultPrincipalData',
        'EndTxnMarker',
        'KRaftVersionRecord',
        'LeaderChangeMessage',
        'RequestHeader',
        'ResponseHeader',
        'SnapshotFooterRecord',
        'SnapshotHeaderRecord',
        'VotersRecord',
      ].sort(),
    );
  });
});
