// Group commit of appends to the database: appends that arrive while a transaction is in flight
// wait and then go together in the next one (up to a bound), so many produce requests, over many
// partitions, share one round of locks, inserts and one COMMIT. Each append is still checked on
// its own against its partition's leader and epoch under the row lock (a fenced one fails alone,
// the others commit) and is acknowledged only once the transaction that holds it committed.

import {
  readBaseSequence, readLastOffsetDelta, readLastSequence, readMaxTimestamp, readProducerEpoch, readProducerId, setBaseOffset, setPartitionLeaderEpoch,
} from '../codec/records/index.js';
import { ProducerStateManager, type ProducerEntry } from '../log/index.js';
import type { Uuid } from '../codec/uuid.js';
import { APPEND_CHANNEL } from './append-notifier.js';
import { inTransaction, type Pool, type PoolClient } from './connection.js';

/** What the produce path's producer-id checks (txn/produce-check.ts) answer for one batch. */
export type ProducerVerdict =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

export interface AppendRequest {
  topicId: Uuid;
  partition: number;
  nodeId: number;
  leaderEpoch: number;
  batches: Buffer[];
  /**
   * For batches with a producer id: checks the (one) batch against the partition's producer state,
   * loaded from the database under the partition's lock, before it is numbered.
   */
  checkProducer?: (producers: ProducerStateManager, batch: Buffer) => ProducerVerdict;
}

export interface AppendOutcome {
  baseOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

/** Why one append of a group was refused; the others of its transaction are unaffected. */
export type AppendRefusal =
  | { kind: 'fenced'; leader: number; leaderEpoch: number }
  | { kind: 'unknown-partition' }
  | { kind: 'producer'; errorCode: number; message: string };

interface Pending {
  request: AppendRequest;
  bytes: number;
  resolve: (r: AppendOutcome | AppendRefusal) => void;
  reject: (err: unknown) => void;
}

/** At most this many appends, or this many bytes, in one transaction. */
const MAX_GROUP_APPENDS = 1000;
const MAX_GROUP_BYTES = 16 * 1024 * 1024;

export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;
  /** Transactions committed, and appends they held: their ratio is the grouping achieved. */
  readonly stats = { transactions: 0, appends: 0 };

  /** onCommitted: told after each transaction that stored batches (this broker's long polls wake at once). */
  constructor(private readonly pool: Pool, private readonly onCommitted: () => void = () => {}) {}

