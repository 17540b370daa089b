// DeleteTopics (key 20), v0-6: by name (v0-5 topic_names, v6 topics[].name) or by topic id (v6),
// following Kafka's ControllerApis.deleteTopics: duplicates and name-plus-id are INVALID_REQUEST,
// unknown names UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID, and with
// delete.topic.enable=false every topic fails (INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED
// after). Internal topics (__consumer_offsets, __transaction_state) are refused with
// POLICY_VIOLATION: Kafka's broker would delete them and its coordinators unload and recreate their
// state; ours keep their logs open, so deleting them would break offset commits and transactions.
// ACLs: DELETE on each topic (and DESCRIBE on a topic named by id), else TOPIC_AUTHORIZATION_FAILED.
// On postgres:// storage the topic is deleted from the database (pg/topic-admin.ts).

import type { DeletableTopicResult, DeleteTopicsRequest, DeleteTopicsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode, ZERO_UUID } from '../codec/index.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorize, Op, ResourceType } from './authorize.js';

type Result = EncodeInput<DeletableTopicResult>;

function requested(request: DeleteTopicsRequest, version: number): { name: string | null; topicId: string }[] {
  return version >= 6 ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, EncodeInput<DeleteTopicsResponse>> = {
  ...schemaVersions(20),
  async handle(request, ctx: RequestContext) {
    const v = ctx.apiVersion;
    const { config, pg } = ctx.broker;
    // postgres:// storage: the topics are the database's, read afresh (another broker may have just made one).
    if (pg !== undefined) await pg.membership.refresh();
    const topics = pg?.topicAdmin ?? ctx.broker.topics;
    const asked = requested(request, v);
    if (!config.bool('delete.topic.enable')) {
      const errorCode = v < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      const errorMessage = v < 3 ? 'Topic deletion is disabled.' : 'Topic deletion is disabled.';
      return { throttleTimeMs: 0, responses: asked.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage })) };
    }
    const responses: Result[] = [];
    const fail = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null = null) =>
      responses.push({ name, topicId, errorCode, errorMessage });

    // Sort out names and ids, and the duplicates among each.
    const names = new Set<string>();
    const dupNames = new Set<string>();
    const ids = new Set<string>();
    const dupIds = new Set<string>();
    const addName = (name: string) => {
      if (dupNames.has(name) || names.has(name)) {
        dupNames.add(name);
        names.delete(name);
      } else names.add(name);
    };
    for (const t of asked) {
      if (t.name === null) {
        if (t.topicId === ZERO_UUID) fail(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        else if (dupIds.has(t.topicId) || ids.has(t.topicId)) {
          dupIds.add(t.topicId);
          ids.delete(t.topicId);
        } else ids.add(t.topicId);
      } else if (t.topicId === ZERO_UUID) addName(t.name);
      else fail(t.name, t.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
    }
    for (const name of dupNames) fail(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
    for (const id of dupIds) fail(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.');

    // Resolve everything to names; a name that maps to an id also given is a duplicate.
    const toDelete = new Map<string, string>(); // id -> name
    for (const id of ids) {
      const t = topics.topicById(id);
      if (t === undefined) fail(null, id, ErrorCode.UNKNOWN_TOPIC_ID, null);
      else if (!authorize(ctx, Op.DESCRIBE, ResourceType.TOPIC, t.name)) fail(null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
      else if (!authorize(ctx, Op.DELETE, ResourceType.TOPIC, t.name)) fail(t.name, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
      else toDelete.set(id, t.name);
    }
    for (const name of names) {
      if (!authorize(ctx, Op.DELETE, ResourceType.TOPIC, name)) {
        fail(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
        continue;
      }
      const t = topics.topic(name);
      if (t === undefined) fail(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
      else if (dupIds.has(t.id) || toDelete.has(t.id)) {
        dupIds.add(t.id);
        toDelete.delete(t.id);
        fail(name, t.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.');
      } else toDelete.set(t.id, name);
    }

    for (const [id, name] of toDelete) {
      if (INTERNAL_TOPICS.has(name) || topics.topic(name)?.internal) {
        toDelete.delete(id);
        fail(name, id, ErrorCode.POLICY_VIOLATION, `Deletion of internal topic ${name} is not allowed: the broker keeps its state there.`);
      }
    }
    await Promise.all(
      [...toDelete].map(async ([id, name]) => {
        try {
          await topics.deleteTopic(name);
          responses.push({ name, topicId: id, errorCode: ErrorCode.NONE, errorMessage: null });
        } catch (err) {
          ctx.broker.logger.error('topic deletion failed', { topic: name, error: String(err) });
          responses.push({ name, topicId: id, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error).message });
        }
      }),
    );
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(request, errorCode, ctx) {
    return { throttleTimeMs: 0, responses: requested(request, ctx.apiVersion).map((t) => ({ ...t, errorCode })) };
  },
};
