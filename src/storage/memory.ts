// memory:// — files and metadata kept in process memory, with the same semantics as the file engine.
// It also remembers what was synced, so tests can simulate a power cut with crash().
//
// A file is a list of immutable pieces. Writes are copied into the unused end of a chunk the file
// allocated (bytes there are written once), except a buffer its writer handed over that lies in a
// request's own frame: that one is kept as it is (no copy: a producer's batch stays the request's own
// bytes). A write over old bytes or a cut makes new pieces instead of changing old ones. So the views
// a fetch holds never change, and nothing is copied to keep them so.

import { StorageIoError, type Storage, type StorageFile } from './types.js';

interface Node {
  /** The file's bytes in order; piece i holds [starts[i], starts[i] + pieces[i].length). */
  pieces: Buffer[];
  starts: number[];
  length: number;
  /** Bytes known durable: a simulated crash cuts the file back to this length. */
  synced: number;
  /** The unwritten end of the chunk this file copies small writes into. */
  spare: Buffer;
}

/** Chunk size for copied writes (memory is touched only as it is written). */
const CHUNK = 1024 * 1024;
/** Smaller handed-over buffers are copied anyway: a piece costs about 100 bytes to track. */
const KEEP_MIN = 4 * 1024;
const EMPTY = Buffer.alloc(0);

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

/** Index of the piece holding byte `at` (0 <= at < n.length). */
function pieceAt(n: Node, at: number): number {
  let lo = 0;
  let hi = n.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (n.starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Adds buf at the file's end, joining it to the last piece when it continues it in memory. */
function appendPiece(n: Node, buf: Buffer): void {
  const last = n.pieces.length - 1;
  const prev = last >= 0 ? n.pieces[last] : undefined;
  if (prev !== undefined && prev.buffer === buf.buffer && prev.byteOffset + prev.length === buf.byteOffset) {
    n.pieces[last] = Buffer.from(prev.buffer, prev.byteOffset, prev.length + buf.length);
  } else {
    n.pieces.push(buf);
    n.starts.push(n.length);
  }
  n.length += buf.length;
}

/** Copies src to the file's end, into the spare end of its chunk (new chunks as needed). */
function appendCopy(n: Node, src: Uint8Array): void {
  for (let done = 0; done < src.length;) {
    if (n.spare.length === 0) n.spare = Buffer.alloc(CHUNK);
    const take = Math.min(n.spare.length, src.length - done);
    n.spare.set(src.subarray(done, done + take));
    appendPiece(n, n.spare.subarray(0, take));
    n.spare = n.spare.subarray(take);
    done += take;
  }
}

/** Cuts the file to size (<= length) and returns the pieces that held the bytes cut off. */
function cut(n: Node, size: number): Buffer[] {
  if (size >= n.length) return [];
  const i = pieceAt(n, size);
  const within = size - n.starts[i];
  const removed = n.pieces.splice(within === 0 ? i : i + 1);
  n.starts.length = n.pieces.length;
  if (within > 0) {
    removed.unshift(n.pieces[i].subarray(within));
    n.pieces[i] = n.pieces[i].subarray(0, within);
  }
  n.length = size;
  if (n.synced > size) n.synced = size;
  return removed;
}

/** Copies file bytes [position, position + out.length) into out. */
function get(n: Node, out: Buffer, position: number): void {
  let i = pieceAt(n, position);
  let off = position - n.starts[i];
  for (let done = 0; done < out.length; i++, off = 0) {
    const piece = n.pieces[i];
    const take = Math.min(piece.length - off, out.length - done);
    out.set(piece.subarray(off, off + take), done);
    done += take;
  }
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
    if (end <= position) return out;
    let i = pieceAt(n, position);
    for (let at = position; at < end; i++) {
      const piece = n.pieces[i];
      const off = at - n.starts[i];
      const take = Math.min(piece.length - off, end - at);
      out.push(off === 0 && take === piece.length ? piece : piece.subarray(off, off + take));
      at += take;
    }
    return out;
  }

  async write(buffers: readonly Buffer[], position: number, hint?: { handedOver?: boolean }): Promise<void> {
    this.check();
    const n = this.node;
    if (position > n.length) appendPiece(n, Buffer.alloc(position - n.length));
    // A write over old bytes: the old pieces after it are cut off (and no longer count as synced), and
    // what the write leaves of them goes back after it.
    const after = cut(n, position);
    let written = 0;
    for (const b of buffers) {
      if (hint?.handedOver === true && b.length >= KEEP_MIN) appendPiece(n, b);
      else appendCopy(n, b);
      written += b.length;
    }
    for (const piece of after) {
      if (written >= piece.length) written -= piece.length;
      else {
        appendPiece(n, written === 0 ? piece : piece.subarray(written));
        written = 0;
      }
    }
  }

  async sync(): Promise<void> {
    this.check();
    this.node.synced = this.node.length;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    const n = this.node;
    if (size < n.length) cut(n, size);
    else if (size > n.length) appendPiece(n, Buffer.alloc(size - n.length));
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
      node = { pieces: [], starts: [], length: 0, synced: 0, spare: EMPTY };
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
