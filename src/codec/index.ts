// Public surface of the codec: headers, typed request/response decode and encode for every API and
// version of protocol/, the data schemas (consumer protocol, control records), the error table,
// UUIDs, and the Reader/Writer primitives. Sans-I/O: bytes in, objects out, Buffer lists out.
//
// Conventions: field names are camelCase of Kafka's; a field the version lacks decodes as its
// default and is skipped on encode; int64 fields are numbers (hi * 2^32 + lo: exact up to 2^53,
// beyond that low bits are lost; encoding saturates, so Long.MAX_VALUE, Long.MIN_VALUE and -1
// round-trip exactly); uuids are Kafka's 22-char base64url strings; decoded bytes/records are views
// into the frame; records encode from a Buffer or a Buffer[] without copying; unknown tagged fields
// are kept in `_unknownTaggedFields` and written back.
//
// The codec of each API is loaded on first use (see api-codecs.ts): await loadApiCodec(key), or
// loadAllApiCodecs(), before calling the synchronous request/response functions for that API.
import { apiCodecs } from './api-codecs.js';
import { DATA_SCHEMAS, type DataByName, type RequestByKey, type ResponseByKey } from './generated/index.js';
import { ERROR_TABLE, type ErrorInfo } from './generated/errors.js';
import { CodecError, asCodecError } from './errors.js';
import { Reader } from './reader.js';
import { Writer, sizeState } from './writer.js';
import type { EncodeInput } from './types.js';
import {
  apiInfo,
  readResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  sizeRequestHeader,
  sizeResponseHeader,
  writeRequestHeader,
  writeResponseHeader,
  type RequestHeaderInput,
  type ResponseHeader,
} from './headers.js';

export { CodecError, type CodecErrorKind } from './errors.js';
export { Reader, type TaggedField } from './reader.js';
export { Writer, type RecordsInput } from './writer.js';
export type { EncodeInput } from './types.js';
export { ZERO_UUID, METADATA_TOPIC_ID, randomUuid, uuidToString, uuidToHex, uuidFromBytes, uuidToBytes, parseUuid, type Uuid } from './uuid.js';
export {
  apiInfo,
  isSupported,
  decodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  type RequestHeader,
  type RequestHeaderInput,
  type ResponseHeader,
} from './headers.js';
export * from './generated/index.js';
export { apiCodecs, isApiCodecLoaded, loadAllApiCodecs, loadApiCodec } from './api-codecs.js';
export { ErrorCode, ERROR_TABLE, type ErrorInfo } from './generated/errors.js';

/** Any request or response body (when the key is not a literal). */
export type AnyRequest = RequestByKey[keyof RequestByKey];
export type AnyResponse = ResponseByKey[keyof ResponseByKey];
export type ApiKeyNumber = keyof RequestByKey;

const ERRORS_BY_CODE = new Map<number, ErrorInfo>(ERROR_TABLE.map((e) => [e.code, e]));

/** Name, retriability and message of an error code; unknown codes get a synthetic row. */
export function errorInfo(code: number): ErrorInfo {
  return ERRORS_BY_CODE.get(code) ?? { code, name: `UNKNOWN_ERROR_${code}`, retriable: false, message: null };
}

/** The size pass and the write pass must agree, or the size prefix would lie: never send such a frame. */
function checkSize(w: Writer, inline: number, name: string): void {
  const wrote = w.inlineLength;
  if (wrote !== inline) throw new Error(`codec bug: ${name} sized ${inline} inline bytes but wrote ${wrote}`);
}

/** The schema of a key, checking the version; the codec itself comes from apiCodecs(). */
function schemaFor(apiKey: number, apiVersion: number) {
  const s = apiInfo(apiKey);
  if (s === undefined) throw new CodecError(`unknown api key ${apiKey}`, 'unsupported');
  if (apiVersion < s.minVersion || apiVersion > s.maxVersion) {
    throw new CodecError(`${s.name} v${apiVersion} is outside v${s.minVersion}-${s.maxVersion}`, 'unsupported');
  }
  return s;
}

/**
 * Decodes a request body. `frame` is the request without its size prefix and `bodyOffset` comes from
 * decodeRequestHeader. Fields the version lacks hold their defaults; `bytes`/`records` fields are
 * views into `frame`. Throws CodecError (kind 'unsupported' for an unknown key/version), and a plain
 * Error when the API's codec is not loaded yet (likewise every function below that takes an API key).
 */
export function decodeRequest<K extends ApiKeyNumber>(apiKey: K, apiVersion: number, frame: Buffer, bodyOffset: number): RequestByKey[K];
export function decodeRequest(apiKey: number, apiVersion: number, frame: Buffer, bodyOffset: number): AnyRequest;
export function decodeRequest(apiKey: number, apiVersion: number, frame: Buffer, bodyOffset: number): AnyRequest {
  schemaFor(apiKey, apiVersion);
  const c = apiCodecs(apiKey);
  try {
    return c.request.decode(new Reader(frame, bodyOffset), apiVersion);
  } catch (e) {
    throw asCodecError(e);
  }
}

/**
 * Encodes a response: 4-byte size prefix, response header (v0 or v1; ApiVersions always v0) and the
 * body, as a list of Buffers for writev. Record sets (Buffer or Buffer[]) go out as their own chunks.
 * Absent fields are written as their defaults; fields the version lacks are skipped.
 */
