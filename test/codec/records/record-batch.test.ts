import { describe, expect, it } from 'vitest';
import { crc32, crc32c, crc32cUpdate, crc32Update } from '../../../src/codec/records/crc32c.js';
import { readInt64, writeInt64 } from '../../../src/codec/records/int64.js';
import {
  ATTRIBUTES_OFFSET,
  CompressionType,
  CORRUPT_MESSAGE,
  INVALID_RECORD,
  MESSAGE_TOO_LARGE,
  RECORD_BATCH_HEADER_SIZE,
  computeBatchCrc,
  incrementSequence,
  isControl,
  isTransactional,
  iterateBatches,
  readAttributes,
  readBaseOffset,
  readBaseSequence,
  readBaseTimestamp,
  readBatchHeader,
  readBatchLength,
  readCompression,
  readCrc,
  readLastOffset,
  readLastOffsetDelta,
  readLastSequence,
  readMagic,
  readMaxTimestamp,
  readPartitionLeaderEpoch,
  readProducerEpoch,
  readProducerId,
  readRecordCount,
  readSizeInBytes,
  readTimestampType,
  setBaseOffset,
  setLastOffset,
  setLogAppendTime,
  setMaxTimestamp,
  setPartitionLeaderEpoch,
  splitBatches,
  updateBatchCrc,
  validateBatch,
} from '../../../src/codec/records/record-batch.js';

import { WORKED_EXAMPLE } from './fixtures.js';

describe('checksums', () => {
  it('CRC-32C and CRC-32 check values of "123456789"', () => {
    const b = Buffer.from('123456789');
    expect(crc32c(b)).toBe(0xe3069283);
    expect(crc32(b)).toBe(0xcbf43926);
  });
  it('ranges and continuation', () => {
    const b = Buffer.from('xx123456789yy');
    expect(crc32c(b, 2, 11)).toBe(0xe3069283);
    expect(crc32(b, 2, 11)).toBe(0xcbf43926);
    expect(crc32cUpdate(crc32c(b, 2, 6), b, 6, 11)).toBe(0xe3069283);
    expect(crc32Update(crc32(b, 2, 6), b, 6, 11)).toBe(0xcbf43926);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });
  it('CRC-32C of 32 zero bytes and 32 0xff bytes (RFC 3720 B.4)', () => {
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });
});

