// A tiny recording Kafka "broker" for codec tests: it speaks only ApiVersions, Metadata, Produce,
// ListOffsets and Fetch, using our codec, advertises itself (127.0.0.1, OS-chosen port) as the only
// broker with one topic 'golden' of one partition, and records every request frame a real client
// sends. Produced record sets are kept as they came (one batch per produce, offsets assigned by
// patching the batch's base offset) and served back by Fetch as a list of chunks. Used to capture
// golden frames from kafkajs and kcat (librdkafka) and to check that those clients parse our answers.
import net from 'node:net';
import {
  API_SCHEMAS,
  ApiKey,
  ErrorCode,
  decodeRequest,
  decodeRequestHeader,
  encodeResponse,
  isSupported,
  loadAllApiCodecs,
  type RequestHeader,
} from '../../src/codec/index.js';

export interface RecordedFrame {
  apiKey: number;
  apiVersion: number;
  /** The request without its size prefix. */
  frame: Buffer;
  header: RequestHeader;
}

export const GOLDEN_TOPIC = 'golden';
export const GOLDEN_TOPIC_ID = 'R29sZGVuVG9waWNJZDAwMQ'; // 16 fixed bytes
export const NODE_ID = 1;
export const CLUSTER_ID = 'recorder-cluster';

/** The APIs the recorder answers. */
const SERVED = [ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.ApiVersions];
/**
 * ApiVersions advertises every broker API of the schema, as a real broker does: librdkafka derives
 * features from the whole list (without Fetch v4+ it falls back to magic 0 message sets).
 */
const ADVERTISED = API_SCHEMAS.filter((s) => s.listeners.includes('broker')).map((s) => ({ apiKey: s.key, minVersion: s.minVersion, maxVersion: s.maxVersion }));

export class Recorder {
  readonly frames: RecordedFrame[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private waiters: { apiKey: number; resolve: (f: RecordedFrame) => void }[] = [];
  /** Record batches of golden/0, in offset order. */
  readonly log: Buffer[] = [];
  private nextOffset = 0;
  port = 0;

  private constructor() {
    this.server = net.createServer((s) => this.accept(s));
  }

  static async start(): Promise<Recorder> {
    await loadAllApiCodecs(); // frames are decoded and answered synchronously
    const r = new Recorder();
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.port = (r.server.address() as net.AddressInfo).port;
    return r;
  }

  /** Resolves with the first recorded frame of this API key (already recorded or still to come). */
  waitFor(apiKey: number): Promise<RecordedFrame> {
    const f = this.frames.find((x) => x.apiKey === apiKey);
    if (f) return Promise.resolve(f);
    return new Promise((resolve) => this.waiters.push({ apiKey, resolve }));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, d]) : d;
      while (buffered.length >= 4) {
        const size = buffered.readInt32BE(0);
        if (buffered.length < 4 + size) break;
        const frame = Buffer.from(buffered.subarray(4, 4 + size)); // own copy: it is kept
        buffered = buffered.subarray(4 + size);
        const out = this.handle(frame);
        if (out === 'close') {
          socket.destroy();
          return;
        }
        if (out) socket.write(Buffer.concat(out));
      }
    });
  }

  private handle(frame: Buffer): Buffer[] | null | 'close' {
    const header = decodeRequestHeader(frame);
    const rec: RecordedFrame = { apiKey: header.apiKey, apiVersion: header.apiVersion, frame, header };
    this.frames.push(rec);
    const ready = this.waiters.filter((w) => w.apiKey === header.apiKey);
    this.waiters = this.waiters.filter((w) => w.apiKey !== header.apiKey);
    for (const w of ready) w.resolve(rec);

    const { apiKey, apiVersion, correlationId } = header;
    if (apiKey === ApiKey.ApiVersions) {
      const keys = ADVERTISED;
      if (!isSupported(apiKey, apiVersion)) {
        return encodeResponse(ApiKey.ApiVersions, 0, correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: keys });
      }
      return encodeResponse(ApiKey.ApiVersions, apiVersion, correlationId, { errorCode: 0, apiKeys: keys, throttleTimeMs: 0 });
    }
    if (!SERVED.includes(apiKey as (typeof SERVED)[number]) || !isSupported(apiKey, apiVersion)) return 'close';
    if (apiKey === ApiKey.Metadata) {
      const req = decodeRequest(ApiKey.Metadata, apiVersion, frame, header.bodyOffset);
      const wanted = req.topics === null || req.topics.length === 0 ? [GOLDEN_TOPIC] : req.topics.map((t) => t.name ?? '');
      return encodeResponse(ApiKey.Metadata, apiVersion, correlationId, {
        brokers: [{ nodeId: NODE_ID, host: '127.0.0.1', port: this.port, rack: null }],
        clusterId: CLUSTER_ID,
        controllerId: NODE_ID,
        topics: wanted.map((name) =>
          name === GOLDEN_TOPIC
            ? {
                errorCode: 0,
                name,
                topicId: GOLDEN_TOPIC_ID,
                partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: NODE_ID, leaderEpoch: 0, replicaNodes: [NODE_ID], isrNodes: [NODE_ID], offlineReplicas: [] }],
              }
            : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] },
        ),
      });
    }
    if (apiKey === ApiKey.ListOffsets) {
      const req = decodeRequest(ApiKey.ListOffsets, apiVersion, frame, header.bodyOffset);
      return encodeResponse(ApiKey.ListOffsets, apiVersion, correlationId, {
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const known = t.name === GOLDEN_TOPIC && p.partitionIndex === 0;
            const offset = p.timestamp === -2 ? 0 : this.nextOffset; // -2 earliest, otherwise latest
            return { partitionIndex: p.partitionIndex, errorCode: known ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, oldStyleOffsets: [offset], timestamp: -1, offset, leaderEpoch: 0 };
          }),
        })),
      });
    }
    if (apiKey === ApiKey.Fetch) {
      const req = decodeRequest(ApiKey.Fetch, apiVersion, frame, header.bodyOffset);
      return encodeResponse(ApiKey.Fetch, apiVersion, correlationId, {
        responses: req.topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => {
            const known = (t.topic === GOLDEN_TOPIC || t.topicId === GOLDEN_TOPIC_ID) && p.partition === 0;
            // Whole batches from the requested offset on (each batch here holds offsets it declares).
            const chunks = known ? this.log.filter((b) => b.readInt32BE(4) + b.readInt32BE(23) >= p.fetchOffset) : [];
            return {
              partitionIndex: p.partition,
              errorCode: known ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              highWatermark: this.nextOffset,
              lastStableOffset: this.nextOffset,
              logStartOffset: 0,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: chunks,
            };
          }),
        })),
      });
    }
    // Produce: keep each v2 batch (magic 2, one per partition) with its base offset patched.
    const req = decodeRequest(ApiKey.Produce, apiVersion, frame, header.bodyOffset);
    const responses = req.topicData.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) => {
        const base = this.nextOffset;
        const rec = p.records;
        if (rec && rec.length >= 61 && rec[16] === 2 && p.index === 0) {
          const batch = Buffer.from(rec);
          batch.writeInt32BE(0, 0);
          batch.writeInt32BE(base, 4); // small offsets: the high word stays 0
          this.log.push(batch);
          this.nextOffset = base + batch.readInt32BE(23) + 1;
        }
        return { index: p.index, errorCode: p.index === 0 ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: base, logAppendTimeMs: -1, logStartOffset: 0 };
      }),
    }));
    if (req.acks === 0) return null;
    return encodeResponse(ApiKey.Produce, apiVersion, correlationId, { responses, throttleTimeMs: 0 });
  }
}
