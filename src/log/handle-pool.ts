// A bounded pool of open files shared by all partition logs: least-recently-used handles are closed
// when more than `max` are open, so 10,000 partitions x several segments need only `max` descriptors.

import type { Storage, StorageFile } from '../storage/types.js';

interface Entry {
  open: Promise<StorageFile>;
  pins: number;
  /** Removed from the pool while in use: close when the last user is done. */
  doomed?: boolean;
}

export class HandlePool {
  private readonly entries = new Map<string, Entry>(); // insertion order = LRU order
  private closing: Promise<void>[] = [];

  constructor(private readonly storage: Storage, readonly max = 1024) {}

  /** Number of handles currently open (or opening). */
  get openCount(): number {
    return this.entries.size;
  }

  /** Runs fn with the file at path open, keeping it open for the duration. */
  async use<T>(path: string, create: boolean, fn: (f: StorageFile) => Promise<T>): Promise<T> {
    let e = this.entries.get(path);
    if (e) {
      this.entries.delete(path);
      this.entries.set(path, e);
    } else {
      e = { open: this.storage.open(path, create), pins: 0 };
      this.entries.set(path, e);
      const entry = e;
      e.open.catch(() => {
        if (this.entries.get(path) === entry) this.entries.delete(path);
      });
    }
    e.pins++;
    try {
      const f = await e.open;
      return await fn(f);
    } finally {
      e.pins--;
      if (e.doomed && e.pins === 0) this.closing.push(e.open.then((f) => f.close()).catch(() => {}));
      this.evict();
    }
  }

  private evict(): void {
    if (this.entries.size <= this.max) return;
    for (const [path, e] of this.entries) {
      if (this.entries.size <= this.max) break;
      if (e.pins > 0) continue;
      this.entries.delete(path);
      this.closing.push(e.open.then((f) => f.close()).catch(() => {}));
    }
    if (this.closing.length > 64) this.closing = [Promise.all(this.closing).then(() => {})];
  }

  /** Closes the handle of path if open (before removing or renaming the file). */
  async close(path: string): Promise<void> {
    const e = this.entries.get(path);
    if (!e) return;
    this.entries.delete(path);
    if (e.pins > 0) {
      e.doomed = true;
      return;
    }
    await e.open.then((f) => f.close()).catch(() => {});
  }

  /** Closes every handle whose path starts with prefix. */
  async closeUnder(prefix: string): Promise<void> {
    const paths = [...this.entries.keys()].filter((p) => p.startsWith(prefix));
    await Promise.all(paths.map((p) => this.close(p)));
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.keys()];
    await Promise.all(all.map((p) => this.close(p)));
    await Promise.all(this.closing);
    this.closing = [];
  }
}
