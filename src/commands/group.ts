// `tributary group list | describe | reset-offsets | delete`: consumer groups as kafka-consumer-groups
// shows them (members, assignments, committed offsets, lag), through ListGroups, DescribeGroups or
// ConsumerGroupDescribe (KIP-848 groups), OffsetFetch, ListOffsets, OffsetCommit and DeleteGroups.

import { ApiKey, decodeVersionedData, ErrorCode } from '../codec/index.js';
import type { ClusterClient } from '../client/cluster-client.js';
import { check, ClientError, kafkaError } from '../client/errors.js';
import { commitOffsets, fetchCommittedOffsets, type GroupOffsets } from '../client/group-offsets.js';
import { parseInteger, UsageError } from './args.js';
import type { Command, CommandGroup } from './main.js';

interface ListedGroup {
  group: string;
  state: string;
  type: string;
  protocolType: string;
}

async function listGroups(c: ClusterClient): Promise<ListedGroup[]> {
  // Every broker answers for the groups it coordinates: ask each one, as kafka-consumer-groups does.
  await c.metadata([]);
  const nodes = c.brokers.size > 0 ? [...c.brokers.keys()] : [-1];
  const out: ListedGroup[] = [];
  for (const node of nodes) {
    const res = await c.send(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] }, { node });
    check(res.errorCode, 'list groups');
    for (const g of res.groups) out.push({ group: g.groupId, state: g.groupState, type: g.groupType || 'classic', protocolType: g.protocolType });
  }
  return out.sort((a, b) => a.group.localeCompare(b.group));
}

const list: Command = {
  flags: {},
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const groups = await listGroups(await client());
    if (out.json) await out.printJson(groups);
    else await out.printTable(['GROUP', 'STATE', 'TYPE', 'PROTOCOL-TYPE'], groups.map((g) => [g.group, g.state, g.type, g.protocolType]));
    return 0;
  },
};

interface Member {
  memberId: string;
  clientId: string;
  host: string;
  /** topic → partitions */
  assignment: Map<string, number[]>;
}

interface GroupDescription {
  group: string;
  state: string;
  type: string;
  protocolType: string;
  protocol: string;
  members: Member[];
}

/** Members and assignments, from ConsumerGroupDescribe for a KIP-848 group, else DescribeGroups. */
function describeGroup(c: ClusterClient, groupId: string): Promise<GroupDescription> {
  return c.withCoordinator(groupId, (node) => describeAt(c, node, groupId));
}

async function describeAt(c: ClusterClient, node: number, groupId: string): Promise<GroupDescription> {
  const listed = c.has(ApiKey.ListGroups, 5)
    ? (await c.send(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] }, { node })).groups.find((g) => g.groupId === groupId)
    : undefined;
  if (listed?.groupType === 'consumer' && c.has(ApiKey.ConsumerGroupDescribe)) {
    const res = await c.send(ApiKey.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false }, { node });
    const g = res.groups[0];
    if (g === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe group ${groupId}`, 'no answer for the group');
    check(g.errorCode, `group ${groupId}`, g.errorMessage);
    return {
      group: groupId, state: g.groupState, type: 'consumer', protocolType: 'consumer', protocol: g.assignorName,
      members: g.members.map((m) => ({
        memberId: m.memberId, clientId: m.clientId, host: m.clientHost,
        assignment: new Map(m.assignment.topicPartitions.map((tp) => [tp.topicName, [...tp.partitions].sort((a, b) => a - b)])),
      })),
    };
  }
  const res = await c.send(ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }, { node });
  const g = res.groups[0];
  if (g === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe group ${groupId}`, 'no answer for the group');
  if (g.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) check(g.errorCode, `group ${groupId}`, g.errorMessage);
  const state = g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND ? 'Dead' : g.groupState;
  return {
    group: groupId, state, type: listed?.groupType || 'classic', protocolType: g.protocolType, protocol: g.protocolData,
    members: g.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment: decodeAssignment(g.protocolType, m.memberAssignment) })),
  };
}

function decodeAssignment(protocolType: string, bytes: Buffer): Map<string, number[]> {
  if (protocolType !== 'consumer' || bytes.length < 2) return new Map();
  try {
    const { data } = decodeVersionedData('ConsumerProtocolAssignment', bytes);
    return new Map(data.assignedPartitions.map((tp) => [tp.topic, [...tp.partitions].sort((a, b) => a - b)]));
  } catch {
    return new Map(); // a member's bytes we cannot read: show it without an assignment
  }
}

