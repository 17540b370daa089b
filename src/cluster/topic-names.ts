// Kafka's rules for topic names (Topic.validate): 1-249 characters of [a-zA-Z0-9._-], not '.' or
// '..'. Names that differ only by '.' versus '_' collide in metric names, so Kafka refuses to
// create one when the other exists; so do we.

export const MAX_TOPIC_NAME_LENGTH = 249;

/** Why a name is not a legal topic name, or undefined when it is. */
export function topicNameProblem(name: string | null): string | undefined {
  if (name === null || name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

/** The form under which two names collide ('.' and '_' are the same). */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

/** KRaft's metadata log: Kafka refuses to create a topic of this name. */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/** Kafka's CreateTopics answer (INVALID_REQUEST) for a name it reserves, or undefined. */
export function reservedTopicProblem(name: string): string | undefined {
  return name === CLUSTER_METADATA_TOPIC ? `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.` : undefined;
}

/** Internal topics that clients may not produce to directly. */
/** The group coordinators' records (Kafka's internal compacted topic). */
export const OFFSETS_TOPIC = '__consumer_offsets';
export const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, '__transaction_state']);
