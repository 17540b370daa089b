// The TCP listener: binds the port first (before the broker creates anything on disk), accepts
// connections, gives each a Connection once the broker serves, and closes them all in order on
// shutdown (stop accepting, let in-flight requests finish, then close sockets). On an SSL or
// SASL_SSL listener each accepted socket is wrapped in TLS first and becomes a Connection once the
// handshake is done, so the connection code sees decrypted bytes; a failed handshake (plaintext or
// garbage on the port, an untrusted certificate) is logged and closes only that socket.

import net from 'node:net';
import type tls from 'node:tls';
import { PRINCIPAL_ATTRIBUTE } from '../api/authorize.js';
import type { KafkaPrincipal } from '../security/principal.js';
import { NoMatchingRule, sslPrincipal } from '../security/ssl-principal.js';
import type { ListenerTls } from './listener-tls.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { BufferPool } from '../util/buffer-pool.js';
import { nodeTls } from '../util/lazy-builtins.js';
import type { Logger } from '../util/logger.js';
import { Connection } from './connection.js';
import type { ConnectionQuotas } from './connection-quotas.js';
import { MemoryBudget } from './memory-budget.js';
import { listenerAddress, type SecurityProtocol } from '../config/listeners.js';
import type { RequestDispatcher } from './types.js';

export interface ServerOptions {
  host: string;
  port: number;
  listenerName: string;
  /** Default PLAINTEXT. */
  securityProtocol?: SecurityProtocol;
  maxFrameBytes: number;
  maxInFlightPerConnection: number;
  idleTimeoutMs: number;
  /** Bytes of requests held in memory across all connections (a server of its own)... */
  memoryBudgetBytes?: number;
  /** ...or the budget shared by every listener of the broker. */
  memoryBudget?: MemoryBudget;
  /** On a SASL listener (sasl.server.max.receive.size): the largest frame until a connection authenticates. */
  maxFrameBytesBeforeAuth?: number;
  /** Where fetch reads borrow record buffers (returned by the connection once written). */
  readBuffers?: BufferPool;
  logger: Logger;
  /** Connection and request counters; absent when metrics are off. */
  metrics?: BrokerMetrics;
  /** SSL and SASL_SSL listeners: the TLS settings every accepted socket is wrapped with. */
  tls?: ListenerTls;
  /** The broker's connection limits (max.connections, per IP, creation rate): every accepted socket passes them first. */
  quotas?: ConnectionQuotas;
}

/** A TLS handshake not done by then closes the socket (Node's default is 120 s). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The port could not be bound; the message names the listener and the port, once. */
export class ListenError extends Error {
  constructor(listener: string, port: number, readonly code: string | undefined, cause: Error) {
    const why = code === 'EADDRINUSE' ? `port ${port} is already in use` : code === 'EACCES' ? `no permission to bind port ${port}` : cause.message;
    super(`cannot listen on ${listener}: ${why}`, { cause });
    this.name = 'ListenError';
  }
}

export class Server {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly budget: MemoryBudget;
  private nextConnectionId = 1;
  private boundPort = 0;
  private dispatcher: RequestDispatcher | null = null;
  /** Connections accepted before serve(): paused until the broker can answer them. */
  private readonly waiting = new Set<net.Socket>();
  /** Sockets still in their TLS handshake, by peer address: no Connection yet, closed at once on shutdown. */
  private readonly handshaking = new Map<string, net.Socket>();
  /** SSL and SASL_SSL: the TLS server accepted sockets are handed to (it never listens itself). */
  private readonly tlsServer: tls.Server | null;
  /** The TLS settings new handshakes use: replaced by a certificate reload. */
  private tls: ListenerTls | undefined;

  constructor(private readonly options: ServerOptions) {
    this.budget = options.memoryBudget ?? new MemoryBudget(options.memoryBudgetBytes ?? Number.MAX_SAFE_INTEGER);
    this.server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    this.tls = options.tls;
    this.tlsServer = options.tls === undefined ? null : this.tlsServerFor(options.tls);
    options.quotas?.addListenerConnections(options.listenerName, () => this.connections);
  }

