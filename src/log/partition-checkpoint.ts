// The clean-shutdown checkpoint: one small file, written by LogManager.close() once every log is
// closed, that lists every partition directory with a summary of its log. A clean start reads it
// instead of opening 10,000 partitions: each stays dormant (no files open, no objects) until first
// used. Its presence is also the clean-shutdown marker (an empty marker is the older format).

/** What the manager knows of a log it has not opened: enough for metrics and to decide retention. */
export interface PartitionSummary {
  logStartOffset: number;
  logEndOffset: number;
  /** Bytes in all segments; null when some were never loaded (unknown). */
  size: number | null;
  segments: number;
  /** Max timestamp of the oldest segment (retention.ms deletes oldest first); -1 none; null unknown. */
  oldestMaxTimestamp: number | null;
}

export interface CheckpointEntry {
  /** The partition's directory name, `<topic>-<partition>`. */
  dir: string;
  /** null: not known (a partition left unopened since a crash). */
  summary: PartitionSummary | null;
  /** Its tail after the recovery point was never validated since a crash: open it as after one. */
  recover: boolean;
}

interface FileFormat {
  version: 1;
  /** [dir, logStartOffset, logEndOffset, size, segments, oldestMaxTimestamp, recover] or [dir, null, recover]. */
  partitions: unknown[][];
}

export function encodeCheckpoint(entries: Iterable<CheckpointEntry>): Buffer {
  const partitions: unknown[][] = [];
  for (const e of entries) {
    const s = e.summary;
    partitions.push(s === null ? [e.dir, null, e.recover ? 1 : 0] : [e.dir, s.logStartOffset, s.logEndOffset, s.size, s.segments, s.oldestMaxTimestamp, e.recover ? 1 : 0]);
  }
  const file: FileFormat = { version: 1, partitions };
  return Buffer.from(JSON.stringify(file));
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isIntOrNull = (v: unknown): v is number | null => v === null || isInt(v);

/** Parses a checkpoint; throws an Error saying what is wrong when the bytes are not one. */
export function decodeCheckpoint(bytes: Buffer): CheckpointEntry[] {
  let file: FileFormat;
  try {
    file = JSON.parse(bytes.toString('utf8')) as FileFormat;
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  if (typeof file !== 'object' || file === null || file.version !== 1 || !Array.isArray(file.partitions)) throw new Error('not a version 1 checkpoint');
  const out: CheckpointEntry[] = [];
  for (const p of file.partitions) {
    if (!Array.isArray(p) || typeof p[0] !== 'string') throw new Error('malformed entry');
    if (p.length === 3 && p[1] === null && (p[2] === 0 || p[2] === 1)) {
      out.push({ dir: p[0], summary: null, recover: p[2] === 1 });
      continue;
    }
    const [dir, logStartOffset, logEndOffset, size, segments, oldestMaxTimestamp, recover] = p;
    if (p.length !== 7 || !isInt(logStartOffset) || !isInt(logEndOffset) || !isIntOrNull(size) || !isInt(segments) || !isIntOrNull(oldestMaxTimestamp) || (recover !== 0 && recover !== 1)) {
      throw new Error(`malformed entry for ${String(dir)}`);
    }
    out.push({ dir: dir as string, summary: { logStartOffset, logEndOffset, size, segments, oldestMaxTimestamp }, recover: recover === 1 });
  }
  return out;
}
