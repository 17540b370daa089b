// Shared helpers for the log and storage tests: both engines, batch builders, temp directories.

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildRecordBatch, type BuildRecordBatchOptions, type RecordInput } from '../../src/codec/records/record.js';
import { FileStorage } from '../../src/storage/file.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/types.js';

export interface EngineFixture {
  name: 'memory' | 'file';
  /** A fresh storage; call again with the same fixture to "restart" on the same data. */
  open(): Promise<Storage>;
  cleanup(): Promise<void>;
  /** The MemoryStorage (memory engine) for crash simulation. */
  memory?: MemoryStorage;
  dir?: string;
}

export async function makeEngine(name: 'memory' | 'file'): Promise<EngineFixture> {
  if (name === 'memory') {
    const m = new MemoryStorage();
    return { name, memory: m, open: async () => m, cleanup: async () => {} };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-log-'));
  return {
    name,
    dir,
    open: async () => new FileStorage(dir),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

export const ENGINES = ['memory', 'file'] as const;

/** A v2 batch with string values (keys optional), timestamps default to `ts`. */
export function batch(values: (string | RecordInput)[], opts: Partial<BuildRecordBatchOptions> & { ts?: number } = {}): Buffer {
  const ts = opts.ts ?? 1_700_000_000_000;
  const records: RecordInput[] = values.map((v) => (typeof v === 'string' ? { value: v, timestamp: ts } : { timestamp: ts, ...v }));
  return buildRecordBatch({ now: ts, ...opts, records });
}

/** A batch of one record whose value has `size` bytes in total (roughly). */
export function sizedBatch(size: number, ts = 1_700_000_000_000): Buffer {
  return buildRecordBatch({ now: ts, records: [{ value: Buffer.alloc(Math.max(0, size - 61 - 10), 0x61), timestamp: ts }] });
}

export function concat(bufs: Buffer[]): Buffer {
  return Buffer.concat(bufs);
}
