// Flexible versions (KIP-482): unknown tagged fields in request headers and bodies are ignored, the
// client id stays a classic nullable string in header v2, and responses carry header v1 (except
// ApiVersions) that parse exactly. Plus the protocol-level answers to bad frames: Kafka closes the
// connection on an unknown API key, an unsupported version, a malformed body or an oversized frame.

import { ApiKey, Reader, apiCodecs, apiInfo, decodeResponse, encodeRequest, responseHeaderVersion } from '../../codec/index.js';
import { v2Batch } from '../records.js';
import { readResponseHeader } from '../../codec/headers.js';
import type { EncodeInput, RequestByKey } from '../../codec/index.js';
import { check, eq, noError } from '../assert.js';
import type { CaseContext } from '../context.js';
import type { ConformanceCase } from '../types.js';

const UNKNOWN_TAGS = [{ tag: 4242, data: Buffer.from('unknown-tag-data') }];

/** Decodes a response frame at the version and checks it is consumed to the last byte. */
export function exactParse(apiKey: number, version: number, frame: Buffer): void {
  const r = new Reader(frame);
  readResponseHeader(r, responseHeaderVersion(apiKey, version));
  apiCodecs(apiKey).response.decode(r, version);
  eq(r.pos, frame.length, `${apiInfo(apiKey)!.name} v${version} response must parse to its last byte (header v${responseHeaderVersion(apiKey, version)})`);
}

interface FlexTarget {
  api: number;
  body(ctx: CaseContext): Promise<EncodeInput<RequestByKey[keyof RequestByKey]>>;
  check(body: any): void;
}

const FLEX: FlexTarget[] = [
  {
    api: ApiKey.ApiVersions,
    body: async () => ({ clientSoftwareName: 'tributary-conformance', clientSoftwareVersion: '1.0', _unknownTaggedFields: UNKNOWN_TAGS }),
    check: (b) => noError(b.errorCode, 'errorCode'),
  },
  {
    api: ApiKey.Metadata,
    body: async (ctx) => {
      const t = await ctx.createTopic();
      return { topics: [{ name: t.name, _unknownTaggedFields: UNKNOWN_TAGS }], allowAutoTopicCreation: false, _unknownTaggedFields: UNKNOWN_TAGS };
    },
    check: (b) => noError(b.topics[0]?.errorCode ?? -2, 'topic errorCode'),
  },
  {
    api: ApiKey.ListOffsets,
    body: async (ctx) => {
      const t = await ctx.createTopic();
      return { replicaId: -1, topics: [{ name: t.name, partitions: [{ partitionIndex: 0, timestamp: -1, _unknownTaggedFields: UNKNOWN_TAGS }], _unknownTaggedFields: UNKNOWN_TAGS }], _unknownTaggedFields: UNKNOWN_TAGS };
    },
    check: (b) => noError(b.topics[0]?.partitions[0]?.errorCode ?? -2, 'partition errorCode'),
  },
  {
    api: ApiKey.FindCoordinator,
    body: async (ctx) => {
      const g = ctx.topicName('g');
      return { key: g, keyType: 0, coordinatorKeys: [g], _unknownTaggedFields: UNKNOWN_TAGS };
    },
    check: (b) => noError(b.coordinators?.[0]?.errorCode ?? b.errorCode, 'errorCode'),
  },
  {
    api: ApiKey.Produce,
    body: async (ctx) => {
      const t = await ctx.createTopic();
      return { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: t.name, topicId: t.topicId, partitionData: [{ index: 0, records: v2Batch([{ value: 'tagged' }]), _unknownTaggedFields: UNKNOWN_TAGS }], _unknownTaggedFields: UNKNOWN_TAGS }], _unknownTaggedFields: UNKNOWN_TAGS };
    },
    check: (b) => noError(b.responses[0]?.partitionResponses[0]?.errorCode ?? -2, 'partition errorCode'),
  },
  {
    api: ApiKey.Fetch,
    body: async (ctx) => {
      const t = await ctx.createTopic();
      const body = ctx.fetchBody(t, [{ partition: 0, offset: 0 }], {}) as Record<string, unknown> & { topics: Record<string, unknown>[] };
      body.topics[0]._unknownTaggedFields = UNKNOWN_TAGS;
      return { ...body, _unknownTaggedFields: UNKNOWN_TAGS };
    },
    check: (b) => {
      noError(b.errorCode, 'errorCode');
      noError(b.responses[0]?.partitions[0]?.errorCode ?? -2, 'partition errorCode');
    },
  },
  {
    api: ApiKey.CreateTopics,
    body: async (ctx) => ({ topics: [{ name: ctx.topicName('flex'), numPartitions: 1, replicationFactor: -1, _unknownTaggedFields: UNKNOWN_TAGS }], timeoutMs: 10_000, validateOnly: true, _unknownTaggedFields: UNKNOWN_TAGS }),
    check: (b) => noError(b.topics[0]?.errorCode ?? -2, 'topic errorCode'),
  },
];

async function expectClose(ctx: CaseContext, bytes: Buffer, what: string): Promise<void> {
  const conn = await ctx.connect();
  conn.write(bytes);
  const closed = await conn.waitForClose(5_000);
  check(closed, `${what}: the broker must close the connection`);
  const frame = await conn.nextFrame(1).catch(() => null);
  check(frame === null, `${what}: the broker answered instead of closing`);
}

