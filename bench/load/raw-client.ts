// A pipelined raw-protocol Kafka client for load generation: one socket, frames cut with the
// codec's FrameSplitter, responses matched to requests by order (Kafka answers a connection's
// requests strictly in order), no Promise per request. Requests are precomputed Buffers.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ApiKey, decodeResponse, encodeRequest, loadAllApiCodecs } from '../../src/codec/index.js';
import { FrameSplitter } from '../../src/codec/frames.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';

// The frame builders below are synchronous: load the codecs they use once, when this module loads.
await loadAllApiCodecs();

export type OnResponse = (frame: Buffer) => void;

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;

/** One connection; `send` queues a callback for the response in request order. */
export class RawConnection {
  private readonly splitter = new FrameSplitter(1 << 30);
  /** Ring of pending callbacks (head index instead of Array.shift). */
  private pending: OnResponse[] = [];
  private head = 0;
  private closed = false;
  bytesIn = 0;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      this.splitter.push(chunk, (frame) => {
        const cb = this.pending[this.head];
        this.pending[this.head++] = undefined as unknown as OnResponse;
        if (this.head > 4096 && this.head * 2 > this.pending.length) {
          this.pending = this.pending.slice(this.head);
          this.head = 0;
        }
        cb(frame);
      });
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  /** Over TLS (an SSL listener), trusting `ca` (PEM) for a certificate issued to `host`. */
  static connectTls(port: number, ca: string, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host, ca }, () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  get inFlight(): number {
    return this.pending.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(frame: Buffer | Buffer[], cb: OnResponse): void {
    this.pending.push(cb);
    if (Array.isArray(frame)) {
      this.socket.cork();
      for (const b of frame) this.socket.write(b);
      this.socket.uncork();
    } else this.socket.write(frame);
  }

  /** One request, awaited (set-up steps only). */
  request(frame: Buffer | Buffer[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      this.send(frame, resolve);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const concat = (b: Buffer[]): Buffer => (b.length === 1 ? b[0] : Buffer.concat(b));

/** A 16 KiB-ish batch of `count` records with `valueSize`-byte values (random bytes: incompressible). */
export function makeBatch(valueSize: number, count: number, seed: number): Buffer {
  const now = Date.now();
  const records = Array.from({ length: count }, (_, i) => {
    const value = Buffer.allocUnsafe(valueSize);
    for (let j = 0; j < valueSize; j++) value[j] = (seed * 31 + i * 7 + j * 13) & 0xff;
    return { key: null, value, timestamp: now };
  });
  return buildRecordBatch({ now, records });
}

/** A whole Produce v9 request frame (with its size prefix) carrying one batch for one partition. */
export function produceFrame(topic: string, partition: number, batch: Buffer, acks: number, correlationId: number): Buffer {
  return concat(
    encodeRequest(ApiKey.Produce, PRODUCE_VERSION, { correlationId, clientId: 'bench' }, {
      transactionalId: null,
      acks,
      timeoutMs: 30000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
    }),
  );
}

/** Error code of the single partition of a Produce response. */
export function produceError(frame: Buffer): number {
  const { body } = decodeResponse(ApiKey.Produce, PRODUCE_VERSION, frame);
  return body.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
}

export function fetchFrame(
  topic: string,
  partitions: { partition: number; offset: number }[],
  opts: { maxWaitMs: number; minBytes: number; maxBytes: number; partitionMaxBytes: number; correlationId: number },
): Buffer {
  return concat(
    encodeRequest(ApiKey.Fetch, FETCH_VERSION, { correlationId: opts.correlationId, clientId: 'bench' }, {
      replicaId: -1,
      maxWaitMs: opts.maxWaitMs,
      minBytes: opts.minBytes,
      maxBytes: opts.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: partitions.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: opts.partitionMaxBytes })),
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    }),
  );
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: number;
  bytes: number;
  /** Base offsets and record counts of the whole batches received, in order. */
  batches: { baseOffset: number; lastOffset: number }[];
}

/** Decodes a Fetch response and walks batch headers (no record decoding). */
export function parseFetch(frame: Buffer): FetchedPartition[] {
  const { body } = decodeResponse(ApiKey.Fetch, FETCH_VERSION, frame);
  const out: FetchedPartition[] = [];
  for (const t of body.responses) {
    for (const p of t.partitions) {
      const recs = p.records === null ? [] : Array.isArray(p.records) ? p.records : [p.records];
      const buf = concat(recs.length === 0 ? [Buffer.alloc(0)] : recs);
      const batches: { baseOffset: number; lastOffset: number }[] = [];
      let pos = 0;
      while (pos + 61 <= buf.length) {
        const len = buf.readInt32BE(pos + 8) + 12;
        if (pos + len > buf.length) break;
        const base = buf.readUInt32BE(pos) * 2 ** 32 + buf.readUInt32BE(pos + 4);
        batches.push({ baseOffset: base, lastOffset: base + buf.readInt32BE(pos + 23) });
        pos += len;
      }
      out.push({ partition: p.partitionIndex, errorCode: p.errorCode, highWatermark: p.highWatermark, bytes: buf.length, batches });
    }
  }
  return out;
}

export async function createTopic(conn: RawConnection, name: string, partitions: number, configs: Record<string, string> = {}, replicationFactor = 1): Promise<void> {
  const frame = await conn.request(
    encodeRequest(ApiKey.CreateTopics, 5, { correlationId: 1, clientId: 'bench' }, {
      topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      timeoutMs: 10000,
      validateOnly: false,
    }),
  );
  const { body } = decodeResponse(ApiKey.CreateTopics, 5, frame);
  const code = body.topics[0]?.errorCode ?? -1;
  if (code !== 0 && code !== 36) throw new Error(`CreateTopics ${name}: error ${code} ${body.topics[0]?.errorMessage ?? ''}`);
}
