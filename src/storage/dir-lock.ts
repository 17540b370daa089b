// One broker per data directory. Two processes appending to the same segment files, or a second one
// running crash recovery (truncating "torn" tails) under a live one, would destroy acknowledged data,
// so a broker holds the directory while it runs, and a second one refuses to start, naming the holder.
//
// The lock is a Unix domain socket the holder listens on (Kafka uses flock(2), which Node cannot
// call): the kernel closes it when the process dies however it dies, so a lock left by kill -9 is
// recognised as stale (connecting is refused) and taken over, with no pid guessing. The socket lives
// in the directory when its path fits the 107-byte limit of socket paths (so two containers sharing a
// volume on one host see each other); otherwise in the system temp directory under a name derived
// from the directory's real path.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as nodePath from 'node:path';

/** The file name of the lock socket inside a data directory. */
export const LOCK_NAME = '.lock';
/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;
/** How long a connected holder has to say its pid. */
const HOLDER_ANSWER_MS = 2000;

export class DataDirInUseError extends Error {
  constructor(readonly dir: string, readonly holderPid: number | null) {
    super(`data directory ${dir} is in use by another broker${holderPid === null ? '' : ` (pid ${holderPid})`}: stop it, or start this one with another data directory`);
    this.name = 'DataDirInUseError';
  }
}

export interface DirLock {
  /** Where the lock socket is. */
  readonly path: string;
  release(): Promise<void>;
}

/** Takes the directory for this process; throws DataDirInUseError while another process holds it. */
export async function lockDir(dir: string): Promise<DirLock> {
  const path = await lockPathFor(dir);
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = net.createServer((socket) => socket.end(`${process.pid}\n`));
    try {
      await listen(server, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      const holder = await holderOf(path);
      if (holder !== 'gone') throw new DataDirInUseError(dir, holder);
      // Its process is gone (the kernel closed the socket): the file is all that is left.
      await fs.unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      continue;
    }
    server.unref(); // the lock must not keep an embedding process alive
    return {
      path,
      async release() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // server.close removes the socket file of a path listener; make sure it is gone.
        await fs.unlink(path).catch(() => {});
      },
    };
  }
  throw new DataDirInUseError(dir, null);
}

async function lockPathFor(dir: string): Promise<string> {
  const inDir = nodePath.join(dir, LOCK_NAME);
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
  const real = await fs.realpath(dir);
  const digest = createHash('sha256').update(real).digest('hex').slice(0, 24);
  return nodePath.join(os.tmpdir(), `tributary-${digest}.lock`);
}

function listen(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The holder's pid if a live process answers on the socket (null if it answers without one), 'gone' if none does. */
function holderOf(path: string): Promise<number | null | 'gone'> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(path);
    socket.setEncoding('utf8');
    // Connected but silent (a holder whose event loop is stuck): still a live holder.
    socket.setTimeout(HOLDER_ANSWER_MS, () => {
      socket.destroy();
      resolve(null);
    });
    socket.on('data', (d: string) => (answer += d));
    socket.on('end', () => {
      const pid = Number.parseInt(answer, 10);
      resolve(Number.isInteger(pid) ? pid : null);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Refused (or vanished): nobody listens any more. Anything else: assume a live holder.
      resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'gone' : null);
    });
  });
}
