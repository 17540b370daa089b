// Start-up as users meet it: a data directory that cannot be created fails at once with its name
// (no endless mkdir), a port in use fails before anything is created on disk, and a signal ends a
// broker that is still starting (the first cleanly, a second at once). The slow start-up step is
// made deterministic with a FIFO in place of the cluster's identity file: reading it blocks until
// the test writes, and the test knows the broker is there when its own open for writing returns.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ListenError } from '../../src/server/server.js';
import { lockDir } from '../../src/storage/dir-lock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { CLI, ROOT } from '../helpers/broker-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tributary-startup-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const HAVE_PROCFS = existsSync('/proc/self');

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr matches. */
  logged(pattern: RegExp): Promise<void>;
}

function spawnCli(args: string[]): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    logged: (pattern) =>
      new Promise((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`exited before logging ${pattern}: ${stderr}`)));
      }),
  };
}

/** A data directory whose identity file is a FIFO: start-up blocks reading it until the test writes. */
function dirWithBlockingIdentity(): { dir: string; fifo: string } {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'meta'));
  const fifo = path.join(dir, 'meta/identity.json');
  execFileSync('mkfifo', [fifo]);
  return { dir, fifo };
}

/**
 * Opens the FIFO for writing: resolves once the broker has opened it for reading, i.e. start-up is
 * blocked there. If the broker dies first, a read end opened here releases the pending open.
 */
async function brokerReading(fifo: string, exited: Promise<unknown>) {
  const writer = open(fifo, 'w');
  void exited.then(() => open(fifo, constants.O_RDONLY | constants.O_NONBLOCK).then((fh) => writer.finally(() => fh.close())));
  return writer;
}

const IDENTITY = JSON.stringify({ clusterId: 'AkU2DG3G3IvA8dcSS_tvkg', nodeId: 1 });

/** Holds a port chosen by the OS on 127.0.0.1. */
async function holdPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!HAVE_PROCFS)('a data directory that cannot be created', () => {
  it('stops the CLI at once with an error naming it (no endless mkdir on /proc)', async () => {
    const cli = spawnCli(['--port', '0', '--data-dir', '/proc/nope']);
    const { code } = await cli.exited;
    expect(code).toBe(1);
    expect(cli.stderr()).toContain('cannot create data directory /proc/nope');
  });

  it('makes startBroker() reject', async () => {
    await expect(startBroker({ storage: 'file:///proc/nope/deeper' })).rejects.toThrow(/cannot create data directory \/proc\/nope\/deeper/);
  });
});

describe('a data directory path that is a file', () => {
  it('makes startBroker() reject with one clear error (no warning about the lock first)', async () => {
    const file = path.join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const logger = new MemoryLogger();
    await expect(startBroker({ storage: `file://${file}`, logger })).rejects.toThrow(`cannot create data directory ${file}: EEXIST`);
    expect(logger.lines).toEqual([]);
  });
});

describe('a port in use', () => {
  it('stops the CLI with one line naming the listener and port, and leaves no data directory behind', async () => {
    const held = await holdPort();
    try {
      const dataDir = path.join(tempDir(), 'data');
      const cli = spawnCli(['--host', '127.0.0.1', '--port', String(held.port), '--data-dir', dataDir]);
      expect((await cli.exited).code).toBe(1);
      expect(existsSync(dataDir)).toBe(false);
      const lines = cli.stderr().split('\n').filter((l) => l.includes(String(held.port)));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`cannot listen on PLAINTEXT://127.0.0.1:${held.port}: port ${held.port} is already in use`);
    } finally {
      await held.release();
    }
  });

  it('leaves an existing empty directory empty (no meta/, cluster id or .clean_shutdown), embedded too', async () => {
    const held = await holdPort();
    try {
      const dataDir = tempDir();
      const cli = spawnCli(['--host', '127.0.0.1', '--port', String(held.port), '--data-dir', dataDir]);
      expect((await cli.exited).code).toBe(1);
      expect(readdirSync(dataDir)).toEqual([]);
      const err = await startBroker({ storage: `file://${dataDir}`, port: held.port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await held.release();
    }
  });
});

describe('signals during start-up', () => {
  it('a first SIGTERM stops a starting broker cleanly once its current step returns', async () => {
    const { dir, fifo } = dirWithBlockingIdentity();
    const cli = spawnCli(['--port', '0', '--data-dir', dir]);
    const writer = await brokerReading(fifo, cli.exited);
    cli.child.kill('SIGTERM');
    await cli.logged(/shutting down signal=SIGTERM/);
    await writer.writeFile(IDENTITY);
    await writer.close();
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).not.toContain('listening on');
    expect(cli.stderr()).toContain('stopped before start-up finished');
    // The lock went with it: the directory can be taken again.
    await (await lockDir(dir)).release();
  });

  it('a second signal ends a broker stuck in start-up at once', async () => {
    const { dir, fifo } = dirWithBlockingIdentity();
    const cli = spawnCli(['--port', '0', '--data-dir', dir]);
    const writer = await brokerReading(fifo, cli.exited);
    cli.child.kill('SIGINT');
    await cli.logged(/shutting down signal=SIGINT/);
    cli.child.kill('SIGTERM');
    // Dies of the signal while its read is still blocked (process.exit would wait for that read).
    expect(await cli.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(cli.stderr()).toContain('second signal: exiting without a clean shutdown');
    await writer.close();
  });

  it('startBroker() rejects when its signal is aborted during start-up, and frees the directory', async () => {
    const { dir, fifo } = dirWithBlockingIdentity();
    const abort = new AbortController();
    const starting = startBroker({ storage: `file://${dir}`, signal: abort.signal }).catch((e: unknown) => e);
    const writer = await brokerReading(fifo, starting);
    abort.abort();
    await writer.writeFile(IDENTITY);
    await writer.close();
    const err = await starting;
    expect((err as Error).name).toBe('AbortError');
    await (await lockDir(dir)).release();
  });
});

describe('start-up and shutdown log lines', () => {
  it('says a new data directory was created (not cleanShutdown=false), and "stopped" when done', async () => {
    const dataDir = path.join(tempDir(), 'fresh');
    const cli = spawnCli(['--port', '0', '--data-dir', dataDir]);
    await new Promise<void>((resolve) => cli.child.stdout!.on('data', () => cli.stdout().includes('listening on') && resolve()));
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stderr()).toContain(`created a new data directory data=${dataDir}`);
    expect(cli.stderr()).not.toContain('cleanShutdown=false');
    expect(cli.stderr().trimEnd().split('\n').at(-1)).toMatch(/INFO {2}\[broker\] stopped$/);
  });

  it('an embedded broker logs the same', async () => {
    const logger = new MemoryLogger('info');
    const broker = await startBroker({ storage: 'memory://', logger });
    await broker.close();
    const log = logger.lines.join('\n');
    expect(log).toContain('new cluster in memory');
    expect(log).not.toContain('cleanShutdown=false');
    expect(logger.lines.at(-1)).toMatch(/\[broker\] stopped$/m);
  });
});

describe('the bundled command line', () => {
  it('is ASCII throughout, so that V8 holds each chunk\'s source text one byte per character (one arrow in a comment doubled the start chunk in memory)', () => {
    const files = [CLI, ...readdirSync(path.join(path.dirname(CLI), 'cli-chunks')).filter((f) => f.endsWith('.js')).map((f) => path.join(path.dirname(CLI), 'cli-chunks', f))];
    expect(files.length).toBeGreaterThan(2);
    const wide = files.filter((f) => /[^\x00-\x7f]/.test(readFileSync(f, 'latin1')));
    expect(wide).toEqual([]);
  });
});
