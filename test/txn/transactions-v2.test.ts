// Transactions V2 (KIP-890 part 2) over real sockets, as a Kafka 4 client speaks it once ApiVersions
// finalises transaction.version 2: Produce v12 adds partitions and TxnOffsetCommit v5 adds the group
// (no AddPartitionsToTxn, no AddOffsetsToTxn), EndTxn v5 bumps the epoch and hands it back, the markers
// carry the new epoch (fencing the old one), and read_committed sees exactly the committed records.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch, iterateBatches, readBatchRecords } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'tv2';

function txnBatch(producerId: number, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return buildRecordBatch({
    producerId,
    producerEpoch,
    baseSequence,
    isTransactional: true,
    records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
  });
}

describe('transactions V2 over the wire', () => {
  let broker: RunningBroker;
  let c: RawClient;
  let topicId: string;

  beforeAll(async () => {
    broker = await startBroker();
    await broker.services.topics.createTopic(TOPIC, 2, {});
    await broker.services.txn.load();
    topicId = broker.services.topics.topic(TOPIC)!.id;
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c.socket.destroy();
    await broker.close();
  });

  /** One partition's answer; a v13 request names the topic by id. */
  const produce = async (version: number, tid: string, partition: number, records: Buffer) => {
    const topicData = version >= 13 ? [{ name: '', topicId, partitionData: [{ index: partition, records }] }] : [{ name: TOPIC, partitionData: [{ index: partition, records }] }];
    const res = await c.request(0, version, { transactionalId: tid, acks: -1, timeoutMs: 5000, topicData });
    return res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
  };
  const endTxn = async (tid: string, producerId: number, producerEpoch: number, committed: boolean, version = 5) =>
    (await c.request(26, version, { transactionalId: tid, producerId, producerEpoch, committed })) as { errorCode: number; producerId: number; producerEpoch: number };
  /** Fetch v16 read_committed from offset 0: the LSO, the aborted transactions and every record with its batch's epoch. */
  const readCommitted = async (partition: number) => {
    const res = await c.request(1, 16, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const p = res.responses[0].partitions[0];
    const records: Buffer = Array.isArray(p.records) ? Buffer.concat(p.records) : (p.records ?? Buffer.alloc(0));
    const values: { value: string; producerEpoch: number; control: boolean }[] = [];
    for (const span of iterateBatches(records)) {
      const b = readBatchRecords(records, span.position);
      for (const r of b.records) values.push({ value: r.value?.toString() ?? '', producerEpoch: b.header.producerEpoch, control: b.header.isControl });
    }
    return { lastStableOffset: p.lastStableOffset as number, aborted: p.abortedTransactions as { producerId: number; firstOffset: number }[], values };
  };

  it('finalises transaction.version 2 in ApiVersions and serves EndTxn v5', async () => {
    const v4 = await c.request(18, 4, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(v4.supportedFeatures).toContainEqual(expect.objectContaining({ name: 'transaction.version', minVersion: 0, maxVersion: 2 }));
    expect(v4.finalizedFeatures).toContainEqual(expect.objectContaining({ name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 }));
    expect(v4.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(0);
    expect(v4.apiKeys.find((k: { apiKey: number }) => k.apiKey === 26)).toMatchObject({ maxVersion: 5 });
    expect(v4.apiKeys.find((k: { apiKey: number }) => k.apiKey === 0).maxVersion).toBeGreaterThanOrEqual(12);
    // Before v4 a supported feature with minimum 0 is left out (KAFKA-17492); the finalised level is not.
    const v3 = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(v3.supportedFeatures).not.toContainEqual(expect.objectContaining({ name: 'transaction.version' }));
    expect(v3.finalizedFeatures).toContainEqual(expect.objectContaining({ name: 'transaction.version', maxVersionLevel: 2 }));
  });

  it('commits and aborts with implicit adds and an epoch per transaction; the old epoch is fenced', async () => {
    const init = await c.request(22, 5, { transactionalId: 'v2-app', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    const { producerId } = init;
    let epoch: number = init.producerEpoch;

    // Transaction 1: two partitions and the group's offsets, none of them added beforehand.
    expect(await produce(12, 'v2-app', 0, txnBatch(producerId, epoch, 0, ['a1', 'a2']))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(13, 'v2-app', 1, txnBatch(producerId, epoch, 0, ['b1']))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const offsets = await c.request(28, 5, {
      transactionalId: 'v2-app', groupId: 'v2-group', producerId, producerEpoch: epoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(offsets.topics[0].partitions[0].errorCode).toBe(0);
    const described = await c.request(65, 0, { transactionalIds: ['v2-app'] });
    expect(described.transactionStates[0]).toMatchObject({ transactionState: 'Ongoing', producerEpoch: epoch });
    expect(described.transactionStates[0].topics.find((t: { topic: string }) => t.topic === TOPIC).partitions.sort()).toEqual([0, 1]);
    expect((await readCommitted(0)).values).toEqual([]);

    const committed = await endTxn('v2-app', producerId, epoch, true);
    expect(committed).toMatchObject({ errorCode: 0, producerId, producerEpoch: epoch + 1 });
    const afterCommit = await readCommitted(0);
    expect(afterCommit.values.filter((v) => !v.control).map((v) => v.value)).toEqual(['a1', 'a2']);
    // The commit marker carries the bumped epoch.
    expect(afterCommit.values.find((v) => v.control)?.producerEpoch).toBe(epoch + 1);
    const fetched = await c.request(9, 8, { groups: [{ groupId: 'v2-group', memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [0] }] }], requireStable: true });
    expect(fetched.groups[0].topics[0].partitions[0]).toMatchObject({ errorCode: 0, committedOffset: 42 });

    // The old epoch can no longer write: the marker fenced it.
    expect((await produce(12, 'v2-app', 0, txnBatch(producerId, epoch, 2, ['late'])))).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    epoch = committed.producerEpoch;

    // Transaction 2, aborted; its sequence starts again at 0 with the new epoch.
    const x1 = await produce(12, 'v2-app', 0, txnBatch(producerId, epoch, 0, ['x1']));
    expect(x1.errorCode).toBe(0);
    const aborted = await endTxn('v2-app', producerId, epoch, false);
    expect(aborted).toMatchObject({ errorCode: 0, producerId, producerEpoch: epoch + 1 });
    // The answer was lost: the retry with the old epoch gets the same answer, and nothing is written twice.
    expect(await endTxn('v2-app', producerId, epoch, false)).toMatchObject({ errorCode: 0, producerId, producerEpoch: epoch + 1 });
    const afterAbort = await readCommitted(0);
    // read_committed gets the aborted batch with the aborted-transactions list the client filters it by.
    expect(afterAbort.aborted).toEqual([expect.objectContaining({ producerId, firstOffset: x1.baseOffset })]);
    expect(afterAbort.lastStableOffset).toBe(broker.services.logs.get(TOPIC, 0)!.logEndOffset);
    epoch = aborted.producerEpoch;

    // An abort of a transaction that added nothing: the epoch still moves on.
    expect(await endTxn('v2-app', producerId, epoch, false)).toMatchObject({ errorCode: 0, producerEpoch: epoch + 1 });
  });

  it('keeps the original protocol for Produce v11 and EndTxn v4', async () => {
    const init = await c.request(22, 4, { transactionalId: 'v1-app', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const { producerId, producerEpoch } = init;
    // Without AddPartitionsToTxn a v11 transactional write is refused, as in Kafka.
    expect((await produce(11, 'v1-app', 1, txnBatch(producerId, producerEpoch, 0, ['no'])))).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    expect(await produce(12, 'v1-app', 1, txnBatch(producerId, producerEpoch, 0, ['yes']))).toMatchObject({ errorCode: 0 });
    // EndTxn v4 keeps the epoch.
    expect(await endTxn('v1-app', producerId, producerEpoch, true, 4)).toMatchObject({ errorCode: 0 });
    expect(broker.services.txn.describe('v1-app')).toMatchObject({ state: 'CompleteCommit', producerEpoch });
  });
});
