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
  /** Open paths by directory, so closing one log's files does not walk every open handle. */
  private readonly byDir = new Map<string, Set<string>>();
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
      const dir = dirOf(path);
      const paths = this.byDir.get(dir);
      if (paths) paths.add(path);
      else this.byDir.set(dir, new Set([path]));
      const entry = e;
      e.open.catch(() => {
        if (this.entries.get(path) === entry) this.forget(path);
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
    // Down to a little under max at once: a walk of the Map starts at its oldest slots, which after
    // many LRU moves are mostly deleted ones, so one walk per handle opened cost O(max) each time.
    const target = this.max - Math.min(64, this.max >> 4);
    for (const [path, e] of this.entries) {
      if (this.entries.size <= target) break;
      if (e.pins > 0) continue;
      this.forget(path);
      this.closing.push(e.open.then((f) => f.close()).catch(() => {}));
    }
    if (this.closing.length > 64) this.closing = [Promise.all(this.closing).then(() => {})];
  }

  private forget(path: string): void {
    this.entries.delete(path);
    const dir = dirOf(path);
    const paths = this.byDir.get(dir);
    if (paths?.delete(path) && paths.size === 0) this.byDir.delete(dir);
  }

  /** Closes the handle of path if open (before removing or renaming the file). */
  async close(path: string): Promise<void> {
    const e = this.entries.get(path);
    if (!e) return;
    this.forget(path);
    if (e.pins > 0) {
      e.doomed = true;
      return;
    }
    await e.open.then((f) => f.close()).catch(() => {});
  }

  /** Closes every handle of the files directly in dir (a partition's directory). */
  async closeDir(dir: string): Promise<void> {
    const paths = this.byDir.get(dir);
    if (paths) await Promise.all([...paths].map((p) => this.close(p)));
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.keys()];
    await Promise.all(all.map((p) => this.close(p)));
    await Promise.all(this.closing);
    this.closing = [];
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
