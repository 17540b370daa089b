// Errors a client of any Kafka-compatible broker reports to a person: each names what failed (the
// Kafka error name when the broker gave one) and what to do about it, in one line.

import { errorInfo } from '../codec/index.js';

/** Why a client operation failed; the `tributary` commands map each kind to an exit code. */
export type ClientErrorKind = 'unreachable' | 'kafka' | 'unsupported' | 'timeout';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    readonly kind: ClientErrorKind,
    /** The Kafka error code behind it (kind 'kafka'). */
    readonly errorCode = -1,
  ) {
    super(message);
  }
}

/** What a person can do about the Kafka errors a tool meets most often. */
const HINTS: Record<string, string> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'check the name with `tributary topic list`',
  UNKNOWN_TOPIC_ID: 'check the name with `tributary topic list`',
  TOPIC_ALREADY_EXISTS: 'choose another name, or delete the topic first',
  INVALID_TOPIC_EXCEPTION: 'topic names are 1-249 characters of [a-zA-Z0-9._-]',
  INVALID_PARTITIONS: 'the partition count must be positive (and larger than the current one to add partitions)',
  INVALID_REPLICATION_FACTOR: 'the replication factor cannot exceed the number of brokers (try -r 1)',
  INVALID_CONFIG: 'check the key and value against the broker\'s topic configs',
  POLICY_VIOLATION: 'the broker\'s create/alter policy refused it',
  GROUP_ID_NOT_FOUND: 'check the name with `tributary group list`',
  NON_EMPTY_GROUP: 'stop the group\'s consumers first',
  GROUP_SUBSCRIBED_TO_TOPIC: 'stop the group\'s consumers first',
  UNKNOWN_MEMBER_ID: 'the group has active members: stop its consumers first',
  ILLEGAL_GENERATION: 'the group has active members: stop its consumers first',
  REBALANCE_IN_PROGRESS: 'the group is rebalancing: stop its consumers first, or retry',
  COORDINATOR_NOT_AVAILABLE: 'the group coordinator is starting: retry in a moment',
  COORDINATOR_LOAD_IN_PROGRESS: 'the group coordinator is loading: retry in a moment',
  NOT_COORDINATOR: 'the coordinator moved: retry',
  NOT_LEADER_OR_FOLLOWER: 'leadership moved: retry',
  LEADER_NOT_AVAILABLE: 'the partition has no leader yet: retry in a moment',
  OFFSET_OUT_OF_RANGE: 'the offset is outside the log: use --from beginning or end',
  TOPIC_AUTHORIZATION_FAILED: 'the principal lacks an ACL for this topic',
  GROUP_AUTHORIZATION_FAILED: 'the principal lacks an ACL for this group',
  CLUSTER_AUTHORIZATION_FAILED: 'the principal lacks a cluster ACL',
  RECORD_TOO_LARGE: 'the record exceeds the topic\'s max.message.bytes',
  MESSAGE_TOO_LARGE: 'the request exceeds the broker\'s message.max.bytes: send fewer records at once',
  UNSUPPORTED_COMPRESSION_TYPE: 'this broker (or this Node.js) lacks the codec: pick another --compression',
  NOT_ENOUGH_REPLICAS: 'fewer in-sync replicas than min.insync.replicas: use --acks 1, or fix the replicas',
  REQUEST_TIMED_OUT: 'the broker did not finish in time: retry',
  UNSUPPORTED_VERSION: 'the broker does not speak a version this tool needs',
};

/** The ClientError for a Kafka error code answered about `what` (e.g. "topic orders"). */
export function kafkaError(code: number, what: string, brokerMessage?: string | null): ClientError {
  const info = errorInfo(code);
  const detail = brokerMessage ?? info.message ?? '';
  const hint = HINTS[info.name];
  const parts = [`${what}: ${info.name}`];
  if (detail !== '') parts[0] += ` (${detail.replace(/\.$/, '').replace(/\s+/g, ' ')})`;
  if (hint !== undefined) parts.push(hint);
  return new ClientError(parts.join(': '), 'kafka', code);
}

/** Throws kafkaError(...) when `code` is not NONE. */
export function check(code: number, what: string, brokerMessage?: string | null): void {
  if (code !== 0) throw kafkaError(code, what, brokerMessage);
}
