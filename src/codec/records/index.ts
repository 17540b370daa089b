// Record formats: the v2 batch header view, records, control records, compression and legacy message sets.

export * from './crc32c.js';
export * from './int64.js';
export * from './record-batch.js';
export * from './errors.js';
export * from './record.js';
export * from './compression/index.js';
export * from './control.js';
export * from './legacy.js';
export * from './compression/snappy.js';
export * from './compression/lz4.js';
export * from './compression/xxhash32.js';
