// `tributary consume TOPIC`: fetches from each partition's leader and prints every record, formatted
// with kcat-like placeholders or as JSON lines. Output waits for stdout to drain (a slow reader slows
// the fetching), and the command stops cleanly on -n, on -e at the end of the partitions, on Ctrl-C
// or SIGTERM, and when the reader of stdout goes away (`consume | head`). With --group it joins the
// group as a classic consumer (group-member.ts), so several consumers share the partitions; it
// starts each assigned partition at the group's commit, commits what it printed every few seconds,
// before a rebalance and on the way out, and then leaves the group. --group with --partition reads
// the named partitions without joining, committing as a tool outside the group does.

import { ApiKey, ErrorCode } from '../codec/index.js';
import type { ClusterClient, TopicInfo } from '../client/cluster-client.js';
import { check, kafkaError } from '../client/errors.js';
import { commitOffsets, fetchCommittedOffsets } from '../client/group-offsets.js';
import { GroupMember } from '../client/group-member.js';
import { parseRecordSet, type FetchedRecord } from '../client/record-set.js';
import { parseInteger, UsageError } from './args.js';
import type { Command } from './main.js';
import { Progress } from './output.js';

const FETCH_MAX_WAIT_MS = 500;
const COMMIT_INTERVAL_MS = 5000;

/** Where to start: a ListOffsets timestamp (-2 earliest, -1 latest, or a time) or an exact offset. */
export type StartPosition = { timestamp: number } | { offset: number };

export function parseFrom(text: string): StartPosition {
  if (text === 'beginning' || text === 'earliest') return { timestamp: -2 };
  if (text === 'end' || text === 'latest') return { timestamp: -1 };
  const m = /^(offset|timestamp):(.+)$/.exec(text);
  if (m !== null) {
    const n = parseInteger(m[2], `--from ${m[1]}`);
    if (n < 0) throw new UsageError(`--from ${m[1]}: must be 0 or more, got ${n}`);
    return m[1] === 'offset' ? { offset: n } : { timestamp: n };
  }
  throw new UsageError(`--from must be beginning, end, offset:N or timestamp:MS, got ${JSON.stringify(text)}`);
}

/** Resolves a start position to an offset per partition (a time past the last record: the end). */
async function startOffsets(c: ClusterClient, topic: string, partitions: number[], from: StartPosition): Promise<Map<number, number>> {
  if ('offset' in from) return new Map(partitions.map((p) => [p, from.offset]));
  const found = await c.listOffsets(topic, partitions, from.timestamp);
  const missing = partitions.filter((p) => (found.get(p)?.offset ?? -1) < 0);
  const ends = missing.length > 0 ? await c.listOffsets(topic, missing, -1) : new Map();
  return new Map(partitions.map((p) => [p, (found.get(p)?.offset ?? -1) >= 0 ? found.get(p)!.offset : ends.get(p)!.offset]));
}

export interface FormattedRecord extends FetchedRecord {
  topic: string;
  partition: number;
}

/**
 * kcat's -f placeholders: %t topic, %p partition, %o offset, %k key, %s value, %K key length,
 * %S value length, %T timestamp, %h headers (k=v,k=v), %% a percent sign; \n \t \r \\ escapes.
 * Null keys and values print as empty (lengths as -1).
 */
export function compileFormat(format: string): (r: FormattedRecord) => string {
  const parts: ((r: FormattedRecord) => string)[] = [];
  const unescaped = format.replace(/\\([ntr\\])/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\' })[c]!);
  for (const piece of unescaped.split(/(%.)/s)) {
    if (piece === '') continue;
    const f = PLACEHOLDERS[piece];
    if (f !== undefined) parts.push(f);
    else if (/^%.$/s.test(piece)) throw new UsageError(`--format: unknown placeholder ${piece} (known: ${Object.keys(PLACEHOLDERS).join(' ')})`);
    else parts.push(() => piece);
  }
  return (r) => parts.map((p) => p(r)).join('');
}

const text = (b: Buffer | null): string => (b === null ? '' : b.toString('utf8'));
const PLACEHOLDERS: Record<string, (r: FormattedRecord) => string> = {
  '%t': (r) => r.topic,
  '%p': (r) => String(r.partition),
  '%o': (r) => String(r.offset),
  '%k': (r) => text(r.key),
  '%s': (r) => text(r.value),
  '%K': (r) => String(r.key?.length ?? -1),
  '%S': (r) => String(r.value?.length ?? -1),
  '%T': (r) => String(r.timestamp),
  '%h': (r) => r.headers.map((h) => `${h.key}=${text(h.value)}`).join(','),
  '%%': () => '%',
};

export function recordJson(r: FormattedRecord): string {
  return JSON.stringify({
    topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp,
    key: r.key === null ? null : text(r.key), value: r.value === null ? null : text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : text(h.value) })),
  }) + '\n';
}

