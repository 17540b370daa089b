// The HTTP listener of metrics.listener: /metrics (Prometheus text format), /healthz (the process
// is up and answering) and /readyz (200 once the broker serves clients: logs recovered, listeners
// bound, coordinators loaded; 503 with what it waits for until then). It binds before the broker
// starts recovering, so an orchestrator sees "alive, not ready" during a long recovery. Any bad
// request gets a 4xx answer; nothing a client sends here reaches the broker.

import http from 'node:http';
import type { Logger } from '../util/logger.js';
import type { MetricsAddress } from './address.js';

export interface MetricsServerOptions extends MetricsAddress {
  /** The text of /metrics, built when scraped. */
  render(): string;
  /** What the broker still waits for before it serves clients; empty once ready. */
  notReady(): readonly string[];
  logger: Logger;
}

/** The metrics port could not be bound; the message names the setting, the address and why. */
export class MetricsListenError extends Error {
  constructor(url: string, port: number, readonly code: string | undefined, cause: Error) {
    const why = code === 'EADDRINUSE' ? `port ${port} is already in use` : code === 'EACCES' ? `no permission to bind port ${port}` : cause.message;
    super(`cannot listen on metrics.listener ${url}: ${why}`, { cause });
    this.name = 'MetricsListenError';
  }
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const PLAIN_TEXT = 'text/plain; charset=utf-8';

export class MetricsServer {
  private readonly server: http.Server;
  private boundPort = 0;

  constructor(private readonly options: MetricsServerOptions) {
    this.server = http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 }, (req, res) => this.answer(req, res));
    this.server.keepAliveTimeout = 5_000;
    // A malformed request (bad request line, oversized headers, a timeout): answer 400 if the socket
    // can still take it, and drop the connection.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.options.host === '' ? '0.0.0.0' : this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  listen(): Promise<number> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(new MetricsListenError(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, err.code, err));
      this.server.once('error', onError);
      this.server.listen({ host: host === '' ? undefined : host, port }, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.options.logger.error('metrics listener error', { error: err.message }));
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.boundPort);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(req, res, 405, PLAIN_TEXT, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
      }
      const path = (req.url ?? '/').split('?', 1)[0];
      switch (path) {
        case '/metrics':
          return send(req, res, 200, PROMETHEUS_TEXT, this.options.render());
        case '/healthz':
          return send(req, res, 200, PLAIN_TEXT, 'ok\n');
        case '/readyz': {
          const waiting = this.options.notReady();
          return waiting.length === 0 ? send(req, res, 200, PLAIN_TEXT, 'ready\n') : send(req, res, 503, PLAIN_TEXT, `not ready: ${waiting.join(', ')}\n`);
        }
        default:
          return send(req, res, 404, PLAIN_TEXT, 'not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (err) {
      this.options.logger.error('metrics request failed', { path: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      if (!res.headersSent) send(req, res, 500, PLAIN_TEXT, 'internal error\n');
      else res.destroy();
    }
  }
}

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store', ...headers });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
