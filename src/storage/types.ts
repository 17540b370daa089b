// The storage interface: named files of bytes (positional read, append-style write, sync, truncate)
// and small metadata blobs replaced atomically. It knows nothing of Kafka; src/log builds on it.

/** An open file. Positions are byte offsets; writes may leave holes only past the end. */
export interface StorageFile {
  readonly path: string;
  /** Size in bytes as far as this process knows (includes completed writes). */
  size(): Promise<number>;
  /**
   * Reads up to length bytes at position; shorter only at end of file. Into a new Buffer, or into
   * `into` (at least length bytes) when given: the result is then a view of it. `recent`: the bytes
   * were written lately (a tailing consumer's read of the active segment's end), so they are in the
   * page cache and a small read may be made without handing it to another thread.
   */
  read(position: number, length: number, into?: Buffer, hint?: { recent?: boolean }): Promise<Buffer>;
  /**
   * Optional (the memory engine): up to length bytes at position (shorter only at end of file) as
   * views of the engine's own memory, in order, without copying. What they show never changes: a
   * later write, cut or removal of the file leaves them as they were.
   */
  views?(position: number, length: number): Buffer[];
  /**
   * Writes all buffers contiguously starting at position. `handedOver`: the writer never changes these
   * buffers again, and keeping them keeps nothing else alive (views of a request frame that owns its
   * memory), so an engine that holds bytes in memory may keep them instead of a copy.
   */
  write(buffers: readonly Buffer[], position: number, hint?: { handedOver?: boolean }): Promise<void>;
  /** Makes every completed write durable (fdatasync). */
  sync(): Promise<void>;
  /** Cuts the file to size bytes. */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

/** A medium for files and metadata, addressed by '/'-separated relative paths. */
export interface Storage {
  /** The URL it was opened from, e.g. 'file:///var/lib/tributary' or 'memory://'. */
  readonly url: string;
  /**
   * Creates the directory and its parents if missing; true when this call created it (then it is
   * empty: a caller creating a partition skips listing and reading it).
   */
  mkdir(dir: string): Promise<boolean>;
  /** Names (not paths) directly inside dir; [] when dir does not exist. */
  list(dir: string): Promise<string[]>;
  /** Opens a file for reading and writing, creating it when create is set (else ENOENT). */
  open(path: string, create: boolean): Promise<StorageFile>;
  exists(path: string): Promise<boolean>;
  /** Removes a file; no error when missing. */
  remove(path: string): Promise<void>;
  /** Removes a directory and everything under it; no error when missing. */
  removeDir(dir: string): Promise<void>;
  /** Renames a file or directory, replacing the target file if any (atomic on one medium). */
  rename(from: string, to: string): Promise<void>;
  /** Makes directory entries (creations, renames, removals) in dir durable. */
  syncDir(dir: string): Promise<void>;
  /** Reads a metadata blob written by writeMeta; null when missing. */
  readMeta(path: string): Promise<Buffer | null>;
  /** Replaces a metadata blob atomically and durably: readers see the old or the new content. */
  writeMeta(path: string, data: Buffer): Promise<void>;
  /**
   * Creates the medium where it must exist before use (file engine: the data directory), failing
   * with an error that names it. Absent: nothing to create.
   */
  create?(): Promise<void>;
  /** Releases the engine (file engine: nothing; memory engine: keeps data until dropped). */
  close(): Promise<void>;
  /**
   * Takes the medium for this process until released (file engine: the data directory, see
   * dir-lock.ts); throws DataDirInUseError while another process holds it. Absent: nothing to share.
   */
  lock?(): Promise<{ release(): Promise<void> }>;
}

/** An error from a storage engine with a Node-style code (ENOENT, EIO, ENOSPC, …). */
export class StorageIoError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'StorageIoError';
  }
}

/** True when err is a "no such file" error from any engine. */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
