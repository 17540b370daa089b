// Transactions on postgres:// storage, with three brokers sharing one database. The transaction
// coordinator (the leader of the id's __transaction_state partition) and the consumer group's
// coordinator are different brokers, so the committed transaction's offsets travel through the
// database to the group's coordinator. read_committed consumers stop at the last stable offset while
// a transaction is open and skip aborted ones; the coordinator's broker is lost (crash: its lease runs
// out), another takes the coordinator over, and a new producer with the same transactional id fences
// the old one and aborts its open transaction, so the partition becomes stable again. Transactions V2:
// the partitions' leaders and the group's coordinator add to the transaction by calling the id's
// coordinator on another broker (pg/broker-calls.ts), also while that broker is lost.

import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { encodeRequest, ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { offsetsPartitionFor } from '../../src/group/index.js';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { transactionStatePartitionFor } from '../../src/txn/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable } from './pg-server.js';
import { expectInternalTopicsEvenedOut, pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('transactions over PostgreSQL', () => {
  const suite = pgSuite();

  async function threeBrokers() {
    const url = await suite.database('txn');
    const brokers: RunningPgBroker[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await startPgBroker({ storage: url, config: { 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500 } });
      suite.cleanup(() => b.close());
      brokers.push(b);
    }
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    db.on('error', () => {});
    suite.cleanup(() => db.end());
    const leaderOf = async (topic: string, partition: number) => {
      const { rows } = await db.query<{ leader: number }>(
        'select p.leader from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id where t.name = $1 and p.partition = $2', [topic, partition],
      );
      return rows[0].leader;
    };
    const kafka = new Kafka({
      clientId: 'pg-txn', brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING,
      retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 },
    });
    const admin = kafka.admin();
    await admin.connect();
    suite.cleanup(() => admin.disconnect());
    // The coordinators stay put once the controller has evened out the internal topics' leaderships
    // over the three brokers (at its heartbeat after the third joined): the tests read them first.
    await vi.waitFor(async () => {
      await expectInternalTopicsEvenedOut(db);
      // and every broker's snapshot says so (it reads the database at its heartbeat).
      for (const topic of ['__consumer_offsets', '__transaction_state']) {
        const { rows: leaders } = await db.query<{ partition: number; leader: number }>(
          'select p.partition, p.leader from tributary_partitions p join tributary_topics t on t.topic_id = p.topic_id where t.name = $1', [topic],
        );
        for (const b of brokers) {
          const id = b.pg.membership.topic(topic)!.id;
          expect(leaders.map((l) => b.pg.membership.leaderOf(id, l.partition)?.leader)).toEqual(leaders.map((l) => l.leader));
        }
      }
    }, { timeout: 15_000, interval: 50 });
    return { brokers, kafka, admin, leaderOf, db };
  }

  /** What a read_committed (or read_uncommitted) consumer reads of `topic` from the start, until `want` values or 10 s. */
  async function readAll(kafka: Kafka, topic: string, groupId: string, want: number, readUncommitted = false): Promise<string[]> {
    const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    const deadline = Date.now() + 10_000;
    while (got.length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.disconnect();
    return got.sort();
  }

  it('finalises transaction.version 2: a Produce v12 adds the partition and a TxnOffsetCommit v5 the group at the id\'s coordinator, another broker; EndTxn v5 bumps the epoch, which fences the old one', async () => {
    const { brokers, admin, leaderOf, db } = await threeBrokers();
    const raws = await Promise.all(brokers.map((b) => RawClient.connect(b.port)));
    suite.cleanup(async () => raws.forEach((r) => r.socket.destroy()));
    const at = async (topic: string, partition: number) => {
      const node = await leaderOf(topic, partition);
      return raws[brokers.findIndex((b) => b.nodeId === node)];
    };
    const v = await raws[0].request(18, 4, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(v.supportedFeatures).toContainEqual(expect.objectContaining({ name: 'transaction.version', minVersion: 0, maxVersion: 2 }));
    expect(v.finalizedFeatures).toContainEqual(expect.objectContaining({ name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 }));

    await admin.createTopics({ topics: [{ topic: 'v2', numPartitions: 3 }] });
    const topicId = brokers[0].pg.membership.topic('v2')!.id;
    // An id coordinated by one broker, partitions led by the others, and a group coordinated by another
    // broker than the id: every add is a call between brokers.
    const leaders = await Promise.all([0, 1, 2].map((p) => leaderOf('v2', p)));
    let tid = '';
    for (let i = 0; tid === ''; i++) {
      const node = await leaderOf('__transaction_state', transactionStatePartitionFor(`v2-${i}`, 50));
      if (leaders.some((l) => l !== node)) tid = `v2-${i}`;
    }
    const txnNode = await leaderOf('__transaction_state', transactionStatePartitionFor(tid, 50));
    let group = '';
    for (let i = 0; group === ''; i++) {
      if ((await leaderOf('__consumer_offsets', offsetsPartitionFor(`v2g-${i}`, 50))) !== txnNode) group = `v2g-${i}`;
    }
    const coordinator = raws[brokers.findIndex((b) => b.nodeId === txnNode)];
    const groupCoordinator = await at('__consumer_offsets', offsetsPartitionFor(group, 50));

    const produce = async (version: number, partition: number, records: Buffer) => {
      const topicData = version >= 13 ? [{ name: '', topicId, partitionData: [{ index: partition, records }] }] : [{ name: 'v2', partitionData: [{ index: partition, records }] }];
      const res = await (await at('v2', partition)).request(0, version, { transactionalId: tid, acks: -1, timeoutMs: 5000, topicData });
      return res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
    };
    const batch = (producerId: number, producerEpoch: number, baseSequence: number, values: string[]) =>
      buildRecordBatch({ producerId, producerEpoch, baseSequence, isTransactional: true, records: values.map((x) => ({ key: null, value: Buffer.from(x) })) });

    const init = await coordinator.request(22, 5, { transactionalId: tid, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    const { producerId } = init;
    let epoch: number = init.producerEpoch;
    // Transaction 1: three partitions and the group, none added beforehand.
    for (const p of [0, 1, 2]) expect(await produce(p === 0 ? 12 : 13, p, batch(producerId, epoch, 0, [`c${p}`]))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    // The second batch of the transaction to a partition appends at once (its transaction is open there).
    expect(await produce(12, 0, batch(producerId, epoch, 1, ['c0b']))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    const offsets = await groupCoordinator.request(28, 5, {
      transactionalId: tid, groupId: group, producerId, producerEpoch: epoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'v2', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(offsets.topics[0].partitions[0].errorCode).toBe(0);
    const described = await coordinator.request(65, 0, { transactionalIds: [tid] });
    expect(described.transactionStates[0]).toMatchObject({ transactionState: 'Ongoing', producerEpoch: epoch });
    expect(described.transactionStates[0].topics.find((t: { topic: string }) => t.topic === 'v2').partitions.sort()).toEqual([0, 1, 2]);
    expect(described.transactionStates[0].topics.find((t: { topic: string }) => t.topic === '__consumer_offsets').partitions).toEqual([offsetsPartitionFor(group, 50)]);

    const committed = await coordinator.request(26, 5, { transactionalId: tid, producerId, producerEpoch: epoch, committed: true });
    expect(committed).toMatchObject({ errorCode: 0, producerId, producerEpoch: epoch + 1 });
    await vi.waitFor(async () => {
      const [o] = await admin.fetchOffsets({ groupId: group, topics: ['v2'] });
      expect(o.partitions.find((x) => x.partition === 0)!.offset).toBe('42');
    }, { timeout: 5000, interval: 50 });
    // Every partition is stable again: the markers were written with the bumped epoch.
    const { rows } = await db.query<{ partition: number; first_unstable_offset: string; next_offset: string }>(
      'select partition, first_unstable_offset, next_offset from tributary_partitions where topic_id = $1 order by partition', [topicId],
    );
    expect(rows.map((r) => [r.partition, Number(r.first_unstable_offset), Number(r.next_offset)])).toEqual([[0, -1, 3], [1, -1, 2], [2, -1, 2]]);
    // The old epoch can no longer write.
    expect(await produce(12, 1, batch(producerId, epoch, 1, ['late']))).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    epoch = committed.producerEpoch;

    // Transaction 2, aborted: the partition is added again under the new epoch; read_committed skips it.
    const aborted = await produce(12, 1, batch(producerId, epoch, 0, ['x1']));
    expect(aborted.errorCode).toBe(0);
    expect(await coordinator.request(26, 5, { transactionalId: tid, producerId, producerEpoch: epoch, committed: false })).toMatchObject({ errorCode: 0, producerEpoch: epoch + 1 });
    expect((await db.query('select count(*)::int as n from tributary_aborted_txns where topic_id = $1', [topicId])).rows).toEqual([{ n: 1 }]);
    // A producer the coordinator does not know cannot open a transaction by producing.
    expect(await produce(12, 2, batch(producerId + 1000, 0, 0, ['stranger']))).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING });
  });

  it('transactions V2, pipelined: a producer\'s Produce requests to a partition not yet in its transaction keep their order and share the database transactions', async () => {
    const { brokers, admin, leaderOf } = await threeBrokers();
    await admin.createTopics({ topics: [{ topic: 'v2-piped', numPartitions: 1 }] });
    const leaderNode = await leaderOf('v2-piped', 0);
    const partitionLeader = brokers.find((b) => b.nodeId === leaderNode)!;
    // An id coordinated by another broker: the coordinator's own appends (the added partition) are not counted here.
    let tid = '';
    for (let i = 0; tid === ''; i++) {
      if ((await leaderOf('__transaction_state', transactionStatePartitionFor(`v2-piped-${i}`, 50))) !== leaderNode) tid = `v2-piped-${i}`;
    }
    const coordinatorNode = await leaderOf('__transaction_state', transactionStatePartitionFor(tid, 50));
    const coordinator = await RawClient.connect(brokers.find((b) => b.nodeId === coordinatorNode)!.port);
    const raw = await RawClient.connect(partitionLeader.port);
    suite.cleanup(async () => [coordinator, raw].forEach((r) => r.socket.destroy()));
    const init = await coordinator.request(22, 5, { transactionalId: tid, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    const REQUESTS = 20;
    const produce = (i: number) => ({
      transactionalId: tid, acks: -1, timeoutMs: 5000,
      topicData: [{ name: 'v2-piped', partitionData: [{ index: 0, records: buildRecordBatch({ producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: i, isTransactional: true, records: [{ key: null, value: Buffer.from(`t${i}`) }] }) }] }],
    });
    const before = { ...partitionLeader.pg.store.committer.stats };
    // All in one socket write: the first adds the partition at the coordinator, the rest follow it.
    raw.writeRaw(Buffer.concat(Array.from({ length: REQUESTS }, (_, i) => encodeRequest(0, 12, { correlationId: i, clientId: 'v2-piped' }, produce(i))).flat()));
    const answers = await raw.produceResponses(12, REQUESTS);
    expect(answers.map((a) => [a.correlationId, a.errorCode])).toEqual(answers.map((_, i) => [i, ErrorCode.NONE]));
    const bases = answers.map((a) => a.baseOffset);
    expect(bases).toEqual(Array.from({ length: REQUESTS }, (_, i) => i));
    // The first append went twice (refused until its partition was added); the others waited and went together.
    const stats = partitionLeader.pg.store.committer.stats;
    expect(stats.appends - before.appends).toBe(REQUESTS + 1);
    expect(stats.transactions - before.transactions).toBeLessThan(REQUESTS / 2);
    expect(await coordinator.request(26, 5, { transactionalId: tid, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true })).toMatchObject({ errorCode: 0 });
  });

  it('transactions V2 with the coordinator lost mid-transaction: adds answer the retriable NOT_ENOUGH_REPLICAS until another broker coordinates, then the transaction commits', async () => {
    const { brokers, admin, leaderOf } = await threeBrokers();
    await admin.createTopics({ topics: [{ topic: 'v2-lost', numPartitions: 6 }] });
    // An id whose coordinator leads none of two partitions: those stay writable when it is lost.
    let tid = '';
    let partitions: number[] = [];
    for (let i = 0; tid === ''; i++) {
      const node = await leaderOf('__transaction_state', transactionStatePartitionFor(`lost-${i}`, 50));
      const others: number[] = [];
      for (let p = 0; p < 6; p++) if ((await leaderOf('v2-lost', p)) !== node) others.push(p);
      if (others.length >= 2) [tid, partitions] = [`lost-${i}`, others.slice(0, 2)];
    }
    const txnNode = await leaderOf('__transaction_state', transactionStatePartitionFor(tid, 50));
    const raws = await Promise.all(brokers.map((b) => RawClient.connect(b.port)));
    suite.cleanup(async () => raws.forEach((r) => r.socket.destroy()));
    const rawOfNode = (node: number) => raws[brokers.findIndex((b) => b.nodeId === node)];
    const produce = async (partition: number, records: Buffer) => {
      const res = await rawOfNode(await leaderOf('v2-lost', partition)).request(0, 12, {
        transactionalId: tid, acks: -1, timeoutMs: 5000, topicData: [{ name: 'v2-lost', partitionData: [{ index: partition, records }] }],
      });
      return res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
    };
    const batch = (producerId: number, producerEpoch: number, values: string[]) =>
      buildRecordBatch({ producerId, producerEpoch, baseSequence: 0, isTransactional: true, records: values.map((x) => ({ key: null, value: Buffer.from(x) })) });
    const init = await rawOfNode(txnNode).request(22, 5, { transactionalId: tid, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    const { producerId, producerEpoch } = init;
    expect(await produce(partitions[0], batch(producerId, producerEpoch, ['before']))).toMatchObject({ errorCode: 0 });

    await brokers.find((b) => b.nodeId === txnNode)!.crash();
    const started = Date.now();
    const first = await produce(partitions[1], batch(producerId, producerEpoch, ['after']));
    expect(first.errorCode, 'a call nobody answers').toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    // The client retries; once a live broker took the id's partition over (its lease: 1.5 s) and loaded it, the add succeeds.
    await vi.waitFor(async () => expect(await produce(partitions[1], batch(producerId, producerEpoch, ['after']))).toMatchObject({ errorCode: 0 }), { timeout: 20_000, interval: 200 });
    const successor = await leaderOf('__transaction_state', transactionStatePartitionFor(tid, 50));
    expect(successor).not.toBe(txnNode);
    expect(await rawOfNode(successor).request(26, 5, { transactionalId: tid, producerId, producerEpoch, committed: true })).toMatchObject({ errorCode: 0, producerEpoch: producerEpoch + 1 });
    const described = await rawOfNode(successor).request(65, 0, { transactionalIds: [tid] });
    expect(described.transactionStates[0]).toMatchObject({ transactionState: 'CompleteCommit' });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 40_000);

  it('transactional ids are spread over the brokers: each is coordinated by the leader of its __transaction_state partition, the others answer NOT_COORDINATOR', async () => {
    const { brokers, kafka, admin, leaderOf } = await threeBrokers(); // the 50 partitions' leaderships evened out over the three
    const ids = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
    const coordinatorOf = new Map<string, number>();
    for (const id of ids) {
      const node = await leaderOf('__transaction_state', transactionStatePartitionFor(id, 50));
      coordinatorOf.set(id, node);
    }
    expect(new Set(coordinatorOf.values()).size, 'twelve ids land on every broker').toBe(3);
    const raws = await Promise.all(brokers.map((b) => RawClient.connect(b.port)));
    suite.cleanup(async () => raws.forEach((r) => r.socket.destroy()));
    const rawOf = (node: number) => raws[brokers.findIndex((b) => b.nodeId === node)];
    // Every broker names the same coordinator for each id: its partition's leader (once each broker's
    // snapshot of the leaderships has caught up with the database, at its next heartbeat).
    await vi.waitFor(async () => {
      for (const raw of raws) {
        const found = await raw.request(10, 4, { key: '', keyType: 1, coordinatorKeys: ids });
        expect(found.coordinators.map((c: { key: string; nodeId: number; errorCode: number }) => [c.key, c.nodeId, c.errorCode])).toEqual(ids.map((id) => [id, coordinatorOf.get(id), 0]));
      }
    }, { timeout: 5000, interval: 50 });
    for (const id of ids) {
      const coordinator = coordinatorOf.get(id)!;
      const other = brokers.find((b) => b.nodeId !== coordinator)!.nodeId;
      await vi.waitFor(async () => expect((await rawOf(coordinator).request(22, 0, { transactionalId: id, transactionTimeoutMs: 60_000 })).errorCode).toBe(0), { timeout: 10_000, interval: 50 });
      expect((await rawOf(other).request(22, 0, { transactionalId: id, transactionTimeoutMs: 60_000 })).errorCode).toBe(16); // NOT_COORDINATOR
      expect((await rawOf(coordinator).request(65, 0, { transactionalIds: [id] })).transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: 'Empty' });
      expect((await rawOf(other).request(65, 0, { transactionalIds: [id] })).transactionStates[0].errorCode).toBe(16);
    }
    // Each broker lists the ids it coordinates, and only those.
    for (const [i, raw] of raws.entries()) {
      const listed = await raw.request(66, 0, { stateFilters: [], producerIdFilters: [] });
      expect(listed.errorCode).toBe(0);
      const mine = ids.filter((id) => coordinatorOf.get(id) === brokers[i].nodeId);
      expect(listed.transactionStates.map((t: { transactionalId: string }) => t.transactionalId).sort()).toEqual(mine.sort());
    }
    // Transactions coordinated by three brokers at once commit, each through its own coordinator.
    await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 3 }] });
    const picked = [...new Map([...coordinatorOf].map(([id, node]) => [node, id])).values()];
    await Promise.all(picked.map(async (id) => {
      const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      suite.cleanup(() => producer.disconnect());
      const t = await producer.transaction();
      await t.send({ topic: 'spread', messages: [0, 1, 2].map((p) => ({ partition: p, value: `${id}-${p}` })) });
      await t.commit();
    }));
    expect(await readAll(kafka, 'spread', 'spread-reader', 9)).toEqual(picked.flatMap((id) => [0, 1, 2].map((p) => `${id}-${p}`)).sort());
  });

  it('the first broker\'s transaction.state.log.num.partitions holds for the cluster (a database of one partition keeps one coordinator)', async () => {
    const url = await suite.database('txn');
    const first = await startPgBroker({ storage: url, config: { 'transaction.state.log.num.partitions': 1, 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500 } });
    suite.cleanup(() => first.close());
    const second = await startPgBroker({ storage: url, config: { 'broker.heartbeat.interval.ms': 200, 'broker.session.timeout.ms': 1500 } });
    suite.cleanup(() => second.close());
    expect(second.pg.membership.topic('__transaction_state')?.partitions).toBe(1);
    const ids = Array.from({ length: 8 }, (_, i) => `one-${i}`);
    const leader = second.pg.membership.leaderOf(second.pg.membership.topic('__transaction_state')!.id, 0)!.leader;
    const raw = await RawClient.connect(second.port);
    const found = await raw.request(10, 4, { key: '', keyType: 1, coordinatorKeys: ids });
    raw.socket.destroy();
    expect(found.coordinators.map((c: { nodeId: number }) => c.nodeId)).toEqual(ids.map(() => leader));
    const kafka = new Kafka({ clientId: 'pg-txn-one', brokers: [second.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ transactionalId: ids[3], idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    suite.cleanup(() => producer.disconnect());
    const t = await producer.transaction();
    await t.send({ topic: 'one-partition', messages: [{ value: 'v' }] });
    await t.commit();
    expect(await readAll(kafka, 'one-partition', 'one-reader', 1)).toEqual(['v']);
  });

  it('offsets sent for a group never added to the transaction are not applied, and the database forgets them when it ends', async () => {
    const { brokers, admin, leaderOf, db } = await threeBrokers();
    await admin.createTopics({ topics: [{ topic: 'stray', numPartitions: 1 }] });
    const port = async (topic: string, partition: number) => {
      const node = await leaderOf(topic, partition);
      return brokers.find((b) => b.nodeId === node)!.port;
    };
    const txn = await RawClient.connect(await port('__transaction_state', transactionStatePartitionFor('stray', 50)));
    suite.cleanup(async () => txn.socket.destroy());
    const init = await txn.request(22, 0, { transactionalId: 'stray', transactionTimeoutMs: 60_000 });
    expect(init.errorCode).toBe(0);
    const ids = { transactionalId: 'stray', producerId: init.producerId, producerEpoch: init.producerEpoch };
    expect((await txn.request(25, 0, { ...ids, groupId: 'added' })).errorCode).toBe(0);
    for (const groupId of ['added', 'never-added']) {
      const gc = await RawClient.connect(await port('__consumer_offsets', offsetsPartitionFor(groupId, 50)));
      const r = await gc.request(28, 0, { ...ids, groupId, topics: [{ name: 'stray', partitions: [{ partitionIndex: 0, committedOffset: 3, committedMetadata: '' }] }] });
      gc.socket.destroy();
      expect(r.topics[0].partitions[0].errorCode).toBe(0);
    }
    expect((await db.query('select count(*)::int as n from tributary_txn_offsets')).rows).toEqual([{ n: 2 }]);
    expect((await txn.request(26, 0, { ...ids, committed: true })).errorCode).toBe(0);
    await vi.waitFor(async () => {
      const [o] = await admin.fetchOffsets({ groupId: 'added', topics: ['stray'] });
      expect(o.partitions[0].offset).toBe('3');
    }, { timeout: 5000, interval: 50 });
    expect((await admin.fetchOffsets({ groupId: 'never-added', topics: ['stray'] }))[0].partitions[0].offset).toBe('-1');
    expect((await db.query('select count(*)::int as n from tributary_txn_offsets')).rows).toEqual([{ n: 0 }]);
  });

  it('a require_stable OffsetFetch answers UNSTABLE_OFFSET_COMMIT while a transaction\'s offsets are pending, then the commit\'s offset, never an older one', async () => {
    const { brokers, admin, leaderOf, db } = await threeBrokers();
    await admin.createTopics({ topics: [{ topic: 'stable', numPartitions: 1 }] });
    // The group's coordinator is not the transaction coordinator: the commit's offsets reach it through the database.
    const txnNode = await leaderOf('__transaction_state', transactionStatePartitionFor('stable', 50));
    let group = '';
    for (let i = 0; group === ''; i++) {
      if ((await leaderOf('__consumer_offsets', offsetsPartitionFor(`stable-${i}`, 50))) !== txnNode) group = `stable-${i}`;
    }
    const groupNode = await leaderOf('__consumer_offsets', offsetsPartitionFor(group, 50));
    const txn = await RawClient.connect(brokers.find((b) => b.nodeId === txnNode)!.port);
    const gc = await RawClient.connect(brokers.find((b) => b.nodeId === groupNode)!.port);
    suite.cleanup(async () => {
      txn.socket.destroy();
      gc.socket.destroy();
    });
    const init = await txn.request(22, 0, { transactionalId: 'stable', transactionTimeoutMs: 60_000 });
    const ids = { transactionalId: 'stable', producerId: init.producerId, producerEpoch: init.producerEpoch };
    const fetchStable = async () =>
      (await gc.request(9, 7, { groupId: group, topics: [{ name: 'stable', partitionIndexes: [0] }], requireStable: true })).topics[0].partitions[0];
    /** As a client: the first answer other than UNSTABLE_OFFSET_COMMIT (88), which Kafka's clients retry. */
    const fetchOnceStable = async () => {
      for (;;) {
        const p = await fetchStable();
        if (p.errorCode !== 88) return p;
      }
    };
    let committed = -1;
    for (const [round, commit] of [[1, true], [2, true], [3, false], [4, true], [5, true]] as const) {
      // The previous transaction's end may still be completing: CONCURRENT_TRANSACTIONS (51), retried as clients do.
      await vi.waitFor(async () => expect((await txn.request(25, 0, { ...ids, groupId: group })).errorCode).toBe(0), { timeout: 5000, interval: 10 });
      const sent = await gc.request(28, 0, { ...ids, groupId: group, topics: [{ name: 'stable', partitions: [{ partitionIndex: 0, committedOffset: round * 10, committedMetadata: '' }] }] });
      expect(sent.topics[0].partitions[0].errorCode).toBe(0);
      expect(await fetchStable()).toMatchObject({ errorCode: 88, committedOffset: -1 });
      expect((await txn.request(26, 0, { ...ids, committed: commit })).errorCode).toBe(0);
      if (commit) committed = round * 10;
      expect(await fetchOnceStable()).toMatchObject({ errorCode: 0, committedOffset: committed });
    }
    // The group coordinator does not hear of the commit (its listening connection is cut, as in a
    // database restart): it reads the commit's offsets from the database before answering.
    await vi.waitFor(async () => expect((await txn.request(25, 0, { ...ids, groupId: group })).errorCode).toBe(0), { timeout: 5000, interval: 10 });
    await gc.request(28, 0, { ...ids, groupId: group, topics: [{ name: 'stable', partitions: [{ partitionIndex: 0, committedOffset: 60, committedMetadata: '' }] }] });
    const notifier = brokers.find((b) => b.nodeId === groupNode)!.pg.store.notifier;
    expect((await db.query('select pg_terminate_backend($1) as ok', [notifier.backendPid])).rows).toEqual([{ ok: true }]);
    await vi.waitFor(() => expect(notifier.listening).toBe(false), { timeout: 5000, interval: 5 });
    expect((await txn.request(26, 0, { ...ids, committed: true })).errorCode).toBe(0);
    expect(await fetchOnceStable()).toMatchObject({ errorCode: 0, committedOffset: 60 });
  });

  it('a commit while brokers are not listening (their connection broke): its offsets reach the group without reloading it, and its marker the leader\'s reads, once they listen again', async () => {
    const { brokers, kafka, admin, leaderOf, db } = await threeBrokers();
    await admin.createTopics({ topics: [{ topic: 'src', numPartitions: 1 }, { topic: 'dst', numPartitions: 1 }] });
    const txnNode = await leaderOf('__transaction_state', transactionStatePartitionFor('deaf', 50));
    let group = '';
    for (let i = 0; group === ''; i++) {
      if ((await leaderOf('__consumer_offsets', offsetsPartitionFor(`deaf-${i}`, 50))) !== txnNode) group = `deaf-${i}`;
    }
    const groupNode = await leaderOf('__consumer_offsets', offsetsPartitionFor(group, 50));
    const deaf = brokers.find((b) => b.nodeId === groupNode)!;
    const producer = kafka.producer({ transactionalId: 'deaf', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    suite.cleanup(() => producer.disconnect());
    const txn = await producer.transaction();
    await txn.send({ topic: 'dst', messages: [{ value: 'x' }] });
    await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: 'src', partitions: [{ partition: 0, offset: '42' }] }] });
    // The listening connections of the brokers other than the transaction coordinator are cut (as in a
    // database restart): the group's coordinator and dst's leader miss the commit's notifications
    // (offsets, marker), and listen again a second later.
    const loads = vi.spyOn(deaf.services.groups, 'loadGroups');
    const deafened = brokers.filter((b) => b.nodeId !== txnNode).map((b) => b.pg.store.notifier);
    for (const n of deafened) expect((await db.query('select pg_terminate_backend($1) as ok', [n.backendPid])).rows).toEqual([{ ok: true }]);
    await vi.waitFor(() => expect(deafened.map((n) => n.listening)).toEqual([false, false]), { timeout: 5000, interval: 5 });
    await txn.commit();
    const notifier = deaf.pg.store.notifier;
    console.log(`the commit's notifications ${!notifier.listening ? 'were missed' : 'arrived (the commit took longer than the relisten)'} by the group coordinator; dst is led by ${await leaderOf('dst', 0)}, transactions by ${txnNode}`);
    await vi.waitFor(async () => {
      const [o] = await admin.fetchOffsets({ groupId: group, topics: ['src'] });
      expect(o.partitions[0].offset).toBe('42');
    }, { timeout: 10_000, interval: 100 });
    // (At its heartbeat while not listening, or once it listens again, it read them from the database.)
    await vi.waitFor(() => expect(notifier.listening).toBe(true), { timeout: 10_000, interval: 50 });
    expect(loads).not.toHaveBeenCalled(); // the group's partition stayed loaded: its members noticed nothing
    // dst's leader forgot what it cached: its last stable offset includes the commit marker another broker wrote.
    expect(await readAll(kafka, 'dst', 'deaf-reader', 1)).toEqual(['x']);
  });

  it('a transaction commits its records and its consumer offsets across brokers; an open one holds read_committed back; a lost coordinator is taken over', async () => {
    const { brokers, kafka, admin, leaderOf } = await threeBrokers();
    await admin.createTopics({ topics: [{ topic: 'in', numPartitions: 1 }, { topic: 'out', numPartitions: 1 }] });
    const txnNode = await leaderOf('__transaction_state', transactionStatePartitionFor('ctp', 50));
    // A group coordinated by another broker than the transactions: its offsets go through the database.
    let group = '';
    for (let i = 0; group === ''; i++) {
      if ((await leaderOf('__consumer_offsets', offsetsPartitionFor(`ctp-${i}`, 50))) !== txnNode) group = `ctp-${i}`;
    }

    const producer = kafka.producer({ transactionalId: 'ctp', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: 'out', messages: [0, 1, 2, 3, 4].map((i) => ({ value: `committed-${i}` })) });
    await committed.sendOffsets({ consumerGroupId: group, topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '5' }] }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'out', messages: [{ value: 'aborted-0' }, { value: 'aborted-1' }] });
    await aborted.sendOffsets({ consumerGroupId: group, topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '7' }] }] });
    await aborted.abort();
    // The group's coordinator has the committed transaction's offset, not the aborted one's.
    await vi.waitFor(async () => {
      const [o] = await admin.fetchOffsets({ groupId: group, topics: ['in'] });
      expect(o.partitions[0].offset).toBe('5');
    }, { timeout: 5000, interval: 50 });
    expect(await readAll(kafka, 'out', 'reader-1', 5)).toEqual(['committed-0', 'committed-1', 'committed-2', 'committed-3', 'committed-4']);

    // An open transaction: read_committed stops before its first record (the last stable offset).
    const open = await producer.transaction();
    await open.send({ topic: 'out', messages: [{ value: 'open-0' }] });
    expect(await readAll(kafka, 'out', 'reader-2', 6, true)).toContain('open-0');
    // DescribeProducers, through a broker that neither leads the partition nor coordinates: the open
    // transaction starts at 'open-0' (5 committed + marker, 2 aborted + marker before it).
    const raw = await RawClient.connect(brokers.find((b) => b.nodeId !== txnNode)!.port);
    const described = await raw.request(61, 0, { topics: [{ name: 'out', partitionIndexes: [0] }] });
    raw.socket.destroy();
    expect(described.topics[0].partitions[0].activeProducers).toEqual([expect.objectContaining({ currentTxnStartOffset: 9 })]);
    expect(await readAll(kafka, 'out', 'reader-3', 6)).toHaveLength(5);

    // The coordinator's broker is lost with the transaction open: another broker coordinates after the
    // lease (1.5 s), and a new producer with the same id fences the old one, aborting its transaction.
    const lost = brokers.find((b) => b.nodeId === txnNode)!;
    await lost.crash();
    await vi.waitFor(async () => expect(await leaderOf('__transaction_state', transactionStatePartitionFor('ctp', 50))).not.toBe(txnNode), { timeout: 10_000, interval: 100 });
    const survivors = brokers.filter((b) => b !== lost);
    const again = new Kafka({ clientId: 'pg-txn-2', brokers: survivors.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });
    const successor = again.producer({ transactionalId: 'ctp', idempotent: true, maxInFlightRequests: 1 });
    await successor.connect();
    const last = await successor.transaction();
    await last.send({ topic: 'out', messages: [{ value: 'after-0' }] });
    await last.commit();
    await successor.disconnect();
    await producer.disconnect().catch(() => {});
    expect(await readAll(again, 'out', 'reader-4', 6)).toEqual(['after-0', 'committed-0', 'committed-1', 'committed-2', 'committed-3', 'committed-4']);
    expect(await readAll(again, 'out', 'reader-5', 9, true)).toEqual(['aborted-0', 'aborted-1', 'after-0', 'committed-0', 'committed-1', 'committed-2', 'committed-3', 'committed-4', 'open-0']);
  }, 90_000);
});
