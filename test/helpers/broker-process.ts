// Runs the real CLI (`node dist/cli.js`) as a child process, as a user or the container would,
// and reports the port it printed. For kill -9 durability tests and CLI behaviour.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  bootstrap: string;
  /** The line the CLI printed when it started listening. */
  banner: string;
  /** Everything written to stderr (the log). */
  stderr(): string;
  /** Everything written to stdout so far (the banner and what follows it). */
  stdout(): string;
  /** Resolves with the exit code (or signal) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Milliseconds from spawn to the banner. */
  startMs: number;
}

/** nodeArgs: options for node itself, before the CLI (`--trace-gc`). */
export function startBrokerProcess(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<BrokerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on (\S+):(\d+)/.exec(stdout);
      if (m) {
        resolve({
          child,
          port: Number(m[2]),
          bootstrap: `127.0.0.1:${m[2]}`,
          banner: stdout.split('\n')[0],
          stderr: () => stderr,
          stdout: () => stdout,
          exited,
          startMs: performance.now() - started,
        });
      }
    });
    exited.then(({ code }) => reject(new Error(`broker exited with ${code} before listening: ${stderr}`)));
  });
}
