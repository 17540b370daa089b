// Request and response headers: which header version goes with which (api key, version), and
// reading/writing them. The rule comes from the schema's flexible versions (see API_SCHEMAS).
import { API_SCHEMAS, type ApiSchema } from './generated/index.js';
import { CodecError, asCodecError } from './errors.js';
import { Reader, type TaggedField } from './reader.js';
import type { Writer } from './writer.js';
import { sizeTaggedFields, sizeUvarint } from './writer.js';

/** API_SCHEMAS indexed by key (holes for keys the schema does not serve). */
const BY_KEY: (ApiSchema | undefined)[] = [];
for (const s of API_SCHEMAS) BY_KEY[s.key] = s;

/** Schema of an API key, or undefined when the key is unknown. */
export function apiInfo(apiKey: number): ApiSchema | undefined {
  return BY_KEY[apiKey];
}

/** True when the schema knows this key at this version. */
export function isSupported(apiKey: number, apiVersion: number): boolean {
  const s = BY_KEY[apiKey];
  return s !== undefined && apiVersion >= s.minVersion && apiVersion <= s.maxVersion;
}

const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

/**
 * Request header version: 2 for flexible versions, else 1. A version beyond the known range is
 * judged by the open end of the flexible range (ApiVersions v9 would still use header v2). Unknown
 * keys get 1. ControlledShutdown v0 (removed in Kafka 4.0) was the only user of header v0.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | 2 {
  const s = BY_KEY[apiKey];
  if (s === undefined) return apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0 ? 0 : 1;
  return s.flexibleFrom !== null && apiVersion >= s.flexibleFrom ? 2 : 1;
}

/** Response header version: 1 for flexible versions, else 0; ApiVersions responses always use 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0;
  const s = BY_KEY[apiKey];
  if (s === undefined) return 0;
  return s.flexibleFrom !== null && apiVersion >= s.flexibleFrom ? 1 : 0;
}

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Null when the client sent a null client id (and always in header v0). */
  clientId: string | null;
  headerVersion: 0 | 1 | 2;
  /** Offset in the frame where the request body starts. */
  bodyOffset: number;
  /** Tagged fields of a v2 header (none are defined; kept for completeness). */
  taggedFields?: TaggedField[];
}

/**
 * Reads the request header from a frame (the request WITHOUT its 4-byte size prefix). Works for any
 * key and version; for an unknown key it assumes header v1, and the caller answers UNSUPPORTED_VERSION
 * or closes. Throws CodecError when the frame is too short or the client id is malformed.
 */
export function decodeRequestHeader(frame: Buffer): RequestHeader {
  try {
    const r = new Reader(frame);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    const headerVersion = requestHeaderVersion(apiKey, apiVersion);
    let clientId: string | null = null;
    let taggedFields: TaggedField[] | undefined;
    // The client id stays a classic NULLABLE_STRING even in header v2.
    if (headerVersion >= 1) clientId = r.nullableString();
    if (headerVersion >= 2) taggedFields = r.taggedFields();
    const h: RequestHeader = { apiKey, apiVersion, correlationId, clientId, headerVersion, bodyOffset: r.pos };
    if (taggedFields) h.taggedFields = taggedFields;
    return h;
  } catch (e) {
    throw asCodecError(e);
  }
}

/** What encodeRequest needs for the header. */
export interface RequestHeaderInput {
  correlationId: number;
  clientId?: string | null;
  taggedFields?: TaggedField[];
  /** Override the header version (tests of odd clients); defaults to requestHeaderVersion(). */
  headerVersion?: 0 | 1 | 2;
}

export function sizeRequestHeader(h: RequestHeaderInput, version: 0 | 1 | 2): number {
  let n = 8;
  if (version >= 1) n += h.clientId == null ? 2 : 2 + Buffer.byteLength(h.clientId, 'utf8');
  if (version >= 2) n += sizeTaggedFields(h.taggedFields);
  return n;
}

export function writeRequestHeader(w: Writer, apiKey: number, apiVersion: number, h: RequestHeaderInput, version: 0 | 1 | 2): void {
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(h.correlationId);
  if (version >= 1) w.nullableString(h.clientId ?? null);
  if (version >= 2) w.taggedFields(h.taggedFields);
}

export interface ResponseHeader {
  correlationId: number;
  headerVersion: 0 | 1;
  taggedFields?: TaggedField[];
}

export function sizeResponseHeader(version: 0 | 1, tagged?: readonly TaggedField[]): number {
  return version === 0 ? 4 : 4 + (tagged ? sizeTaggedFields(tagged) : sizeUvarint(0));
}

export function writeResponseHeader(w: Writer, correlationId: number, version: 0 | 1, tagged?: readonly TaggedField[]): void {
  w.int32(correlationId);
  if (version === 1) w.taggedFields(tagged);
}

/** Reads a response header at the start of a frame (without size prefix). */
export function readResponseHeader(r: Reader, version: 0 | 1): ResponseHeader {
  const correlationId = r.int32();
  const h: ResponseHeader = { correlationId, headerVersion: version };
  if (version === 1) {
    const t = r.taggedFields();
    if (t) h.taggedFields = t;
  }
  return h;
}

export { CodecError };