describe('int64 as numbers', () => {
  it('round trips ordinary values and saturates at the extremes', () => {
    const b = Buffer.alloc(8);
    for (const v of [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, 1700000000000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      writeInt64(b, 0, v);
      expect(b.readBigInt64BE(0)).toBe(BigInt(v));
      expect(readInt64(b, 0)).toBe(v);
    }
    writeInt64(b, 0, 2 ** 70);
    expect(b.readBigInt64BE(0)).toBe(2n ** 63n - 1n);
    writeInt64(b, 0, readInt64(b, 0)); // INT64_MAX reads as 2^63 and writes back as INT64_MAX
    expect(b.readBigInt64BE(0)).toBe(2n ** 63n - 1n);
    writeInt64(b, 0, -(2 ** 70));
    expect(b.readBigInt64BE(0)).toBe(-(2n ** 63n));
    writeInt64(b, 0, readInt64(b, 0));
    expect(b.readBigInt64BE(0)).toBe(-(2n ** 63n));
    writeInt64(b, 0, -1.5);
    expect(b.readBigInt64BE(0)).toBe(-1n);
  });
});

describe('record batch header view', () => {
  it('reads every field of the worked example', () => {
    const b = WORKED_EXAMPLE;
    expect(b.length).toBe(90);
    expect(readBaseOffset(b, 0)).toBe(0);
    expect(readBatchLength(b, 0)).toBe(78);
    expect(readPartitionLeaderEpoch(b, 0)).toBe(-1);
    expect(readMagic(b, 0)).toBe(2);
    expect(readCrc(b, 0)).toBe(0xb1267df6);
    expect(readAttributes(b, 0)).toBe(0);
    expect(readLastOffsetDelta(b, 0)).toBe(1);
    expect(readBaseTimestamp(b, 0)).toBe(1700000000000);
    expect(readMaxTimestamp(b, 0)).toBe(1700000000005);
    expect(readProducerId(b, 0)).toBe(-1);
    expect(readProducerEpoch(b, 0)).toBe(-1);
    expect(readBaseSequence(b, 0)).toBe(-1);
    expect(readRecordCount(b, 0)).toBe(2);
    expect(readLastOffset(b, 0)).toBe(1);
    expect(readSizeInBytes(b, 0)).toBe(90);
    expect(readCompression(b, 0)).toBe(CompressionType.none);
    expect(readTimestampType(b, 0)).toBe(0);
    expect(isTransactional(b, 0)).toBe(false);
    expect(isControl(b, 0)).toBe(false);
    expect(readLastSequence(b, 0)).toBe(-1);
    expect(computeBatchCrc(b, 0)).toBe(0xb1267df6);
    expect(readBatchHeader(b)).toMatchObject({ baseOffset: 0, sizeInBytes: 90, recordCount: 2, lastOffset: 1, crc: 0xb1267df6 });
  });

  it('reads at a non-zero offset', () => {
    const b = Buffer.concat([Buffer.alloc(7, 0xaa), WORKED_EXAMPLE]);
    expect(readBatchHeader(b, 7)).toEqual(readBatchHeader(WORKED_EXAMPLE, 0));
    expect(validateBatch(b, 7)).toEqual({ ok: true, size: 90 });
  });

  it('sequence wrap', () => {
    expect(incrementSequence(2147483647, 1)).toBe(0);
    expect(incrementSequence(2147483640, 10)).toBe(2);
    expect(incrementSequence(5, 3)).toBe(8);
  });
});

function copy(): Buffer {
  return Buffer.from(WORKED_EXAMPLE);
}

describe('validateBatch', () => {
  it('accepts the worked example, also as client input', () => {
    expect(validateBatch(WORKED_EXAMPLE, 0, 90)).toEqual({ ok: true, size: 90 });
    expect(validateBatch(WORKED_EXAMPLE, 0, 90, { fromClient: true })).toEqual({ ok: true, size: 90 });
  });
  it('reports truncation at every length', () => {
    for (let n = 0; n < 90; n++) {
      const r = validateBatch(WORKED_EXAMPLE.subarray(0, n), 0);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem).toBe(n < 61 ? 'truncated_header' : 'truncated');
      const r2 = validateBatch(WORKED_EXAMPLE, 0, n);
      expect(r2.ok).toBe(false);
    }
  });
  it('batchLength too small / too large', () => {
    const b = copy();
    b.writeInt32BE(48, 8);
    expect(validateBatch(b, 0)).toMatchObject({ ok: false, problem: 'batch_length_too_small', errorCode: CORRUPT_MESSAGE });
    b.writeInt32BE(-5, 8);
    expect(validateBatch(b, 0)).toMatchObject({ ok: false, problem: 'batch_length_too_small' });
    expect(validateBatch(copy(), 0, 90, { maxBatchBytes: 89 })).toMatchObject({ ok: false, problem: 'batch_length_too_large', errorCode: MESSAGE_TOO_LARGE });
    expect(validateBatch(copy(), 0, 90, { maxBatchBytes: 90 }).ok).toBe(true);
  });
  it('wrong magic', () => {
    const b = copy();
    b[16] = 1;
    expect(validateBatch(b, 0)).toMatchObject({ ok: false, problem: 'wrong_magic', magic: 1, errorCode: INVALID_RECORD });
    b[16] = 3;
    expect(validateBatch(b, 0)).toMatchObject({ ok: false, problem: 'wrong_magic', magic: 3, errorCode: CORRUPT_MESSAGE });
  });
  it('CRC mismatch on any covered byte, not on uncovered ones', () => {
    for (let i = 0; i < 90; i++) {
      const b = copy();
      b[i] ^= 0x01;
      const r = validateBatch(b, 0);
      if (i >= ATTRIBUTES_OFFSET) expect(r).toMatchObject({ ok: false, problem: 'crc_mismatch' });
      else if (i < 8 || (i >= 12 && i < 16)) expect(r.ok).toBe(true); // baseOffset, leader epoch
    }
    const b = copy();
    b[20] ^= 1;
    expect(validateBatch(b, 0, 90, { skipCrc: true }).ok).toBe(true);
  });
  it('invalid compression', () => {
    const b = copy();
    b.writeInt16BE(5, ATTRIBUTES_OFFSET);
    updateBatchCrc(b, 0);
    expect(validateBatch(b, 0)).toMatchObject({ ok: false, problem: 'invalid_compression' });
  });
  it('count and offset-range rules (Kafka LogValidator, client origin)', () => {
    const patch = (f: (b: Buffer) => void): Buffer => {
      const b = copy();
      f(b);
      updateBatchCrc(b, 0);
      return b;
    };
    const negCount = patch((b) => b.writeInt32BE(-1, 57));
    expect(validateBatch(negCount, 0)).toMatchObject({ ok: false, problem: 'invalid_record_count' });
    expect(validateBatch(negCount, 0, 90, { fromClient: true })).toMatchObject({ ok: false, problem: 'invalid_record_count', errorCode: INVALID_RECORD });
    const zeroCount = patch((b) => {
      b.writeInt32BE(0, 57);
      b.writeInt32BE(-1, 23);
    });
    expect(validateBatch(zeroCount, 0, 90, { fromClient: true })).toMatchObject({ ok: false, problem: 'invalid_offset_range' });
    const gap = patch((b) => b.writeInt32BE(5, 23)); // 2 records over 6 offsets: fine after compaction
    expect(validateBatch(gap, 0).ok).toBe(true);
    expect(validateBatch(gap, 0, 90, { fromClient: true })).toMatchObject({ ok: false, problem: 'inconsistent_record_count' });
    const tooMany = patch((b) => b.writeInt32BE(0, 23)); // 2 records, 1 offset
    expect(validateBatch(tooMany, 0)).toMatchObject({ ok: false, problem: 'invalid_offset_range' });
    const control = patch((b) => b.writeInt16BE(0x30, ATTRIBUTES_OFFSET));
    expect(validateBatch(control, 0).ok).toBe(true);
    expect(validateBatch(control, 0, 90, { fromClient: true })).toMatchObject({ ok: false, problem: 'control_batch_from_client' });
    const pidNoSeq = patch((b) => b.writeBigInt64BE(1000n, 43));
    expect(validateBatch(pidNoSeq, 0, 90, { fromClient: true })).toMatchObject({ ok: false, problem: 'invalid_sequence' });
    const pidSeq = patch((b) => {
      b.writeBigInt64BE(1000n, 43);
      b.writeInt32BE(0, 53);
    });
    expect(validateBatch(pidSeq, 0, 90, { fromClient: true }).ok).toBe(true);
  });
  it('never throws on random bytes', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(rnd() % 120);
      for (let j = 0; j < b.length; j++) b[j] = rnd();
      if (b.length > 16 && i % 2) b[16] = 2;
      expect(() => validateBatch(b, 0)).not.toThrow();
      expect(() => splitBatches(b)).not.toThrow();
    }
  });
});

