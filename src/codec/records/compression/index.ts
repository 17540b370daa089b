// compress/decompress for the codecs of record batch attributes bits 0-2. All synchronous: gzip and zstd through
// node:zlib, snappy and lz4 in our own modules. zstd needs Node >= 22.15 / 23.8; elsewhere it throws
// UnsupportedCompressionError so the broker can answer UNSUPPORTED_COMPRESSION_TYPE.

import * as zlib from 'node:zlib';
import { RecordFormatError, UnsupportedCompressionError } from '../errors.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompressAuto, xerialCompress } from './snappy.js';

export { UnsupportedCompressionError } from '../errors.js';

/** Codec ids, as in record-batch.ts (repeated here so the compression modules stand alone). */
const NONE = 0;
const GZIP = 1;
const SNAPPY = 2;
const LZ4 = 3;
const ZSTD = 4;

type ZstdSync = (buf: Uint8Array, options?: object) => Buffer;
const zstd = zlib as unknown as { zstdCompressSync?: ZstdSync; zstdDecompressSync?: ZstdSync };

/** Whether this process can compress and decompress codec `type`. */
export function isCompressionSupported(type: number): boolean {
  if (type === ZSTD) return typeof zstd.zstdCompressSync === 'function' && typeof zstd.zstdDecompressSync === 'function';
  return type >= NONE && type <= LZ4;
}

export interface CompressOptions {
  /** gzip/zstd level. */
  level?: number;
  /** snappy: write the snappy-java (xerial) stream the Java client writes (default true) or one raw block. */
  xerial?: boolean;
  /** lz4: Kafka magic-0 descriptor-checksum quirk (legacy.ts sets it for magic 0 wrappers). */
  lz4BrokenHeaderChecksum?: boolean;
}

export interface DecompressOptions {
  /** Refuse to produce more than this many bytes (decompression-bomb guard). */
  maxOutputLength?: number;
}

/** Compresses `data` with codec `type` (0 returns it unchanged). */
export function compress(type: number, data: Uint8Array, options: CompressOptions = {}): Buffer {
  switch (type) {
    case NONE:
      return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case GZIP:
      return zlib.gzipSync(data, options.level === undefined ? undefined : { level: options.level });
    case SNAPPY:
      return options.xerial === false ? snappyCompress(data) : xerialCompress(data);
    case LZ4:
      return lz4Compress(data, { brokenHeaderChecksum: options.lz4BrokenHeaderChecksum });
    case ZSTD:
      if (!zstd.zstdCompressSync) throw new UnsupportedCompressionError(ZSTD, `zstd needs Node >= 22.15 (this is ${process.version})`);
      return zstd.zstdCompressSync(data, options.level === undefined ? undefined : { params: { [zlibZstdLevelParam()]: options.level } });
    default:
      throw new UnsupportedCompressionError(type);
  }
}

function zlibZstdLevelParam(): number {
  return (zlib.constants as unknown as { ZSTD_c_compressionLevel?: number }).ZSTD_c_compressionLevel ?? 100;
}

/** Decompresses `data` compressed with codec `type`. Corrupt input throws RecordFormatError. */
export function decompress(type: number, data: Uint8Array, options: DecompressOptions = {}): Buffer {
  const limit = options.maxOutputLength;
  switch (type) {
    case NONE:
      return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case GZIP:
      return viaZlib(() => zlib.gunzipSync(data, limit === undefined ? undefined : { maxOutputLength: limit }), 'gzip');
    case SNAPPY: {
      const out = snappyDecompressAuto(data);
      if (limit !== undefined && out.length > limit) throw new RecordFormatError(`snappy: output exceeds ${limit} bytes`);
      return out;
    }
    case LZ4:
      return lz4Decompress(data, { maxOutputLength: limit });
    case ZSTD: {
      const fn = zstd.zstdDecompressSync;
      if (!fn) throw new UnsupportedCompressionError(ZSTD, `zstd needs Node >= 22.15 (this is ${process.version})`);
      return viaZlib(() => fn(data, limit === undefined ? undefined : { maxOutputLength: limit }), 'zstd');
    }
    default:
      throw new UnsupportedCompressionError(type);
  }
}

function viaZlib(fn: () => Buffer, name: string): Buffer {
  try {
    return fn();
  } catch (e) {
    throw new RecordFormatError(`${name}: ${(e as Error).message}`);
  }
}
