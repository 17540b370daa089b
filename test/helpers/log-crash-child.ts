// Child process for the crash test: appends deterministic batches with fsync durability from several
// concurrent appenders and prints "ack <seq> <baseOffset>" for each acknowledged append (stdout is a
// pipe, written synchronously) until it is killed. Usage: node log-crash-child.js DIR FIRST_SEQ

import { writeSync } from 'node:fs';
import { LogManager } from '../../src/log/index.js';
import { crashBatch } from './log-crash-batch.js';

const [dir, firstSeqArg] = process.argv.slice(2);
let seq = Number(firstSeqArg);

const mgr = await LogManager.open({ url: 'file://' + dir, checkpointIntervalMs: 50, flushCheckIntervalMs: 20 });
const log = await mgr.getOrCreate('crash', 0, { 'segment.bytes': 256 * 1024, 'index.interval.bytes': 1024, durability: 'fsync' });
writeSync(1, `ready ${log.logEndOffset}\n`);

async function appender(): Promise<void> {
  for (;;) {
    const s = seq++;
    const r = await log.append(crashBatch(s));
    writeSync(1, `ack ${s} ${r.baseOffset}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, appender));
