// Reads every record of a partition with raw Fetch requests (our codec), for tests that check what
// a producer wrote without depending on a consumer group.

import { readBatchRecords, iterateBatches } from '../../src/codec/records/index.js';
import type { RawClient } from './raw-client.js';

export interface FetchedRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: number;
}

export async function fetchAll(client: RawClient, topic: string, partition: number, fromOffset = 0, version = 12): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  let offset = fromOffset;
  for (;;) {
    const res = await client.request(1, version, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = res.responses[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
    const records: Buffer | Buffer[] | null = p.records;
    const buf = records === null ? Buffer.alloc(0) : Array.isArray(records) ? Buffer.concat(records) : records;
    let progressed = false;
    for (const span of iterateBatches(buf)) {
      if (span.status !== 'complete') break;
      const batch = readBatchRecords(buf.subarray(span.position, span.position + span.size));
      for (const r of batch.records) {
        if (r.offset < offset) continue;
        out.push({
          offset: r.offset,
          key: r.key === null ? null : r.key.toString(),
          value: r.value === null ? null : r.value.toString(),
          headers: Object.fromEntries(r.headers.map((h) => [h.key.toString(), h.value === null ? '' : h.value.toString()])),
          timestamp: r.timestamp,
        });
        offset = r.offset + 1;
        progressed = true;
      }
    }
    if (!progressed) return out;
  }
}
