// `tributary produce TOPIC`: records from stdin, one a line, as v2 batches sent to each partition's
// leader. Each chunk read from stdin becomes at most one batch per partition and is acknowledged
// before the next chunk is read, so a fast writer is held back by the broker (backpressure), and a
// line typed at a terminal goes out at once. Keyed records go where Kafka's default partitioner
// puts them; unkeyed ones rotate over the partitions, one batch at a time.

import { ApiKey, ErrorCode } from '../codec/index.js';
import { buildRecordBatch, CompressionType, isCompressionSupported, type RecordInput } from '../codec/records/index.js';
import type { ClusterClient, TopicInfo } from '../client/cluster-client.js';
import { kafkaError } from '../client/errors.js';
import { partitionForKey } from '../client/partitioner.js';
import { keyValue, UsageError } from './args.js';
import type { Command } from './main.js';
import { Progress } from './output.js';

const ACKS: Record<string, number> = { all: -1, '-1': -1, '1': 1, '0': 0 };
/** Produce errors worth a metadata refresh and another try (Kafka's retriable ones a producer meets). */
const RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH,
]);
const MAX_ATTEMPTS = 5;

interface Offsets {
  first: number;
  last: number;
  records: number;
}

export const PRODUCE_COMMAND: Command = {
  flags: {
    'key-separator': { kind: 'string', short: 'K' },
    partition: { kind: 'int', short: 'P' },
    header: { kind: 'list', short: 'H' },
    compression: { kind: 'string', short: 'z' },
    acks: { kind: 'string', short: 'a' },
  },
  async run({ args, out, client, stdin }) {
    const topicName = args.positional(0, 'topic name');
    args.noMorePositionals(1);
    const separator = args.str('key-separator');
    if (separator === '') throw new UsageError('--key-separator cannot be empty');
    const headers = args.list('header').map((h) => {
      const [key, value] = keyValue(h, '-H');
      return { key, value: Buffer.from(value) };
    });
    const compressionName = args.str('compression', 'none');
    const compression = (CompressionType as Record<string, number>)[compressionName];
    if (compression === undefined) throw new UsageError(`--compression must be none, gzip, snappy, lz4 or zstd, got ${JSON.stringify(compressionName)}`);
    if (!isCompressionSupported(compression)) throw new UsageError(`--compression ${compressionName} needs a newer Node.js (zstd: 22.15+) than ${process.version}`);
    const acks = ACKS[args.str('acks', 'all')];
    if (acks === undefined) throw new UsageError(`--acks must be all, 1 or 0, got ${JSON.stringify(args.str('acks'))}`);

    const c = await client();
    c.version(ApiKey.Produce, 3); // v2 record batches: refuse early on a broker that cannot take them
    const topic = await c.topic(topicName);
    const fixedPartition = args.int('partition', undefined, 0);
    if (fixedPartition !== undefined && fixedPartition >= topic.partitions.length) {
      throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${topicName}-${fixedPartition}`, `the topic has ${topic.partitions.length} partitions`);
    }

    const produced = new Map<number, Offsets>();
    let total = 0;
    let nextUnkeyed = 0;
    const progress = new Progress(out, out.stderr === process.stderr && process.stderr.isTTY === true);
    const partitionOf = (key: Buffer | null): number => {
      if (fixedPartition !== undefined) return fixedPartition;
      if (key !== null) return partitionForKey(key, topic.partitions.length);
      return nextUnkeyed % topic.partitions.length;
    };

    let pending = ''; // a line not yet ended by a newline
    const toRecords = (text: string): Map<number, RecordInput[]> => {
      const byPartition = new Map<number, RecordInput[]>();
      const timestamp = Date.now();
      for (const raw of text.split('\n')) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        let key: Buffer | null = null;
        let value = line;
        if (separator !== undefined) {
          const at = line.indexOf(separator);
          if (at >= 0) {
            key = Buffer.from(line.slice(0, at));
            value = line.slice(at + separator.length);
          }
        }
        const p = partitionOf(key);
        const list = byPartition.get(p);
        const record = { key, value: Buffer.from(value), headers, timestamp };
        if (list === undefined) byPartition.set(p, [record]);
        else list.push(record);
      }
      nextUnkeyed++;
      return byPartition;
    };
    const send = async (byPartition: Map<number, RecordInput[]>): Promise<void> => {
      await produceBatches(c, topic, byPartition, { acks, compression }, produced);
      for (const list of byPartition.values()) total += list.length;
      progress.tick(() => `produced ${total} records`);
    };

    stdin.setEncoding?.('utf8');
    for await (const chunk of stdin as AsyncIterable<string>) {
      const text = pending + chunk;
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        pending = text;
        continue;
      }
      pending = text.slice(end + 1);
      await send(toRecords(text.slice(0, end)));
    }
    if (pending !== '') await send(toRecords(pending));
    if (acks === 0) await flushOneWay(c, topic, produced);

    const partitions = Object.fromEntries([...produced].sort((a, b) => a[0] - b[0]).map(([p, o]) => [p, o]));
    if (out.json) await out.printJson({ topic: topicName, records: total, acks: args.str('acks', 'all'), partitions });
    else out.note(`produced ${total} records to ${topicName}${acks === 0 ? ' (acks=0: not acknowledged)' : ''}`);
    return 0;
  },
};

/**
 * Sends one batch per partition (grouped by leader, one request per leader) and records the offsets;
 * retriable errors refresh metadata and retry the failed partitions a bounded number of times.
 */
async function produceBatches(
  c: ClusterClient,
  topic: TopicInfo,
  byPartition: Map<number, RecordInput[]>,
  opts: { acks: number; compression: number },
  produced: Map<number, Offsets>,
): Promise<void> {
  const batches = new Map([...byPartition].map(([p, records]) => [p, buildRecordBatch({ records, compression: opts.compression as CompressionType })]));
  for (let attempt = 1; batches.size > 0; attempt++) {
    for (const [leader, partitions] of await c.byLeader(topic.name, [...batches.keys()])) {
      const body = {
        transactionalId: null, acks: opts.acks, timeoutMs: c.timeoutMs,
        topicData: [{ name: topic.name, topicId: topic.topicId, partitionData: partitions.map((p) => ({ index: p, records: batches.get(p)! })) }],
      };
      if (opts.acks === 0) {
        await c.sendOneWay(ApiKey.Produce, body, { node: leader, version: c.version(ApiKey.Produce, 3) });
        for (const p of partitions) {
          note(produced, p, -1, byPartition.get(p)!.length);
          batches.delete(p);
        }
        continue;
      }
      const res = await c.send(ApiKey.Produce, body, { node: leader, version: c.version(ApiKey.Produce, 3) });
      for (const t of res.responses) {
        for (const r of t.partitionResponses) {
          if (!batches.has(r.index)) continue;
          if (r.errorCode === ErrorCode.NONE) {
            note(produced, r.index, r.baseOffset, byPartition.get(r.index)!.length);
            batches.delete(r.index);
          } else if (!RETRIABLE.has(r.errorCode) || attempt >= MAX_ATTEMPTS) {
            const detail = r.recordErrors.length > 0 ? r.recordErrors.map((e) => e.batchIndexErrorMessage).join('; ') : r.errorMessage;
            throw kafkaError(r.errorCode, `produce to ${topic.name}-${r.index}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`, detail);
          }
        }
      }
    }
    if (batches.size > 0) {
      c.invalidateLeaders(topic.name);
      await new Promise((r) => setTimeout(r, 100 * attempt));
      if (attempt >= MAX_ATTEMPTS) throw kafkaError(ErrorCode.REQUEST_TIMED_OUT, `produce to ${topic.name}`, `no answer for partitions ${[...batches.keys()].join(',')}`);
    }
  }
}

function note(produced: Map<number, Offsets>, partition: number, baseOffset: number, count: number): void {
  const o = produced.get(partition);
  const last = baseOffset < 0 ? -1 : baseOffset + count - 1;
  if (o === undefined) produced.set(partition, { first: baseOffset, last, records: count });
  else {
    o.last = last;
    o.records += count;
  }
}

/** acks=0: nothing comes back, so wait until the leaders' sockets have taken every byte. */
async function flushOneWay(c: ClusterClient, topic: TopicInfo, produced: Map<number, Offsets>): Promise<void> {
  const leaders = new Set(await Promise.all([...produced.keys()].map((p) => c.leaderFor(topic.name, p))));
  for (const leader of leaders) {
    const socket = await c.socketOf(leader);
    if (socket.writableLength > 0) await new Promise((resolve) => socket.once('drain', resolve));
  }
}
