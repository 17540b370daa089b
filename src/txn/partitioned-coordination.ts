// Transaction coordination spread over __transaction_state's partitions, as in Kafka: each
// transactional id belongs to one partition (Kafka's hash of the id), and a broker coordinates the ids
// of the partitions it leads, one TransactionCoordinator per partition, each replaying and writing
// only its own partition. The request handlers see one TransactionCoordination: this router sends each
// call to the coordinator of the id's partition, and answers NOT_COORDINATOR (in the API's own terms)
// for an id whose partition this broker does not lead. Used on postgres:// storage
// (txn/pg-transactions.ts); one node keeps its single coordinator over every partition.

import { ErrorCode } from '../codec/index.js';
import type { EndTxnResult, InitProducerIdResult, TopicPartition, TransactionCoordination, TransactionCoordinator, TxnDescription } from './coordinator.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, type PendingOffset } from './metadata.js';
import { transactionStatePartitionFor } from './txn-log.js';

export class PartitionedTransactionCoordination implements TransactionCoordination {
  private readonly coordinators = new Map<number, TransactionCoordinator>();

  /** `partitions`: __transaction_state's partition count now (fixed once the topic exists). */
  constructor(private readonly partitions: () => number) {}

  /** This broker now coordinates `partition` with `coordinator` (loading or loaded). */
  add(partition: number, coordinator: TransactionCoordinator): void {
    this.coordinators.set(partition, coordinator);
  }

  /** This broker no longer coordinates `partition`: the coordinator is returned for closing. */
  remove(partition: number): TransactionCoordinator | undefined {
    const c = this.coordinators.get(partition);
    this.coordinators.delete(partition);
    return c;
  }

  /** The partitions coordinated here, with their coordinators. */
  entries(): [number, TransactionCoordinator][] {
    return [...this.coordinators];
  }

  partitionOf(transactionalId: string): number {
    return transactionStatePartitionFor(transactionalId, this.partitions());
  }

  private of(transactionalId: string): TransactionCoordinator | undefined {
    return this.coordinators.get(this.partitionOf(transactionalId));
  }

  /** COORDINATOR_LOAD_IN_PROGRESS while any partition coordinated here loads (ListTransactions lists them all), else NONE. */
  get loadError(): number {
    for (const c of this.coordinators.values()) if (c.loadError !== ErrorCode.NONE) return c.loadError;
    return ErrorCode.NONE;
  }

  statusOf(transactionalId: string): number {
    return this.of(transactionalId)?.loadError ?? ErrorCode.NOT_COORDINATOR;
  }

  initProducerId(transactionalId: string | null, transactionTimeoutMs: number, expected?: { producerId: number; producerEpoch: number }): Promise<InitProducerIdResult> {
    // postgres:// serves a null id itself (api/pg/22-init-producer-id.ts): producer ids come from the database.
    const c = transactionalId === null ? undefined : this.of(transactionalId);
    if (c === undefined) return Promise.resolve({ errorCode: ErrorCode.NOT_COORDINATOR, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    return c.initProducerId(transactionalId, transactionTimeoutMs, expected);
  }

  addPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[], groups?: readonly string[], transactionVersion?: number): Promise<number> {
    return this.of(id)?.addPartitions(id, producerId, producerEpoch, partitions, groups, transactionVersion) ?? Promise.resolve(ErrorCode.NOT_COORDINATOR);
  }

  addPartitionForProduce(id: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number> {
    // Coordinator trouble during a produce's verification is the retriable NOT_ENOUGH_REPLICAS (coordinator.ts).
    return this.of(id)?.addPartitionForProduce(id, producerId, producerEpoch, topic, partition) ?? Promise.resolve(ErrorCode.NOT_ENOUGH_REPLICAS);
  }

  verifyPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    return this.of(id)?.verifyPartitions(id, producerId, producerEpoch, partitions) ?? partitions.map(() => ErrorCode.NOT_COORDINATOR);
  }

  verifyTransactionalProduce(producerId: number, producerEpoch: number, topic: string, partition: number): number {
    // By producer id: the answer of the coordinator that knows it. A loading one may know it too:
    // the retriable NOT_ENOUGH_REPLICAS when none of the loaded ones does.
    let loading = false;
    for (const c of this.coordinators.values()) {
      if (c.loadError !== ErrorCode.NONE) {
        loading = true;
        continue;
      }
      const code = c.verifyTransactionalProduce(producerId, producerEpoch, topic, partition);
      if (code !== ErrorCode.INVALID_PRODUCER_ID_MAPPING) return code;
    }
    return loading ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  }

  endTxn(id: string, producerId: number, producerEpoch: number, commit: boolean, transactionVersion?: number): Promise<EndTxnResult> {
    const c = this.of(id);
    if (c === undefined) return Promise.resolve({ errorCode: ErrorCode.NOT_COORDINATOR, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    return c.endTxn(id, producerId, producerEpoch, commit, transactionVersion);
  }

  txnOffsetCommit(id: string, groupId: string, producerId: number, producerEpoch: number, offsets: readonly Omit<PendingOffset, 'commitTimestamp'>[], transactionVersion?: number): Promise<number> {
    return this.of(id)?.txnOffsetCommit(id, groupId, producerId, producerEpoch, offsets, transactionVersion) ?? Promise.resolve(ErrorCode.NOT_COORDINATOR);
  }

  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    for (const c of this.coordinators.values()) if (c.hasPendingOffsets(groupId, topic, partition)) return true;
    return false;
  }

  describe(id: string): TxnDescription | undefined {
    return this.of(id)?.describe(id);
  }

  list(): TxnDescription[] {
    return [...this.coordinators.values()].flatMap((c) => c.list());
  }

  async load(): Promise<void> {
    await Promise.all([...this.coordinators.values()].map((c) => c.load()));
  }

  async idle(): Promise<void> {
    await Promise.all([...this.coordinators.values()].map((c) => c.idle()));
  }
}