export function encodeResponse<K extends ApiKeyNumber>(apiKey: K, apiVersion: number, correlationId: number, body: EncodeInput<ResponseByKey[K]>): Buffer[];
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer[];
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer[] {
  const s = schemaFor(apiKey, apiVersion);
  const c = apiCodecs(apiKey);
  const hv = responseHeaderVersion(apiKey, apiVersion);
  sizeState.external = 0;
  const inline = 4 + sizeResponseHeader(hv) + c.response.size(body, apiVersion);
  const external = sizeState.external;
  const w = new Writer(inline);
  w.int32(inline - 4 + external);
  writeResponseHeader(w, correlationId, hv);
  c.response.write(w, body, apiVersion);
  checkSize(w, inline, s.name);
  return w.toBuffers();
}

/** Encodes a request (clients, tools, tests): size prefix, request header, body. */
export function encodeRequest<K extends ApiKeyNumber>(apiKey: K, apiVersion: number, header: RequestHeaderInput, body: EncodeInput<RequestByKey[K]>): Buffer[];
export function encodeRequest(apiKey: number, apiVersion: number, header: RequestHeaderInput, body: unknown): Buffer[];
export function encodeRequest(apiKey: number, apiVersion: number, header: RequestHeaderInput, body: unknown): Buffer[] {
  const s = schemaFor(apiKey, apiVersion);
  const c = apiCodecs(apiKey);
  const hv = header.headerVersion ?? requestHeaderVersion(apiKey, apiVersion);
  sizeState.external = 0;
  const inline = 4 + sizeRequestHeader(header, hv) + c.request.size(body, apiVersion);
  const external = sizeState.external;
  const w = new Writer(inline);
  w.int32(inline - 4 + external);
  writeRequestHeader(w, apiKey, apiVersion, header, hv);
  c.request.write(w, body, apiVersion);
  checkSize(w, inline, s.name);
  return w.toBuffers();
}

/** Decodes a response frame (without size prefix): header and body. */
export function decodeResponse<K extends ApiKeyNumber>(apiKey: K, apiVersion: number, frame: Buffer): { header: ResponseHeader; body: ResponseByKey[K] };
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): { header: ResponseHeader; body: AnyResponse };
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): { header: ResponseHeader; body: AnyResponse } {
  schemaFor(apiKey, apiVersion);
  const c = apiCodecs(apiKey);
  try {
    const r = new Reader(frame);
    const header = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
    return { header, body: c.response.decode(r, apiVersion) };
  } catch (e) {
    throw asCodecError(e);
  }
}

/** Encodes just a body (no size prefix, no header) into one Buffer; records are copied in. */
export function encodeBody(apiKey: number, apiVersion: number, kind: 'request' | 'response', body: unknown): Buffer {
  schemaFor(apiKey, apiVersion);
  const codecs = apiCodecs(apiKey);
  const c = kind === 'request' ? codecs.request : codecs.response;
  sizeState.external = 0;
  const w = new Writer(c.size(body, apiVersion));
  c.write(w, body, apiVersion);
  return w.toBuffer();
}

// ---- data schemas (consumer protocol, control records, headers as data) ---------------------------

export type DataName = keyof DataByName;

function dataSchema(name: string, version: number) {
  const s = (DATA_SCHEMAS as Record<string, (typeof DATA_SCHEMAS)[keyof typeof DATA_SCHEMAS]>)[name];
  if (s === undefined) throw new CodecError(`unknown data schema ${name}`, 'unsupported');
  if (version < s.minVersion) throw new CodecError(`${name} v${version} is older than v${s.minVersion}`, 'unsupported');
  return s;
}

/**
 * Decodes a data schema at a version (no version prefix). A version newer than the schema knows is
 * read as the newest known one, as Kafka does for the consumer protocol (newer versions only append).
 */
export function decodeData<N extends DataName>(name: N, version: number, buf: Buffer, offset = 0): DataByName[N] {
  const s = dataSchema(name, version);
  try {
    return s.codec.decode(new Reader(buf, offset), Math.min(version, s.maxVersion));
  } catch (e) {
    throw asCodecError(e);
  }
}

/** Encodes a data schema at a version (no version prefix) into one Buffer. */
export function encodeData<N extends DataName>(name: N, version: number, value: EncodeInput<DataByName[N]>): Buffer {
  const s = dataSchema(name, version);
  const v = Math.min(version, s.maxVersion);
  sizeState.external = 0;
  const w = new Writer(s.codec.size(value, v));
  s.codec.write(w, value, v);
  return w.toBuffer();
}

/**
 * Decodes a payload that starts with its int16 schema version, as ConsumerProtocolSubscription and
 * Assignment (inside JoinGroup/SyncGroup), EndTxnMarker and LeaderChangeMessage values are stored.
 */
export function decodeVersionedData<N extends DataName>(name: N, buf: Buffer): { version: number; data: DataByName[N] } {
  if (buf.length < 2) throw new CodecError(`${name}: missing version`, 'truncated');
  const version = buf.readInt16BE(0);
  return { version, data: decodeData(name, version, buf, 2) };
}

/** Encodes an int16 version followed by the data schema at that version. */
export function encodeVersionedData<N extends DataName>(name: N, version: number, value: EncodeInput<DataByName[N]>): Buffer {
  const body = encodeData(name, version, value);
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}
