// A storage wrapper for fault tests: fails chosen operations on chosen paths with EIO/ENOSPC, and
// counts syncs (group-commit tests). Wraps either engine.

import { StorageIoError, type Storage, type StorageFile } from '../../src/storage/types.js';

export type FaultOp = 'read' | 'write' | 'sync' | 'open' | 'truncate' | 'writeMeta';

export interface Fault {
  op: FaultOp;
  /** Fails when the path contains this string. */
  path: string;
  code: string;
}

export class FaultyStorage implements Storage {
  faults: Fault[] = [];
  syncs = 0;
  writes = 0;
  /** Each file read's `recent` hint, in order. */
  readHints: boolean[] = [];
  /** Called before each file sync completes (tests can hold syncs open). */
  syncGate: (() => Promise<void>) | null = null;

  constructor(readonly inner: Storage) {}

  get url(): string {
    return this.inner.url;
  }

  private hit(op: FaultOp, path: string): void {
    const f = this.faults.find((x) => x.op === op && path.includes(x.path));
    if (f) throw new StorageIoError(`${f.code}: injected ${op} fault on ${path}`, f.code);
  }

  async open(path: string, create: boolean): Promise<StorageFile> {
    this.hit('open', path);
    const file = await this.inner.open(path, create);
    const self = this;
    return {
      path: file.path,
      size: () => file.size(),
      async read(position, length, into, hint) {
        self.hit('read', path);
        self.readHints.push(hint?.recent === true);
        return file.read(position, length, into, hint);
      },
      async write(buffers, position) {
        self.hit('write', path);
        self.writes++;
        return file.write(buffers, position);
      },
      async sync() {
        self.hit('sync', path);
        self.syncs++;
        if (self.syncGate) await self.syncGate();
        return file.sync();
      },
      async truncate(size) {
        self.hit('truncate', path);
        return file.truncate(size);
      },
      close: () => file.close(),
    };
  }

  mkdir(dir: string) { return this.inner.mkdir(dir); }
  list(dir: string) { return this.inner.list(dir); }
  exists(path: string) { return this.inner.exists(path); }
  remove(path: string) { return this.inner.remove(path); }
  removeDir(dir: string) { return this.inner.removeDir(dir); }
  rename(from: string, to: string) { return this.inner.rename(from, to); }
  syncDir(dir: string) { return this.inner.syncDir(dir); }
  readMeta(path: string) { return this.inner.readMeta(path); }
  async writeMeta(path: string, data: Buffer) {
    this.hit('writeMeta', path);
    return this.inner.writeMeta(path, data);
  }
  close() { return this.inner.close(); }
}