describe('iterateBatches / splitBatches', () => {
  it('walks concatenated batches and reports a trailing partial batch', () => {
    const second = copy();
    setBaseOffset(second, 0, 2);
    const blob = Buffer.concat([WORKED_EXAMPLE, second, WORKED_EXAMPLE.subarray(0, 40)]);
    const spans = [...iterateBatches(blob)];
    expect(spans).toEqual([
      { position: 0, size: 90, magic: 2, status: 'complete' },
      { position: 90, size: 90, magic: 2, status: 'complete' },
      { position: 180, size: 90, magic: 2, status: 'partial' },
    ]);
    const split = splitBatches(blob);
    expect(split.batches.map((b) => readBaseOffset(b, 0))).toEqual([0, 2]);
    expect(split.batches[1].buffer).toBe(blob.buffer); // a view, not a copy
    expect(split.trailing?.length).toBe(40);
    expect(split.trailingStatus).toBe('partial');
  });
  it('exact fit, empty input, tiny remainder and corrupt sizes', () => {
    expect(splitBatches(WORKED_EXAMPLE)).toMatchObject({ trailing: null, trailingStatus: null });
    expect([...iterateBatches(Buffer.alloc(0))]).toEqual([]);
    const tiny = Buffer.concat([WORKED_EXAMPLE, Buffer.alloc(5)]);
    expect(splitBatches(tiny)).toMatchObject({ trailingStatus: 'partial' });
    expect(splitBatches(tiny).trailing?.length).toBe(5);
    const bad = Buffer.concat([WORKED_EXAMPLE, Buffer.alloc(20)]); // declared length 0
    expect([...iterateBatches(bad)][1]).toMatchObject({ position: 90, status: 'corrupt' });
  });
  it('respects start and end', () => {
    const blob = Buffer.concat([Buffer.alloc(3), WORKED_EXAMPLE, WORKED_EXAMPLE]);
    expect([...iterateBatches(blob, 3, 93)]).toEqual([{ position: 3, size: 90, magic: 2, status: 'complete' }]);
  });
});

describe('patchers', () => {
  it('setBaseOffset / setLastOffset / setPartitionLeaderEpoch keep the CRC valid', () => {
    const b = copy();
    setBaseOffset(b, 0, 123456789012);
    setPartitionLeaderEpoch(b, 0, 7);
    expect(readBaseOffset(b, 0)).toBe(123456789012);
    expect(readLastOffset(b, 0)).toBe(123456789013);
    expect(readPartitionLeaderEpoch(b, 0)).toBe(7);
    expect(readCrc(b, 0)).toBe(0xb1267df6);
    expect(validateBatch(b, 0).ok).toBe(true);
    setLastOffset(b, 0, 50);
    expect(readBaseOffset(b, 0)).toBe(49);
    setBaseOffset(b, 0, 2 ** 64);
    expect(b.readBigInt64BE(0)).toBe(2n ** 63n - 1n);
  });
  it('setLogAppendTime sets the bit and maxTimestamp and recomputes the CRC only on change', () => {
    const b = copy();
    expect(setLogAppendTime(b, 0, 1800000000000)).toBe(true);
    expect(readTimestampType(b, 0)).toBe(1);
    expect(readMaxTimestamp(b, 0)).toBe(1800000000000);
    expect(readCrc(b, 0)).not.toBe(0xb1267df6);
    expect(validateBatch(b, 0).ok).toBe(true);
    const crc = readCrc(b, 0);
    b.writeUInt32BE(0, 17); // prove no recompute happens when nothing changes
    expect(setLogAppendTime(b, 0, 1800000000000)).toBe(false);
    expect(readCrc(b, 0)).toBe(0);
    b.writeUInt32BE(crc, 17);
    expect(setMaxTimestamp(b, 0, 0, 1700000000005)).toBe(true);
    expect(b.equals(WORKED_EXAMPLE)).toBe(true);
  });
  it('header size constant', () => {
    expect(RECORD_BATCH_HEADER_SIZE).toBe(61);
  });
});
