// With several broker identities (startCluster), each group and transactional id has one
// coordinator: the leader of its __consumer_offsets / __transaction_state partition (Kafka's hash of
// the id). FindCoordinator names it (src/api/10-find-coordinator.ts), and the group and transaction
// APIs sent to any other identity answer NOT_COORDINATOR, as Kafka's coordinators do, so clients
// look it up again. On one node every request passes.

import { groupConfigFrom, OFFSETS_TOPIC, offsetsPartitionFor } from '../group/index.js';
import { TRANSACTION_STATE_TOPIC, transactionStatePartitionFor } from '../txn/index.js';
import { ErrorCode } from '../codec/index.js';
import { localNodeId, type RequestContext } from './context.js';
import type { ApiHandler, HandlerEntry } from './registry.js';


/** The coordinator key of each gated API: a group id, or a transactional id. */
type KeyOf = (request: any, version: number) => { group: string } | { txn: string } | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any

const group = (id: unknown) => (typeof id === 'string' ? { group: id } : undefined);
const txn = (id: unknown) => (typeof id === 'string' ? { txn: id } : undefined);

const GATED: ReadonlyMap<number, KeyOf> = new Map<number, KeyOf>([
  [8, (r) => group(r.groupId)], // OffsetCommit
  [9, (r, v) => (v < 8 ? group(r.groupId) : r.groups?.length === 1 ? group(r.groups[0].groupId) : undefined)], // OffsetFetch
  [11, (r) => group(r.groupId)], // JoinGroup
  [12, (r) => group(r.groupId)], // Heartbeat
  [13, (r) => group(r.groupId)], // LeaveGroup
  [14, (r) => group(r.groupId)], // SyncGroup
  [47, (r) => group(r.groupId)], // OffsetDelete
  [68, (r) => group(r.groupId)], // ConsumerGroupHeartbeat
  [28, (r) => group(r.groupId)], // TxnOffsetCommit goes to the group's coordinator
  [22, (r) => txn(r.transactionalId)], // InitProducerId (a null id: any broker)
  [24, (r, v) => (v < 4 ? txn(r.v3AndBelowTransactionalId) : undefined)], // AddPartitionsToTxn
  [25, (r) => txn(r.transactionalId)], // AddOffsetsToTxn
  [26, (r) => txn(r.transactionalId)], // EndTxn
]);

/** The gated APIs keyed by a transactional id. */
const TXN_APIS: ReadonlySet<number> = new Set([22, 24, 25, 26]);

/**
 * The node id coordinating a group or transactional id; -1 when none is alive. On one node: this
 * node. On postgres:// storage: the leader of the group's __consumer_offsets partition, or of the
 * id's __transaction_state partition, in the database.
 */
export function coordinatorNode(ctx: RequestContext, key: { group: string } | { txn: string }): number {
  const { membership, config, pg } = ctx.broker;
  if (pg !== undefined) {
    if ('group' in key) return pg.offsets.leaderOf(offsetsPartitionFor(key.group, pg.offsets.partitions));
    return pg.transactions?.coordinatorNode(key.txn) ?? -1;
  }
  if (membership === undefined) return localNodeId(ctx);
  if ('group' in key) {
    const partitions = groupConfigFrom(config).offsetsTopicPartitions;
    return membership.coordinatorOf(OFFSETS_TOPIC, offsetsPartitionFor(key.group, partitions));
  }
  const partitions = config.int('transaction.state.log.num.partitions');
  return membership.coordinatorOf(TRANSACTION_STATE_TOPIC, transactionStatePartitionFor(key.txn, partitions));
}

/**
 * The handler entries with the coordinator check in front of the gated APIs (`only: 'txn'`: the
 * transaction APIs alone; postgres:// storage, whose group coordinator checks ownership itself).
 */
export function withCoordinatorGate(entries: readonly HandlerEntry[], options: { only?: 'txn' } = {}): HandlerEntry[] {
  return entries.map((entry) => {
    const keyOf = GATED.get(entry.apiKey);
    if (keyOf === undefined || (options.only === 'txn' && TXN_APIS.has(entry.apiKey) === false)) return entry;
    return { ...entry, load: async () => gate(await entry.load(), keyOf) };
  });
}

function gate(handler: ApiHandler, keyOf: KeyOf): ApiHandler {
  if (handler.errorResponse === undefined) return handler;
  const errorResponse = handler.errorResponse.bind(handler);
  return Object.assign(Object.create(handler) as ApiHandler, {
    handle(request: unknown, ctx: RequestContext) {
      const key = keyOf(request, ctx.apiVersion);
      if (key !== undefined && coordinatorNode(ctx, key) !== localNodeId(ctx)) return errorResponse(request, ErrorCode.NOT_COORDINATOR, ctx);
      return handler.handle(request, ctx);
    },
  });
}