  append(request: AppendRequest): Promise<AppendOutcome | AppendRefusal> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, bytes: request.batches.reduce((n, b) => n + b.length, 0), resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        let bytes = 0;
        let n = 0;
        while (n < this.queue.length && n < MAX_GROUP_APPENDS && (n === 0 || bytes + this.queue[n].bytes <= MAX_GROUP_BYTES)) bytes += this.queue[n++].bytes;
        const group = this.queue.splice(0, n);
        try {
          const outcomes = await this.commit(group.map((p) => p.request));
          this.stats.transactions++;
          this.stats.appends += group.length;
          group.forEach((p, i) => p.resolve(outcomes[i]));
          if (outcomes.some((o) => 'baseOffset' in o)) this.onCommitted();
        } catch (err) {
          for (const p of group) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** One transaction: lock the partitions (in key order, as every locker does), check, number, insert. */
  private commit(requests: AppendRequest[]): Promise<(AppendOutcome | AppendRefusal)[]> {
    return inTransaction(this.pool, async (c) => {
      const keys = [...new Map(requests.map((r) => [`${r.topicId}/${r.partition}`, r])).values()];
      const { rows } = await c.query<{ topic_id: string; partition: number; leader: number; leader_epoch: number; next_offset: string; log_start_offset: string }>(
        `select p.topic_id, p.partition, p.leader, p.leader_epoch, p.next_offset, p.log_start_offset
           from tributary_partitions p join unnest($1::text[], $2::int[]) as k(t, n) on p.topic_id = k.t and p.partition = k.n
          order by p.topic_id, p.partition for update of p`,
        [keys.map((r) => r.topicId), keys.map((r) => r.partition)],
      );
      const state = new Map(rows.map((r) => [`${r.topic_id}/${r.partition}`, { ...r, next: Number(r.next_offset) }]));
      const producers = await loadProducers(c, requests);
      const touched = new Set<string>(); // partition keys whose producer state changed
      const ins = { topics: [] as string[], partitions: [] as number[], bases: [] as string[], lasts: [] as string[], epochs: [] as number[], maxTs: [] as string[], data: [] as Buffer[] };
      const outcomes = requests.map((r): AppendOutcome | AppendRefusal => {
        const s = state.get(`${r.topicId}/${r.partition}`);
        if (s === undefined) return { kind: 'unknown-partition' };
        if (s.leader !== r.nodeId || s.leader_epoch !== r.leaderEpoch) return { kind: 'fenced', leader: s.leader, leaderEpoch: s.leader_epoch };
        const key = `${r.topicId}/${r.partition}`;
        const pid = r.batches.length === 1 ? readProducerId(r.batches[0], 0) : -1;
        let partitionProducers: ProducerStateManager | undefined;
        if (pid >= 0 && r.checkProducer !== undefined) {
          partitionProducers = producers.get(key) ?? new ProducerStateManager();
          producers.set(key, partitionProducers);
          const verdict = r.checkProducer(partitionProducers, r.batches[0]);
          if (verdict.kind === 'error') return { kind: 'producer', errorCode: verdict.errorCode, message: verdict.message };
          // A retry of a batch already stored: its original offsets, nothing appended.
          if (verdict.kind === 'duplicate') return { baseOffset: verdict.firstOffset, highWatermark: s.next, logStartOffset: Number(s.log_start_offset) };
        }
        const baseOffset = s.next;
        for (const b of r.batches) {
          setBaseOffset(b, 0, s.next);
          setPartitionLeaderEpoch(b, 0, r.leaderEpoch);
          const last = s.next + readLastOffsetDelta(b, 0);
          ins.topics.push(r.topicId);
          ins.partitions.push(r.partition);
          ins.bases.push(String(s.next));
          ins.lasts.push(String(last));
          ins.epochs.push(r.leaderEpoch);
          ins.maxTs.push(String(readMaxTimestamp(b, 0)));
          ins.data.push(b);
          s.next = last + 1;
        }
        if (partitionProducers !== undefined) {
          const b = r.batches[0];
          partitionProducers.update({
            producerId: pid, producerEpoch: readProducerEpoch(b, 0), baseSequence: readBaseSequence(b, 0), lastSequence: readLastSequence(b, 0),
            baseOffset, lastOffset: s.next - 1, maxTimestamp: readMaxTimestamp(b, 0),
            isTransactional: false, isControl: false, controlType: -1, coordinatorEpoch: -1,
          });
          touched.add(`${key}/${pid}`);
        }
        return { baseOffset, highWatermark: s.next, logStartOffset: Number(s.log_start_offset) };
      });
      await saveProducers(c, producers, touched);
      if (ins.data.length === 0) return outcomes;
      // Delivered to every listening broker at COMMIT (append-notifier.ts): their long polls wake.
      await c.query(`select pg_notify('${APPEND_CHANNEL}', '')`);
      await c.query(
        `insert into tributary_batches (topic_id, partition, base_offset, last_offset, leader_epoch, max_timestamp, data)
         select * from unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::bigint[], $7::bytea[])`,
        [ins.topics, ins.partitions, ins.bases, ins.lasts, ins.epochs, ins.maxTs, ins.data],
      );
      const moved = [...state.values()].filter((s) => s.next !== Number(s.next_offset));
      await c.query(
        `update tributary_partitions p set next_offset = k.next
           from unnest($1::text[], $2::int[], $3::bigint[]) as k(t, n, next) where p.topic_id = k.t and p.partition = k.n`,
        [moved.map((s) => s.topic_id), moved.map((s) => s.partition), moved.map((s) => String(s.next))],
      );
      // A high watermark answered must be the partition's after this whole transaction.
      return outcomes.map((o, i) => ('baseOffset' in o ? { ...o, highWatermark: state.get(`${requests[i].topicId}/${requests[i].partition}`)!.next } : o));
    });
  }
}

/** Partition key → the producer state of the producers this group's batches name. */
async function loadProducers(c: PoolClient, requests: AppendRequest[]): Promise<Map<string, ProducerStateManager>> {
  const wanted = requests.filter((r) => r.checkProducer !== undefined && r.batches.length === 1 && readProducerId(r.batches[0], 0) >= 0);
  const out = new Map<string, ProducerStateManager>();
  if (wanted.length === 0) return out;
  const { rows } = await c.query<{ topic_id: string; partition: number; entry: string }>(
    `select p.topic_id, p.partition, p.entry from tributary_producers p
       join unnest($1::text[], $2::int[], $3::bigint[]) as k(t, n, id) on p.topic_id = k.t and p.partition = k.n and p.producer_id = k.id`,
    [wanted.map((r) => r.topicId), wanted.map((r) => r.partition), wanted.map((r) => String(readProducerId(r.batches[0], 0)))],
  );
  const entries = new Map<string, ProducerEntry[]>();
  for (const row of rows) {
    const key = `${row.topic_id}/${row.partition}`;
    entries.set(key, [...(entries.get(key) ?? []), JSON.parse(row.entry) as ProducerEntry]);
  }
  for (const [key, list] of entries) out.set(key, ProducerStateManager.restore({ entries: list }));
  return out;
}

/** Writes back the producer entries the group changed (`touched`: "topicId/partition/producerId"). */
async function saveProducers(c: PoolClient, producers: Map<string, ProducerStateManager>, touched: Set<string>): Promise<void> {
  if (touched.size === 0) return;
  const rows = [...touched].map((t) => {
    const slash = t.lastIndexOf('/');
    const key = t.slice(0, slash);
    const entry = producers.get(key)!.get(Number(t.slice(slash + 1)))!;
    const at = key.lastIndexOf('/');
    return { topicId: key.slice(0, at), partition: Number(key.slice(at + 1)), producerId: String(entry.producerId), entry: JSON.stringify(entry) };
  });
  await c.query(
    `insert into tributary_producers (topic_id, partition, producer_id, entry)
     select * from unnest($1::text[], $2::int[], $3::bigint[], $4::text[])
     on conflict (topic_id, partition, producer_id) do update set entry = excluded.entry`,
    [rows.map((r) => r.topicId), rows.map((r) => r.partition), rows.map((r) => r.producerId), rows.map((r) => r.entry)],
  );
}
