// Loads the generated codec of each API on first use. The 77 API modules are 1.4 MB of JS: compiling
// them all at start-up was half of a broker's start-up time and a good part of its idle memory, while
// a client calls a handful of APIs. So importing the codec costs only the schema table; each API's
// module is imported by loadApiCodec(), which the broker awaits when a request of a not-yet-loaded
// API arrives. Encoding and decoding stay synchronous: calling them for an API not loaded yet is a
// programming error (a plain Error, not a CodecError), because bytes from the wire never decide it.

import { API_SCHEMAS, type ApiCodecs } from './generated/index.js';
import { CodecError } from './errors.js';
import { apiInfo } from './headers.js';

/** Loaded codecs by API key. */
const LOADED: (ApiCodecs | undefined)[] = [];
/** Loads in progress or done, by API key: concurrent callers share one import. */
const LOADING: (Promise<void> | undefined)[] = [];

/**
 * Imports the codec of an API (idempotent; resolves at once when already loaded). Rejects with a
 * CodecError ('unsupported') for a key the schema does not know.
 */
export function loadApiCodec(apiKey: number): Promise<void> {
  const pending = LOADING[apiKey];
  if (pending !== undefined) return pending;
  const s = apiInfo(apiKey);
  if (s === undefined) return Promise.reject(new CodecError(`unknown api key ${apiKey}`, 'unsupported'));
  const p = s.load().then(
    (codecs) => {
      LOADED[apiKey] = codecs;
    },
    (err: unknown) => {
      LOADING[apiKey] = undefined; // a failed import may be retried
      throw err;
    },
  );
  LOADING[apiKey] = p;
  return p;
}

/** True once loadApiCodec(apiKey) has resolved: the synchronous encoders and decoders may be used. */
export function isApiCodecLoaded(apiKey: number): boolean {
  return LOADED[apiKey] !== undefined;
}

/** Loads every API's codec: for tools, tests and benchmarks that encode anything synchronously. */
export async function loadAllApiCodecs(): Promise<void> {
  await Promise.all(API_SCHEMAS.map((s) => loadApiCodec(s.key)));
}

/** The loaded codecs of an API; throws when loadApiCodec(apiKey) has not resolved yet. */
export function apiCodecs(apiKey: number): ApiCodecs {
  const c = LOADED[apiKey];
  if (c !== undefined) return c;
  const name = apiInfo(apiKey)?.name ?? `API ${apiKey}`;
  throw new Error(`codec of ${name} (key ${apiKey}) is not loaded: await loadApiCodec(${apiKey}) (or loadAllApiCodecs()) first`);
}
