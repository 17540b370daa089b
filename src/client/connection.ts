// One connection to a Kafka-compatible broker, as our own tools use it (the conformance suite, the
// fuzzer, the `tributary` admin commands): one socket, requests encoded by our codec, responses
// matched by correlation id, every wait bounded by a timeout. It never retries or hides an error:
// what the broker answers is exactly what the caller sees (ClusterClient adds routing on top).

import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  decodeResponse,
  encodeRequest,
  isApiCodecLoaded,
  loadAllApiCodecs,
  loadApiCodec,
  type ApiKeyNumber,
  type EncodeInput,
  type RequestByKey,
  type ResponseByKey,
  type ResponseHeader,
  type TaggedField,
} from '../codec/index.js';

export class ClientTimeoutError extends Error {
  override readonly name = 'ClientTimeoutError';
}

export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
}

export interface RequestOptions {
  timeoutMs?: number;
  clientId?: string | null;
  /** Override the request header version (odd-client tests). */
  headerVersion?: 0 | 1 | 2;
  /** Tagged fields for a v2 request header. */
  headerTaggedFields?: TaggedField[];
}

interface Pending {
  resolve(frame: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export class KafkaConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly pending = new Map<number, Pending>();
  /** Frames whose correlation id nobody waits for (raw tests read them with nextFrame). */
  private readonly stray: Buffer[] = [];
  private strayWaiters: (() => void)[] = [];
  private nextCorrelationId = 1;
  private closedFlag = false;
  readonly closed: Promise<void>;
  clientId = 'tributary-conformance';

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedFlag = true;
        const err = new ConnectionClosedError('connection closed by the broker');
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        this.pending.clear();
        this.strayWaiters.splice(0).forEach((w) => w());
        resolve();
      });
    });
  }

  /**
   * Connects; also loads every API's codec, since a connection may then encode any request
   * synchronously. `lazyCodecs` skips that (request() then loads the codec of each API it sends):
   * a command-line tool that sends a handful of APIs starts faster.
   */
  static async connect(host: string, port: number, timeoutMs = DEFAULT_TIMEOUT_MS, options: { lazyCodecs?: boolean; tls?: ConnectionOptions } = {}): Promise<KafkaConnection> {
    if (options.lazyCodecs !== true) await loadAllApiCodecs();
    // node:tls only for a TLS connection: loading it costs start-up time of every command.
    const tlsConnect = options.tls === undefined ? null : (await import('node:tls')).connect;
    return new Promise((resolve, reject) => {
      const s = tlsConnect === null ? net.connect({ host, port }) : tlsConnect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ...options.tls });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ClientTimeoutError(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once(tlsConnect === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(new KafkaConnection(s));
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 4) return;
      if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
      const buf = this.chunks[0];
      const size = buf.readInt32BE(0);
      if (size < 0) {
        this.socket.destroy();
        return;
      }
      if (this.buffered < 4 + size) return;
      const frame = buf.subarray(4, 4 + size);
      const rest = buf.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.deliver(frame);
    }
  }

  private deliver(frame: Buffer): void {
    const id = frame.length >= 4 ? frame.readInt32BE(0) : NaN;
    const p = this.pending.get(id);
    if (p !== undefined) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve(frame);
      return;
    }
    this.stray.push(frame);
    this.strayWaiters.splice(0).forEach((w) => w());
  }

  allocateCorrelationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = this.nextCorrelationId >= 0x7fffffff ? 1 : this.nextCorrelationId + 1;
    return id;
  }

  /** Sends a request and resolves with its decoded response body. */
  async request<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: EncodeInput<RequestByKey[K]>,
    options: RequestOptions = {},
  ): Promise<ResponseByKey[K]> {
    return (await this.requestFull(apiKey, version, body, options)).body;
  }

  /** Like request(), also returning the response header and the raw frame. */
  async requestFull<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: EncodeInput<RequestByKey[K]>,
    options: RequestOptions = {},
  ): Promise<{ header: ResponseHeader; body: ResponseByKey[K]; frame: Buffer }> {
    if (!isApiCodecLoaded(apiKey)) await loadApiCodec(apiKey);
    const correlationId = this.allocateCorrelationId();
    const bytes = Buffer.concat(
      encodeRequest(apiKey, version, {
        correlationId,
        clientId: options.clientId === undefined ? this.clientId : options.clientId,
        headerVersion: options.headerVersion,
        taggedFields: options.headerTaggedFields,
      }, body),
    );
    const frame = await this.sendRaw(bytes, correlationId, options.timeoutMs);
    const decoded = decodeResponse(apiKey, version, frame);
    return { header: decoded.header, body: decoded.body as ResponseByKey[K], frame };
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOneWay<K extends ApiKeyNumber>(apiKey: K, version: number, body: EncodeInput<RequestByKey[K]>): number {
    const correlationId = this.allocateCorrelationId();
    this.write(Buffer.concat(encodeRequest(apiKey, version, { correlationId, clientId: this.clientId }, body)));
    return correlationId;
  }

  /**
   * Writes raw bytes (a whole frame with its size prefix) and waits for the response frame carrying
   * `correlationId` (without its size prefix).
   */
  sendRaw(bytes: Buffer, correlationId: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    const p = this.sendRawNoWrite(correlationId, timeoutMs);
    this.write(bytes);
    return p;
  }

  /** Waits for the response frame carrying `correlationId` (the caller writes the request). */
  sendRawNoWrite(correlationId: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    if (this.closedFlag) return Promise.reject(new ConnectionClosedError('connection already closed'));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new ClientTimeoutError(`no response to correlation id ${correlationId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
  }

  write(bytes: Buffer): void {
    if (!this.closedFlag) this.socket.write(bytes);
  }

  /** The next frame nobody was waiting for; rejects on close or timeout. */
  async nextFrame(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.stray.shift();
      if (f !== undefined) return f;
      if (this.closedFlag) throw new ConnectionClosedError('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new ClientTimeoutError(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.strayWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves true if the broker closes the connection within timeoutMs, false otherwise. */
  async waitForClose(timeoutMs: number): Promise<boolean> {
    if (this.closedFlag) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const r = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return r;
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.socket.destroy();
  }
}

/** "host:port" → parts (IPv6 in brackets allowed). */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`expected HOST:PORT, got ${JSON.stringify(s)}`);
  return { host: m[1], port: Number(m[2]) };
}
