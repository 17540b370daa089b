// file://DIR — files under a root directory on the local filesystem. Metadata blobs are replaced
// by write-to-temp, fsync, rename, fsync-directory so a crash leaves the old or the new content.
// The data directory is created owner-only (0700) and metadata blobs are written 0600: they hold
// SCRAM credentials, and dynamic configs that may carry passwords and keys (sasl.jaas.config, ssl.*).

import { readSync, writevSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { type DirLock, lockDir } from './dir-lock.js';
import type { Storage, StorageFile } from './types.js';
import { isNotFound } from './types.js';

const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;
/**
 * Writes up to this size are made from the event loop (writev into the page cache, about 2 µs of
 * CPU for a small batch) instead of through the libuv thread pool, whose hand-over costs 30-40 µs
 * of CPU per call (wake a worker, wake the loop): most of a small Produce's or OffsetCommit's write.
 * Larger writes stay on the pool, so a slow disk or dirty-page throttling never holds the loop for
 * long. fsync always goes through the pool.
 */
const SYNC_WRITE_MAX_BYTES = 16 * 1024;
/**
 * Reads of bytes written lately (the caller says so: the end of the active segment, which a tailing
 * consumer reads) up to this size are made from the event loop too: a copy out of the page cache, a
 * few µs, where the thread pool's hand-over cost 30-40 µs of CPU (most of a one-batch Fetch). Other
 * reads (older data, maybe on disk) stay on the pool, so a disk read never holds the loop.
 */
const SYNC_READ_MAX_BYTES = 64 * 1024;

class LocalFile implements StorageFile {
  constructor(readonly path: string, private readonly fh: fs.FileHandle) {}

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  async read(position: number, length: number, into?: Buffer, hint?: { recent?: boolean }): Promise<Buffer> {
    const buf = into ?? Buffer.allocUnsafe(length);
    const inLoop = hint?.recent === true && length <= SYNC_READ_MAX_BYTES;
    let done = 0;
    while (done < length) {
      const bytesRead = inLoop
        ? readSync(this.fh.fd, buf, done, length - done, position + done)
        : (await this.fh.read(buf, done, length - done, position + done)).bytesRead;
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    let bufs = buffers.filter((b) => b.length > 0);
    let pos = position;
    let total = 0;
    for (const b of bufs) total += b.length;
    const inLoop = total <= SYNC_WRITE_MAX_BYTES;
    while (bufs.length > 0) {
      // writev takes at most IOV_MAX (1024) buffers per call on Linux.
      const chunk = bufs.length > 1024 ? bufs.slice(0, 1024) : bufs;
      let bytesWritten = inLoop ? writevSync(this.fh.fd, chunk, pos) : (await this.fh.writev(chunk, pos)).bytesWritten;
      pos += bytesWritten;
      const rest: Buffer[] = [];
      for (let i = 0; i < bufs.length; i++) {
        const b = bufs[i];
        if (bytesWritten >= b.length) {
          bytesWritten -= b.length;
        } else {
          rest.push(bytesWritten > 0 ? b.subarray(bytesWritten) : b);
          bytesWritten = 0;
        }
      }
      bufs = rest;
    }
  }

  async sync(): Promise<void> {
    await this.fh.datasync();
  }

  async truncate(size: number): Promise<void> {
    await this.fh.truncate(size);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * mkdir -p, bounded. Node's own `fs.mkdir(path, { recursive: true })` never returns where a
 * filesystem answers ENOENT for a child of a directory that exists (/proc/nope: procfs cannot hold
 * new directories): it creates the parent (EEXIST), retries the child (ENOENT), and loops at 100% CPU.
 * Here the child is retried once after its parent exists, and a second ENOENT is the answer.
 */
async function makeDirectory(path: string, mode = 0o777): Promise<boolean> {
  try {
    await fs.mkdir(path, mode);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await isDirectory(path))) return false;
    const parent = nodePath.dirname(path);
    if (code !== 'ENOENT' || parent === path) throw err;
    await makeDirectory(parent);
  }
  try {
    await fs.mkdir(path, mode);
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Created meanwhile by someone else: as good as created here (but maybe not empty).
    if (e.code === 'EEXIST' && (await isDirectory(path))) return false;
    if (e.code !== 'ENOENT') throw err;
    throw Object.assign(new Error(`mkdir '${path}': ${nodePath.dirname(path)} exists but takes no new directory (${e.code})`, { cause: err }), { code: e.code });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return fs.stat(path).then((s) => s.isDirectory(), () => false);
}

export class FileStorage implements Storage {
  readonly url: string;
  constructor(readonly root: string) {
    this.url = 'file://' + root;
  }

  private abs(p: string): string {
    return nodePath.join(this.root, p);
  }

  mkdir(dir: string): Promise<boolean> {
    return makeDirectory(this.abs(dir));
  }

  /**
   * Creates the data directory if missing, owner-only (its parents as the umask makes them), with an
   * error that names it when it cannot. An existing directory keeps the mode its owner gave it.
   */
  async create(): Promise<void> {
    try {
      await makeDirectory(this.root, OWNER_ONLY_DIR);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw Object.assign(new Error(`cannot create data directory ${this.root}: ${e.message}`, { cause: err }), { code: e.code });
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.abs(dir))).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async open(path: string, create: boolean): Promise<StorageFile> {
    const fh = await fs.open(this.abs(path), create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, 0o644);
    return new LocalFile(path, fh);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fs.access(this.abs(path));
      return true;
    } catch {
      return false;
    }
  }

  async remove(path: string): Promise<void> {
    await fs.rm(this.abs(path), { force: true });
  }

  async removeDir(dir: string): Promise<void> {
    await fs.rm(this.abs(dir), { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await fs.rename(this.abs(from), this.abs(to));
  }

  async syncDir(dir: string): Promise<void> {
    const fh = await fs.open(this.abs(dir), fs.constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async readMeta(path: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.abs(path));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async writeMeta(path: string, data: Buffer): Promise<void> {
    const target = this.abs(path);
    const tmp = target + '.tmp';
    const fh = await fs.open(tmp, 'w', OWNER_ONLY_FILE);
    try {
      // A temp file left by a crash keeps its old mode through open(): set it.
      await fh.chmod(OWNER_ONLY_FILE);
      await fh.writeFile(data);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
    await this.syncDir(nodePath.dirname(path));
  }

  async close(): Promise<void> {}

  lock(): Promise<DirLock> {
    return lockDir(this.root);
  }
}
