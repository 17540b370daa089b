// The one error type the codec throws for malformed, truncated or unsupported input. The server
// turns it into a clean close of the connection; decoding valid input never throws.

export type CodecErrorKind = 'truncated' | 'malformed' | 'unsupported';

export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    message: string,
    /** truncated: input ended early; malformed: impossible value; unsupported: unknown api key or version. */
    readonly kind: CodecErrorKind = 'malformed',
  ) {
    super(message);
  }
}

/** Wraps anything thrown while decoding (RangeError from a bad length, …) into a CodecError. */
export function asCodecError(e: unknown): CodecError {
  if (e instanceof CodecError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new CodecError(`malformed input: ${msg}`, 'malformed');
}
