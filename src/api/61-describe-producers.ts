// DescribeProducers (key 61), v0: the active producers of each partition from its log's producer
// state (id, epoch, last sequence, last timestamp, coordinator epoch, open transaction's first offset);
// on postgres:// storage, the state the database keeps for the partition.

import { ErrorCode, type DescribeProducersRequest, type DescribeProducersResponse } from '../codec/index.js';
import type { ProducerEntry } from '../log/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizedNames, Op, ResourceType } from './authorize.js';

export const describeProducersHandler: ApiHandler<DescribeProducersRequest, DescribeProducersResponse> = {
  ...schemaVersions(61),

  async handle(request, ctx) {
    const { topics, cluster, pg } = ctx.broker;
    const readable = authorizedNames(ctx, Op.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    return {
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitionIndexes.map(async (p) => {
              if (!readable.has(t.name)) return { partitionIndex: p, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] };
              const info = cluster.topic(t.name);
              if (info === undefined || p < 0 || p >= info.partitions) {
                return { partitionIndex: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
              }
              let entries: Iterable<ProducerEntry>;
              if (pg !== undefined) {
                // postgres:// storage: the producer state is the database's, read by any broker.
                entries = await pg.store.producers(info.id, p);
              } else {
                const log = await topics.partitionLog(t.name, p);
                if (log === undefined) return { partitionIndex: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
                entries = log.producers.entries();
              }
              const activeProducers = [...entries].map((e) => ({
                producerId: e.producerId,
                producerEpoch: e.producerEpoch,
                lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1].lastSeq : -1,
                lastTimestamp: e.lastTimestamp,
                coordinatorEpoch: e.coordinatorEpoch,
                currentTxnStartOffset: e.currentTxnFirstOffset,
              }));
              return { partitionIndex: p, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
            }),
          ),
        })),
      ),
    };
  },

  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode, errorMessage: null, activeProducers: [] })),
      })),
    };
  },
};
