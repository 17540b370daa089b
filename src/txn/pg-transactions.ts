// Transactions on postgres:// storage. The transaction coordinator is the broker's own
// (coordinator.ts); what this module gives it is where its state and its writes go:
// - its state, __transaction_state, is a topic in the database with transaction.state.log.num.partitions
//   partitions (50, Kafka's default; the first broker's setting wins, and a database made before this
//   was spread has one). Each transactional id belongs to one partition (Kafka's hash), coordinated by
//   that partition's leader with a TransactionCoordinator of its own, which loads it (replaying its
//   records, completing what a crashed coordinator left half-way) and writes it fenced by its leader
//   epoch, as the group coordinators do (pg/coordinator-partitions.ts). So coordination is spread over
//   the live brokers. A broker whose lease expired loses its partitions; others take them over with an
//   epoch bump and finish every decided transaction. The handlers reach the coordinators through
//   PartitionedTransactionCoordination (txn/partitioned-coordination.ts).
// - producer ids come from the database's counter, shared with idempotent producers;
// - markers are appended to every partition of the transaction by the coordinator itself, whichever
//   broker leads the partition (the database serialises the appends; Kafka sends WriteTxnMarkers to
//   the leaders, which append them);
// - transactional offsets are kept by the group's coordinator (TxnOffsetCommit goes there) in a
//   table until the transaction ends; on commit the transaction coordinator writes them to the
//   group's __consumer_offsets partition: through its own group coordinator when it coordinates the
//   group, else as a batch the group's coordinator hears of and applies (applyForeign).
// - transactions V2 (KIP-890 part 2): the partition's leader (a Produce) and the group's coordinator
//   (a TxnOffsetCommit) add the partition or group to the producer's transaction themselves. When the
//   id's coordinator is another broker they call it through the database (pg/broker-calls.ts), as
//   Kafka's brokers send it AddPartitionsToTxn; an add can be repeated harmlessly, so a call lost
//   answers the client a retriable error and its retry adds again.

import { ErrorCode } from '../codec/index.js';
import { buildControlBatch, buildRecordBatch } from '../codec/records/index.js';
import { OFFSETS_TOPIC } from '../cluster/topic-names.js';
import { offsetsPartitionFor, transactionalOffsetRecords } from '../group/index.js';
import { PgCoordinatorPartitions, type Replay } from '../pg/coordinator-partitions.js';
import { UnknownPartitionError, type PgPartitionStore } from '../pg/partition-store.js';
import type { PgMembership } from '../pg/pg-membership.js';
import { PgTxnOffsets } from '../pg/txn-offsets.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { PgBrokerCalls } from '../pg/broker-calls.js';
import type { MarkerWriter, OffsetsSink, TopicPartition, TxnCoordinatorConfig } from './coordinator.js';
import { asProduceError, TransactionCoordinator } from './coordinator.js';
import { TRANSACTION_VERSION_2, type PendingOffset } from './metadata.js';
import { TRANSACTION_STATE_TOPIC } from './txn-log.js';
import { PartitionedTransactionCoordination } from './partitioned-coordination.js';

export interface PgTransactionsOptions {
  clock: Clock;
  logger: Logger;
  config: Partial<TxnCoordinatorConfig>;
  /** __transaction_state's partitions when this broker creates the topic (transaction.state.log.num.partitions). */
  stateTopicPartitions: number;
  /** This broker's group coordinator takes a committed transaction's offsets (groupOffsetsSink). */
  localOffsetsSink: OffsetsSink;
  /** __consumer_offsets in the database, to tell whether this broker coordinates a group. */
  offsets: PgCoordinatorPartitions;
  /** Calls to the other brokers: the adds of transactions V2 to a coordinator elsewhere. */
  calls: PgBrokerCalls;
}

/** The call a broker serves for the others: add partitions or groups to a transaction it coordinates (V2). */
const ADD_TO_TRANSACTION = 'txn.add';

interface AddToTransaction {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partitions: TopicPartition[];
  groups: string[];
}

