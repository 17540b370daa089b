// Micro-benchmarks for the record codec: CRC-32C throughput, batch validation, record decoding and the codecs.
// Run (no extra dependencies):
//   npx tsc bench/records.ts --outDir /tmp/tb --rootDir . --module NodeNext --moduleResolution NodeNext \
//     --target ES2022 --types node --skipLibCheck --strict \
//     && ln -sfn "$PWD/node_modules" /tmp/tb/node_modules && echo '{"type":"module"}' > /tmp/tb/package.json \
//     && node /tmp/tb/bench/records.js [seconds-per-measurement]
// (compiles only this script and what it imports; the symlink lets the output find crc-32.)

import { crc32, crc32c } from '../src/codec/records/crc32c.js';
import { compress, decompress } from '../src/codec/records/compression/index.js';
import { CompressionType, iterateBatches, validateBatch } from '../src/codec/records/record-batch.js';
import { buildRecordBatch, readBatchRecords } from '../src/codec/records/record.js';

const seconds = Number(process.argv[2] ?? 1);

function measure(name: string, unit: string, perOp: number, fn: () => void): void {
  // warm up long enough for the optimizing compiler, not just a few calls (long loops first run unoptimized)
  for (const until = Date.now() + 300; Date.now() < until; ) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    fn();
    ops++;
    elapsed = process.hrtime.bigint() - start;
  }
  const rate = (ops * perOp) / (Number(elapsed) / 1e9);
  console.log(`${name.padEnd(44)} ${rate.toFixed(rate < 100 ? 1 : 0).padStart(12)} ${unit}`);
}

const MiB = 1024 * 1024;
const random = Buffer.allocUnsafe(MiB);
for (let i = 0; i < random.length; i++) random[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;

measure('CRC-32C, 1 MiB buffers', 'MB/s', 1, () => void crc32c(random));
measure('CRC-32 (IEEE), 1 MiB buffers', 'MB/s', 1, () => void crc32(random));

// A 1 MiB records blob of ~1 KiB-record batches (10 records of 100 bytes each), like a busy produce/fetch.
const value = Buffer.alloc(100, 'v');
const batch = buildRecordBatch({ now: 1700000000000, records: Array.from({ length: 10 }, (_, i) => ({ key: `key-${i}`, value })) });
const count = Math.floor(MiB / batch.length);
const blob = Buffer.concat(Array.from({ length: count }, () => batch));
console.log(`(blob: ${count} batches of ${batch.length} bytes)`);

measure('validateBatch (CRC included), 1 MiB blob', 'batches/s', count, () => {
  for (const span of iterateBatches(blob)) if (!validateBatch(blob, span.position, span.size).ok) throw new Error('invalid');
});
measure('validateBatch (CRC included), 1 MiB blob', 'MB/s', 1, () => {
  for (const span of iterateBatches(blob)) if (!validateBatch(blob, span.position, span.size).ok) throw new Error('invalid');
});
measure('iterateBatches only, 1 MiB blob', 'batches/s', count, () => {
  for (const span of iterateBatches(blob)) void span;
});
measure('readBatchRecords, uncompressed', 'records/s', 10, () => void readBatchRecords(batch));

const text = Buffer.alloc(MiB);
for (let pos = 0, i = 0; pos < text.length; i++) pos += text.write(`{"id":${i},"name":"record ${i % 97}","ok":true}\n`, pos);
for (const [name, type] of [['gzip', CompressionType.gzip], ['snappy', CompressionType.snappy], ['lz4', CompressionType.lz4]] as const) {
  const c = compress(type, text);
  measure(`${name} compress, 1 MiB JSON-ish (ratio ${(text.length / c.length).toFixed(1)})`, 'MB/s', 1, () => void compress(type, text));
  measure(`${name} decompress, 1 MiB JSON-ish`, 'MB/s', 1, () => void decompress(type, c));
}
