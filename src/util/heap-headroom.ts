// Gives a broker process's V8 heap room to grow before a full garbage collection. A broker's live
// heap is small (8-15 MiB, and V8 sets its old-generation limit at 2-4 times that), and its traffic
// allocates fast (request frames, record batches, responses): under a produce load V8 marked and
// compacted the whole heap every 50-100 ms, a quarter to a third of the broker's CPU (`node
// --trace-gc` under bench/pg.ts and a produce load on one broker). `--trace-incremental-marking`
// showed marking started again at once with 12-40 MiB of room left: as far as its source reads, V8
// starts early when that room is small next to the young generation, which grows to tens of MiB
// at this allocation rate (not proven; on Node 24 some starts are "external memory pressure",
// which this does not govern). Started
// with `node --initial-old-space-size=64`, the same broker ran 1-2 full collections where it had
// run 80-100.
//
// Flags given at start-up can't be set from inside the process, and a user runs `node dist/cli.js`
// without any. So the heap growing factor (read by V8 whenever it sets the limit, after each full
// collection) is set instead: as large as gives the old generation HEADROOM_BYTES of room, and left
// to V8 once it holds that much itself. Its size is looked at again every few seconds. Only the
// command line calls this: an embedded broker leaves its host process's heap alone.

import * as v8 from 'node:v8';

/** The room to grow kept for the old generation: more than the young generation reaches here. */
export const HEADROOM_BYTES = 64 * 1024 * 1024;

/** Below this live size the factor stays as for this size (a factor of 17). */
const SMALLEST_LIVE_BYTES = 4 * 1024 * 1024;

/**
 * V8's --heap-growing-percent for a live old generation of `liveBytes`: the limit it sets is
 * liveBytes × (1 + percent / 100), so liveBytes + HEADROOM_BYTES. 0 (V8's own factor, at least 1.1)
 * once the live heap is HEADROOM_BYTES or more. Rounded up to 50 so that small changes of the live
 * size don't set the flag again.
 */
export function heapGrowingPercent(liveBytes: number): number {
  if (liveBytes >= HEADROOM_BYTES) return 0;
  const percent = (HEADROOM_BYTES / Math.max(liveBytes, SMALLEST_LIVE_BYTES)) * 100;
  return Math.ceil(percent / 50) * 50;
}

/** How often the live heap is looked at again (a timer rather than a GC observer: it costs less idle memory). */
const CHECK_EVERY_MS = 5000;

/** What the old generation holds: the spaces other than the young generation's. */
function oldGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().filter((s) => !s.space_name.startsWith('new_')).reduce((n, s) => n + s.space_used_size, 0);
}

/** Sets the factor for the heap now, and again when the heap's size has changed, for the life of the process. */
export function keepHeapHeadroom(): void {
  let current = -1;
  const apply = (): void => {
    const percent = heapGrowingPercent(oldGenerationBytes());
    if (percent === current) return;
    current = percent;
    v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  };
  apply();
  setInterval(apply, CHECK_EVERY_MS).unref();
}