  /** The TLS settings new connections get (null on a listener without TLS). */
  get currentTls(): ListenerTls | null {
    return this.tls ?? null;
  }

  /**
   * Swaps the keystore and truststore for handshakes from now on (a certificate reload); connections
   * already open keep the session they made. ssl.client.auth stays as the listener started.
   */
  replaceTls(next: ListenerTls): void {
    if (this.tlsServer === null) throw new Error(`listener ${this.options.listenerName} has no TLS`);
    this.tlsServer.setSecureContext(next.contextOptions);
    this.tls = next;
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

  /**
   * Binds the port. Connections that arrive before serve() wait, as they wait in Kafka's backlog
   * until the broker has loaded its logs; a failure to bind rejects with a ListenError.
   */
  listen(): Promise<number> {
    const { host, port, listenerName } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(listenerAddress(listenerName, host, port), port, err.code, err));
      this.server.once('error', onError);
      this.server.listen({ host, port, backlog: 1024 }, () => {
        this.server.off('error', onError);
        // Errors after the bind (accept failures) are logged; the one above was the caller's to report.
        this.server.on('error', (err) => this.options.logger.error('listener error', { error: err.message }));
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.boundPort);
      });
    });
  }

  /** Starts answering: connections that waited since listen(), and every later one, go to the dispatcher. */
  serve(dispatcher: RequestDispatcher): void {
    this.dispatcher = dispatcher;
    for (const socket of this.waiting) this.accept(socket);
    this.waiting.clear();
  }

  /** Stops accepting, lets every connection finish what it has in flight, then closes them. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.waiting) socket.destroy();
    this.waiting.clear();
    for (const socket of this.handshaking.values()) socket.destroy();
    this.handshaking.clear();
    await Promise.all([...this.connections].map((c) => c.drainAndClose()));
    await closed;
  }

  /**
   * Disconnects every client at once, in-flight requests unanswered, and keeps listening
   * (broker.reset(): clients reconnect to the fresh broker).
   */
  closeConnections(): void {
    for (const socket of this.handshaking.values()) socket.destroy();
    this.handshaking.clear();
    for (const c of [...this.connections]) c.destroy();
  }

  private accept(socket: net.Socket): void {
    if (this.dispatcher === null) {
      this.waiting.add(socket);
      socket.on('error', ignoreWhileWaiting);
      socket.once('close', () => this.waiting.delete(socket));
      return;
    }
    socket.off('error', ignoreWhileWaiting);
    const quotas = this.options.quotas;
    if (quotas === undefined) return this.admitted(socket);
    quotas.accept(this.options.listenerName, socket, (release) => {
      socket.once('close', release);
      this.admitted(socket);
    });
  }

  /** Within the connection limits: TLS first where the listener has it, then a Connection. */
  private admitted(socket: net.Socket): void {
    if (this.tlsServer !== null) this.handshake(socket, this.tlsServer);
    else this.connect(socket, null);
  }

  /**
   * TLS first: the socket goes to a tls.Server that never listens itself, so Node's handshake, its
   * certificate checks (ssl.client.auth) and its handshake timeout apply; the Connection starts on
   * 'secureConnection'. Failures arrive as 'tlsClientError' (see tlsServerFor).
   */
  private handshake(raw: net.Socket, tlsServer: tls.Server): void {
    const peer = `${raw.remoteAddress}:${raw.remotePort}`;
    this.handshaking.set(peer, raw);
    // Our own deadline besides Node's handshakeTimeout, which the socket handed over by 'connection'
    // does not always get: a peer that sends part of a record and stops would hold its socket forever.
    const deadline = setTimeout(() => {
      if (this.handshaking.get(peer) !== raw) return;
      this.handshaking.delete(peer);
      this.options.logger.warn('closing connection: TLS handshake failed', { listener: this.options.listenerName, client: peer, reason: `no handshake within ${TLS_HANDSHAKE_TIMEOUT_MS} ms` });
      raw.destroy();
    }, TLS_HANDSHAKE_TIMEOUT_MS);
    deadline.unref();
    raw.once('close', () => {
      clearTimeout(deadline);
      if (this.handshaking.get(peer) === raw) this.handshaking.delete(peer);
    });
    tlsServer.emit('connection', raw);
  }

  private tlsServerFor(settings: ListenerTls): tls.Server {
    const server = nodeTls().createServer({
      ...settings.contextOptions,
      requestCert: settings.clientAuth !== 'none',
      rejectUnauthorized: settings.clientAuth === 'required',
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
      this.handshaking.delete(`${socket.remoteAddress}:${socket.remotePort}`);
      // A peer that hangs up before any handshake (a TCP health check, a port scan) is no failure worth a warning.
      const level = err.code === 'ECONNRESET' ? 'debug' : 'warn';
      this.options.logger[level]('closing connection: TLS handshake failed', {
        listener: this.options.listenerName,
        client: `${socket.remoteAddress}:${socket.remotePort}`,
        reason: err.message,
      });
      socket.destroy();
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      this.handshaking.delete(peer);
      const cert = socket.getPeerCertificate(false);
      const presented = cert?.raw !== undefined;
      // ssl.client.auth=requested: a certificate is optional, but one that is sent must be trusted (Java's wantClientAuth).
      if (presented && !socket.authorized) {
        this.options.logger.warn('closing connection: TLS handshake failed', { listener: this.options.listenerName, client: peer, reason: `client certificate not trusted: ${String(socket.authorizationError)}` });
        socket.destroy();
        return;
      }
      this.connect(socket, presented && this.options.securityProtocol === 'SSL' ? cert.raw : null);
    });
    return server;
  }

  /**
   * @param clientCertificate on an SSL listener, the client's certificate (DER): its subject is the
   * connection's principal. On SASL_SSL the SASL identity is the principal, as in Kafka.
   */
  private connect(socket: net.Socket, clientCertificate: Buffer | null): void {
    let principal: KafkaPrincipal | null = null;
    if (clientCertificate !== null) {
      try {
        principal = sslPrincipal(clientCertificate, this.tls?.principalMapper);
      } catch (err) {
        // No ssl.principal.mapping.rules rule names this certificate: Kafka fails its authentication.
        if (!(err instanceof NoMatchingRule)) throw err;
        this.options.logger.warn('closing connection: failed authentication', { listener: this.options.listenerName, client: `${socket.remoteAddress}:${socket.remotePort}`, reason: err.message });
        socket.destroy();
        return;
      }
    }
    const connection = new Connection(this.nextConnectionId++, socket, {
      maxFrameBytes: this.options.maxFrameBytes,
      maxInFlight: this.options.maxInFlightPerConnection,
      idleTimeoutMs: this.options.idleTimeoutMs,
      budget: this.budget,
      dispatcher: this.dispatcher!, // set before accept() goes past waiting
      readBuffers: this.options.readBuffers,
      logger: this.options.logger,
      listenerName: this.options.listenerName,
      metrics: this.options.metrics,
      maxFrameBytesBeforeAuth: this.options.maxFrameBytesBeforeAuth,
    });
    if (principal !== null) connection.attributes.set(PRINCIPAL_ATTRIBUTE, principal);
    this.connections.add(connection);
    this.options.metrics?.connectionOpened(this.options.listenerName);
    socket.once('close', () => {
      this.connections.delete(connection);
      this.options.metrics?.connectionClosed(this.options.listenerName);
    });
    // Paused since accepted (pauseOnConnect): read only now that the connection listens for data.
    socket.resume();
  }
}

/** A client that gives up while waiting for start-up needs no log line (and must not crash the broker). */
function ignoreWhileWaiting(): void {}
