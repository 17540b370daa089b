// Child processes for the benches: spawn `node ...` and wait for its ready line, stop it, and start a
// broker build (`node <cli> --port 0 ...`) on a data directory, its output appended to a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface Child {
  proc: ChildProcess;
  port: number;
  pid: number;
}

/** Spawns `node ...argv` and resolves once stdout matches `ready` (its first group is the port). */
export function spawnUntil(argv: string[], ready: RegExp, logFile: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', fs.openSync(logFile, 'a')] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')}: not ready after 30 s: ${out}`));
    }, 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m !== null && timer.hasRef()) {
        clearTimeout(timer);
        timer.unref();
        resolve({ proc, port: Number(m[1]), pid: proc.pid! });
      }
    });
    proc.once('exit', (code) => {
      if (timer.hasRef()) {
        clearTimeout(timer);
        reject(new Error(`${argv.join(' ')} exited with ${code}: ${out}`));
      }
    });
  });
}

/** SIGTERM, then SIGKILL after 20 s; resolves when the process has exited. */
export function stop(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
    const t = setTimeout(() => c.proc.kill('SIGKILL'), 20_000);
    c.proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.proc.kill('SIGTERM');
  });
}

/** `node [nodeArgs] cli --port 0 --host 127.0.0.1 --data-dir dataDir [brokerArgs]`, once listening. */
export function startBrokerCli(cli: string, dataDir: string, logFile: string, nodeArgs: string[] = [], brokerArgs: string[] = []): Promise<Child> {
  return spawnUntil([...nodeArgs, cli, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...brokerArgs], /Tributary listening on \S*:(\d+)/, logFile);
}
