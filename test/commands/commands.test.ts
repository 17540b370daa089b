// The `tributary` admin commands against an embedded Tributary (the same scenarios also run against
// Kafka 4.3.1 in test/reference/commands.test.ts), plus what only a local broker makes cheap to
// check: an unreachable broker, `consume | head -1`, Ctrl-C, and a slow reader of stdout.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { runCommand } from '../../src/commands/main.js';
import { CLI } from '../helpers/broker-process.js';
import { commandScenarios, jsonOf, tributaryCommand, uniqueName } from '../helpers/command-scenarios.js';
import { run } from '../helpers/tools.js';
import { groupMemberScenarios } from './group-member-scenarios.js';

let broker: RunningBroker;
let bootstrap: string;

beforeAll(async () => {
  broker = await startBroker({ storage: 'memory://', port: 0, config: { 'group.initial.rebalance.delay.ms': 0 } });
  bootstrap = `127.0.0.1:${broker.port}`;
});
afterAll(async () => {
  await broker?.close();
});

describe('tributary admin commands against Tributary', () => {
  commandScenarios(() => bootstrap);
});

describe('tributary consume --group as a group member against Tributary', () => {
  groupMemberScenarios(() => bootstrap);
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tributary admin commands: failures and stopping', () => {
  it('an unreachable broker: one line naming the address and what to check, exit 3', async () => {
    const port = await closedPort();
    for (const args of [['topic', 'list'], ['consume', 't'], ['group', 'describe', 'g'], ['cluster', 'info']]) {
      const r = await run(process.execPath, [CLI, ...args, '--bootstrap', `127.0.0.1:${port}`]);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`tributary ${args[0]}: cannot connect to 127.0.0.1:${port} (connection refused): is the broker running, and is --bootstrap right?\n`);
      expect(r.stdout).toBe('');
    }
    const bad = await run(process.execPath, [CLI, 'topic', 'list', '--bootstrap', 'nocolon']);
    expect(bad).toMatchObject({ code: 3, stderr: 'tributary topic: --bootstrap "nocolon" is not HOST:PORT\n' });
  });

  it('consume | head -1: the consumer stops cleanly when its reader goes away, and commits what it printed', async () => {
    const topic = uniqueName('pipe');
    const group = uniqueName('pipe-group');
    await jsonOf(bootstrap, ['topic', 'create', topic, '-p', '1']);
    // Enough output that a write after head exits meets the closed pipe.
    await jsonOf(bootstrap, ['produce', topic], Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n'));
    const script = `set -o pipefail; "${process.execPath}" "${CLI}" consume ${topic} --group ${group} --bootstrap ${bootstrap} | head -1`;
    const r = await run('bash', ['-c', script]);
    expect(r.stdout).toBe(`line 0 ${'x'.repeat(40)}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = await jsonOf<{ offsets: { committed: number }[] }>(bootstrap, ['group', 'describe', group]);
    // Committed where it stopped: at least the line head printed, not past what was fetched.
    expect(d.offsets[0].committed).toBeGreaterThanOrEqual(1);
    expect(d.offsets[0].committed).toBeLessThan(20_000);
  });

  it('Ctrl-C (SIGINT) stops a waiting consumer with exit 0 and commits its position', async () => {
    const topic = uniqueName('sigint');
    const group = uniqueName('sigint-group');
    await jsonOf(bootstrap, ['topic', 'create', topic, '-p', '2']);
    await jsonOf(bootstrap, ['produce', topic, '--partition', '1'], 'one\ntwo\nthree\n');
    const child = spawn(process.execPath, [CLI, 'consume', topic, '--group', group, '--bootstrap', bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.split('\n').length > 3) resolve();
    }));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toBe('one\ntwo\nthree\n');
    expect(stderr).toBe('');
    const d = await jsonOf<{ offsets: { partition: number; committed: number }[] }>(bootstrap, ['group', 'describe', group]);
    expect(d.offsets.map((o) => [o.partition, o.committed])).toEqual([[0, 0], [1, 3]]);
  });

  it('a slow reader of stdout holds the consumer back (it waits for drain) and loses nothing', async () => {
    const topic = uniqueName('drain');
    await jsonOf(bootstrap, ['topic', 'create', topic, '-p', '1']);
    const n = 5000;
    await jsonOf(bootstrap, ['produce', topic], Array.from({ length: n }, (_, i) => `${i}`).join('\n'));
    let received = '';
    let maxBuffered = 0;
    // A 1 KiB buffer drained one write at a time on a timer: write() returns false almost always.
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        received += chunk.toString();
        setImmediate(done);
      },
    });
    const track = setInterval(() => (maxBuffered = Math.max(maxBuffered, slow.writableLength)), 1);
    const stderr = new Writable({ write: (_c, _e, done) => done() });
    const code = await runCommand(['consume', topic, '-e', '--bootstrap', bootstrap], { stdout: slow, stderr });
    clearInterval(track);
    expect(code).toBe(0);
    const lines = received.split('\n').filter(Boolean);
    expect(lines).toHaveLength(n);
    expect(lines[n - 1]).toBe(String(n - 1));
    // It never queued the fetched batch into the stream: the buffer stayed near its high-water mark.
    expect(maxBuffered).toBeLessThan(4096);
  });

  it('--help lists the commands and the exit codes', async () => {
    const r = await tributaryCommand(bootstrap, ['topic', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tributary group reset-offsets NAME --topic T');
    expect(r.stdout).toContain('Exit codes: 0 done, 1 the broker refused or failed it, 2 bad usage, 3 broker unreachable.');
  });
});
