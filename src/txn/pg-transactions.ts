// Transactions on postgres:// storage. The transaction coordinator is the broker's own
// (coordinator.ts); what this module gives it is where its state and its writes go:
// - its state, __transaction_state, is a topic in the database with one partition, so one broker at a
//   time coordinates every transactional id: that partition's leader, which loads it (replaying its
//   records, completing what a crashed coordinator left half-way) and writes it fenced by its leader
//   epoch, as the group coordinators do (pg/coordinator-partitions.ts). A broker whose lease expired
//   loses it; another takes it over with an epoch bump and finishes every decided transaction.
// - producer ids come from the database's counter, shared with idempotent producers;
// - markers are appended to every partition of the transaction by the coordinator itself, whichever
//   broker leads the partition (the database serialises the appends; Kafka sends WriteTxnMarkers to
//   the leaders, which append them);
// - transactional offsets are kept by the group's coordinator (TxnOffsetCommit goes there) in a
//   table until the transaction ends; on commit the transaction coordinator writes them to the
//   group's __consumer_offsets partition: through its own group coordinator when it coordinates the
//   group, else as a batch the group's coordinator hears of and applies (applyForeign).

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
import type { MarkerWriter, OffsetsSink, TxnCoordinatorConfig } from './coordinator.js';
import { TransactionCoordinator } from './coordinator.js';
import { TRANSACTION_STATE_TOPIC } from './txn-log.js';

/** __transaction_state's partitions on this storage: one coordinator for the whole cluster at a time. */
export const PG_TRANSACTION_STATE_PARTITIONS = 1;

export interface PgTransactionsOptions {
  clock: Clock;
  logger: Logger;
  config: Partial<TxnCoordinatorConfig>;
  /** This broker's group coordinator takes a committed transaction's offsets (groupOffsetsSink). */
  localOffsetsSink: OffsetsSink;
  /** __consumer_offsets in the database, to tell whether this broker coordinates a group. */
  offsets: PgCoordinatorPartitions;
  /** Told when this broker starts or stops coordinating transactions. */
  onCoordinator(coordinator: TransactionCoordinator | undefined): void;
}

export class PgTransactions {
  readonly partitions: PgCoordinatorPartitions;
  readonly pendingOffsets: PgTxnOffsets;
  private coordinator: TransactionCoordinator | undefined;

  constructor(private readonly membership: PgMembership, private readonly store: PgPartitionStore, private readonly options: PgTransactionsOptions) {
    this.partitions = new PgCoordinatorPartitions(membership, store, TRANSACTION_STATE_TOPIC, PG_TRANSACTION_STATE_PARTITIONS, options.logger);
    this.pendingOffsets = new PgTxnOffsets(membership.pool);
  }

  /** The live broker coordinating transactions, or -1. */
  coordinatorNode(): number {
    return this.partitions.leaderOf(0);
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

  /** Takes the coordinator role whenever this broker leads the partition (after each refresh: partitions.sync()). */
  attach(): void {
    this.partitions.attach({
      load: async (_partition, replay) => {
        const coordinator = this.newCoordinator(replay);
        this.coordinator = coordinator;
        this.options.onCoordinator(coordinator);
        await coordinator.load();
      },
      unload: () => {
        const c = this.coordinator;
        this.coordinator = undefined;
        this.options.onCoordinator(undefined);
        void c?.close();
      },
    });
  }

  /** Shutting down: the coordinator stops (its completions in flight end), nothing is taken over any more. */
  async close(): Promise<void> {
    this.partitions.detach();
    const c = this.coordinator;
    this.coordinator = undefined;
    await c?.close();
  }

  private newCoordinator(replay: Replay): TransactionCoordinator {
    const { clock } = this.options;
    const topic = this.membership.topic(TRANSACTION_STATE_TOPIC);
    const coordinatorEpoch = (topic && this.membership.leaderOf(topic.id, 0)?.leaderEpoch) ?? 0;
    return new TransactionCoordinator({
      clock,
      logger: this.options.logger,
      log: {
        append: (_key, record) => this.partitions.append(0, [record], clock.now()),
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
