// One broker per data directory: a second one (in this process or another) refuses to start and
// names the holder; a lock left by a killed broker is taken over; a clean stop frees the directory.
// Also the fallback for directory paths too long for a socket path.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { DataDirInUseError, lockDir } from '../../src/storage/dir-lock.js';
import { CLI, ROOT, startBrokerProcess } from '../helpers/broker-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tributary-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('data directory lock', () => {
  it('refuses a second holder in the same process until the first releases', async () => {
    const dir = tempDir();
    const first = await lockDir(dir);
    const second = await lockDir(dir).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DataDirInUseError);
    expect((second as DataDirInUseError).holderPid).toBe(process.pid);
    await first.release();
    const again = await lockDir(dir);
    await again.release();
  });

  it('uses the temp directory when the data directory path is too long for a socket', async () => {
    const dir = path.join(tempDir(), 'x'.repeat(120));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const first = await lockDir(dir);
    expect(first.path.startsWith(tmpdir())).toBe(true);
    await expect(lockDir(dir)).rejects.toBeInstanceOf(DataDirInUseError);
    await first.release();
  });

  it('stops an embedded broker on the directory of a running CLI broker, and takes over after kill -9', async () => {
    const dir = tempDir();
    const cli = await startBrokerProcess(['--port', '0', '--data-dir', dir]);
    try {
      const refused = await startBroker({ storage: `file://${dir}` }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DataDirInUseError);
      expect((refused as Error).message).toContain(`pid ${cli.child.pid}`);
      // A second CLI broker on the same directory exits with an error that says why.
      const second = spawn(process.execPath, [CLI, '--port', '0', '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      second.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => second.on('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(stderr).toContain('in use by another broker');
    } finally {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    // The kernel closed the dead broker's socket: the lock file left behind is stale and taken over.
    const broker = await startBroker({ storage: `file://${dir}` });
    await broker.close();
    // A clean stop frees the directory at once.
    const next = await startBroker({ storage: `file://${dir}` });
    await next.close();
  });
});
