// Storage engines chosen by URL: file://DIR (default ./data) and memory://.

import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStorage } from './file.js';
import { MemoryStorage } from './memory.js';
import type { Storage } from './types.js';

export type { Storage, StorageFile } from './types.js';
export { StorageIoError, isNotFound } from './types.js';
export { FileStorage } from './file.js';
export { DataDirInUseError, type DirLock } from './dir-lock.js';
export { MemoryStorage } from './memory.js';

/** Default location when no URL is given. */
export const DEFAULT_STORAGE_URL = 'file://./data';

/**
 * Opens the engine a URL names. `file://DIR` accepts relative (file://./data, file://data) and
 * absolute (file:///var/lib/x) directories; `memory://` keeps everything in this process.
 * With `create: false` nothing is created yet: the caller calls `create()` when it is time.
 */
export async function openStorage(url: string = DEFAULT_STORAGE_URL, options: { create?: boolean } = {}): Promise<Storage> {
  if (url === 'memory://' || url.startsWith('memory:')) return new MemoryStorage();
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    const dir = rest.startsWith('/') ? fileURLToPath('file://' + rest) : rest === '' ? './data' : rest;
    const root = nodePath.resolve(decodeURIComponent(dir));
    const s = new FileStorage(root);
    if (options.create !== false) await s.create();
    return s;
  }
  throw new Error(`unknown storage URL '${url}' (use file://DIR or memory://)`);
}
