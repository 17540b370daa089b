// The deterministic batch the crash test writes for a sequence number (child and parent build the same bytes).

import { buildRecordBatch } from '../../src/codec/records/record.js';

export function crashBatch(seq: number): Buffer {
  const n = 1 + (seq % 3);
  const pad = 'x'.repeat((seq * 37) % 3000);
  const records = Array.from({ length: n }, (_, i) => ({ key: `k${seq % 50}`, value: `seq-${seq}-${i}-${pad}`, timestamp: 1_700_000_000_000 + seq }));
  return buildRecordBatch({ now: 1_700_000_000_000, records });
}
