// Produce answers record-level failures as Kafka's LogValidator does: one record_errors entry per
// offending record, at its index in the batch, with Kafka's messages (checked against Kafka 4.3.1).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch, CompressionType, type RecordInput } from '../../src/codec/records/index.js';
import { type ApiTestBroker, startTestBroker, topicName } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker({ storage: 'memory://', port: 0 });
});
afterAll(() => b.close());

async function topic(configs: Record<string, string>): Promise<string> {
  const name = topicName('rec');
  const c = await b.client();
  const res = await c.request(19, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(res.topics[0].errorCode).toBe(0);
  return name;
}

async function produce(name: string, records: RecordInput[], compression: CompressionType = CompressionType.none, version = 9) {
  const c = await b.client();
  const res = await c.request(0, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name, partitionData: [{ index: 0, records: buildRecordBatch({ records, compression }) }] }],
  });
  return res.responses[0].partitionResponses[0];
}

const keyMessage = (name: string) => `Compacted topic cannot accept message without key in topic partition ${name}-0`;

describe('Produce record errors on a compacted topic', () => {
  it('names every keyless record at its index, with the summary Kafka gives', async () => {
    const name = await topic({ 'cleanup.policy': 'compact' });
    const r = await produce(name, [{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: 'c', value: '3' }, { key: null, value: '4' }]);
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors).toEqual([
      { batchIndex: 1, batchIndexErrorMessage: keyMessage(name) },
      { batchIndex: 3, batchIndexErrorMessage: keyMessage(name) },
    ]);
    expect(r.errorMessage).toBe(
      `One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: ` +
        `[RecordError(batchIndex=1, message='${keyMessage(name)}'), RecordError(batchIndex=3, message='${keyMessage(name)}')]`,
    );
    expect(r.baseOffset).toBe(-1);
    expect(r.logStartOffset).toBe(0);
  });

  it('lists every offending record but shows at most three in the message; compressed batches too', async () => {
    const name = await topic({ 'cleanup.policy': 'compact' });
    const records = [{ key: 'a' }, { key: 'b' }, { key: 'c' }, { key: null }, { key: null }, { key: null }, { key: null }];
    const r = await produce(name, records, CompressionType.gzip);
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors.map((e: { batchIndex: number }) => e.batchIndex)).toEqual([3, 4, 5, 6]);
    expect(r.errorMessage).toMatch(/^One or more records have been rejected due to 4 record errors in total, .*\[RecordError\(batchIndex=3, .*RecordError\(batchIndex=5, message='[^']*'\)\]$/);
    expect(r.errorMessage).not.toContain('batchIndex=6');
  });

  it('nothing of a refused batch is appended; a keyed batch is', async () => {
    const name = await topic({ 'cleanup.policy': 'compact' });
    expect((await produce(name, [{ key: null }])).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const ok = await produce(name, [{ key: 'k', value: 'v' }]);
    expect(ok).toMatchObject({ errorCode: 0, baseOffset: 0, recordErrors: [] });
  });
});

describe('Produce record errors on timestamps', () => {
  const bounds = { 'message.timestamp.before.max.ms': '60000', 'message.timestamp.after.max.ms': '60000' };

  it('names each record outside message.timestamp.before/after.max.ms, with the allowed range', async () => {
    const name = await topic(bounds);
    const now = Date.now();
    const r = await produce(name, [
      { value: '1', timestamp: now },
      { value: '2', timestamp: now + 3_600_000 },
      { value: '3', timestamp: now - 3_600_000 },
      { value: '4', timestamp: now },
    ]);
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
    expect(r.recordErrors.map((e: { batchIndex: number }) => e.batchIndex)).toEqual([1, 2]);
    const m = /^Timestamp (\d+) of message with offset 1 is out of range\. The timestamp should be within \[(\d+), (\d+)\]$/.exec(r.recordErrors[0].batchIndexErrorMessage);
    expect(m, r.recordErrors[0].batchIndexErrorMessage).not.toBeNull();
    expect(Number(m![1])).toBe(now + 3_600_000);
    expect(Number(m![3]) - Number(m![2])).toBe(120_000);
    expect(r.recordErrors[1].batchIndexErrorMessage).toMatch(new RegExp(`^Timestamp ${now - 3_600_000} of message with offset 2 is out of range`));
  });

  it('finds the offending record inside a compressed batch; records without a timestamp (-1) pass', async () => {
    const name = await topic(bounds);
    const now = Date.now();
    const r = await produce(name, [{ value: '1', timestamp: now }, { value: '2', timestamp: now + 3_600_000 }], CompressionType.gzip);
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.recordErrors.map((e: { batchIndex: number }) => e.batchIndex)).toEqual([1]);
    expect((await produce(name, [{ value: '1', timestamp: now }, { value: '2', timestamp: -1 }])).errorCode).toBe(0);
  });

  it('prints the default bounds as Kafka computes them in Java longs', async () => {
    const name = await topic({});
    const future = Date.now() + 7_200_000; // message.timestamp.after.max.ms defaults to one hour
    const r = await produce(name, [{ value: '1', timestamp: future }]);
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    // before.max.ms is Long.MAX_VALUE: now - Long.MAX_VALUE is a large negative long.
    expect(r.recordErrors[0].batchIndexErrorMessage).toMatch(/within \[-922337\d{13}, \d+\]$/);
  });

  it('on a compacted topic, a record is named once, for its key, and the partition answers INVALID_TIMESTAMP if any timestamp is bad', async () => {
    const name = await topic({ ...bounds, 'cleanup.policy': 'compact' });
    const now = Date.now();
    const r = await produce(name, [{ key: null, timestamp: now + 3_600_000 }, { key: 'k', timestamp: now + 3_600_000 }, { key: null, timestamp: now }]);
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.recordErrors.map((e: { batchIndex: number; batchIndexErrorMessage: string }) => [e.batchIndex, e.batchIndexErrorMessage.slice(0, 20)])).toEqual([
      [0, 'Compacted topic cann'],
      [1, `Timestamp ${now + 3_600_000}`.slice(0, 20)],
      [2, 'Compacted topic cann'],
    ]);
  });
});
