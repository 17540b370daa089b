// The codec and the handler of each API are loaded when its first request arrives
// (src/codec/api-codecs.ts, src/api/registry.ts): a broker starts without compiling 77 APIs' codecs
// or importing its handler modules. Checked three ways: the codec's own contract on a fresh module
// instance (in-process, vi.resetModules: the setup file has loaded everything in the shared one); the
// dispatcher starting handlers in request order while a codec or a handler loads; and a real broker
// process (dist/) that loads no codec and no handler module before the first request and answers
// pipelined requests of never-loaded APIs in order.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ApiKey, decodeResponse, encodeRequest, ZERO_UUID } from '../../src/codec/index.js';
import { buildRecordBatch, readBatchRecords } from '../../src/codec/records/index.js';
import { rawApiVersionsRequest } from '../../src/conformance/cases/api-versions.js';
import type { ApiHandler, HandlerEntry } from '../../src/api/registry.js';
import type { ConnectionInfo } from '../../src/api/context.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { ROOT } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';

type Codec = typeof import('../../src/codec/index.js');

/** A module instance of the codec (and of what imports it) in which nothing is loaded yet. */
async function freshModules(): Promise<{ codec: Codec; dispatcher: typeof import('../../src/server/dispatcher.js'); registry: typeof import('../../src/api/registry.js') }> {
  vi.resetModules();
  return {
    codec: await import('../../src/codec/index.js'),
    dispatcher: await import('../../src/server/dispatcher.js'),
    registry: await import('../../src/api/registry.js'),
  };
}

/** A request frame as the dispatcher gets it (no size prefix), encoded with the loaded codec. */
function frame(apiKey: number, version: number, correlationId: number, body: object): Buffer {
  return Buffer.concat(encodeRequest(apiKey, version, { correlationId, clientId: 'lazy' }, body)).subarray(4);
}


/** A Metadata or ApiVersions handler that records `name#connection` when it starts. */
function recordingHandler(started: string[], apiKey: number, name: string): ApiHandler {
  return {
    apiKey,
    minVersion: 0,
    maxVersion: 12,
    handle: (_req, ctx) => {
      started.push(`${name}#${ctx.connection.id}`);
      return apiKey === ApiKey.ApiVersions ? { errorCode: 0, apiKeys: [], throttleTimeMs: 0 } : { brokers: [], topics: [] };
    },
  };
}

