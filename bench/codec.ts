// Codec micro-benchmark: encode/decode throughput of a Produce v9+ request and a Fetch v12+
// response each carrying 1 MiB of records (in 16 partitions of 64 KiB), a Metadata response with
// many small fields (per-field overhead), and CRC-32C MB/s against the `crc-32` package's.
// Run: npm run bench:codec   (compiles with tsc into dist/bench-codec, then runs on plain Node)
import { createRequire } from 'node:module';
import { ApiKey, decodeRequest, decodeRequestHeader, decodeResponse, encodeRequest, encodeResponse, loadAllApiCodecs, randomUuid } from '../src/codec/index.js';

await loadAllApiCodecs(); // the broker loads each API's codec on first use; here every call is synchronous

const MiB = 1024 * 1024;
const PARTS = 16;
const chunk = Buffer.alloc(MiB / PARTS, 0xab);
const concat = (b: Buffer[]) => (b.length === 1 ? b[0] : Buffer.concat(b));

function bench(name: string, bytesPerOp: number, fn: () => unknown): void {
  // warm up, then run for ~1 s
  for (let i = 0; i < 200; i++) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1e9) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const perSec = ops / (elapsed / 1e9);
  const mbs = (perSec * bytesPerOp) / MiB;
  console.log(`${name.padEnd(44)} ${perSec.toFixed(0).padStart(9)} ops/s  ${(1e9 / perSec / 1000).toFixed(2).padStart(8)} µs/op${bytesPerOp ? `  ${mbs.toFixed(0).padStart(8)} MiB/s of records` : ''}`);
}

// Produce v9 (flexible) with 16 partitions × 64 KiB
const produceBody = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 'bench-topic', partitionData: Array.from({ length: PARTS }, (_, i) => ({ index: i, records: chunk })) }],
};
const produceFrame = concat(encodeRequest(ApiKey.Produce, 9, { correlationId: 1, clientId: 'bench' }, produceBody)).subarray(4);
bench('Produce v9 request encode (1 MiB records)', MiB, () => encodeRequest(ApiKey.Produce, 9, { correlationId: 1, clientId: 'bench' }, produceBody));
bench('Produce v9 request decode (1 MiB records)', MiB, () => {
  const h = decodeRequestHeader(produceFrame);
  return decodeRequest(ApiKey.Produce, 9, produceFrame, h.bodyOffset);
});

// Fetch v12 (flexible) response, records as chunk lists (as read from log segments)
const topicId = randomUuid();
const fetchBody = {
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 0,
  responses: [
    {
      topic: 'bench-topic',
      topicId,
      partitions: Array.from({ length: PARTS }, (_, i) => ({
        partitionIndex: i,
        errorCode: 0,
        highWatermark: 1_000_000,
        lastStableOffset: 1_000_000,
        logStartOffset: 0,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: [chunk.subarray(0, 32768), chunk.subarray(32768)],
      })),
    },
  ],
};
const fetchFrame = concat(encodeResponse(ApiKey.Fetch, 12, 1, fetchBody)).subarray(4);
bench('Fetch v12 response encode (1 MiB records)', MiB, () => encodeResponse(ApiKey.Fetch, 12, 1, fetchBody));
bench('Fetch v12 response decode (1 MiB records)', MiB, () => decodeResponse(ApiKey.Fetch, 12, fetchFrame));

// Metadata v12 response: 100 topics × 10 partitions (field-heavy, no records)
const mdBody = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 1, host: 'broker-1.example', port: 9092, rack: null }],
  clusterId: 'cluster',
  controllerId: 1,
  topics: Array.from({ length: 100 }, (_, t) => ({
    errorCode: 0,
    name: `topic-${t}`,
    topicId: randomUuid(),
    isInternal: false,
    partitions: Array.from({ length: 10 }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 3, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
    topicAuthorizedOperations: -2147483648,
  })),
};
const mdFrame = concat(encodeResponse(ApiKey.Metadata, 12, 1, mdBody)).subarray(4);
bench(`Metadata v12 response encode (${mdFrame.length} B)`, 0, () => encodeResponse(ApiKey.Metadata, 12, 1, mdBody));
bench(`Metadata v12 response decode (${mdFrame.length} B)`, 0, () => decodeResponse(ApiKey.Metadata, 12, mdFrame));

// CRC-32C (src/codec/records/crc32c.ts) against the same-run baseline of the `crc-32` package's
// crc32c, which the codec used before, over 1 MiB and over a 258 KB batch at an odd offset.
const { crc32c } = await import('../src/codec/records/crc32c.js');
const packaged = createRequire(import.meta.url)('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number };
const big = Buffer.alloc(MiB + 1, 0x5a);
const batch = big.subarray(1, 1 + 258_000);
for (let round = 0; round < 2; round++) {
  bench('CRC-32C over 1 MiB', MiB, () => crc32c(big, 0, MiB));
  bench('CRC-32C over 1 MiB, crc-32 package', MiB, () => packaged.buf(big.subarray(0, MiB), 0));
  bench('CRC-32C over 258 KB at an odd offset', batch.length, () => crc32c(batch));
  bench('CRC-32C over 258 KB, crc-32 package', batch.length, () => packaged.buf(batch, 0));
}