interface OffsetRow {
  topic: string;
  partition: number;
  committed: number | null;
  logEnd: number;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

const describe: Command = {
  flags: {},
  async run({ args, out, client }) {
    const groupId = args.positional(1, 'group name');
    args.noMorePositionals(2);
    const c = await client();
    const d = await describeGroup(c, groupId);
    const committed = await fetchCommittedOffsets(c, groupId, null);
    if (d.state === 'Dead' && committed.size === 0) throw kafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `group ${groupId}`, 'it does not exist');

    // Every partition the group has a commit for or a member owns.
    const owners = new Map<string, Member>();
    const partitionsByTopic = new Map<string, Set<number>>();
    const add = (topic: string, p: number): void => {
      let s = partitionsByTopic.get(topic);
      if (s === undefined) partitionsByTopic.set(topic, (s = new Set()));
      s.add(p);
    };
    for (const [t, parts] of committed) for (const p of parts.keys()) add(t, p);
    for (const m of d.members) {
      for (const [t, parts] of m.assignment) {
        for (const p of parts) {
          add(t, p);
          owners.set(`${t}:${p}`, m);
        }
      }
    }
    const rows: OffsetRow[] = [];
    for (const [topic, set] of [...partitionsByTopic].sort((a, b) => a[0].localeCompare(b[0]))) {
      const parts = [...set].sort((a, b) => a - b);
      const ends = await c.listOffsets(topic, parts, -1).catch(() => new Map<number, { offset: number }>());
      for (const p of parts) {
        const cur = committed.get(topic)?.get(p) ?? null;
        const end = ends.get(p)?.offset ?? -1;
        const owner = owners.get(`${topic}:${p}`);
        rows.push({
          topic, partition: p, committed: cur, logEnd: end, lag: cur === null || end < 0 ? null : Math.max(end - cur, 0),
          memberId: owner?.memberId ?? null, clientId: owner?.clientId ?? null, host: owner?.host ?? null,
        });
      }
    }
    const totalLag = rows.reduce((s, r) => s + (r.lag ?? 0), 0);
    if (out.json) {
      await out.printJson({
        group: groupId, state: d.state, type: d.type, protocolType: d.protocolType, protocol: d.protocol,
        members: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.host, assignment: Object.fromEntries(m.assignment) })),
        offsets: rows, totalLag,
      });
      return 0;
    }
    await out.write(`Group ${groupId}: state ${d.state}, type ${d.type}, ${d.members.length} member(s)${d.protocol ? `, assignor ${d.protocol}` : ''}\n\n`);
    if (d.members.length > 0) {
      await out.printTable(['MEMBER-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'], d.members.map((m) => [
        m.memberId, m.clientId, m.host, [...m.assignment].map(([t, ps]) => `${t}:${ps.join(',')}`).join(' '),
      ]));
      await out.write('\n');
    }
    await out.printTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows.map((r) => [
      r.topic, r.partition, r.committed, r.logEnd, r.lag, r.memberId, r.host, r.clientId,
    ]));
    await out.write(`\nTOTAL LAG ${totalLag}\n`);
    return 0;
  },
};

type ResetStrategy =
  | { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number }
  | { kind: 'datetime'; timestamp: number } | { kind: 'shift'; by: number };

