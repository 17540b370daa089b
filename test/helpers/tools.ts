// Real Kafka clients installed from Debian packages (.ci/run installs them): kcat and Debian's
// python3 with confluent_kafka (librdkafka) and kafka-python. Debian's python is /usr/bin/python3:
// a `python3` earlier on PATH (pyenv) does not see Debian's packages. In CI (CI=true) a missing tool
// fails the test; on a developer machine without them the interop tests are skipped.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export const HAVE_KCAT = works('kcat', ['-V']);
export const HAVE_CONFLUENT_KAFKA = works(PYTHON, ['-c', 'import confluent_kafka']);
export const HAVE_KAFKA_PYTHON = works(PYTHON, ['-c', 'import kafka']);

/** In CI a missing tool is a failure, not a skip. */
export function requireTool(present: boolean, name: string): boolean {
  if (!present && process.env.CI) throw new Error(`${name} is not installed (CI installs it in .ci/run)`);
  return present;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with optional stdin, resolving when it exits (or killing it after timeoutMs). */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading its input (kcat refusing to log in) closes the pipe: the
    // exit code and output say what happened, so EPIPE on stdin is not an error of the run.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(opts.input ?? '');
  });
}
