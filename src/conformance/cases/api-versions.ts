// ApiVersions (key 18): the handshake every client starts with. Kafka answers every version with a
// response header v0 (so a client that does not know the broker's versions can still parse it) and
// answers a version it does not know with UNSUPPORTED_VERSION and ApiVersions' own range in a v0 body
// (KIP-511).

import { ApiKey, ErrorCode, Reader, apiCodecs, decodeResponse } from '../../codec/index.js';
import { check, eq, errorIs, noError } from '../assert.js';
import type { ConformanceCase } from '../types.js';

/** ApiVersions request bytes at any version (v3+ body: client software name and version). */
export function rawApiVersionsRequest(version: number, correlationId: number, name = 'conformance', swVersion = '1'): Buffer {
  const clientId = Buffer.from('conformance');
  const flexible = version >= 3;
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8 + 2);
  head.writeInt16BE(ApiKey.ApiVersions, 0);
  head.writeInt16BE(version, 2);
  head.writeInt32BE(correlationId, 4);
  head.writeInt16BE(clientId.length, 8);
  parts.push(head, clientId);
  if (flexible) {
    parts.push(Buffer.from([0])); // header tagged fields
    const n = Buffer.from(name);
    const sv = Buffer.from(swVersion);
    parts.push(Buffer.from([n.length + 1]), n, Buffer.from([sv.length + 1]), sv, Buffer.from([0]));
  }
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

export const apiVersionsCases: ConformanceCase[] = [
  {
    id: 'api-versions.handshake',
    api: ApiKey.ApiVersions,
    title: 'every advertised version answers NONE with a consistent API list, in a response header v0',
    cite: 'KIP-511; ApiVersionsResponse.json ("always uses header v0"); KIP-482',
    versions: { each: true },
    async run(ctx) {
      const conn = await ctx.conn();
      const { body, frame } = await conn.requestFull(ApiKey.ApiVersions, ctx.version, { clientSoftwareName: 'tributary-conformance', clientSoftwareVersion: '1.0' });
      noError(body.errorCode, 'errorCode');
      check(body.apiKeys.length > 0, 'empty API list');
      const self = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
      check(self !== undefined && self.minVersion <= ctx.version && self.maxVersion >= ctx.version, `API list must contain ApiVersions covering v${ctx.version}`);
      const seen = new Set<number>();
      for (const k of body.apiKeys) {
        check(k.minVersion >= 0 && k.minVersion <= k.maxVersion, `api ${k.apiKey}: min ${k.minVersion} > max ${k.maxVersion}`);
        check(!seen.has(k.apiKey), `api ${k.apiKey} listed twice`);
        seen.add(k.apiKey);
      }
      // Header v0: the body starts right after the 4-byte correlation id and fills the frame exactly.
      const r = new Reader(frame, 4);
      apiCodecs(ApiKey.ApiVersions).response.decode(r, ctx.version);
      eq(r.pos, frame.length, 'body parsed with a v0 response header must end at the frame end (no header tagged fields)');
    },
  },
  {
    id: 'api-versions.unsupported-version',
    api: ApiKey.ApiVersions,
    title: 'a version newer than the broker knows gets UNSUPPORTED_VERSION and ApiVersions\' own range (only) in a v0 body, header v0',
    cite: 'KIP-511 (ApiVersions fallback); ApiVersionsRequest.getErrorResponse (Kafka 4.3.1 lists ApiVersions alone)',
    async run(ctx) {
      const conn = await ctx.conn();
      const unknownVersion = (ctx.target.advertised.get(ApiKey.ApiVersions)?.max ?? ctx.version) + 1;
      const id = conn.allocateCorrelationId();
      const frame = await conn.sendRaw(rawApiVersionsRequest(unknownVersion, id), id);
      const { header, body } = decodeResponse(ApiKey.ApiVersions, 0, frame);
      eq(header.correlationId, id, 'correlation id');
      errorIs(body.errorCode, ErrorCode.UNSUPPORTED_VERSION, `ApiVersions v${unknownVersion}`);
      const self = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
      check(self !== undefined, 'the v0 body must list ApiVersions so the client can pick a version');
      const advertised = ctx.target.advertised.get(ApiKey.ApiVersions);
      eq(`${self.minVersion}-${self.maxVersion}`, `${advertised?.min}-${advertised?.max}`, 'ApiVersions range in the fallback');
      // Kafka 4.3.1 answered with ApiVersions alone; the client asks again for the full list.
      eq(body.apiKeys.map((k) => k.apiKey).join(','), String(ApiKey.ApiVersions), 'APIs in the fallback list');
      const r = new Reader(frame, 4);
      apiCodecs(ApiKey.ApiVersions).response.decode(r, 0);
      eq(r.pos, frame.length, 'fallback body must be exactly a v0 body');
      // The connection stays usable.
      const again = await conn.request(ApiKey.ApiVersions, ctx.version, { clientSoftwareName: 'tributary-conformance', clientSoftwareVersion: '1.0' });
      noError(again.errorCode, 'ApiVersions after the fallback');
    },
  },
  {
    id: 'api-versions.invalid-software-name',
    api: ApiKey.ApiVersions,
    title: 'v3+: a client software name outside [a-zA-Z0-9.-] gets INVALID_REQUEST',
    cite: 'KIP-511 (ClientSoftwareName validation); ApiVersionsRequest.isValid',
    versions: { min: 3 },
    async run(ctx) {
      const conn = await ctx.conn();
      const res = await conn.request(ApiKey.ApiVersions, ctx.version, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1.0' });
      errorIs(res.errorCode, ErrorCode.INVALID_REQUEST, 'ApiVersions with clientSoftwareName "bad name!"');
    },
  },
  {
    id: 'api-versions.pipelined',
    api: ApiKey.ApiVersions,
    title: 'pipelined requests on one connection are answered in request order',
    cite: 'Kafka protocol guide: "the server guarantees that on a single TCP connection, requests will be processed in the order they are sent"',
    async run(ctx) {
      const conn = await ctx.conn();
      const ids: number[] = [];
      const frames: Buffer[] = [];
      for (let i = 0; i < 20; i++) ids.push(conn.allocateCorrelationId());
      const raw = Buffer.concat(ids.map((id) => rawApiVersionsRequest(Math.min(ctx.version, 2), id)));
      // Write all at once, then read frames as they arrive: correlation ids must come back in order.
      const order: number[] = [];
      const waits = ids.map((id) => conn.sendRawNoWrite(id).then((f) => {
        order.push(f.readInt32BE(0));
        frames.push(f);
      }));
      conn.write(raw);
      await Promise.all(waits);
      eq(order.join(','), ids.join(','), 'response order');
    },
  },
];
