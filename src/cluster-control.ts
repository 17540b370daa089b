// The control endpoint of a CLI-started test cluster (`tributary --brokers N --cluster.control.listener
// PORT`): the operations a test has on an embedded cluster (src/cluster-broker.ts), over HTTP with JSON
// answers, for a test suite in another language or a person with curl:
//   GET  /brokers                                  every identity: nodeId, rack, bootstrap, alive
//   POST /brokers/ID/stop   POST /brokers/ID/start  as a broker dying and coming back
//   GET  /partitions/TOPIC/P                        { leader }
//   POST /partitions/TOPIC/P/leader/ID              moves the leadership (epoch + 1)
// It stops and starts brokers, so it binds loopback unless a host is named, and it exists only for
// test clusters. A bad request gets a 4xx answer with { error }; nothing here can crash the broker.

import http from 'node:http';
import type { RunningCluster } from './cluster-broker.js';
import type { MetricsAddress } from './metrics/address.js';
import type { Logger } from './util/logger.js';

export interface ClusterControl {
  readonly url: string;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

/** Binds the control endpoint for a running cluster; rejects with a message naming the setting when it cannot bind. */
export async function startClusterControl(cluster: RunningCluster, address: MetricsAddress, logger: Logger): Promise<ClusterControl> {
  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    // The request body is not used: drain it so that the connection can be reused.
    req.resume();
    route(cluster, req.method ?? '', req.url ?? '/').then(
      (a) => send(res, a),
      (err: unknown) => send(res, { status: 409, body: { error: err instanceof Error ? err.message : String(err) } }),
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const host = address.host === '' ? undefined : address.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on cluster.control.listener port ${address.port}: ${err.code === 'EADDRINUSE' ? 'already in use' : err.message}`)));
    server.listen({ host, port: address.port }, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : address.port);
    });
  });
  server.on('error', (err) => logger.error('cluster control listener error', { error: err.message }));
  const shownHost = host === undefined ? '0.0.0.0' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: http.ServerResponse, { status, body }: Answer): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const notFound = (what: string): Answer => ({ status: 404, body: { error: what } });

async function route(cluster: RunningCluster, method: string, url: string): Promise<Answer> {
  const parts = new URL(url, 'http://control').pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const nodeIdOf = (text: string): number | undefined => {
    const id = /^\d+$/.test(text) ? Number(text) : NaN;
    return cluster.brokers.some((b) => b.nodeId === id) ? id : undefined;
  };
  const brokers = () => cluster.brokers.map((b) => ({ nodeId: b.nodeId, rack: b.rack, bootstrap: b.bootstrap, alive: b.alive }));

  if (parts[0] === 'brokers') {
    if (parts.length === 1) return method === 'GET' ? { status: 200, body: brokers() } : methodNotAllowed('GET');
    const id = nodeIdOf(parts[1]);
    if (id === undefined) return notFound(`no broker identity ${parts[1]}`);
    if (parts.length !== 3 || (parts[2] !== 'stop' && parts[2] !== 'start')) return notFound('use /brokers/ID/stop or /brokers/ID/start');
    if (method !== 'POST') return methodNotAllowed('POST');
    if (parts[2] === 'stop') await cluster.stopBroker(id);
    else await cluster.startBroker(id);
    return { status: 200, body: brokers() };
  }
  if (parts[0] === 'partitions' && (parts.length === 3 || (parts.length === 5 && parts[3] === 'leader'))) {
    const [, topic, partitionText] = parts;
    const partition = /^\d+$/.test(partitionText) ? Number(partitionText) : -1;
    if (parts.length === 3) {
      if (method !== 'GET') return methodNotAllowed('GET');
      const leader = cluster.partitionLeader(topic, partition);
      return leader === -1 && !hasPartition(cluster, topic, partition) ? notFound(`no partition ${topic}-${partitionText}`) : { status: 200, body: { topic, partition, leader } };
    }
    if (method !== 'POST') return methodNotAllowed('POST');
    const to = nodeIdOf(parts[4]);
    if (to === undefined) return notFound(`no broker identity ${parts[4]}`);
    cluster.moveLeader(topic, partition, to); // throws with the reason: not a replica, stopped, no such partition
    return { status: 200, body: { topic, partition, leader: cluster.partitionLeader(topic, partition) } };
  }
  return notFound('paths: /brokers, /brokers/ID/stop, /brokers/ID/start, /partitions/TOPIC/P, /partitions/TOPIC/P/leader/ID');
}

function hasPartition(cluster: RunningCluster, topic: string, partition: number): boolean {
  const t = cluster.services.cluster.topic(topic);
  return t !== undefined && partition >= 0 && partition < t.partitions;
}

const methodNotAllowed = (allowed: string): Answer => ({ status: 405, body: { error: `use ${allowed}` } });