export const CONSUME_COMMAND: Command = {
  flags: {
    group: { kind: 'string', short: 'g' },
    from: { kind: 'string', short: 'o' },
    partition: { kind: 'list', short: 'p' },
    count: { kind: 'int', short: 'n' },
    'exit-at-end': { kind: 'bool', short: 'e' },
    format: { kind: 'string', short: 'f' },
    'read-committed': { kind: 'bool' },
  },
  async run({ args, out, client }) {
    const topicName = args.positional(0, 'topic name');
    args.noMorePositionals(1);
    const groupId = args.str('group');
    if (groupId === '') throw new UsageError('--group cannot be empty');
    const from = parseFrom(args.str('from', 'beginning'));
    const limit = args.int('count', undefined, 1);
    const exitAtEnd = args.bool('exit-at-end');
    if (args.has('format') && out.json) throw new UsageError('--format and --json exclude each other');
    const format = out.json ? recordJson : compileFormat(args.str('format', '%s\\n'));
    const isolationLevel = args.bool('read-committed') ? 1 : 0;

    const c = await client();
    const fetchVersion = c.version(ApiKey.Fetch, 4);
    const topic = await c.topic(topicName);
    const wanted = args.list('partition').map((p) => parseInteger(p, '--partition'));
    for (const p of wanted) {
      if (p < 0 || p >= topic.partitions.length) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${topicName}-${p}`, `the topic has ${topic.partitions.length} partitions`);
    }
    // --group without --partition: a member of the group, which assigns the partitions; with
    // --partition (or without --group) the partitions are ours to read, as a manual assignment.
    const member = groupId !== undefined && wanted.length === 0 ? new GroupMember(c, groupId, [topicName]) : null;
    let partitions = wanted.length > 0 ? [...new Set(wanted)] : member !== null ? [] : topic.partitions.map((p) => p.partition);

    const positions = new Map<number, number>();
    const committedPositions = new Map<number, number>();
    const atEnd = new Set<number>();
    /** Positions: the group's commits first, --from for partitions it has none for. */
    const resolvePositions = async (): Promise<void> => {
      if (groupId !== undefined && partitions.length > 0) {
        const committed = (await fetchCommittedOffsets(c, groupId, [{ name: topicName, partitions }])).get(topicName);
        for (const [p, o] of committed ?? []) {
          if (!partitions.includes(p)) continue;
          positions.set(p, o);
          committedPositions.set(p, o);
        }
      }
      const rest = partitions.filter((p) => !positions.has(p));
      if (rest.length > 0) for (const [p, o] of await startOffsets(c, topicName, rest, from)) positions.set(p, o);
    };
    if (member === null) await resolvePositions();

    let stopped = false;
    let consumed = 0;
    const stop = (): void => {
      stopped = true;
    };
    const onSignal = (): void => stop();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void out.whenClosed().then(stop);
    const progress = new Progress(out, out.stderr === process.stderr && process.stderr.isTTY === true);
    let committedAt = Date.now();
    /** Commits the positions of the partitions this consumer reads (as a member: under its generation). */
    const commit = async (): Promise<void> => {
      if (groupId === undefined) return;
      const changed = [...positions].filter(([p, o]) => committedPositions.get(p) !== o);
      committedAt = Date.now();
      if (changed.length === 0) return;
      const offsets = new Map([[topicName, new Map(changed)]]);
      if (member !== null) {
        if (!(await member.commit(offsets))) return; // the group moved on: the rejoin follows
      } else {
        await commitOffsets(c, groupId, offsets);
      }
      for (const [p, o] of changed) committedPositions.set(p, o);
    };

    try {
      while (!stopped) {
        if (member !== null) {
          if (member.failure !== null) throw member.failure;
          if (member.rejoinNeeded) {
            // Eager rebalancing: commit what was printed, give every partition up, take the new share.
            if (member.generationId >= 0) await commit();
            const assignment = await member.join();
            partitions = assignment.get(topicName) ?? [];
            positions.clear();
            committedPositions.clear();
            atEnd.clear();
            await resolvePositions();
            continue;
          }
          if (partitions.length === 0) {
            if (exitAtEnd) break;
            await new Promise((r) => setTimeout(r, FETCH_MAX_WAIT_MS));
            continue;
          }
        }
        for (const [leader, parts] of await c.byLeader(topicName, partitions.filter((p) => !atEnd.has(p)))) {
          const res = await c.send(ApiKey.Fetch, fetchRequest(topic, parts, positions, isolationLevel, exitAtEnd ? 0 : FETCH_MAX_WAIT_MS), {
            node: leader, version: fetchVersion, timeoutMs: c.timeoutMs + FETCH_MAX_WAIT_MS,
          });
          check(res.errorCode, `fetch from ${topicName}`);
          for (const t of res.responses) {
            if (t.topic !== topicName && t.topicId !== topic.topicId) continue;
            for (const p of t.partitions) {
              if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE
                || p.errorCode === ErrorCode.FENCED_LEADER_EPOCH || p.errorCode === ErrorCode.UNKNOWN_LEADER_EPOCH) {
                c.invalidateLeaders(topicName);
                continue;
              }
              check(p.errorCode, `fetch ${topicName}-${p.partitionIndex} at offset ${positions.get(p.partitionIndex)}`);
              let position = positions.get(p.partitionIndex)!;
              for (const batch of parseRecordSet(p.records).batches) {
                if (!batch.isControl) {
                  for (const r of batch.records) {
                    if (r.offset < position || stopped) continue;
                    await out.write(format({ ...r, topic: topicName, partition: p.partitionIndex }));
                    position = r.offset + 1;
                    consumed++;
                    if (limit !== undefined && consumed >= limit) stopped = true;
                  }
                }
                if (stopped) break;
                position = Math.max(position, batch.lastOffset + 1);
              }
              positions.set(p.partitionIndex, position);
              const end = isolationLevel === 1 && p.lastStableOffset >= 0 ? p.lastStableOffset : p.highWatermark;
              if (exitAtEnd && position >= end) atEnd.add(p.partitionIndex);
            }
          }
          if (stopped) break;
        }
        if (exitAtEnd && atEnd.size === partitions.length) break;
        progress.tick(() => `consumed ${consumed} records`);
        if (Date.now() - committedAt >= COMMIT_INTERVAL_MS) await commit();
      }
      await commit();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Leaving hands the partitions to the other members now rather than after the session timeout;
      // when it fails they still get them then, so it is a warning, not a failed command.
      await member?.leave().catch((err: Error) => out.note(`warning: ${err.message}`));
    }
    if (!out.json && !out.closed && (out.stderr as { isTTY?: boolean }).isTTY === true) out.note(`consumed ${consumed} records`);
    return 0;
  },
};

function fetchRequest(topic: TopicInfo, parts: number[], positions: Map<number, number>, isolationLevel: number, maxWaitMs: number) {
  return {
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 8 * 1024 * 1024, isolationLevel,
    sessionId: 0, sessionEpoch: -1, // no fetch session: every request names its partitions
    topics: [{
      topic: topic.name, topicId: topic.topicId,
      partitions: parts.map((partition) => ({
        partition, currentLeaderEpoch: -1, fetchOffset: positions.get(partition)!, lastFetchedEpoch: -1, logStartOffset: -1,
        partitionMaxBytes: 1024 * 1024,
      })),
    }],
    forgottenTopicsData: [], rackId: '',
  };
}