export class PgTransactions {
  readonly partitions: PgCoordinatorPartitions;
  readonly pendingOffsets: PgTxnOffsets;
  /** What the handlers call: the coordinator of each transactional id's partition, if this broker leads it. */
  readonly coordination: PartitionedTransactionCoordination;

  constructor(private readonly membership: PgMembership, private readonly store: PgPartitionStore, private readonly options: PgTransactionsOptions) {
    this.partitions = new PgCoordinatorPartitions(membership, store, TRANSACTION_STATE_TOPIC, options.stateTopicPartitions, options.logger);
    this.pendingOffsets = new PgTxnOffsets(membership.pool);
    this.coordination = new PartitionedTransactionCoordination(() => this.partitions.partitions);
    options.calls.serve(ADD_TO_TRANSACTION, async (args) => {
      const a = args as AddToTransaction;
      return this.coordination.addPartitions(a.transactionalId, a.producerId, a.producerEpoch, a.partitions, a.groups, TRANSACTION_VERSION_2);
    });
  }

  /**
   * Transactions V2: adds partitions or groups to the id's transaction at its coordinator, this
   * broker's or another's, and answers AddPartitionsToTxn's code (NOT_COORDINATOR or
   * COORDINATOR_NOT_AVAILABLE when the coordinator moved, is unknown or did not answer).
   */
  async addToTransaction(add: AddToTransaction): Promise<number> {
    const { transactionalId, producerId, producerEpoch, partitions, groups } = add;
    if (this.coordination.statusOf(transactionalId) !== ErrorCode.NOT_COORDINATOR) {
      return this.coordination.addPartitions(transactionalId, producerId, producerEpoch, partitions, groups, TRANSACTION_VERSION_2);
    }
    const node = this.coordinatorNode(transactionalId);
    if (node < 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      const code = await this.options.calls.call(node, ADD_TO_TRANSACTION, add);
      return typeof code === 'number' ? code : ErrorCode.UNKNOWN_SERVER_ERROR;
    } catch (err) {
      this.options.logger.warn('adding to a transaction at its coordinator failed', { transactionalId, coordinator: node, error: String(err) });
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** Produce v12+ (transactions V2): the partition joins the producer's transaction; the answer in Produce's terms. */
  async addPartitionForProduce(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number> {
    return asProduceError(await this.addToTransaction({ transactionalId, producerId, producerEpoch, partitions: [{ topic, partition }], groups: [] }));
  }

  /**
   * TxnOffsetCommit on the group's coordinator: keeps the offsets in the database until the
   * transaction ends. With transactions V2 (v5+) the group joins the transaction first, as
   * AddOffsetsToTxn would have added it (a fenced producer: INVALID_PRODUCER_EPOCH, as on one node).
   */
  async commitOffsets(
    transactionalId: string,
    groupId: string,
    producerId: number,
    producerEpoch: number,
    offsets: readonly Omit<PendingOffset, 'commitTimestamp'>[],
    transactionVersion: number,
  ): Promise<number> {
    if (transactionVersion === TRANSACTION_VERSION_2) {
      const added = await this.addToTransaction({ transactionalId, producerId, producerEpoch, partitions: [], groups: [groupId] });
      if (added === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
      if (added !== ErrorCode.NONE) return added;
    }
    try {
      await this.pendingOffsets.store(producerId, groupId, offsets);
      return ErrorCode.NONE;
    } catch (err) {
      this.options.logger.warn('storing transactional offsets in the database failed', { groupId, error: String(err) });
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** The live broker coordinating the transactional id (the leader of its partition), or -1. */
  coordinatorNode(transactionalId: string): number {
    return this.partitions.leaderOf(this.coordination.partitionOf(transactionalId));
  }

  /**
   * For OffsetFetch with require_stable on the group's coordinator: the group's partitions whose
   * offsets belong to a transaction not ended yet (answered UNSTABLE_OFFSET_COMMIT, as Kafka does
   * until the markers are written). A transaction that ended meanwhile has written its offsets to
   * the group's __consumer_offsets partition; this broker applies what it has not yet heard of
   * before answering, so a client never reads an offset older than a commit it was told of.
   */
  async unstableOffsets(groupId: string): Promise<ReadonlySet<string>> {
    const { offsets } = this.options;
    const partition = offsetsPartitionFor(groupId, offsets.partitions);
    const topic = this.membership.topic(OFFSETS_TOPIC);
    if (topic === undefined || offsets.status(partition) !== ErrorCode.NONE) return new Set(); // the fetch answers the coordinator error
    const { pending, offsetsEnd } = await this.pendingOffsets.pendingPartitions(groupId, topic.id, partition);
    await offsets.catchUp(partition, offsetsEnd);
    return pending;
  }

  ensureTopic(): Promise<void> {
    return this.partitions.ensureTopic();
  }

  /** Takes the coordinator role of each partition this broker leads (after each refresh: partitions.sync()). */
  attach(): void {
    this.partitions.attach({
      load: async (partition, replay) => {
        const coordinator = this.newCoordinator(partition, replay);
        this.coordination.add(partition, coordinator);
        await coordinator.load();
      },
      unload: (partition) => {
        const c = this.coordination.remove(partition);
        void c?.close();
      },
    });
  }

  /** Shutting down: the coordinators stop (their completions in flight end), nothing is taken over any more. */
  async close(): Promise<void> {
    this.partitions.detach();
    await Promise.all(this.coordination.entries().map(([p]) => this.coordination.remove(p)?.close()));
  }

  private newCoordinator(partition: number, replay: Replay): TransactionCoordinator {
    const { clock } = this.options;
    const topic = this.membership.topic(TRANSACTION_STATE_TOPIC);
    const coordinatorEpoch = (topic && this.membership.leaderOf(topic.id, partition)?.leaderEpoch) ?? 0;
    return new TransactionCoordinator({
      clock,
      logger: this.options.logger,
      log: {
        // Its own partition only: every id it is asked about hashes to it (producer ids come from the database, not blocks in the log).
        append: (_key, record) => this.partitions.append(partition, [record], clock.now()),
        replay,
      },
      markers: this.markerWriter(coordinatorEpoch),
      offsets: this.offsetsSink(),
      externalOffsets: this.pendingOffsets,
      allocateProducerId: () => this.store.allocateProducerId(),
      config: this.options.config,
    });
  }

  private markerWriter(coordinatorEpoch: number): MarkerWriter {
    return async (topicName, partition, producerId, producerEpoch, commit) => {
      if (this.membership.topic(topicName) === undefined) await this.membership.catchUp();
      const topic = this.membership.topic(topicName);
      if (topic === undefined || partition >= topic.partitions) return false;
      const marker = buildControlBatch({ type: commit ? 'commit' : 'abort', producerId, producerEpoch, coordinatorEpoch, timestamp: this.options.clock.now() });
      try {
        await this.store.appendAsCoordinator(topic.id, partition, marker);
        return true;
      } catch (err) {
        if (err instanceof UnknownPartitionError) return false;
        throw err;
      }
    };
  }

  /** Through this broker's group coordinator when it coordinates the group; else into its partition for its coordinator to apply. */
  private offsetsSink(): OffsetsSink {
    return async (groupId, offsets) => {
      const { offsets: partitions, localOffsetsSink } = this.options;
      const partition = offsetsPartitionFor(groupId, partitions.partitions);
      if (partitions.status(partition) === ErrorCode.NONE) return localOffsetsSink(groupId, offsets);
      const topic = this.membership.topic(OFFSETS_TOPIC);
      if (topic === undefined) throw new Error(`${OFFSETS_TOPIC} is not in the database`);
      const now = this.options.clock.now();
      const batch = buildRecordBatch({
        now,
        records: transactionalOffsetRecords(groupId, offsets).map((r) => ({ ...r, timestamp: now })),
      });
      await this.store.appendAsCoordinator(topic.id, partition, batch);
    };
  }
}
