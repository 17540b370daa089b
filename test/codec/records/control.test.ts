import { describe, expect, it } from 'vitest';
import {
  buildControlBatch,
  ControlRecordType,
  decodeControlKey,
  decodeEndTxnMarker,
  encodeControlKey,
  encodeEndTxnMarker,
  readControlRecord,
} from '../../../src/codec/records/control.js';
import { crc32c } from '../../../src/codec/records/crc32c.js';
import { RecordFormatError } from '../../../src/codec/records/errors.js';
import { readBatchHeader, validateBatch } from '../../../src/codec/records/record-batch.js';
import { buildRecordBatch } from '../../../src/codec/records/record.js';
import { WORKED_EXAMPLE } from './fixtures.js';

describe('control records', () => {
  it('key and EndTxnMarker encodings', () => {
    expect(encodeControlKey(ControlRecordType.commit).toString('hex')).toBe('00000001');
    expect(encodeControlKey(ControlRecordType.abort).toString('hex')).toBe('00000000');
    expect(encodeEndTxnMarker(5).toString('hex')).toBe('000000000005');
    expect(decodeControlKey(Buffer.from('00000001', 'hex'))).toEqual({ version: 0, type: 1 });
    expect(decodeControlKey(Buffer.from('0000000700ff', 'hex'))).toEqual({ version: 0, type: 7 });
    expect(decodeEndTxnMarker(Buffer.from('0000ffffffff', 'hex'))).toEqual({ version: 0, coordinatorEpoch: -1 });
    expect(() => decodeControlKey(Buffer.from('0000', 'hex'))).toThrow(RecordFormatError);
    expect(() => decodeControlKey(Buffer.from('ffff0001', 'hex'))).toThrow(RecordFormatError);
    expect(() => decodeControlKey(null)).toThrow(RecordFormatError);
    expect(() => decodeEndTxnMarker(Buffer.from('00000000', 'hex'))).toThrow(RecordFormatError);
  });

  it('builds a commit marker batch matching hand-assembled bytes', () => {
    const b = buildControlBatch({ type: 'commit', producerId: 4000, producerEpoch: 2, coordinatorEpoch: 5, baseOffset: 10, partitionLeaderEpoch: 1, timestamp: 1700000000000 });
    const body = Buffer.from(
      '0020' + // attributes: isControl | isTransactional
        '00000000' + // lastOffsetDelta
        '0000018bcfe56800' + '0000018bcfe56800' + // base and max timestamp
        '0000000000000fa0' + '0002' + 'ffffffff' + '00000001' + // producer id 4000, epoch 2, sequence -1, 1 record
        '20' + '00' + '00' + '00' + '08' + '00000001' + '0c' + '000000000005' + '00',
      'hex',
    );
    body.writeInt16BE(0x30, 0);
    const prefix = Buffer.alloc(21);
    prefix.writeBigInt64BE(10n, 0);
    prefix.writeInt32BE(9 + body.length, 8);
    prefix.writeInt32BE(1, 12);
    prefix.writeInt8(2, 16);
    prefix.writeUInt32BE(crc32c(body), 17);
    expect(b.toString('hex')).toBe(Buffer.concat([prefix, body]).toString('hex'));
    expect(validateBatch(b, 0).ok).toBe(true);
    expect(validateBatch(b, 0, b.length, { fromClient: true })).toMatchObject({ ok: false, problem: 'control_batch_from_client' });
    expect(readBatchHeader(b)).toMatchObject({ isControl: true, isTransactional: true, baseSequence: -1, recordCount: 1, lastOffset: 10 });
    expect(readControlRecord(b)).toEqual({ offset: 10, key: { version: 0, type: 1 }, marker: { version: 0, coordinatorEpoch: 5 }, kind: 'commit' });
  });

  it('recognises abort, other types, and non-control batches', () => {
    const abort = buildControlBatch({ type: ControlRecordType.abort, producerId: 1, producerEpoch: 0, coordinatorEpoch: 9 });
    expect(readControlRecord(abort)).toMatchObject({ kind: 'abort', marker: { coordinatorEpoch: 9 } });
    expect(readControlRecord(WORKED_EXAMPLE)).toBeNull();
    const leaderChange = buildRecordBatch({ isControl: true, records: [{ key: encodeControlKey(ControlRecordType.leaderChange), value: Buffer.from('00', 'hex') }] });
    expect(readControlRecord(leaderChange)).toMatchObject({ kind: 'other', key: { type: 2 } });
    const two = buildRecordBatch({ isControl: true, records: [{ key: encodeControlKey(1), value: encodeEndTxnMarker(0) }, { key: encodeControlKey(1), value: encodeEndTxnMarker(0) }] });
    expect(() => readControlRecord(two)).toThrow(RecordFormatError);
  });
});
