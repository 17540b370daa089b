// The container image, without a Docker daemon: its command is run as the Dockerfile says (ENV,
// ENTRYPOINT, HEALTHCHECK read from the Dockerfile itself), so the image and this test cannot drift.
// Node must be the entrypoint (signals reach the broker), and the HEALTHCHECK must find a broker
// configured through `listeners` or through flags after the image name, not only on 9092.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerBootstrap, brokerFlagsOf, brokerReadyzUrl } from '../../src/healthcheck.js';
import { ROOT } from '../helpers/broker-process.js';
import { run } from '../helpers/tools.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Image {
  env: Record<string, string>;
  entrypoint: string[];
  healthcheck: string[];
}

/** ENV, ENTRYPOINT and HEALTHCHECK CMD of the Dockerfile's last stage (the image that ships). */
function image(): Image {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
  const stage = lines.slice(lines.findLastIndex((l) => l.startsWith('FROM ')));
  const env: Record<string, string> = {};
  for (const l of stage.filter((x) => x.startsWith('ENV '))) {
    for (const [, k, v] of l.slice(4).matchAll(/(\w+)=(\S+)/g)) env[k] = v;
  }
  const json = (prefix: string) => JSON.parse(stage.find((l) => l.startsWith(prefix))!.replace(/^.*?(?=\[)/, '')) as string[];
  return { env, entrypoint: json('ENTRYPOINT '), healthcheck: json('HEALTHCHECK ') };
}

/** A port the OS chose, released again so the broker can bind it (the image listens on a fixed port). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the image's entrypoint with its ENV (plus extra env and the args given after the image name). */
async function runImage(args: string[], env: Record<string, string>) {
  const { entrypoint } = image();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-container-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [...entrypoint.slice(1), ...args], {
    cwd: ROOT, // the image's WORKDIR holds dist/ as the repository does
    env: { PATH: process.env.PATH, ...image().env, TRIBUTARY_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('listening on')) resolve();
    });
    void exited.then(() => reject(new Error('the broker exited before listening')));
  });
  return { child, exited };
}

/** The image's HEALTHCHECK command, told the broker's pid (in the image the broker is PID 1, its default). */
function healthcheck(pid: number, env: Record<string, string>) {
  const [, ...args] = image().healthcheck;
  return run(process.execPath, [...args, '--pid', String(pid)], { env: { PATH: process.env.PATH, ...image().env, ...env } });
}

describe('container image', () => {
  it('runs node itself as the entrypoint, so the broker gets the signals', () => {
    const { entrypoint, healthcheck: hc } = image();
    expect(entrypoint).toEqual(['node', 'dist/cli.js']);
    expect(hc).toEqual(['node', 'dist/cli.js', 'healthcheck']);
  });

  it('reports healthy a broker configured through TRIBUTARY_LISTENERS, and unhealthy once it stopped', async () => {
    const port = await freePort();
    const env = { TRIBUTARY_LISTENERS: `PLAINTEXT://:${port}` };
    const b = await runImage([], env);
    const healthy = await healthcheck(b.child.pid!, env);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toBe(`ok 127.0.0.1:${port}\n`);
    b.child.kill('SIGTERM');
    await b.exited;
    const down = await healthcheck(b.child.pid!, env);
    expect(down.code).toBe(1);
  });

  it('reports healthy a broker given --port after the image name', async () => {
    const port = await freePort();
    const b = await runImage(['--port', String(port)], {});
    const healthy = await healthcheck(b.child.pid!, {});
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toBe(`ok 127.0.0.1:${port}\n`);
    b.child.kill('SIGTERM');
    await b.exited;
  });

  it('asks /readyz when the broker has metrics.listener, and reports unhealthy once it stopped', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const env = { TRIBUTARY_METRICS_LISTENER: String(metricsPort) };
    const b = await runImage(['--port', String(port)], env);
    const healthy = await healthcheck(b.child.pid!, env);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toBe(`ok http://127.0.0.1:${metricsPort}/readyz\n`);
    b.child.kill('SIGTERM');
    await b.exited;
    const down = await healthcheck(b.child.pid!, env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^unhealthy http://127\\.0\\.0\\.1:${metricsPort}/readyz: `));
  });
});

describe('healthcheck target', () => {
  it('is /readyz of metrics.listener when the broker has one (loopback for an any-interface host)', () => {
    expect(brokerReadyzUrl([], {})).toBeNull();
    expect(brokerReadyzUrl(['--metrics.listener', '9644'], {})).toBe('http://127.0.0.1:9644/readyz');
    expect(brokerReadyzUrl([], { TRIBUTARY_METRICS_LISTENER: 'http://0.0.0.0:9645' })).toBe('http://127.0.0.1:9645/readyz');
    expect(brokerReadyzUrl(['--metrics.listener', 'http://[::1]:9646'], {})).toBe('http://[::1]:9646/readyz');
  });

  it('is the listener the broker binds, from its flags over the environment', () => {
    expect(brokerBootstrap([], {})).toBe('127.0.0.1:9092');
    expect(brokerBootstrap([], { TRIBUTARY_PORT: '9093' })).toBe('127.0.0.1:9093');
    expect(brokerBootstrap([], { TRIBUTARY_LISTENERS: 'PLAINTEXT://:9094' })).toBe('127.0.0.1:9094');
    expect(brokerBootstrap(['--port', '9095'], { TRIBUTARY_LISTENERS: 'PLAINTEXT://:9094' })).toBe('127.0.0.1:9095');
    expect(brokerBootstrap(['--listeners', 'PLAINTEXT://[::1]:9096'], {})).toBe('[::1]:9096');
    expect(brokerBootstrap(['--host', '10.1.2.3'], {})).toBe('10.1.2.3:9092');
    expect(brokerBootstrap(['--no.such.setting', '1'], { TRIBUTARY_PORT: '9097' })).toBe('127.0.0.1:9097');
  });

  it('reads broker flags only from a broker command line', () => {
    expect(brokerFlagsOf(['node', 'dist/cli.js', '--port', '9093'])).toEqual(['--port', '9093']);
    expect(brokerFlagsOf(['/usr/local/bin/node', '--enable-source-maps', '/app/dist/cli.js'])).toEqual([]);
    expect(brokerFlagsOf(['node', 'dist/cli.js', 'healthcheck'])).toEqual([]);
    expect(brokerFlagsOf(['sh', '-c', 'node dist/cli.js --port 1'])).toEqual([]);
  });
});
