// `tributary healthcheck [--bootstrap HOST:PORT]`: asks a broker for its API versions and exits 0
// when it answers without error within the timeout (the container's HEALTHCHECK runs this).

import net from 'node:net';
import { decodeResponse, encodeRequest, ErrorCode, loadApiCodec } from './codec/index.js';

export async function runHealthcheck(argv: string[]): Promise<number> {
  const i = argv.indexOf('--bootstrap');
  const bootstrap = i >= 0 ? argv[i + 1] : `127.0.0.1:${process.env.TRIBUTARY_PORT ?? '9092'}`;
  const colon = bootstrap.lastIndexOf(':');
  const host = bootstrap.slice(0, colon);
  const port = Number(bootstrap.slice(colon + 1));
  try {
    await loadApiCodec(18);
    const errorCode = await apiVersions(host, port, 5000);
    if (errorCode !== ErrorCode.NONE) throw new Error(`ApiVersions answered error ${errorCode}`);
    process.stdout.write(`ok ${bootstrap}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`unhealthy ${bootstrap}: ${(err as Error).message}\n`);
    return 1;
  }
}

function apiVersions(host: string, port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out')));
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(Buffer.concat(encodeRequest(18, 3, { correlationId: 1, clientId: 'healthcheck' }, { clientSoftwareName: 'tributary-healthcheck', clientSoftwareVersion: '1' })));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        const { body } = decodeResponse(18, 3, received.subarray(4, 4 + received.readInt32BE(0)));
        socket.destroy();
        resolve(body.errorCode);
      }
    });
  });
}
