// A broker SIGKILLed between EndTxn (commit decision durable in __transaction_state) and its markers:
// the next start completes the commit (markers on every partition, the LSO reaches the high
// watermark), and a read_committed reader never sees the records of an earlier aborted transaction.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch, iterateBatches, readBatchRecords } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';

const CHILD = fileURLToPath(new URL('./txn-crash-child.mjs', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'tributary-txn-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function txnBatch(producerId: number, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return buildRecordBatch({ producerId, producerEpoch, baseSequence, isTransactional: true, records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

async function readCommitted(c: RawClient, topic: string, partition: number) {
  const res = await c.request(1, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const p = res.responses[0].partitions[0];
  const buf: Buffer = p.records === null ? Buffer.alloc(0) : Array.isArray(p.records) ? Buffer.concat(p.records) : p.records;
  const aborted = new Map<number, number>((p.abortedTransactions ?? []).map((a: { producerId: number; firstOffset: number }) => [a.producerId, a.firstOffset]));
  const values: string[] = [];
  // What a read_committed consumer does: skip batches of aborted transactions and control batches.
  for (const span of iterateBatches(buf)) {
    if (span.status !== 'complete') break;
    const { header, records } = readBatchRecords(buf, span.position);
    if (header.isControl) continue;
    const first = aborted.get(header.producerId);
    if (header.isTransactional && first !== undefined && first <= header.baseOffset) continue;
    for (const r of records) values.push(r.value!.toString());
  }
  return { values, lastStableOffset: p.lastStableOffset as number, highWatermark: p.highWatermark as number };
}

async function initPid(c: RawClient, transactionalId: string) {
  for (;;) {
    const r = await c.request(22, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    if (r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS && r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('crash between EndTxn and markers', () => {
  it('completes the commit after a SIGKILL and restart; aborted data stays invisible', async () => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const waitFor = (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) resolve(m);
        };
        child.stdout.on('data', (d) => {
          out += d;
          check();
        });
        child.once('exit', (code) => reject(new Error(`child exited (${code}) before ${re}: ${out}`)));
        check();
      });
    const port = Number((await waitFor(/port (\d+)/))[1]);
    let c = await RawClient.connect(port);

    // An aborted transaction first: its records must never be read_committed-visible.
    const ab = await initPid(c, 'crash-abort');
    await c.request(24, 3, { v3AndBelowTransactionalId: 'crash-abort', v3AndBelowProducerId: ab.producerId, v3AndBelowProducerEpoch: ab.producerEpoch, v3AndBelowTopics: [{ name: 'crash', partitions: [0, 1] }] });
    for (const p of [0, 1]) {
      const r = await c.request(0, 9, { transactionalId: 'crash-abort', acks: -1, timeoutMs: 5000, topicData: [{ name: 'crash', partitionData: [{ index: p, records: txnBatch(ab.producerId, ab.producerEpoch, 0, [`aborted-${p}`]) }] }] });
      expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    expect((await c.request(26, 3, { transactionalId: 'crash-abort', producerId: ab.producerId, producerEpoch: ab.producerEpoch, committed: false })).errorCode).toBe(0);

    const tx = await initPid(c, 'crash-commit');
    await c.request(24, 3, { v3AndBelowTransactionalId: 'crash-commit', v3AndBelowProducerId: tx.producerId, v3AndBelowProducerEpoch: tx.producerEpoch, v3AndBelowTopics: [{ name: 'crash', partitions: [0, 1] }] });
    for (const p of [0, 1]) {
      const r = await c.request(0, 9, { transactionalId: 'crash-commit', acks: -1, timeoutMs: 5000, topicData: [{ name: 'crash', partitionData: [{ index: p, records: txnBatch(tx.producerId, tx.producerEpoch, 0, [`committed-${p}-a`, `committed-${p}-b`]) }] }] });
      expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    const before = await readCommitted(c, 'crash', 0);
    expect(before.values).toEqual([]);
    c.send(26, 3, { transactionalId: 'crash-commit', producerId: tx.producerId, producerEpoch: tx.producerEpoch, committed: true });
    await waitFor(/prepared crash-commit/);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    c.close();

    const broker = await startBroker({ storage: `file://${dir}` });
    try {
      await broker.services.txn.load();
      await broker.services.txn.idle();
      expect(broker.services.txn.describe('crash-commit')?.state).toBe('CompleteCommit');
      c = await RawClient.connect(broker.port);
      for (const p of [0, 1]) {
        const rc = await readCommitted(c, 'crash', p);
        expect(rc.values).toEqual([`committed-${p}-a`, `committed-${p}-b`]);
        expect(rc.lastStableOffset).toBe(rc.highWatermark);
      }
      c.close();
    } finally {
      await broker.close();
    }
  }, 60_000);
});
