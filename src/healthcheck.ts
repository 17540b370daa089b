// `tributary healthcheck [--bootstrap HOST:PORT | --pid N]`: asks a broker for its API versions and
// exits 0 when it answers without error within the timeout (the container's HEALTHCHECK runs this).
// Without --bootstrap it finds the broker's listener the way the broker did: from the settings in
// the environment (TRIBUTARY_PORT, TRIBUTARY_LISTENERS, TRIBUTARY_CONFIG, …) and the flags on the
// broker's command line, read from /proc/PID/cmdline (PID 1 by default: the container's command,
// so `docker run tributary --port 9093` is checked on 9093). A broker found that way with
// metrics.listener set is asked its /readyz instead (200: ready; 503 while it recovers or stops).

import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { decodeResponse, encodeRequest, ErrorCode, loadApiCodec } from './codec/index.js';
import { type BrokerConfig, loadConfig } from './config/load.js';
import { parseMetricsAddress } from './metrics/address.js';

export async function runHealthcheck(argv: string[]): Promise<number> {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (flag('--bootstrap') === undefined) {
    const readyz = brokerReadyzUrl(brokerFlags(Number(flag('--pid') ?? 1)), process.env);
    if (readyz !== null) return checkReadyz(readyz);
  }
  const bootstrap = flag('--bootstrap') ?? brokerBootstrap(brokerFlags(Number(flag('--pid') ?? 1)), process.env);
  const colon = bootstrap.lastIndexOf(':');
  const host = bootstrap.slice(0, colon).replace(/^\[|\]$/g, '');
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

async function checkReadyz(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.text()).trim();
    if (res.status !== 200) throw new Error(`${res.status} ${body}`);
    process.stdout.write(`ok ${url}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`unhealthy ${url}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** The configuration of a broker started with these flags and this environment. */
function brokerConfig(flags: readonly string[], env: Readonly<Record<string, string | undefined>>): BrokerConfig {
  try {
    return loadConfig({ argv: flags, env });
  } catch {
    // Flags this version cannot read (the command line was not a broker's after all): the environment alone.
    return loadConfig({ env });
  }
}

/** The /readyz URL of a broker started with these flags and this environment; null without metrics.listener. */
export function brokerReadyzUrl(flags: readonly string[], env: Readonly<Record<string, string | undefined>>): string | null {
  const address = parseMetricsAddress(brokerConfig(flags, env).str('metrics.listener'));
  if (typeof address === 'string') return null; // empty: off
  const host = address.host === '' || address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/readyz`;
}

/** HOST:PORT of the listener a broker started with these flags and this environment binds. */
export function brokerBootstrap(flags: readonly string[], env: Readonly<Record<string, string | undefined>>): string {
  const listener = brokerConfig(flags, env).listener;
  const anyInterface = listener.host === '' || listener.host === '0.0.0.0' || listener.host === '::';
  const host = anyInterface ? '127.0.0.1' : listener.host;
  return `${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
}

/** The broker flags on a process's command line (`node …/cli.js --port 9093` → ['--port', '9093']); [] if it runs no broker. */
export function brokerFlags(pid: number): string[] {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return []; // no procfs, or no such process
  }
  return brokerFlagsOf(cmdline.split('\0').filter((a) => a !== ''));
}

export function brokerFlagsOf(args: readonly string[]): string[] {
  const cli = args.findIndex((a, i) => i > 0 && path.basename(a) === 'cli.js');
  if (cli < 0 || path.basename(args[0]).replace(/\.exe$/, '') !== 'node') return [];
  const rest = args.slice(cli + 1);
  return rest.length > 0 && !rest[0].startsWith('--') ? [] : rest; // a subcommand (healthcheck, conformance)
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
