// Idempotent and transactional producer benchmark. Run:   npm run build:tools && node build/bench/txn.js
// Options (env): BENCH_STORAGE (memory:// by default; file://DIR for a disk), BENCH_BATCHES (20000),
//   BENCH_RECORD_BYTES (100), BENCH_RECORDS (10 records per batch), BENCH_INFLIGHT (5, Kafka's
//   idempotence limit), BENCH_TXN_MS (5000), BENCH_ROUNDS (3).
//
// Prints, against an embedded broker over a real socket with our codec (batches built beforehand, so
// the figures are the broker's work, not the client's):
// 1. Produce throughput (batches/s, MB/s) of plain batches (producer id -1) and of idempotent batches
//    (producer id, epoch, consecutive sequences: the duplicate-window and sequence checks run on every
//    batch), same sizes, same pipelining (BENCH_INFLIGHT requests in flight, acks=1), alternated over
//    BENCH_ROUNDS rounds; the ratio idempotent / plain of the best rounds (target ≥ 0.90).
// 2. Transaction commit rate of one transactional producer: AddPartitionsToTxn, one produce, EndTxn
//    commit (markers written and durable before the answer), sequentially for BENCH_TXN_MS.

import { type RunningBroker, startBroker } from '../src/broker.js';
import { decodeResponse } from '../src/codec/index.js';
import { buildRecordBatch } from '../src/codec/records/index.js';
import { RawClient } from '../test/helpers/raw-client.js';

const STORAGE = process.env.BENCH_STORAGE ?? 'memory://';
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20_000);
const RECORD_BYTES = Number(process.env.BENCH_RECORD_BYTES ?? 100);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 10);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 5);
const TXN_MS = Number(process.env.BENCH_TXN_MS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function batches(producerId: number, startSeq: number): Buffer[] {
  const value = Buffer.alloc(RECORD_BYTES, 7);
  return Array.from({ length: BATCHES }, (_, i) =>
    buildRecordBatch({
      producerId,
      producerEpoch: producerId >= 0 ? 0 : -1,
      baseSequence: producerId >= 0 ? startSeq + i * RECORDS : -1,
      records: Array.from({ length: RECORDS }, () => ({ key: null, value })),
    }),
  );
}

/** Sends every batch to topic/0 with INFLIGHT produce requests outstanding; returns elapsed ms. */
async function produceAll(c: RawClient, topic: string, all: Buffer[]): Promise<number> {
  const started = process.hrtime.bigint();
  let sent = 0;
  const send = (): void => {
    c.send(0, 9, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: all[sent++] }] }] });
  };
  while (sent < Math.min(INFLIGHT, all.length)) send();
  for (let done = 0; done < all.length; done++) {
    const frame = await c.readFrame();
    const { body } = decodeResponse(0, 9, frame) as { body: { responses: { partitionResponses: { errorCode: number }[] }[] } };
    const code = body.responses[0].partitionResponses[0].errorCode;
    if (code !== 0) throw new Error(`produce failed with error ${code}`);
    if (sent < all.length) send();
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const broker: RunningBroker = await startBroker({ storage: STORAGE });
  try {
    await broker.services.txn.load();
    for (const t of ['bench-plain', 'bench-idem', 'bench-txn']) await broker.services.topics.createTopic(t, 1, {});
    const c = await RawClient.connect(broker.port);
    const init = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 });
    const pid = init.producerId as number;
    const bytes = batches(-1, 0).reduce((n, b) => n + b.length, 0);
    // Warm-up (JIT, log segments) with both kinds.
    await produceAll(c, 'bench-plain', batches(-1, 0).slice(0, 2000));
    await produceAll(c, 'bench-idem', batches(pid, 0).slice(0, 2000));
    let seq = 2000 * RECORDS;
    let bestPlain = Infinity;
    let bestIdem = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const plain = batches(-1, 0);
      const idem = batches(pid, seq);
      seq += BATCHES * RECORDS;
      const tp = await produceAll(c, 'bench-plain', plain);
      const ti = await produceAll(c, 'bench-idem', idem);
      bestPlain = Math.min(bestPlain, tp);
      bestIdem = Math.min(bestIdem, ti);
      console.log(
        `round ${round + 1}: plain ${(BATCHES / (tp / 1000)).toFixed(0)} batches/s (${(bytes / 1048576 / (tp / 1000)).toFixed(1)} MB/s), ` +
          `idempotent ${(BATCHES / (ti / 1000)).toFixed(0)} batches/s (${(bytes / 1048576 / (ti / 1000)).toFixed(1)} MB/s)`,
      );
    }
    console.log(`idempotent / plain produce throughput (best rounds): ${(bestPlain / bestIdem).toFixed(3)}  [${BATCHES} batches × ${RECORDS} records × ${RECORD_BYTES} B, ${INFLIGHT} in flight, ${STORAGE}]`);

    // Transaction commit rate of one producer.
    const tx = await c.request(22, 4, { transactionalId: 'bench-tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const value = Buffer.alloc(RECORD_BYTES, 3);
    let txSeq = 0;
    let commits = 0;
    const started = Date.now();
    while (Date.now() - started < TXN_MS) {
      const add = await c.request(24, 3, { v3AndBelowTransactionalId: 'bench-tx', v3AndBelowProducerId: tx.producerId, v3AndBelowProducerEpoch: tx.producerEpoch, v3AndBelowTopics: [{ name: 'bench-txn', partitions: [0] }] });
      if (add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode !== 0) throw new Error('AddPartitionsToTxn failed');
      const records = buildRecordBatch({ producerId: tx.producerId, producerEpoch: tx.producerEpoch, baseSequence: txSeq, isTransactional: true, records: Array.from({ length: RECORDS }, () => ({ key: null, value })) });
      txSeq += RECORDS;
      const p = await c.request(0, 9, { transactionalId: 'bench-tx', acks: -1, timeoutMs: 30_000, topicData: [{ name: 'bench-txn', partitionData: [{ index: 0, records }] }] });
      if (p.responses[0].partitionResponses[0].errorCode !== 0) throw new Error(`transactional produce failed: ${p.responses[0].partitionResponses[0].errorCode}`);
      const end = await c.request(26, 3, { transactionalId: 'bench-tx', producerId: tx.producerId, producerEpoch: tx.producerEpoch, committed: true });
      if (end.errorCode !== 0) throw new Error(`EndTxn failed: ${end.errorCode}`);
      commits++;
    }
    const secs = (Date.now() - started) / 1000;
    console.log(`transaction commit rate, one producer (add partition, produce ${RECORDS} records, commit): ${(commits / secs).toFixed(0)} transactions/s [${STORAGE}]`);
    c.close();
  } finally {
    await broker.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