describe('codec loading', () => {
  it('refuses to encode or decode an API whose codec is not loaded, with a clear error', async () => {
    const { codec } = await freshModules();
    expect(codec.isApiCodecLoaded(ApiKey.Metadata)).toBe(false);
    const encode = () => codec.encodeRequest(ApiKey.Metadata, 12, { correlationId: 1 }, { topics: null });
    expect(encode).toThrow(/Metadata.*not loaded.*await loadApiCodec\(3\)/);
    let thrown: unknown;
    try {
      encode();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).not.toBeInstanceOf(codec.CodecError); // a programming error, not bad bytes
    expect(() => codec.decodeRequest(ApiKey.Metadata, 12, Buffer.alloc(8), 0)).toThrow(/await loadApiCodec/);
    expect(() => codec.encodeResponse(ApiKey.Metadata, 12, 1, {})).toThrow(/await loadApiCodec/);
    expect(() => codec.decodeResponse(ApiKey.Metadata, 12, Buffer.alloc(8))).toThrow(/await loadApiCodec/);
    expect(() => codec.encodeBody(ApiKey.Metadata, 12, 'request', {})).toThrow(/await loadApiCodec/);
    // An unknown key or version is still the wire's fault: CodecError, loaded or not.
    expect(() => codec.encodeRequest(ApiKey.Metadata, 99, { correlationId: 1 }, {})).toThrow(codec.CodecError);
  });

  it('loads one API on demand, once, and leaves the others unloaded', async () => {
    const { codec } = await freshModules();
    const a = codec.loadApiCodec(ApiKey.Metadata);
    expect(codec.loadApiCodec(ApiKey.Metadata)).toBe(a); // concurrent callers share one import
    await a;
    expect(codec.isApiCodecLoaded(ApiKey.Metadata)).toBe(true);
    expect(codec.isApiCodecLoaded(ApiKey.Fetch)).toBe(false);
    const bytes = Buffer.concat(codec.encodeRequest(ApiKey.Metadata, 12, { correlationId: 7 }, { topics: null, allowAutoTopicCreation: false }));
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    await expect(codec.loadApiCodec(9999)).rejects.toBeInstanceOf(codec.CodecError);
    await codec.loadAllApiCodecs();
    expect(codec.API_SCHEMAS.every((s) => codec.isApiCodecLoaded(s.key))).toBe(true);
  });

  it('the dispatcher starts handlers in request order while a codec loads, other connections unaffected', async () => {
    const { codec, dispatcher, registry } = await freshModules();
    await codec.loadApiCodec(ApiKey.ApiVersions);
    const started: string[] = [];
    const handler = (apiKey: number, name: string): ApiHandler => recordingHandler(started, apiKey, name);
    const d = new dispatcher.ApiDispatcher(
      new registry.HandlerRegistry([handler(ApiKey.Metadata, 'Metadata'), handler(ApiKey.ApiVersions, 'ApiVersions')]),
      {} as never,
      new MemoryLogger('debug'),
    );
    const conn = (id: number): ConnectionInfo => ({ id, remoteAddress: '127.0.0.1', remotePort: id, listenerName: 'PLAINTEXT', attributes: new Map() });
    const one = conn(1);
    const two = conn(2);
    const metadata = d.dispatch(frame(ApiKey.Metadata, 12, 1, { topics: null }), one);
    // ApiVersions' codec is loaded, but on this connection it waits for the Metadata before it.
    const apiVersions = d.dispatch(frame(ApiKey.ApiVersions, 3, 2, {}), one);
    // Another connection does not wait.
    const elsewhere = d.dispatch(frame(ApiKey.ApiVersions, 3, 3, {}), two);
    expect(metadata).toBeInstanceOf(Promise);
    expect(apiVersions).toBeInstanceOf(Promise);
    expect(Array.isArray(elsewhere)).toBe(true);
    expect(started).toEqual(['ApiVersions#2']);
    const [m, a] = await Promise.all([metadata, apiVersions]);
    expect(started).toEqual(['ApiVersions#2', 'Metadata#1', 'ApiVersions#1']);
    expect(decodeResponse(ApiKey.Metadata, 12, Buffer.concat(m as Buffer[]).subarray(4)).header.correlationId).toBe(1);
    expect(decodeResponse(ApiKey.ApiVersions, 3, Buffer.concat(a as Buffer[]).subarray(4)).header.correlationId).toBe(2);
    // Once loaded and nothing waits, dispatch is synchronous again.
    expect(Array.isArray(d.dispatch(frame(ApiKey.Metadata, 12, 4, { topics: null }), one))).toBe(true);
  });

  it('the dispatcher starts handlers in request order while a handler loads, and retries a failed load', async () => {
    const { codec, dispatcher, registry } = await freshModules();
    const { CLOSE } = await import('../../src/server/types.js'); // the fresh instance's
    await Promise.all([codec.loadApiCodec(ApiKey.Metadata), codec.loadApiCodec(ApiKey.ApiVersions)]);
    const started: string[] = [];
    const handler = (apiKey: number, name: string): ApiHandler => recordingHandler(started, apiKey, name);
    // Metadata's handler "imports" when the test says so: first a failure, then the handler.
    const imports: { resolve: (h: ApiHandler) => void; reject: (e: Error) => void }[] = [];
    const lazyMetadata: HandlerEntry = {
      apiKey: ApiKey.Metadata,
      minVersion: 0,
      maxVersion: 12,
      load: () => new Promise((resolve, reject) => imports.push({ resolve, reject })),
    };
    const d = new dispatcher.ApiDispatcher(
      new registry.HandlerRegistry([lazyMetadata, handler(ApiKey.ApiVersions, 'ApiVersions')]),
      {} as never,
      new MemoryLogger('debug'),
    );
    const conn = (id: number): ConnectionInfo => ({ id, remoteAddress: '127.0.0.1', remotePort: id, listenerName: 'PLAINTEXT', attributes: new Map() });
    const one = conn(1);
    const two = conn(2);
    // A version the list does not advertise is refused without loading anything; nothing behind it
    // on that connection runs (it closes).
    const refused = conn(8);
    expect(d.dispatch(frame(ApiKey.Metadata, 13, 0, { topics: null }), refused)).toBe(CLOSE);
    expect(imports).toHaveLength(0);
    expect(d.dispatch(frame(ApiKey.ApiVersions, 3, 1, {}), refused)).toBe(CLOSE);
    // A failed import closes the connection; the next request (of a new connection) imports again.
    const failed = d.dispatch(frame(ApiKey.Metadata, 12, 0, { topics: null }), conn(9));
    expect(imports).toHaveLength(1);
    imports[0].reject(new Error('import failed'));
    expect(await failed).toBe(CLOSE);
    expect(started).toEqual([]);
    const metadata = d.dispatch(frame(ApiKey.Metadata, 12, 1, { topics: null }), one);
    const apiVersions = d.dispatch(frame(ApiKey.ApiVersions, 3, 2, {}), one);
    const elsewhere = d.dispatch(frame(ApiKey.ApiVersions, 3, 3, {}), two);
    expect(imports).toHaveLength(2);
    expect(metadata).toBeInstanceOf(Promise);
    expect(apiVersions).toBeInstanceOf(Promise);
    expect(Array.isArray(elsewhere)).toBe(true);
    expect(started).toEqual(['ApiVersions#2']);
    imports[1].resolve(handler(ApiKey.Metadata, 'Metadata'));
    const [m, a] = await Promise.all([metadata, apiVersions]);
    expect(started).toEqual(['ApiVersions#2', 'Metadata#1', 'ApiVersions#1']);
    expect(decodeResponse(ApiKey.Metadata, 12, Buffer.concat(m as Buffer[]).subarray(4)).header.correlationId).toBe(1);
    expect(decodeResponse(ApiKey.ApiVersions, 3, Buffer.concat(a as Buffer[]).subarray(4)).header.correlationId).toBe(2);
    expect(Array.isArray(d.dispatch(frame(ApiKey.Metadata, 12, 4, { topics: null }), one))).toBe(true);
    expect(imports).toHaveLength(2);
  });
});

