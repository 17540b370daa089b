// Where the topics and partitions of a request and of its response live, for the APIs that carry
// them, so that an injected error (src/server/interceptors.ts) can land on the selected partitions
// only: the request is split into the selected partitions (answered by the handler's own error
// response) and the rest (handled normally), and the two answers are merged into one response.
// Writes (Produce, OffsetCommit, ...) never reach the handler for the selected partitions; reads
// (Fetch, ListOffsets, OffsetForLeaderEpoch) run whole, so a fetch session keeps every partition,
// and the selected partitions' answers are replaced by the error.

/** Selects partitions by topic name and partition index; an absent side selects everything. */
export interface PartitionFilter {
  topic?: (name: string) => boolean;
  partition?: (index: number) => boolean;
}

/** The name of a topic entry: its name, or the name of its topic id (Fetch v13+, Produce v13). */
export type TopicNamer = (entry: Body, nameField: string) => string;

type Body = Record<string, any>;

interface Side {
  /** The list of topics in the body. */
  topics: string;
  /** The topic name in a topic entry. */
  name: string;
  /** The list of partitions in a topic entry. */
  partitions: string;
  /** The partition index in a partition entry. */
  index: string;
}

interface PartitionShape {
  request: Side;
  response: Side;
  /** The API only reads: the handler answers the whole request and the selected answers are replaced. */
  readOnly: boolean;
}

function shape(request: [string, string, string, string], response: [string, string, string, string], readOnly = false): PartitionShape {
  const side = ([topics, name, partitions, index]: [string, string, string, string]): Side => ({ topics, name, partitions, index });
  return { request: side(request), response: side(response), readOnly };
}

const SHAPES: (PartitionShape | undefined)[] = [];
SHAPES[0] = shape(['topicData', 'name', 'partitionData', 'index'], ['responses', 'name', 'partitionResponses', 'index']);
SHAPES[1] = shape(['topics', 'topic', 'partitions', 'partition'], ['responses', 'topic', 'partitions', 'partitionIndex'], true);
SHAPES[2] = shape(['topics', 'name', 'partitions', 'partitionIndex'], ['topics', 'name', 'partitions', 'partitionIndex'], true);
SHAPES[8] = shape(['topics', 'name', 'partitions', 'partitionIndex'], ['topics', 'name', 'partitions', 'partitionIndex']);
SHAPES[21] = shape(['topics', 'name', 'partitions', 'partitionIndex'], ['topics', 'name', 'partitions', 'partitionIndex']);
SHAPES[23] = shape(['topics', 'topic', 'partitions', 'partition'], ['topics', 'topic', 'partitions', 'partition'], true);
SHAPES[28] = shape(['topics', 'name', 'partitions', 'partitionIndex'], ['topics', 'name', 'partitions', 'partitionIndex']);

const METADATA = 3;

/** Can a topic or partition matcher select anything in requests of this API? */
export function carriesTopics(apiKey: number): boolean {
  return SHAPES[apiKey] !== undefined || apiKey === METADATA;
}

function selected(filter: PartitionFilter, topic: string, partition: number): boolean {
  return (filter.topic === undefined || filter.topic(topic)) && (filter.partition === undefined || filter.partition(partition));
}

/**
 * Does the request carry a partition the filter selects? A Metadata request selects by topic (a
 * request for every topic carries them all); a partition filter alone selects any topic there.
 */
export function carriesSelected(apiKey: number, request: Body, filter: PartitionFilter, nameOf: TopicNamer): boolean {
  if (apiKey === METADATA) {
    const topics = request.topics as Body[] | null;
    return topics === null || filter.topic === undefined || topics.some((t) => filter.topic!(nameOf(t, 'name')));
  }
  const s = SHAPES[apiKey];
  if (s === undefined) return false;
  const { topics, name, partitions, index } = s.request;
  return (request[topics] as Body[]).some((t) => {
    const topic = nameOf(t, name);
    return (t[partitions] as Body[]).some((p) => selected(filter, topic, p[index] as number));
  });
}

/** The request cut in two: the selected partitions and the rest (shallow copies; the rest may hold no partition). */
export function splitRequest(apiKey: number, request: Body, filter: PartitionFilter, nameOf: TopicNamer): { selected: Body; rest: Body; restIsEmpty: boolean } {
  const { topics, name, partitions, index } = SHAPES[apiKey]!.request;
  const sel: Body[] = [];
  const rest: Body[] = [];
  for (const t of request[topics] as Body[]) {
    const topic = nameOf(t, name);
    const mine: Body[] = [];
    const others: Body[] = [];
    for (const p of t[partitions] as Body[]) (selected(filter, topic, p[index] as number) ? mine : others).push(p);
    if (mine.length > 0) sel.push({ ...t, [partitions]: mine });
    if (others.length > 0) rest.push({ ...t, [partitions]: others });
  }
  return { selected: { ...request, [topics]: sel }, rest: { ...request, [topics]: rest }, restIsEmpty: rest.length === 0 };
}

/** Whether the handler answers the whole request (reads) or only the partitions not selected (writes). */
export function handlesWholeRequest(apiKey: number): boolean {
  return SHAPES[apiKey]!.readOnly;
}

/**
 * The handler's response with the selected partitions' answers taken from `errors` (the error
 * response to the selected partitions): those of `response` are dropped first (reads answered the
 * whole request), then each error topic joins the response's entry of the same topic.
 */
export function mergeErrors(apiKey: number, response: Body, errors: Body, filter: PartitionFilter, nameOf: TopicNamer): Body {
  const { topics, name, partitions, index } = SHAPES[apiKey]!.response;
  const merged: Body[] = [];
  const byTopic = new Map<string, Body>();
  for (const t of response[topics] as Body[]) {
    const topic = nameOf(t, name);
    const kept = (t[partitions] as Body[]).filter((p) => !selected(filter, topic, p[index] as number));
    const entry = { ...t, [partitions]: kept };
    merged.push(entry);
    byTopic.set(topic, entry);
  }
  for (const t of errors[topics] as Body[]) {
    const same = byTopic.get(nameOf(t, name));
    if (same !== undefined) same[partitions] = [...(same[partitions] as Body[]), ...(t[partitions] as Body[])];
    else merged.push(t);
  }
  return { ...response, [topics]: merged.filter((t) => (t[partitions] as Body[]).length > 0) };
}

/**
 * Metadata has no error response of its own: the error goes on the topics of the handler's answer
 * that the filter selects — on the topic (its partitions left out, as Kafka answers a topic in
 * error) or, with a partition filter, on those partitions.
 */
export function metadataWithError(response: Body, errorCode: number, filter: PartitionFilter | undefined, nameOf: TopicNamer): Body {
  const topics = (response.topics as Body[]).map((t) => {
    if (filter?.topic !== undefined && !filter.topic(nameOf(t, 'name'))) return t;
    if (filter?.partition !== undefined) {
      return { ...t, partitions: (t.partitions as Body[]).map((p) => (filter.partition!(p.partitionIndex as number) ? { ...p, errorCode } : p)) };
    }
    return { ...t, errorCode, partitions: [] };
  });
  return { ...response, topics };
}
