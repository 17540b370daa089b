// What may legitimately differ between two brokers answering the same request, and nothing else:
// one list of field paths per API key, each with why. Paths are dot-separated field names of the
// decoded response; `*` stands for any list element and `**` for any depth. A rule either
//   ignore  — drops the field (not compared, not counted),
//   id      — keeps only whether the value is set: a real id becomes '<id>', sentinels (-1, '',
//             null, the zero uuid) stay, so "no id" vs "an id" is still a difference,
//   time    — the same for timestamps (-1 stays),
//   keyBy   — matches list elements by a key field instead of position, where Kafka defines no order.
// Fetched record sets are compared batch by batch (src/conformance/records.ts parses them).

import { parseRecordSet } from '../../../src/conformance/records.js';

type Treatment = 'ignore' | 'id' | 'time' | { keyBy: string };
interface Rule {
  path: string;
  as: Treatment;
  why: string;
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Rules for every API. */
const EVERY_API: Rule[] = [
  { path: 'throttleTimeMs', as: 'ignore', why: 'quota throttling depends on each broker\'s request rate history' },
  { path: '**.errorMessage', as: 'ignore', why: 'free text; clients show it but never parse it (error codes are compared)' },
  { path: '**.topicId', as: 'id', why: 'topic ids are random per cluster' },
  { path: '**.producerId', as: 'id', why: 'producer ids are allocated per cluster' },
  { path: '**.memberId', as: 'id', why: 'member ids are generated (client id + random uuid) unless the client chose one' },
];

/** Rules by API key. */
const BY_API: Record<number, Rule[]> = {
  0: [ // Produce
    { path: 'responses.*.partitionResponses.*.logAppendTimeMs', as: 'time', why: 'the broker\'s clock at append (LogAppendTime topics)' },
    { path: 'nodeEndpoints.*.host', as: 'ignore', why: 'each broker\'s advertised host' },
    { path: 'nodeEndpoints.*.port', as: 'ignore', why: 'each broker\'s own port' },
  ],
  1: [ // Fetch
    { path: 'sessionId', as: 'id', why: 'fetch session ids are random per broker' },
    { path: 'nodeEndpoints.*.host', as: 'ignore', why: 'each broker\'s advertised host' },
    { path: 'nodeEndpoints.*.port', as: 'ignore', why: 'each broker\'s own port' },
  ],
  3: [ // Metadata
    { path: 'clusterId', as: 'id', why: 'cluster ids are random per cluster' },
    { path: 'brokers.*.host', as: 'ignore', why: 'each broker\'s advertised host' },
    { path: 'brokers.*.port', as: 'ignore', why: 'each broker\'s own port' },
    { path: 'topics', as: { keyBy: 'name' }, why: 'Kafka answers requested topics in hash-set order' },
  ],
  10: [ // FindCoordinator
    { path: 'host', as: 'ignore', why: 'each broker\'s advertised host' },
    { path: 'port', as: 'ignore', why: 'each broker\'s own port' },
    { path: 'coordinators.*.host', as: 'ignore', why: 'each broker\'s advertised host' },
    { path: 'coordinators.*.port', as: 'ignore', why: 'each broker\'s own port' },
  ],
  11: [ // JoinGroup
    { path: 'leader', as: 'id', why: 'the leader\'s generated member id' },
  ],
  15: [ // DescribeGroups
    { path: 'groups', as: { keyBy: 'groupId' }, why: 'Kafka answers group by group as each coordinator shard completes' },
    { path: 'groups.*.members.*.clientHost', as: 'ignore', why: 'the address the client connected from, as each broker sees it' },
  ],
  16: [ // ListGroups
    { path: 'groups', as: { keyBy: 'groupId' }, why: 'Kafka lists groups in hash-map order' },
  ],
  18: [ // ApiVersions
    { path: 'apiKeys', as: { keyBy: 'apiKey' }, why: 'matched by key to name what differs; Kafka sorts by key too' },
    { path: 'finalizedFeaturesEpoch', as: 'ignore', why: 'the metadata log offset of the last feature change, per cluster' },
  ],
  19: [ // CreateTopics
    { path: 'topics.*.configs', as: { keyBy: 'name' }, why: 'Kafka lists the new topic\'s configs in hash-map order' },
  ],
  21: [ // DeleteRecords
    { path: 'topics.*.partitions', as: { keyBy: 'partitionIndex' }, why: 'Kafka answers a topic\'s partitions in hash-map order' },
  ],
  24: [ // AddPartitionsToTxn
    { path: 'resultsByTopicV3AndBelow', as: { keyBy: 'name' }, why: 'Kafka answers topics in hash-map order' },
  ],
  42: [ // DeleteGroups
    { path: 'results', as: { keyBy: 'groupId' }, why: 'Kafka answers group by group as each coordinator shard completes' },
  ],
  32: [ // DescribeConfigs
    { path: 'results.*.configs', as: { keyBy: 'name' }, why: 'Kafka answers a whole-resource describe in hash-map order' },
  ],
  35: [ // DescribeLogDirs
    { path: 'results.*.logDir', as: 'ignore', why: 'each broker\'s data directory' },
    { path: 'results.*.totalBytes', as: 'ignore', why: 'size of each machine\'s file system' },
    { path: 'results.*.usableBytes', as: 'ignore', why: 'free space of each machine\'s file system' },
    { path: 'results.*.topics.*.partitions', as: { keyBy: 'partitionIndex' }, why: 'Kafka lists a topic\'s partitions in hash-map order' },
  ],
  47: [ // OffsetDelete
    { path: 'topics', as: { keyBy: 'name' }, why: 'Kafka merges per-topic answers in a hash map' },
    { path: 'topics.*.partitions', as: { keyBy: 'partitionIndex' }, why: 'Kafka answers unknown partitions first, then the rest' },
  ],
  60: [ // DescribeCluster
    { path: 'clusterId', as: 'id', why: 'cluster ids are random per cluster' },
    { path: 'brokers.*.host', as: 'ignore', why: 'each broker\'s advertised host' },
    { path: 'brokers.*.port', as: 'ignore', why: 'each broker\'s own port' },
  ],
  61: [ // DescribeProducers
    { path: 'topics.*.partitions.*.activeProducers.*.lastTimestamp', as: 'time', why: 'the broker\'s clock at the producer\'s last append' },
  ],
  65: [ // DescribeTransactions
    { path: 'transactionStates.*.transactionStartTimeMs', as: 'time', why: 'the broker\'s clock when the transaction began' },
    { path: 'transactionStates.*.topics', as: { keyBy: 'topic' }, why: 'Kafka keeps a transaction\'s partitions in a hash set' },
  ],
  66: [ // ListTransactions
    { path: 'transactionStates', as: { keyBy: 'transactionalId' }, why: 'Kafka lists transactions in hash-map order' },
  ],
  69: [ // ConsumerGroupDescribe
    { path: 'groups', as: { keyBy: 'groupId' }, why: 'Kafka answers group by group as each coordinator shard completes' },
    { path: 'groups.*.members.*.clientHost', as: 'ignore', why: 'the address the client connected from, as each broker sees it' },
  ],
};

export const IGNORED = Symbol('ignored');

function matches(pattern: string[], path: string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern;
  if (head === '**') {
    for (let i = 0; i <= path.length; i++) if (matches(rest, path.slice(i))) return true;
    return false;
  }
  if (path.length === 0) return false;
  return (head === '*' || head === path[0]) && matches(rest, path.slice(1));
}

function treatmentAt(rules: Rule[], path: string[]): Treatment | undefined {
  return rules.find((r) => matches(r.path.split('.'), path))?.as;
}

function isSentinel(v: unknown): boolean {
  return v === null || v === undefined || v === '' || v === ZERO_UUID || (typeof v === 'number' && v < 0);
}

function walk(v: unknown, path: string[], rules: Rule[]): unknown {
  const t = treatmentAt(rules, path);
  if (t === 'ignore') return IGNORED;
  if (t === 'id') return isSentinel(v) ? v : '<id>';
  if (t === 'time') return isSentinel(v) ? v : '<time>';
  if (Buffer.isBuffer(v) || (Array.isArray(v) && v.length > 0 && Buffer.isBuffer(v[0]))) {
    if (path[path.length - 1] === 'records') return walk(recordSet(v as Buffer | Buffer[]), path, rules);
    return `<bytes ${Buffer.concat(([] as Buffer[]).concat(v as Buffer)).toString('hex')}>`;
  }
  if (Array.isArray(v)) {
    if (t && typeof t === 'object') {
      return Object.fromEntries(v.map((e) => [`${t.keyBy}=${String((e as Record<string, unknown>)[t.keyBy])}`, walk(e, [...path, '*'], rules)]));
    }
    return v.map((e) => walk(e, [...path, '*'], rules));
  }
  if (typeof v === 'object' && v !== null) {
    // A field left undefined (no unknown tagged fields, no control type) is the same as no field.
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, walk(x, [...path, k], rules)]));
  }
  return v;
}

/**
 * A fetched record set as batches. Not compared: the CRC (it covers the producer id, which differs)
 * and the timestamp of control records (the transaction coordinator's clock when it wrote the marker).
 */
function recordSet(v: Buffer | Buffer[]): unknown {
  const { batches, partialTail } = parseRecordSet(v);
  return {
    partialTail,
    batches: batches.map((b) => ({
      ...b,
      records: b.records.map((r) => ({ ...r, timestamp: b.isControl ? '<marker time>' : r.timestamp, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null,
        headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString('hex') ?? null })) })),
    })),
  };
}

/** The response body as compared: legitimately differing fields replaced as the rules say. */
export function normalise(apiKey: number, body: unknown): unknown {
  return walk(body, [], [...EVERY_API, ...(BY_API[apiKey] ?? [])]);
}
