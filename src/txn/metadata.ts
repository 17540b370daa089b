// One transactional id's state, Kafka's TransactionMetadata: producer id and epoch (with the previous
// ones, for KIP-360 retries), the state machine, the partitions and groups of the ongoing transaction,
// and the transactional offsets that become visible only when it commits. Serialised (versioned JSON)
// to __transaction_state; a record is written before any state change is acted on.

export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

export const TXN_STATES: readonly TxnState[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/** Kafka's valid previous states per state (TransactionState.validPreviousStates). */
const VALID_PREVIOUS: Record<TxnState, readonly TxnState[]> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
};

export function canTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS[to].includes(from);
}

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** Short.MaxValue - 1: an epoch at this value cannot be bumped; the producer gets a new id. */
export const MAX_PRODUCER_EPOCH = 32766;
/** Short.MaxValue: the last epoch a marker can carry (transactions V2 bumps past MAX_PRODUCER_EPOCH once). */
export const LAST_PRODUCER_EPOCH = 32767;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH;
}

export interface PendingOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface TxnMetadata {
  transactionalId: string;
  producerId: number;
  previousProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** topic → partitions of the ongoing (or completing) transaction. */
  partitions: Map<string, Set<number>>;
  /** Groups added with AddOffsetsToTxn. */
  groups: Set<string>;
  /** group → "topic\0partition" → offset, committed with the transaction. */
  pendingOffsets: Map<string, Map<string, PendingOffset>>;
  startTimestamp: number;
  updateTimestamp: number;
  /**
   * The transaction protocol of the client's last transition (Kafka's clientTransactionVersion): 0 for
   * the original protocol, 2 for KIP-890 part 2 (transactions V2: the epoch is bumped by every EndTxn,
   * partitions are added by Produce v12+ and groups by TxnOffsetCommit v5+).
   */
  transactionVersion: number;
  /** Transactions V2 only: the id the producer moves to when this EndTxn exhausted its epoch, else -1. */
  nextProducerId: number;
}

/** The transaction protocol levels of the `transaction.version` feature. */
export const TRANSACTION_VERSION_1 = 0;
export const TRANSACTION_VERSION_2 = 2;

export function newTxnMetadata(transactionalId: string, producerId: number, timeoutMs: number, now: number): TxnMetadata {
  return {
    transactionalId,
    producerId,
    previousProducerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs,
    state: 'Empty',
    partitions: new Map(),
    groups: new Set(),
    pendingOffsets: new Map(),
    startTimestamp: -1,
    updateTimestamp: now,
    transactionVersion: TRANSACTION_VERSION_1,
    nextProducerId: NO_PRODUCER_ID,
  };
}

export function cloneTxn(m: TxnMetadata): TxnMetadata {
  return {
    ...m,
    partitions: new Map([...m.partitions].map(([t, ps]) => [t, new Set(ps)])),
    groups: new Set(m.groups),
    pendingOffsets: new Map([...m.pendingOffsets].map(([g, os]) => [g, new Map([...os].map(([k, o]) => [k, { ...o }]))])),
  };
}

export function partitionCount(m: TxnMetadata): number {
  let n = 0;
  for (const ps of m.partitions.values()) n += ps.size;
  return n;
}

export function hasPartition(m: TxnMetadata, topic: string, partition: number): boolean {
  return m.partitions.get(topic)?.has(partition) ?? false;
}

const VALUE_VERSION = 1;

export function encodeTxnValue(m: TxnMetadata): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: VALUE_VERSION,
      producerId: m.producerId,
      previousProducerId: m.previousProducerId,
      producerEpoch: m.producerEpoch,
      lastProducerEpoch: m.lastProducerEpoch,
      timeoutMs: m.timeoutMs,
      state: m.state,
      partitions: [...m.partitions].map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]),
      groups: [...m.groups],
      pendingOffsets: [...m.pendingOffsets].map(([g, os]) => [g, [...os.values()]]),
      startTimestamp: m.startTimestamp,
      updateTimestamp: m.updateTimestamp,
      transactionVersion: m.transactionVersion,
      nextProducerId: m.nextProducerId,
    }),
    'utf8',
  );
}

export function decodeTxnValue(transactionalId: string, b: Buffer): TxnMetadata {
  const j = JSON.parse(b.toString('utf8')) as {
    v: number;
    producerId: number;
    previousProducerId: number;
    producerEpoch: number;
    lastProducerEpoch: number;
    timeoutMs: number;
    state: TxnState;
    partitions: [string, number[]][];
    groups: string[];
    pendingOffsets: [string, PendingOffset[]][];
    startTimestamp: number;
    updateTimestamp: number;
    // Added with transactions V2; records written before have neither (and were V1).
    transactionVersion?: number;
    nextProducerId?: number;
  };
  if (j.v !== VALUE_VERSION) throw new Error(`unknown transaction state value version ${j.v}`);
  return {
    transactionalId,
    producerId: j.producerId,
    previousProducerId: j.previousProducerId,
    producerEpoch: j.producerEpoch,
    lastProducerEpoch: j.lastProducerEpoch,
    timeoutMs: j.timeoutMs,
    state: j.state,
    partitions: new Map(j.partitions.map(([t, ps]) => [t, new Set(ps)])),
    groups: new Set(j.groups),
    pendingOffsets: new Map(j.pendingOffsets.map(([g, os]) => [g, new Map(os.map((o) => [`${o.topic}\0${o.partition}`, o]))])),
    startTimestamp: j.startTimestamp,
    updateTimestamp: j.updateTimestamp,
    transactionVersion: j.transactionVersion ?? TRANSACTION_VERSION_1,
    nextProducerId: j.nextProducerId ?? NO_PRODUCER_ID,
  };
}