function resetStrategy(args: import('./args.js').Args): ResetStrategy {
  const chosen: ResetStrategy[] = [];
  if (args.bool('to-earliest')) chosen.push({ kind: 'earliest' });
  if (args.bool('to-latest')) chosen.push({ kind: 'latest' });
  const offset = args.int('to-offset', undefined, 0);
  if (offset !== undefined) chosen.push({ kind: 'offset', offset });
  const dt = args.str('to-datetime');
  if (dt !== undefined) {
    const timestamp = Date.parse(dt);
    if (Number.isNaN(timestamp)) throw new UsageError(`--to-datetime must be an ISO date-time such as 2024-05-01T12:00:00Z, got ${JSON.stringify(dt)}`);
    chosen.push({ kind: 'datetime', timestamp });
  }
  const by = args.int('shift-by');
  if (by !== undefined) chosen.push({ kind: 'shift', by });
  if (chosen.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO, --shift-by N');
  return chosen[0];
}

/** `--topic T` (all partitions) or `--topic T:0,2`. */
async function topicPartitions(c: ClusterClient, spec: string): Promise<{ topic: string; partitions: number[] }> {
  const colon = spec.lastIndexOf(':');
  const topic = colon >= 0 ? spec.slice(0, colon) : spec;
  const info = await c.topic(topic);
  if (colon < 0) return { topic, partitions: info.partitions.map((p) => p.partition) };
  const partitions = spec.slice(colon + 1).split(',').map((p) => parseInteger(p, `--topic ${spec}`));
  for (const p of partitions) {
    if (p < 0 || p >= info.partitions.length) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${topic}-${p}`, `the topic has ${info.partitions.length} partitions`);
  }
  return { topic, partitions };
}

const resetOffsets: Command = {
  flags: {
    topic: { kind: 'list', short: 't' }, 'to-earliest': { kind: 'bool' }, 'to-latest': { kind: 'bool' }, 'to-offset': { kind: 'int' },
    'to-datetime': { kind: 'string' }, 'shift-by': { kind: 'int' }, execute: { kind: 'bool' }, 'dry-run': { kind: 'bool' },
  },
  async run({ args, out, client }) {
    const groupId = args.positional(1, 'group name');
    args.noMorePositionals(2);
    const strategy = resetStrategy(args);
    const specs = args.list('topic');
    if (specs.length === 0) throw new UsageError('reset-offsets needs --topic T (or T:P,P)');
    if (args.bool('execute') && args.bool('dry-run')) throw new UsageError('--execute and --dry-run exclude each other');
    const c = await client();
    const d = await describeGroup(c, groupId);
    if (d.state !== 'Empty' && d.state !== 'Dead') {
      throw new ClientError(`offsets of group ${groupId} can only be reset while it is inactive, but its state is ${d.state}: stop its consumers first`, 'kafka');
    }
    const targets = await Promise.all(specs.map((s) => topicPartitions(c, s)));
    const committed = strategy.kind === 'shift' ? await fetchCommittedOffsets(c, groupId, targets.map((t) => ({ name: t.topic, partitions: t.partitions }))) : new Map();
    const plan: GroupOffsets = new Map();
    const rows: { group: string; topic: string; partition: number; newOffset: number }[] = [];
    for (const { topic, partitions } of targets) {
      const earliest = await c.listOffsets(topic, partitions, -2);
      const latest = await c.listOffsets(topic, partitions, -1);
      const byTime = strategy.kind === 'datetime' ? await c.listOffsets(topic, partitions, strategy.timestamp) : null;
      const m = new Map<number, number>();
      for (const p of partitions) {
        const lo = earliest.get(p)!.offset;
        const hi = latest.get(p)!.offset;
        let target: number;
        switch (strategy.kind) {
          case 'earliest': target = lo; break;
          case 'latest': target = hi; break;
          case 'offset': target = strategy.offset; break;
          case 'datetime': target = (byTime!.get(p)?.offset ?? -1) >= 0 ? byTime!.get(p)!.offset : hi; break;
          case 'shift': {
            const cur = committed.get(topic)?.get(p);
            if (cur === undefined) throw new ClientError(`cannot shift the offset of ${topic}-${p} for group ${groupId}: it has no committed offset (use --to-earliest/--to-latest first)`, 'kafka');
            target = cur + strategy.by;
            break;
          }
        }
        // Out-of-range targets go to the nearest end of the log, as kafka-consumer-groups does.
        target = Math.min(Math.max(target, lo), hi);
        m.set(p, target);
        rows.push({ group: groupId, topic, partition: p, newOffset: target });
      }
      plan.set(topic, m);
    }
    const execute = args.bool('execute');
    if (execute) await commitOffsets(c, groupId, plan);
    if (out.json) await out.printJson({ group: groupId, executed: execute, offsets: rows });
    else await out.printTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows.map((r) => [r.group, r.topic, r.partition, r.newOffset]));
    if (!execute) out.note('dry run: nothing committed (add --execute to commit these offsets)');
    return 0;
  },
};

const remove: Command = {
  flags: {},
  async run({ args, out, client }) {
    const groupId = args.positional(1, 'group name');
    args.noMorePositionals(2);
    const c = await client();
    await c.withCoordinator(groupId, async (node) => {
      const res = await c.send(ApiKey.DeleteGroups, { groupsNames: [groupId] }, { node });
      const r = res.results.find((x) => x.groupId === groupId) ?? res.results[0];
      if (r !== undefined) check(r.errorCode, `delete group ${groupId}`);
    });
    if (out.json) await out.printJson({ group: groupId, deleted: true });
    else await out.write(`deleted group ${groupId}\n`);
    return 0;
  },
};

export const GROUP_COMMANDS: CommandGroup = { list, describe, 'reset-offsets': resetOffsets, delete: remove };
