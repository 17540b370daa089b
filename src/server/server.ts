// The TCP listener: accepts connections, gives each a Connection, and closes them all in order on
// shutdown (stop accepting, let in-flight requests finish, then close sockets).

import net from 'node:net';
import type { BufferPool } from '../util/buffer-pool.js';
import type { Logger } from '../util/logger.js';
import { Connection } from './connection.js';
import { MemoryBudget } from './memory-budget.js';
import type { RequestDispatcher } from './types.js';

export interface ServerOptions {
  host: string;
  port: number;
  listenerName: string;
  maxFrameBytes: number;
  maxInFlightPerConnection: number;
  idleTimeoutMs: number;
  /** Bytes of requests held in memory across all connections. */
  memoryBudgetBytes: number;
  dispatcher: RequestDispatcher;
  /** Where fetch reads borrow record buffers (returned by the connection once written). */
  readBuffers?: BufferPool;
  logger: Logger;
}

export class Server {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly budget: MemoryBudget;
  private nextConnectionId = 1;
  private boundPort = 0;

  constructor(private readonly options: ServerOptions) {
    this.budget = new MemoryBudget(options.memoryBudgetBytes);
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => options.logger.error('listener error', { error: err.message }));
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get memoryInUse(): number {
    return this.budget.inUse;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.options.host, port: this.options.port, backlog: 1024 }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : this.options.port;
        resolve(this.boundPort);
      });
    });
  }

  /** Stops accepting, lets every connection finish what it has in flight, then closes them. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.drainAndClose()));
    await closed;
  }

  private accept(socket: net.Socket): void {
    const connection = new Connection(this.nextConnectionId++, socket, {
      maxFrameBytes: this.options.maxFrameBytes,
      maxInFlight: this.options.maxInFlightPerConnection,
      idleTimeoutMs: this.options.idleTimeoutMs,
      budget: this.budget,
      dispatcher: this.options.dispatcher,
      readBuffers: this.options.readBuffers,
      logger: this.options.logger,
      listenerName: this.options.listenerName,
    });
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }
}