function frameOf(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

function header(apiKey: number, version: number, correlationId: number): Buffer {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(-1, 8); // null client id
  return b;
}

export const flexibleCases: ConformanceCase[] = [
  ...FLEX.map((f): ConformanceCase => ({
    id: `flexible.unknown-tags.${apiInfo(f.api)!.name.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`,
    api: f.api,
    title: 'unknown tagged fields in the request header and body are ignored; the response header v1 and body parse exactly',
    cite: 'KIP-482 (tagged fields: "unknown tagged fields are ignored")',
    versions: { min: apiInfo(f.api)!.flexibleFrom ?? 99, each: true },
    async run(ctx) {
      const conn = await ctx.conn();
      const body = await f.body(ctx);
      const res = await conn.requestFull(f.api as keyof RequestByKey, ctx.version, body as never, { headerTaggedFields: UNKNOWN_TAGS });
      f.check(res.body);
      exactParse(f.api, ctx.version, res.frame);
    },
  })),
  {
    id: 'flexible.null-client-id',
    api: ApiKey.Metadata,
    title: 'request header v2 keeps the client id a classic nullable string: a null client id is accepted',
    cite: 'KIP-482 (RequestHeader v2: ClientId stays NULLABLE_STRING); RequestHeader.json',
    versions: { min: 9 },
    async run(ctx) {
      const conn = await ctx.conn();
      const res = await conn.requestFull(ApiKey.Metadata, ctx.version, { topics: [], allowAutoTopicCreation: false }, { clientId: null });
      check(res.body.brokers.length > 0, 'no brokers');
      exactParse(ApiKey.Metadata, ctx.version, res.frame);
    },
  },
  {
    id: 'flexible.compact-null',
    api: ApiKey.Metadata,
    title: 'a compact null array (length byte 0) is null: Metadata v9+ with topics=null returns every topic',
    cite: 'KIP-482 (COMPACT_ARRAY: 0 is null, N+1 is length N); MetadataRequest.json (null for all topics)',
    versions: { min: 9, each: true },
    async run(ctx) {
      const topic = await ctx.createTopic();
      const conn = await ctx.conn();
      const id = conn.allocateCorrelationId();
      const bytes = Buffer.concat(encodeRequest(ApiKey.Metadata, ctx.version, { correlationId: id, clientId: null }, { topics: null, allowAutoTopicCreation: false }));
      // Header v2 with a null client id: size(4) key(2) version(2) correlation(4) clientId(2) tags(1), then the topics array.
      eq(bytes[15], 0, 'encoded topics field (compact null)');
      const frame = await conn.sendRaw(bytes, id);
      exactParse(ApiKey.Metadata, ctx.version, frame);
      const { body } = decodeResponse(ApiKey.Metadata, ctx.version, frame);
      check(body.topics.some((t) => t.name === topic.name), 'topics=null must return every topic, including a new one');
    },
  },
  {
    id: 'protocol.unknown-api-key',
    api: ApiKey.ApiVersions,
    title: 'a request with an unknown API key gets no response: Kafka closes the connection',
    cite: 'apache/kafka SocketServer / RequestContext.parseRequest (InvalidRequestException closes the connection)',
    async run(ctx) {
      await expectClose(ctx, frameOf([header(31999, 0, 7)]), 'API key 31999');
    },
  },
  {
    id: 'protocol.unsupported-version',
    api: ApiKey.Metadata,
    title: 'a non-ApiVersions request at a version the broker does not support closes the connection',
    cite: 'apache/kafka RequestContext.parseRequest; KIP-511 (only ApiVersions answers an unsupported version)',
    async run(ctx) {
      const v = (ctx.target.advertised.get(ApiKey.Metadata)?.max ?? 13) + 1;
      await expectClose(ctx, frameOf([header(ApiKey.Metadata, v, 8), Buffer.from([0, 0, 0, 0])]), `Metadata v${v}`);
    },
  },
  {
    id: 'protocol.truncated-body',
    api: ApiKey.Metadata,
    title: 'a request whose body ends early closes the connection without an answer',
    cite: 'apache/kafka RequestContext.parseRequest (SchemaException → InvalidRequestException)',
    async run(ctx) {
      const v = ctx.pick(ApiKey.Metadata, 1, 8);
      // topics array of 5 entries, then nothing.
      await expectClose(ctx, frameOf([header(ApiKey.Metadata, v, 9), Buffer.from([0, 0, 0, 5])]), `truncated Metadata v${v}`);
    },
  },
  {
    id: 'protocol.oversized-frame',
    api: ApiKey.ApiVersions,
    title: 'a size prefix above socket.request.max.bytes (or negative) closes the connection before the body arrives',
    cite: 'apache/kafka NetworkReceive (InvalidReceiveException); broker config socket.request.max.bytes',
    async run(ctx) {
      const huge = Buffer.alloc(4);
      huge.writeInt32BE(0x7ffffff0, 0);
      await expectClose(ctx, Buffer.concat([huge, header(ApiKey.ApiVersions, 0, 1)]), 'size 2 GB');
      const neg = Buffer.alloc(4);
      neg.writeInt32BE(-1, 0);
      await expectClose(ctx, neg, 'size -1');
      // Another connection is unaffected.
      const conn = await ctx.connect();
      noError((await conn.request(ApiKey.ApiVersions, 0, {})).errorCode, 'ApiVersions on a fresh connection');
    },
  },
];
