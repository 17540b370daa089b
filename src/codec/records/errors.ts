// Typed failures of the record codec. Kafka error codes are values in responses; these are the internal
// exceptions the API layer catches and turns into them (the `kafkaErrorCode` says which).

/** Malformed records inside a batch, a malformed legacy message, or corrupt compressed data. */
export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
  readonly code = 'CORRUPT_RECORD';
  /** CORRUPT_MESSAGE. */
  readonly kafkaErrorCode = 2;
}

/** A compression codec this build or this Node version cannot handle (zstd before Node 22.15, ids 5-7). */
export class UnsupportedCompressionError extends Error {
  override readonly name = 'UnsupportedCompressionError';
  readonly code = 'UNSUPPORTED_COMPRESSION';
  /** UNSUPPORTED_COMPRESSION_TYPE. */
  readonly kafkaErrorCode = 76;
  constructor(readonly compression: number, message?: string) {
    super(message ?? `compression type ${compression} is not supported`);
  }
}
