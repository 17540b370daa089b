// A minimal raw-protocol client for tests: sends requests encoded by our codec over a real socket
// and decodes the responses, in order. Also sends arbitrary bytes, for bad-input tests.

import net from 'node:net';
import { decodeResponse, encodeRequest, loadAllApiCodecs } from '../../src/codec/index.js';

export class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private correlationId = 1;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        this.waiters.splice(0).forEach((w) => w());
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /** Connects; also loads every API's codec, since request() encodes and decodes synchronously. */
  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    await loadAllApiCodecs();
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends one request and returns its decoded response body. */
  async request<T = any>(apiKey: number, apiVersion: number, body: object, clientId = 'raw-client'): Promise<T> {
    const correlationId = this.correlationId++;
    this.socket.write(Buffer.concat(encodeRequest(apiKey, apiVersion, { correlationId, clientId }, body)));
    const frame = await this.readFrame();
    const { header, body: response } = decodeResponse(apiKey, apiVersion, frame);
    if (header.correlationId !== correlationId) {
      throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`);
    }
    return response as T;
  }

  /** Sends a request without waiting (for pipelining or acks=0); returns its correlation id. */
  send(apiKey: number, apiVersion: number, body: object, clientId = 'raw-client'): number {
    const correlationId = this.correlationId++;
    this.socket.write(Buffer.concat(encodeRequest(apiKey, apiVersion, { correlationId, clientId }, body)));
    return correlationId;
  }

  /**
   * The next `count` responses of pipelined Produce requests (sent with correlation ids 0, 1, …, in that
   * order): each one's correlation id and its first partition's error code and base offset.
   */
  async produceResponses(apiVersion: number, count: number): Promise<{ correlationId: number; errorCode: number; baseOffset: number }[]> {
    const out: { correlationId: number; errorCode: number; baseOffset: number }[] = [];
    for (let i = 0; i < count; i++) {
      const { header, body } = decodeResponse(0, apiVersion, await this.readFrame());
      const r = (body as { responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[] }).responses[0].partitionResponses[0];
      out.push({ correlationId: header.correlationId, errorCode: r.errorCode, baseOffset: r.baseOffset });
    }
    return out;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix); rejects if the connection closes first. */
  async readFrame(): Promise<Buffer> {
    for (;;) {
      if (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length >= 4 + size) {
          const frame = this.buffered.subarray(4, 4 + size);
          this.buffered = this.buffered.subarray(4 + size);
          return frame;
        }
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
