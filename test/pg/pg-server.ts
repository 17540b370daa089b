// A private PostgreSQL server for the tests of the PostgreSQL cluster: initdb into a temporary
// directory, postgres on a free loopback port with its unix socket in that directory, stopped (and
// the directory removed) when the suite ends. Missing binaries skip the suite with a message on a
// developer machine and fail it in CI (CI=true), where .ci/run installs PostgreSQL.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PgServer {
  /** A libpq-style URL of the server's `postgres` database (TCP on loopback). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The directory holding the unix socket (.s.PGSQL.<port>). */
  readonly socketDir: string;
  /** A new, empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Shuts the server down (fast: clients are disconnected), keeping its data; up() starts it again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL installed from Debian packages, or undefined. */
export function findPgBin(): string | undefined {
  if (process.env.PG_BIN !== undefined) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : path.join(root, versions[0], 'bin');
}

/**
 * Why the PostgreSQL tests cannot run here, or undefined when they can. In CI the missing server is
 * an error (the tests must not silently pass without it).
 */
export function pgUnavailable(): string | undefined {
  if (findPgBin() !== undefined) return undefined;
  const why = 'PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/postgres; set PG_BIN or apt-get install postgresql)';
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** postgres refuses to run as root: as root, the server runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root and there is no `postgres` user to run the PostgreSQL server as');
  }
}

export interface PgServerOptions {
  /** TLS: the server certificate and key (PEM files), served with `ssl = on` (clients choose with sslmode). */
  tls?: { certFile: string; keyFile: string };
}

export async function startPgServer(options: PgServerOptions = {}): Promise<PgServer> {
  const bin = findPgBin();
  if (bin === undefined) throw new Error(pgUnavailable() ?? 'no PostgreSQL');
  const user = runAs();
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-pg-'));
  const data = path.join(dir, 'data');
  if (user !== undefined) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const asUser = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...asUser, stdio: 'pipe', cwd: dir });
  // Small and fast: the tests want a server, not durability across a machine crash.
  const conf = ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 200', 'shared_buffers = 32MB'];
  if (options.tls !== undefined) {
    // The server reads its key only if no one else can: copies owned by the server's user, mode 0600.
    const cert = path.join(dir, 'server.crt');
    const key = path.join(dir, 'server.key');
    copyFileSync(options.tls.certFile, cert);
    copyFileSync(options.tls.keyFile, key);
    chmodSync(key, 0o600);
    if (user !== undefined) for (const f of [cert, key]) chownSync(f, user.uid, user.gid);
    conf.push('ssl = on', `ssl_cert_file = '${cert}'`, `ssl_key_file = '${key}'`);
  }
  writeFileSync(path.join(data, 'postgresql.auto.conf'), [...conf, ''].join('\n'));
  // Several attempts: the free port may be taken between the probe and postgres binding it.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const started = await spawnPostgres(bin, data, dir, port, asUser);
    if ('proc' in started) return server(started.proc, dir, port, bin, user, () => spawnPostgres(bin, data, dir, port, asUser));
    if (attempt >= 3 || !/could not bind|Address already in use/.test(started.stderr)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres did not start: ${started.stderr.slice(-2000)}`);
    }
  }
}

async function spawnPostgres(bin: string, data: string, dir: string, port: number, asUser: { uid?: number; gid?: number }): Promise<{ proc: ChildProcess } | { stderr: string }> {
  const proc = spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir], { ...asUser, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  if ((await waitReady(proc, () => stderr)) === 'ready') return { proc };
  proc.kill('SIGKILL');
  return { stderr };
}

function waitReady(proc: ChildProcess, stderr: () => string): Promise<'ready' | 'failed'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('failed'), 30_000);
    const poll = setInterval(() => {
      if (stderr().includes('database system is ready to accept connections')) done('ready');
    }, 20);
    const onExit = () => done('failed');
    proc.once('exit', onExit);
    function done(r: 'ready' | 'failed') {
      clearTimeout(timer);
      clearInterval(poll);
      proc.off('exit', onExit);
      resolve(r);
    }
  });
}

/** Fast shutdown (disconnects clients, no wait for them); resolves once the process is gone. */
async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGINT');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function server(
  first: ChildProcess, dir: string, port: number, bin: string, user: { uid: number; gid: number } | undefined,
  respawn: () => Promise<{ proc: ChildProcess } | { stderr: string }>,
): PgServer {
  const host = '127.0.0.1';
  const url = `postgres://postgres@${host}:${port}/postgres`;
  let proc = first;
  return {
    url,
    host,
    port,
    socketDir: dir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lowercase letters, digits and _ only`);
      execFileSync(path.join(bin, 'createdb'), ['-h', host, '-p', String(port), '-U', 'postgres', name], { stdio: 'pipe', ...(user ?? {}) });
      return `postgres://postgres@${host}:${port}/${name}`;
    },
    async down() {
      await stopProcess(proc);
    },
    async up() {
      const started = await respawn();
      if (!('proc' in started)) throw new Error(`postgres did not start again: ${started.stderr.slice(-2000)}`);
      proc = started.proc;
    },
    async stop() {
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
