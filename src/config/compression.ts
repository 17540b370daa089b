// compression.type, the topic setting and its broker default: Kafka's BrokerCompressionType values.

import * as zlib from 'node:zlib';

/**
 * compression.type values other than producer, with the record-batch codec id each stands for (the
 * wire protocol's attribute bits): a batch in another codec is recompressed on produce.
 */
export const TOPIC_COMPRESSION_CODECS: Readonly<Record<string, number>> = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** Why a compression.type value can't be used here, or undefined. */
export function compressionTypeProblem(v: unknown): string | undefined {
  if (v === 'producer') return undefined;
  if (TOPIC_COMPRESSION_CODECS[v as string] === undefined) return 'must be one of producer, uncompressed, gzip, snappy, lz4, zstd';
  // The broker compresses with zstd through node:zlib, which has it from Node.js 22.15.
  if (v === 'zstd' && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    return `zstd needs Node.js >= 22.15 (this is ${process.version})`;
  }
  return undefined;
}