// ---- a real broker process (dist/) ------------------------------------------------------------------

/**
 * Runs a broker from dist/ in a child that answers `loaded` on stdin with the API keys whose codec is
 * loaded (the broker's own module instance: same URLs), the keys whose handler the registry has
 * loaded, and the handler modules (dist/api/NN-*.js) imported so far, seen by a module load hook.
 */
const CHILD = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const handlerModules = [];
port1.on('message', (url) => { const m = /\\/dist\\/api\\/(\\d\\d-[^/]+)\\.js$/.exec(url); if (m) handlerModules.push(m[1]); });
port1.unref();
const hooks = 'let port; export function initialize(d) { port = d.port; } export async function load(url, context, next) { port.postMessage(url); return next(url, context); }';
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] });
const dist = ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist')).href)};
const { startBroker } = await import(dist + '/broker.js');
const codec = await import(dist + '/codec/index.js');
const broker = await startBroker();
const loaded = () => ({
  loaded: codec.API_SCHEMAS.filter((s) => codec.isApiCodecLoaded(s.key)).map((s) => s.key),
  handlers: broker.services.registry.apiVersions().filter((v) => broker.services.registry.get(v.apiKey)).map((v) => v.apiKey),
  handlerModules: [...handlerModules].sort(),
});
// The hook's messages arrive asynchronously: let any in flight land first.
const settled = () => new Promise((r) => setTimeout(r, 20));
await settled();
console.log(JSON.stringify({ port: broker.port, ...loaded() }));
process.stdin.setEncoding('utf8');
process.stdin.on('data', async (d) => {
  for (const cmd of d.split('\\n').filter(Boolean)) {
    if (cmd === 'loaded') { await settled(); console.log(JSON.stringify(loaded())); }
    if (cmd === 'exit') { await broker.close(); process.exit(0); }
  }
});
`;

class BrokerChild {
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      this.lines.push(...parts.filter(Boolean));
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static start(): BrokerChild {
    return new BrokerChild(spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: ROOT }));
  }

  async next(): Promise<Record<string, unknown>> {
    while (this.lines.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    return JSON.parse(this.lines.shift()!) as Record<string, unknown>;
  }

  /** What is loaded: codecs and handlers by API key, handler modules by file name. */
  async loaded(): Promise<{ loaded: number[]; handlers: number[]; handlerModules: string[] }> {
    this.child.stdin.write('loaded\n');
    return (await this.next()) as { loaded: number[]; handlers: number[]; handlerModules: string[] };
  }

  async stop(): Promise<void> {
    this.child.stdin.write('exit\n');
    await once(this.child, 'exit');
  }
}

describe('a broker process loads codecs and handlers on first use', () => {
  let broker: BrokerChild | undefined;
  afterAll(async () => broker?.stop());

  it('loads nothing at start, then only what was asked, and answers pipelined first requests in order', async () => {
    broker = BrokerChild.start();
    const ready = await broker.next();
    expect(ready.loaded).toEqual([]);
    expect(ready.handlers).toEqual([]);
    expect(ready.handlerModules).toEqual([]);
    const c = await RawClient.connect(ready.port as number);

    // ApiVersions at a version we lack, before its codec is loaded: the v0 fallback (KIP-511).
    c.writeRaw(rawApiVersionsRequest(99, 1));
    const fallback = decodeResponse(ApiKey.ApiVersions, 0, await c.readFrame());
    expect(fallback.header.correlationId).toBe(1);
    expect(fallback.body.errorCode).toBe(35); // UNSUPPORTED_VERSION
    expect(fallback.body.apiKeys.map((k) => k.apiKey)).toEqual([ApiKey.ApiVersions]);
    // The fallback needs ApiVersions' codec, not its handler: the handler list knows its range.
    expect(await broker.loaded()).toEqual({ loaded: [ApiKey.ApiVersions], handlers: [], handlerModules: [] });

    await c.request(ApiKey.CreateTopics, 5, { topics: [{ name: 'lazy', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(await broker.loaded()).toEqual({ loaded: [ApiKey.ApiVersions, ApiKey.CreateTopics], handlers: [ApiKey.CreateTopics], handlerModules: ['19-create-topics'] });

    // Four never-loaded APIs and one whose codec is loaded but not its handler, in one write.
    const records = buildRecordBatch({ records: [{ key: null, value: Buffer.from('first') }] });
    const pipelined: [number, number, object][] = [
      [ApiKey.Metadata, 12, { topics: [{ name: 'lazy', topicId: ZERO_UUID }], allowAutoTopicCreation: false }],
      [ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'lazy', partitionData: [{ index: 0, records }] }] }],
      [ApiKey.Fetch, 12, {
        replicaId: -1, maxWaitMs: 5000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: 'lazy', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
        forgottenTopicsData: [], rackId: '',
      }],
      [ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'lazy', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] }],
      [ApiKey.ApiVersions, 3, { clientSoftwareName: 'lazy', clientSoftwareVersion: '1' }],
    ];
    c.writeRaw(Buffer.concat(pipelined.flatMap(([k, v, body], i) => encodeRequest(k, v, { correlationId: 100 + i, clientId: 'lazy' }, body))));
    const answers = [];
    for (const [k, v] of pipelined) {
      const { header, body } = decodeResponse(k, v, await c.readFrame());
      answers.push({ correlationId: header.correlationId, body: body as any });
    }
    expect(answers.map((a) => a.correlationId)).toEqual([100, 101, 102, 103, 104]);
    const [metadata, produce, fetch, listOffsets, apiVersions] = answers.map((a) => a.body);
    expect(metadata.topics[0]).toMatchObject({ name: 'lazy', errorCode: 0 });
    expect(produce.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const part = fetch.responses[0].partitions[0];
    expect(part.errorCode).toBe(0);
    const batch = Array.isArray(part.records) ? Buffer.concat(part.records) : part.records;
    expect(readBatchRecords(batch).records.map((r) => r.value?.toString())).toEqual(['first']);
    expect(listOffsets.topics[0].partitions[0]).toMatchObject({ errorCode: 0, offset: 1 });
    expect(apiVersions.errorCode).toBe(0);

    const loaded = await broker.loaded();
    expect(loaded.loaded).toEqual([ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.ApiVersions, ApiKey.CreateTopics]);
    expect(loaded.handlers).toEqual(loaded.loaded);
    expect(loaded.handlerModules).toEqual(['00-produce', '01-fetch', '02-list-offsets', '03-metadata', '18-api-versions', '19-create-topics']);
    c.close();
  });
});
