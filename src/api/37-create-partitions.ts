// CreatePartitions (key 37), v0-3: grows topics, following Kafka's ReplicationControlManager:
// duplicate names INVALID_REQUEST, unknown topics UNKNOWN_TOPIC_OR_PARTITION, no increase
// INVALID_PARTITIONS, and manual assignments checked as Kafka does (count, empty lists, unknown or
// repeated brokers, replica count) against this single node. validate_only changes nothing. On
// postgres:// storage the partitions are added in the database (pg/topic-admin.ts): every live broker
// is a replica, and a manual assignment's first live broker leads.

import type { CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsTopicResult, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { manualAssignmentProblem } from '../cluster/manual-assignments.js';
import { MAX_PARTITIONS } from '../cluster/topics.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

type Result = EncodeInput<CreatePartitionsTopicResult>;

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, EncodeInput<CreatePartitionsResponse>> = {
  ...schemaVersions(37),
  async handle(request, ctx: RequestContext) {
    const { pg } = ctx.broker;
    // postgres:// storage: the topics are the database's, read afresh (another broker may have just made one).
    if (pg !== undefined) await pg.membership.refresh();
    const topics = pg?.topicAdmin ?? ctx.broker.topics;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: Result[] = [];
    const growing: Promise<void>[] = [];
    const done = new Set<string>();
    for (const t of request.topics) {
      if (done.has(t.name)) continue;
      done.add(t.name);
      const fail = (errorCode: number, errorMessage: string | null) => results.push({ name: t.name, errorCode, errorMessage });
      if (counts.get(t.name)! > 1) {
        fail(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
        continue;
      }
      if (!authorize(ctx, Op.ALTER, ResourceType.TOPIC, t.name)) {
        fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
        continue;
      }
      const topic = topics.topic(t.name);
      if (topic === undefined) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
        continue;
      }
      const current = topic.partitions;
      if (t.count === current) {
        fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
        continue;
      }
      if (t.count < current) {
        fail(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
        continue;
      }
      if (t.count > MAX_PARTITIONS) {
        fail(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} cannot have ${t.count} partitions: at most ${MAX_PARTITIONS} are allowed.`);
        continue;
      }
      const additional = t.count - current;
      if (t.assignments !== null) {
        if (t.assignments.length !== additional) {
          fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
          continue;
        }
        const rf = topics.replicationFactor(topic);
        const problem = t.assignments.map((a) => manualAssignmentProblem(a.brokerIds, topics.registeredBrokers(), rf)).find((p) => p !== undefined);
        if (problem !== undefined) {
          fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
          continue;
        }
      }
      const result: Result = { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
      results.push(result);
      if (!request.validateOnly) {
        growing.push(
          topics.setPartitionCount(t.name, t.count, t.assignments?.map((a) => [...a.brokerIds])).catch((err: unknown) => {
            ctx.broker.logger.error('partition creation failed', { topic: t.name, error: String(err) });
            Object.assign(result, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error).message });
          }),
        );
      }
    }
    await Promise.all(growing);
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })) };
  },
};
