// `tributary topic list | describe | create | delete | alter-config | add-partitions`: topic
// administration through Metadata, DescribeConfigs, CreateTopics, DeleteTopics,
// IncrementalAlterConfigs and CreatePartitions.

import { ApiKey, ErrorCode } from '../codec/index.js';
import type { ClusterClient, TopicInfo } from '../client/cluster-client.js';
import { check, kafkaError } from '../client/errors.js';
import { keyValue, UsageError, parseInteger } from './args.js';
import type { Command, CommandContext, CommandGroup } from './main.js';

const TOPIC_RESOURCE = 2;
/** DescribeConfigs configSource of a config set on the topic itself. */
const DYNAMIC_TOPIC_CONFIG = 1;

const list: Command = {
  flags: {},
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const topics = await (await client()).topics();
    const rows = topics.map((t) => ({
      name: t.name, topicId: t.topicId, partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0, internal: t.isInternal,
    }));
    if (out.json) await out.printJson(rows);
    else await out.printTable(['NAME', 'PARTITIONS', 'REPLICAS', 'INTERNAL'], rows.map((r) => [r.name, r.partitions, r.replicationFactor, r.internal ? 'yes' : 'no']));
    return 0;
  },
};

/** The configs set on a topic (not defaults), as kafka-topics --describe shows them. */
async function topicConfigs(c: ClusterClient, name: string): Promise<Record<string, string | null>> {
  if (!c.has(ApiKey.DescribeConfigs)) return {};
  const v = c.version(ApiKey.DescribeConfigs);
  const res = await c.send(ApiKey.DescribeConfigs, {
    resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null }],
    includeSynonyms: false, includeDocumentation: false,
  }, { version: v });
  const r = res.results[0];
  if (r === undefined) return {};
  check(r.errorCode, `configs of topic ${name}`, r.errorMessage);
  const own = r.configs.filter((x) => (v >= 1 ? x.configSource === DYNAMIC_TOPIC_CONFIG : !x.isDefault));
  return Object.fromEntries(own.map((x) => [x.name, x.isSensitive ? null : x.value]));
}

const describe: Command = {
  flags: {},
  async run({ args, out, client }) {
    const name = args.positional(1, 'topic name');
    args.noMorePositionals(2);
    const c = await client();
    const t = await c.topic(name);
    const configs = await topicConfigs(c, name);
    const replicationFactor = t.partitions[0]?.replicas.length ?? 0;
    if (out.json) {
      await out.printJson({
        name: t.name, topicId: t.topicId, internal: t.isInternal, partitionCount: t.partitions.length, replicationFactor, configs,
        partitions: t.partitions.map((p) => ({ partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, offline: p.offline })),
      });
      return 0;
    }
    const configText = Object.entries(configs).map(([k, v]) => `${k}=${v ?? '(sensitive)'}`).join(',');
    await out.write(
      `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${configText}\n\n`,
    );
    await out.printTable(['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE'], t.partitions.map((p) => [
      p.partition, p.leader, p.leaderEpoch, p.replicas.join(','), p.isr.join(','), p.offline.join(','),
    ]));
    return 0;
  },
};

