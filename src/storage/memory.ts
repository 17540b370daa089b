// memory:// — files and metadata kept in process memory, with the same semantics as the file engine.
// It also remembers what was synced, so tests can simulate a power cut with crash().

import { StorageIoError, type Storage, type StorageFile } from './types.js';

interface Node {
  /** Contents in fixed-size chunks (no large contiguous buffers, no copies when growing). */
  chunks: Buffer[];
  /** Chunks handed out as views (MemoryFile.views): replaced by a copy before their bytes change. */
  lent: WeakSet<Buffer>;
  length: number;
  /** Bytes known durable: a simulated crash cuts the file back to this length. */
  synced: number;
}

const CHUNK = 1024 * 1024;

function norm(path: string): string {
  return path.split('/').filter((p) => p !== '' && p !== '.').join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function enoent(path: string): StorageIoError {
  return new StorageIoError(`ENOENT: no such file '${path}'`, 'ENOENT');
}

/**
 * Chunk ci, ready to be changed from byte `off` on: a chunk lent as views is replaced by a copy first
 * when a view may show those bytes (they are below the file's length), so views never change.
 */
function writable(n: Node, ci: number, off: number): Buffer {
  const chunk = n.chunks[ci];
  if (ci * CHUNK + off < n.length && n.lent.has(chunk)) {
    n.lent.delete(chunk);
    n.chunks[ci] = Buffer.from(chunk);
  }
  return n.chunks[ci];
}

/** Copies src into the node at position, allocating zeroed chunks as needed. */
function put(n: Node, src: Uint8Array, position: number): void {
  let done = 0;
  while (done < src.length) {
    const at = position + done;
    const ci = Math.floor(at / CHUNK);
    const off = at - ci * CHUNK;
    while (n.chunks.length <= ci) n.chunks.push(Buffer.alloc(CHUNK));
    const take = Math.min(CHUNK - off, src.length - done);
    writable(n, ci, off).set(src.subarray(done, done + take), off);
    done += take;
  }
}

/** Copies node bytes [position, position + out.length) into out. */
function get(n: Node, out: Buffer, position: number): void {
  let done = 0;
  while (done < out.length) {
    const at = position + done;
    const ci = Math.floor(at / CHUNK);
    const off = at - ci * CHUNK;
    const take = Math.min(CHUNK - off, out.length - done);
    out.set(n.chunks[ci].subarray(off, off + take), done);
    done += take;
  }
}

/** Cuts the node to size, zeroing the rest of the last chunk so a later extension reads zeros. */
function cut(n: Node, size: number): void {
  const keep = Math.ceil(size / CHUNK);
  n.chunks.length = Math.min(n.chunks.length, keep);
  const off = size % CHUNK;
  if (off > 0 && n.chunks.length === keep) writable(n, keep - 1, off).fill(0, off);
  n.length = size;
  if (n.synced > size) n.synced = size;
}

class MemoryFile implements StorageFile {
  private closed = false;
  constructor(readonly path: string, private readonly node: Node) {}

  private check(): void {
    if (this.closed) throw new StorageIoError(`file '${this.path}' is closed`, 'EBADF');
  }

  async size(): Promise<number> {
    this.check();
    return this.node.length;
  }

  async read(position: number, length: number, into?: Buffer): Promise<Buffer> {
    this.check();
    const end = Math.min(this.node.length, position + length);
    if (end <= position) return Buffer.alloc(0);
    const out = into === undefined ? Buffer.allocUnsafe(end - position) : into.subarray(0, end - position);
    get(this.node, out, position);
    return out;
  }

  views(position: number, length: number): Buffer[] {
    this.check();
    const n = this.node;
    const end = Math.min(n.length, position + length);
    const out: Buffer[] = [];
    for (let at = position; at < end;) {
      const ci = Math.floor(at / CHUNK);
      const off = at - ci * CHUNK;
      const take = Math.min(CHUNK - off, end - at);
      n.lent.add(n.chunks[ci]);
      out.push(n.chunks[ci].subarray(off, off + take));
      at += take;
    }
    return out;
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    this.check();
    const n = this.node;
    if (position > n.length) put(n, Buffer.alloc(position - n.length), n.length);
    let pos = position;
    for (const b of buffers) {
      put(n, b, pos);
      pos += b.length;
    }
    if (pos > n.length) n.length = pos;
    if (position < n.synced) n.synced = position;
  }

  async sync(): Promise<void> {
    this.check();
    this.node.synced = this.node.length;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    const n = this.node;
    if (size < n.length) cut(n, size);
    else if (size > n.length) await this.write([Buffer.alloc(size - n.length)], n.length);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export class MemoryStorage implements Storage {
  readonly url = 'memory://';
  private readonly files = new Map<string, Node>();
  private readonly dirs = new Set<string>(['']);
  private readonly meta = new Map<string, Buffer>();

  async mkdir(dir: string): Promise<boolean> {
    let d = norm(dir);
    const created = d !== '' && !this.dirs.has(d);
    while (d !== '' && !this.dirs.has(d)) {
      this.dirs.add(d);
      d = parentOf(d);
    }
    return created;
  }

  async list(dir: string): Promise<string[]> {
    const d = norm(dir);
    const out = new Set<string>();
    const prefix = d === '' ? '' : d + '/';
    const scan = (p: string) => {
      if (!p.startsWith(prefix) || p === d) return;
      const rest = p.slice(prefix.length);
      out.add(rest.split('/')[0]);
    };
    for (const p of this.files.keys()) scan(p);
    for (const p of this.meta.keys()) scan(p);
    for (const p of this.dirs) scan(p);
    return [...out].sort();
  }

  async open(path: string, create: boolean): Promise<StorageFile> {
    const p = norm(path);
    let node = this.files.get(p);
    if (!node) {
      if (!create) throw enoent(p);
      if (!this.dirs.has(parentOf(p))) throw enoent(parentOf(p));
      node = { chunks: [], lent: new WeakSet(), length: 0, synced: 0 };
      this.files.set(p, node);
    }
    return new MemoryFile(p, node);
  }

  async exists(path: string): Promise<boolean> {
    const p = norm(path);
    return this.files.has(p) || this.meta.has(p) || this.dirs.has(p);
  }

  async remove(path: string): Promise<void> {
    const p = norm(path);
    this.files.delete(p);
    this.meta.delete(p);
  }

  async removeDir(dir: string): Promise<void> {
    const d = norm(dir);
    const prefix = d + '/';
    for (const m of [this.files, this.meta]) {
      for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
    }
    for (const k of [...this.dirs]) if (k === d || k.startsWith(prefix)) this.dirs.delete(k);
  }

  async rename(from: string, to: string): Promise<void> {
    const f = norm(from);
    const t = norm(to);
    if (this.files.has(f) || this.meta.has(f)) {
      if (!this.dirs.has(parentOf(t))) throw enoent(parentOf(t));
      for (const m of [this.files, this.meta] as Map<string, unknown>[]) {
        if (m.has(f)) {
          m.set(t, m.get(f));
          m.delete(f);
        }
      }
      return;
    }
    if (!this.dirs.has(f)) throw enoent(f);
    const prefix = f + '/';
    const move = (k: string) => t + k.slice(f.length);
    for (const m of [this.files, this.meta] as Map<string, unknown>[]) {
      for (const k of [...m.keys()]) {
        if (k.startsWith(prefix)) {
          m.set(move(k), m.get(k));
          m.delete(k);
        }
      }
    }
    for (const k of [...this.dirs]) {
      if (k === f || k.startsWith(prefix)) {
        this.dirs.delete(k);
        this.dirs.add(move(k));
      }
    }
    await this.mkdir(parentOf(t));
  }

  async syncDir(): Promise<void> {}

  async readMeta(path: string): Promise<Buffer | null> {
    const m = this.meta.get(norm(path));
    return m ? Buffer.from(m) : null;
  }

  async writeMeta(path: string, data: Buffer): Promise<void> {
    const p = norm(path);
    if (!this.dirs.has(parentOf(p))) throw enoent(parentOf(p));
    this.meta.set(p, Buffer.from(data));
  }

  async close(): Promise<void> {}

  /** Simulates a power cut: every file loses the bytes written since its last sync. */
  crash(): void {
    for (const n of this.files.values()) cut(n, n.synced);
  }

  /** Bytes of a file as stored (tests: corrupt or inspect it directly). */
  rawFile(path: string): Buffer | undefined {
    const n = this.files.get(norm(path));
    if (!n) return undefined;
    const out = Buffer.alloc(n.length);
    get(n, out, 0);
    return out;
  }
}
