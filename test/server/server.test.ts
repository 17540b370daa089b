import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../../src/server/server.js';
import { CLOSE, type DispatchResult, type RequestDispatcher } from '../../src/server/types.js';
import { MemoryLogger } from '../../src/util/logger.js';

// The dispatcher under test echoes the frame back as a response frame. A frame starting with
// 'w<ms>:' waits that long first; 'close' closes the connection; 'none' answers nothing.
function echoDispatcher(onFrame: (text: string) => void = () => {}): RequestDispatcher {
  return {
    dispatch(frame): DispatchResult | Promise<DispatchResult> {
      const text = frame.toString();
      onFrame(text);
      if (text === 'close') return CLOSE;
      if (text === 'none') return null;
      if (text === 'throw') throw new Error('boom');
      const out = [sizePrefixed(frame)];
      const m = /^w(\d+):/.exec(text);
      if (m) return new Promise((resolve) => setTimeout(() => resolve(out), Number(m[1])));
      return out;
    },
  };
}

function sizePrefixed(payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length);
  payload.copy(b, 4);
  return b;
}

class TestClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  readonly closedPromise: Promise<void>;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.waiters.splice(0).forEach((w) => w());
        resolve();
      }),
    );
  }
  static connect(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }
  send(...payloads: string[]): void {
    this.socket.write(Buffer.concat(payloads.map((p) => sizePrefixed(Buffer.from(p)))));
  }
  async read(count: number): Promise<string[]> {
    const out: string[] = [];
    while (out.length < count) {
      if (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        out.push(this.buffered.subarray(4, 4 + size).toString());
        this.buffered = this.buffered.subarray(4 + size);
        continue;
      }
      if (this.closed) throw new Error(`connection closed after ${out.length} responses`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return out;
  }
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(overrides: Partial<ConstructorParameters<typeof Server>[0]> & { dispatcher?: RequestDispatcher } = {}) {
  const { dispatcher = echoDispatcher(), ...options } = overrides;
  const logger = new MemoryLogger();
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    listenerName: 'PLAINTEXT',
    maxFrameBytes: 1024 * 1024,
    maxInFlightPerConnection: 16,
    idleTimeoutMs: 60_000,
    memoryBudgetBytes: 64 * 1024 * 1024,
    logger,
    ...options,
  });
  servers.push(server);
  const port = await server.listen();
  server.serve(dispatcher);
  return { server, port, logger };
}

describe('Server', () => {
  it('binds on listen() and holds connections until serve(), then answers what they sent meanwhile', async () => {
    const server = new Server({
      host: '127.0.0.1', port: 0, listenerName: 'PLAINTEXT', maxFrameBytes: 1024, maxInFlightPerConnection: 4,
      idleTimeoutMs: 60_000, memoryBudgetBytes: 1024 * 1024, logger: new MemoryLogger(),
    });
    servers.push(server);
    const port = await server.listen();
    const early = await TestClient.connect(port);
    early.send('a', 'b');
    server.serve(echoDispatcher());
    expect(await early.read(2)).toEqual(['a', 'b']);
    early.socket.destroy();
  });

  it('rejects listen() on a port in use with an error naming the listener and port, and logs nothing itself', async () => {
    const { port } = await startServer();
    const logger = new MemoryLogger();
    const second = new Server({
      host: '127.0.0.1', port, listenerName: 'PLAINTEXT', maxFrameBytes: 1024, maxInFlightPerConnection: 4,
      idleTimeoutMs: 60_000, memoryBudgetBytes: 1024 * 1024, logger,
    });
    await expect(second.listen()).rejects.toThrow(`cannot listen on PLAINTEXT://127.0.0.1:${port}: port ${port} is already in use`);
    expect(logger.lines).toEqual([]);
  });

  it('answers pipelined requests strictly in request order even when handlers finish out of order', async () => {
    const { port } = await startServer();
    const client = await TestClient.connect(port);
    client.send('w60:a', 'w5:b', 'c', 'none', 'w30:d');
    expect(await client.read(4)).toEqual(['w60:a', 'w5:b', 'c', 'w30:d']);
    client.socket.destroy();
  });

  it('bounds in-flight requests per connection and still answers them all', async () => {
    const { port } = await startServer({ maxInFlightPerConnection: 2 });
    const client = await TestClient.connect(port);
    const reqs = Array.from({ length: 50 }, (_, i) => `w${i % 3}:${i}`);
    client.send(...reqs);
    expect(await client.read(50)).toEqual(reqs);
    client.socket.destroy();
  });

  it('closes a connection whose size prefix exceeds socket.request.max.bytes, with a log line, without harming another', async () => {
    const { port, logger } = await startServer({ maxFrameBytes: 1000 });
    const good = await TestClient.connect(port);
    const bad = await TestClient.connect(port);
    bad.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await bad.closedPromise;
    good.send('still here');
    expect(await good.read(1)).toEqual(['still here']);
    expect(logger.lines.some((l) => l.includes('larger than socket.request.max.bytes'))).toBe(true);
    good.socket.destroy();
  });

  it('writes earlier responses, then closes, when a handler asks to close', async () => {
    const { port } = await startServer();
    const client = await TestClient.connect(port);
    client.send('w20:first', 'close', 'never');
    expect(await client.read(1)).toEqual(['w20:first']);
    await client.closedPromise;
  });

  it('closes the connection when a handler throws, and logs why', async () => {
    const { port, logger } = await startServer();
    const client = await TestClient.connect(port);
    client.send('throw');
    await client.closedPromise;
    expect(logger.lines.some((l) => l.includes('boom'))).toBe(true);
  });

  it('closes idle connections after connections.max.idle.ms', async () => {
    const { port, logger } = await startServer({ idleTimeoutMs: 100 });
    const client = await TestClient.connect(port);
    await client.closedPromise;
    expect(logger.lines.some((l) => l.includes('idle'))).toBe(true);
  });

  it('admits requests through a memory budget smaller than the pipelined load', async () => {
    const { port, server } = await startServer({ memoryBudgetBytes: 3000 });
    const client = await TestClient.connect(port);
    const reqs = Array.from({ length: 40 }, (_, i) => `w1:${i}:` + 'x'.repeat(900));
    client.send(...reqs);
    expect(await client.read(40)).toEqual(reqs);
    expect(server.memoryInUse).toBe(0);
    client.socket.destroy();
  });

  it('serves many concurrent connections', async () => {
    const { port } = await startServer();
    const clients = await Promise.all(Array.from({ length: 200 }, () => TestClient.connect(port)));
    clients.forEach((c, i) => c.send(`w1:${i}`));
    const answers = await Promise.all(clients.map((c) => c.read(1)));
    expect(answers.map((a) => a[0])).toEqual(clients.map((_, i) => `w1:${i}`));
    clients.forEach((c) => c.socket.destroy());
  });

  it('close() lets in-flight requests finish before closing', async () => {
    let dispatched!: () => void;
    const inFlight = new Promise<void>((resolve) => (dispatched = resolve));
    const { port, server } = await startServer({ dispatcher: echoDispatcher(() => dispatched()) });
    const client = await TestClient.connect(port);
    client.send('w100:slow');
    await inFlight;
    const closing = server.close();
    servers.length = 0;
    expect(await client.read(1)).toEqual(['w100:slow']);
    await closing;
    await client.closedPromise;
  });
});