/** Polls metadata (bounded) until every partition of a new topic has a leader, so the next command can use it. */
async function waitForLeaders(c: ClusterClient, name: string, partitions: number): Promise<TopicInfo | null> {
  const deadline = Date.now() + c.timeoutMs;
  for (;;) {
    const res = await c.metadata([name]);
    const t = res.topics.find((x) => x.name === name);
    if (t !== undefined && t.errorCode === 0 && t.partitions.length >= partitions && t.partitions.every((p) => p.leaderId >= 0)) {
      return c.topic(name);
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const create: Command = {
  flags: { partitions: { kind: 'int', short: 'p' }, replicas: { kind: 'int', short: 'r' }, config: { kind: 'list', short: 'c' } },
  async run({ args, out, client }) {
    const name = args.positional(1, 'topic name');
    args.noMorePositionals(2);
    const c = await client();
    const v = c.version(ApiKey.CreateTopics);
    // -1 asks for the broker's num.partitions / default.replication.factor (CreateTopics v4+).
    const partitions = args.int('partitions', v >= 4 ? -1 : 1, 1);
    const replicas = args.int('replicas', v >= 4 ? -1 : 1, 1);
    const configs = args.list('config').map((kv) => keyValue(kv, '-c'));
    const res = await c.send(ApiKey.CreateTopics, {
      topics: [{ name, numPartitions: partitions, replicationFactor: replicas, assignments: [], configs: configs.map(([k, val]) => ({ name: k, value: val })) }],
      timeoutMs: c.timeoutMs,
      validateOnly: false,
    }, { version: v });
    const r = res.topics.find((t) => t.name === name);
    if (r === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `CreateTopics ${name}`, 'no answer for the topic');
    check(r.errorCode, `create topic ${name}`, r.errorMessage);
    const created = await waitForLeaders(c, name, Math.max(partitions ?? 1, 1));
    const count = created?.partitions.length ?? r.numPartitions;
    const rf = created?.partitions[0]?.replicas.length ?? r.replicationFactor;
    if (out.json) await out.printJson({ name, topicId: created?.topicId ?? r.topicId, partitions: count, replicationFactor: rf });
    else await out.write(`created topic ${name} (${count} partitions, replication factor ${rf})\n`);
    return 0;
  },
};

const remove: Command = {
  flags: {},
  async run({ args, out, client }) {
    const name = args.positional(1, 'topic name');
    args.noMorePositionals(2);
    const c = await client();
    const res = await c.send(ApiKey.DeleteTopics, { topics: [{ name }], topicNames: [name], timeoutMs: c.timeoutMs });
    const r = res.responses.find((x) => x.name === name) ?? res.responses[0];
    if (r === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DeleteTopics ${name}`, 'no answer for the topic');
    check(r.errorCode, `delete topic ${name}`, r.errorMessage);
    if (out.json) await out.printJson({ name, deleted: true });
    else await out.write(`deleted topic ${name}\n`);
    return 0;
  },
};

const alterConfig: Command = {
  flags: { delete: { kind: 'list' } },
  async run({ args, out, client }) {
    const name = args.positional(1, 'topic name');
    const sets = args.positionals.slice(2).map((kv) => keyValue(kv, 'each config'));
    const deletes = args.list('delete');
    if (sets.length === 0 && deletes.length === 0) throw new UsageError('alter-config needs key=value or --delete key');
    const c = await client();
    const res = await c.send(ApiKey.IncrementalAlterConfigs, {
      resources: [{
        resourceType: TOPIC_RESOURCE, resourceName: name,
        configs: [
          ...sets.map(([k, v]) => ({ name: k, configOperation: 0, value: v })),
          ...deletes.map((k) => ({ name: k, configOperation: 1, value: null })),
        ],
      }],
      validateOnly: false,
    });
    const r = res.responses[0];
    if (r !== undefined) check(r.errorCode, `alter configs of topic ${name}`, r.errorMessage);
    if (out.json) await out.printJson({ name, set: Object.fromEntries(sets), deleted: deletes });
    else await out.write(`altered configs of topic ${name}: ${[...sets.map(([k, v]) => `${k}=${v}`), ...deletes.map((k) => `-${k}`)].join(', ')}\n`);
    return 0;
  },
};

const addPartitions: Command = {
  flags: {},
  async run({ args, out, client }) {
    const name = args.positional(1, 'topic name');
    const add = parseInteger(args.positional(2, 'number of partitions to add'), 'the number of partitions to add');
    args.noMorePositionals(3);
    if (add < 1) throw new UsageError(`the number of partitions to add must be at least 1, got ${add}`);
    const c = await client();
    const before = await c.topic(name);
    const count = before.partitions.length + add;
    const res = await c.send(ApiKey.CreatePartitions, {
      topics: [{ name, count, assignments: null }], timeoutMs: c.timeoutMs, validateOnly: false,
    });
    const r = res.results[0];
    if (r !== undefined) check(r.errorCode, `add partitions to topic ${name}`, r.errorMessage);
    await waitForLeaders(c, name, count);
    if (out.json) await out.printJson({ name, partitions: count, added: add });
    else await out.write(`topic ${name} now has ${count} partitions (${add} added)\n`);
    return 0;
  },
};

export const TOPIC_COMMANDS: CommandGroup = {
  list, describe, create, delete: remove, 'alter-config': alterConfig, 'add-partitions': addPartitions,
};

