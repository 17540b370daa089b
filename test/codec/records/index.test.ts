import { describe, expect, it } from 'vitest';
import * as records from '../../../src/codec/records/index.js';

describe('barrel', () => {
  it('exports the public API without ambiguous names', () => {
    for (const name of [
      'crc32c', 'crc32', 'readInt64', 'writeInt64', 'validateBatch', 'iterateBatches', 'splitBatches', 'setBaseOffset',
      'setPartitionLeaderEpoch', 'setLogAppendTime', 'readBatchHeader', 'buildRecordBatch', 'readBatchRecords',
      'decodeRecords', 'compress', 'decompress', 'isCompressionSupported', 'UnsupportedCompressionError',
      'RecordFormatError', 'buildControlBatch', 'readControlRecord', 'upConvert', 'downConvert',
      'decodeLegacyMessageSet', 'validateLegacyEntry', 'snappyCompress', 'xerialDecompress', 'lz4Compress',
      'lz4Decompress', 'xxhash32', 'CompressionType', 'TimestampType', 'ControlRecordType',
    ]) {
      expect(records, name).toHaveProperty(name);
    }
    expect(records.RECORD_BATCH_HEADER_SIZE).toBe(61);
  });
});
