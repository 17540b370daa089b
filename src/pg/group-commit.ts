// Group commit of appends to the database: appends to a partition that arrive while a transaction
// holding it is in flight wait and then go together in the next one (up to a bound), so many produce
// requests, over many partitions, share one round of locks, inserts and one COMMIT; transactions over
// disjoint partitions run side by side (a few at once). Each append is still checked on
// its own against its partition's leader and epoch under the row lock (a fenced one fails alone,
// the others commit) and is acknowledged only once the transaction that holds it committed.

import {
  isTransactional, readBaseSequence, readControlRecord, readLastOffsetDelta, readLastSequence, readMaxTimestamp, readProducerEpoch, readProducerId, setBaseOffset,
  setPartitionLeaderEpoch,
} from '../codec/records/index.js';
import { ProducerStateManager, type ProducerEntry } from '../log/index.js';
import type { Uuid } from '../codec/uuid.js';
import { APPEND_CHANNEL } from './append-notifier.js';
import { BATCH_COLUMNS, batchRowsSql } from './batch-rows.js';
import { inPipelinedTransaction, type PipelinedStatements, type Pool } from './connection.js';

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
  /**
   * A batch written by the transaction coordinator, which may be any broker: a commit or abort
   * marker (one control batch), or a committed transaction's offsets into __consumer_offsets. Not
   * fenced by the partition's leader (nodeId and leaderEpoch are ignored; the batch gets the
   * partition's current epoch), as Kafka's leaders append what the coordinator sends them; every
   * broker hears of it (the notification names the partition and offset).
   */
  marker?: true;
}

export interface AppendOutcome {
  baseOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** The partition's last stable offset after the transaction: the first offset of its oldest open transaction, else the high watermark. */
  lastStableOffset: number;
  /** A retried idempotent batch already stored: its original offsets, nothing appended. */
  duplicate?: true;
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

/**
 * Transactions in flight at once, over disjoint sets of partitions (a broker's pool holds 10
 * connections; the rest serve reads, heartbeats and coordinators). One transaction at a time left
 * the broker idle half the time under load (bench/pg.ts): a partition's appends still commit in the
 * order they arrived, since a partition is in at most one transaction at a time.
 */
const MAX_CONCURRENT_TRANSACTIONS = 4;

export class GroupCommitter {
  private queue: Pending[] = [];
  /** Partitions (topicId/partition) in a transaction in flight. */
  private readonly busy = new Set<string>();
  private inFlight = 0;
  /** Transactions committed, and appends they held: their ratio is the grouping achieved. */
  readonly stats = { transactions: 0, appends: 0 };

  /** onCommitted: told after each transaction that stored batches (this broker's long polls wake at once). */
  constructor(private readonly pool: Pool, private readonly onCommitted: () => void = () => {}) {}

  append(request: AppendRequest): Promise<AppendOutcome | AppendRefusal> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, bytes: request.batches.reduce((n, b) => n + b.length, 0), resolve, reject });
      this.pump();
    });
  }

  /** Starts transactions while there is room and appends whose partitions are free. */
  private pump(): void {
    while (this.inFlight < MAX_CONCURRENT_TRANSACTIONS && this.queue.length > 0) {
      const group = this.nextGroup();
      if (group.length === 0) return;
      void this.run(group);
    }
  }

  /**
   * The next transaction's appends, in queue order: those whose partitions are in no transaction in
   * flight, up to the limits. An append left waiting holds back the later ones of its partition.
   */
  private nextGroup(): Pending[] {
    const blocked = new Set(this.busy);
    const group: Pending[] = [];
    const rest: Pending[] = [];
    let bytes = 0;
    for (const p of this.queue) {
      const key = `${p.request.topicId}/${p.request.partition}`;
      const fits = group.length < MAX_GROUP_APPENDS && (group.length === 0 || bytes + p.bytes <= MAX_GROUP_BYTES);
      if (blocked.has(key) || !fits) {
        blocked.add(key);
        rest.push(p);
      } else {
        group.push(p);
        bytes += p.bytes;
      }
    }
    this.queue = rest;
    return group;
  }

  private async run(group: Pending[]): Promise<void> {
    const keys = group.map((p) => `${p.request.topicId}/${p.request.partition}`);
    for (const k of keys) this.busy.add(k);
    this.inFlight++;
    try {
      const outcomes = await this.commit(group.map((p) => p.request));
      this.stats.transactions++;
      this.stats.appends += group.length;
      group.forEach((p, i) => p.resolve(outcomes[i]));
      if (outcomes.some((o) => 'baseOffset' in o)) this.onCommitted();
    } catch (err) {
      for (const p of group) p.reject(err);
    } finally {
      for (const k of keys) this.busy.delete(k);
      this.inFlight--;
      this.pump();
    }
  }

  /** One transaction: lock the partitions (in key order, as every locker does), check, number, insert. */
  private commit(requests: AppendRequest[]): Promise<(AppendOutcome | AppendRefusal)[]> {
    // Two round trips whatever the group holds: BEGIN, the locks and the producer state go out
    // together; then every write and COMMIT (inPipelinedTransaction).
    return inPipelinedTransaction(this.pool, async (c) => {
      const keys = [...new Map(requests.map((r) => [`${r.topicId}/${r.partition}`, r])).values()];
      const locked = c.query<{
        topic_id: string; partition: number; leader: number; leader_epoch: number; next_offset: string; log_start_offset: string; first_unstable_offset: string;
      }>(
        `select p.topic_id, p.partition, p.leader, p.leader_epoch, p.next_offset, p.log_start_offset, p.first_unstable_offset
           from tributary_partitions p join unnest($1::text[], $2::int[]) as k(t, n) on p.topic_id = k.t and p.partition = k.n
          order by p.topic_id, p.partition for update of p`,
        [keys.map((r) => r.topicId), keys.map((r) => r.partition)],
      );
      // Sent behind the lock statement, so it runs once the locks are held: a statement of its own
      // takes its snapshot then (READ COMMITTED), and sees a marker committed while it waited.
      const loaded = loadProducers(c, requests);
      loaded.catch(() => {}); // not awaited when the lock statement fails: the transaction throws that failure
      const { rows } = await locked;
      const state = new Map(rows.map((r) => [`${r.topic_id}/${r.partition}`, { ...r, next: Number(r.next_offset), firstUnstable: Number(r.first_unstable_offset) }]));
      const producers = await loaded;
      const touched = new Set<string>(); // partition keys whose producer state changed
      const txnChanged = new Set<string>(); // partition keys where a transaction began or ended
      const aborted: { topicId: string; partition: number; producerId: number; firstOffset: number; lastOffset: number }[] = [];
      const ins = { topics: [] as string[], partitions: [] as number[], bases: [] as string[], lasts: [] as string[], epochs: [] as number[], maxTs: [] as string[], data: [] as Buffer[] };
      const outcomes = requests.map((r): AppendOutcome | AppendRefusal => {
        const s = state.get(`${r.topicId}/${r.partition}`);
        if (s === undefined) return { kind: 'unknown-partition' };
        if (r.marker !== true && (s.leader !== r.nodeId || s.leader_epoch !== r.leaderEpoch)) return { kind: 'fenced', leader: s.leader, leaderEpoch: s.leader_epoch };
        const epoch = r.marker === true ? s.leader_epoch : r.leaderEpoch;
        const key = `${r.topicId}/${r.partition}`;
        const pid = r.batches.length === 1 ? readProducerId(r.batches[0], 0) : -1;
        let partitionProducers: ProducerStateManager | undefined;
        if (pid >= 0 && (r.checkProducer !== undefined || r.marker === true)) {
          partitionProducers = producers.get(key) ?? new ProducerStateManager();
          producers.set(key, partitionProducers);
          const verdict = r.checkProducer?.(partitionProducers, r.batches[0]) ?? { kind: 'append' };
          if (verdict.kind === 'error') return { kind: 'producer', errorCode: verdict.errorCode, message: verdict.message };
          // A retry of a batch already stored: its original offsets, nothing appended.
          if (verdict.kind === 'duplicate') {
            return { baseOffset: verdict.firstOffset, highWatermark: s.next, logStartOffset: Number(s.log_start_offset), lastStableOffset: -1, duplicate: true };
          }
        }
        const baseOffset = s.next;
        for (const b of r.batches) {
          setBaseOffset(b, 0, s.next);
          setPartitionLeaderEpoch(b, 0, epoch);
          const last = s.next + readLastOffsetDelta(b, 0);
          ins.topics.push(r.topicId);
          ins.partitions.push(r.partition);
          ins.bases.push(String(s.next));
          ins.lasts.push(String(last));
          ins.epochs.push(epoch);
          ins.maxTs.push(String(readMaxTimestamp(b, 0)));
          ins.data.push(b);
          s.next = last + 1;
        }
        if (partitionProducers !== undefined) {
          const b = r.batches[0];
          const control = r.marker === true ? readControlRecord(b, 0) : null;
          const transactional = isTransactional(b, 0);
          const wasOpen = (partitionProducers.get(pid)?.currentTxnFirstOffset ?? -1) >= 0;
          const completed = partitionProducers.update({
            producerId: pid, producerEpoch: readProducerEpoch(b, 0), baseSequence: control ? -1 : readBaseSequence(b, 0), lastSequence: control ? -1 : readLastSequence(b, 0),
            baseOffset, lastOffset: s.next - 1, maxTimestamp: readMaxTimestamp(b, 0),
            isTransactional: transactional, isControl: control !== null,
            controlType: control?.kind === 'commit' ? 1 : control?.kind === 'abort' ? 0 : -1, coordinatorEpoch: control?.marker?.coordinatorEpoch ?? -1,
          });
          if (completed?.isAborted) aborted.push({ topicId: r.topicId, partition: r.partition, producerId: pid, firstOffset: completed.firstOffset, lastOffset: completed.lastOffset });
          if (control !== null || (transactional && !wasOpen)) txnChanged.add(key);
          touched.add(`${key}/${pid}`);
        }
        return { baseOffset, highWatermark: s.next, logStartOffset: Number(s.log_start_offset), lastStableOffset: -1 };
      });
      // From here on every statement goes out without waiting for the one before it.
      saveProducers(c, producers, touched);
      if (aborted.length > 0) {
        c.send(
          `insert into tributary_aborted_txns (topic_id, partition, producer_id, first_offset, last_offset)
           select * from unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[]) on conflict do nothing`,
          [aborted.map((a) => a.topicId), aborted.map((a) => a.partition), aborted.map((a) => String(a.producerId)), aborted.map((a) => String(a.firstOffset)), aborted.map((a) => String(a.lastOffset))],
        );
      }
      let unstable: Promise<{ rows: { topic_id: string; partition: number; first_unstable_offset: string }[] }> | undefined;
      if (txnChanged.size > 0) {
        // The oldest open transaction over every producer of the partition, not only this group's.
        const changed = [...txnChanged].map((k) => state.get(k)!);
        unstable = c.send<{ topic_id: string; partition: number; first_unstable_offset: string }>(
          `update tributary_partitions p set first_unstable_offset = coalesce(
              (select min(x.txn_first_offset) from tributary_producers x where x.topic_id = p.topic_id and x.partition = p.partition and x.txn_first_offset >= 0), -1)
             from unnest($1::text[], $2::int[]) as k(t, n) where p.topic_id = k.t and p.partition = k.n
           returning p.topic_id, p.partition, p.first_unstable_offset`,
          [changed.map((s) => s.topic_id), changed.map((s) => s.partition)],
        );
      }
      const stableOf = (key: string) => {
        const s = state.get(key)!;
        return s.firstUnstable >= 0 ? s.firstUnstable : s.next;
      };
      if (ins.data.length === 0) {
        c.commit();
        await readUnstable(unstable, state);
        return outcomes.map((o, i) => ('baseOffset' in o ? { ...o, lastStableOffset: stableOf(`${requests[i].topicId}/${requests[i].partition}`) } : o));
      }
      // Delivered to every listening broker at COMMIT (append-notifier.ts): their long polls wake.
      // Markers name their partitions: the leader's cache holds only what the leader appended (batch-cache.ts).
      const marked = requests.flatMap((r, i) => {
        const o = outcomes[i];
        return r.marker === true && 'baseOffset' in o ? [`${r.topicId}/${r.partition}@${o.baseOffset}`] : [];
      });
      const { sql: rowsSql, values } = batchRowsSql(ins.data.map((d, i) => [ins.topics[i], ins.partitions[i], ins.bases[i], ins.lasts[i], ins.epochs[i], ins.maxTs[i], d]));
      const moved = [...state.values()].filter((s) => s.next !== Number(s.next_offset));
      const n = values.length;
      // The batches, the partitions' next offsets and the notification in one statement (data-modifying
      // WITH clauses always run to completion): one round trip instead of three per transaction.
      c.send(
        `with inserted as (
           insert into tributary_batches ${BATCH_COLUMNS} values ${rowsSql} returning 1),
         moved as (
           update tributary_partitions p set next_offset = k.next
             from unnest($${n + 1}::text[], $${n + 2}::int[], $${n + 3}::bigint[]) as k(t, n, next) where p.topic_id = k.t and p.partition = k.n returning 1)
         select pg_notify('${APPEND_CHANNEL}', $${n + 4})`,
        [...values, moved.map((s) => s.topic_id), moved.map((s) => s.partition), moved.map((s) => String(s.next)), marked.join(',')],
      );
      c.commit();
      await readUnstable(unstable, state);
      // A high watermark answered must be the partition's after this whole transaction.
      return outcomes.map((o, i) => {
        const key = `${requests[i].topicId}/${requests[i].partition}`;
        return 'baseOffset' in o ? { ...o, highWatermark: state.get(key)!.next, lastStableOffset: stableOf(key) } : o;
      });
    });
  }
}

/** The partitions' first unstable offsets, once the statement that recomputed them answered. */
async function readUnstable(
  unstable: Promise<{ rows: { topic_id: string; partition: number; first_unstable_offset: string }[] }> | undefined,
  state: Map<string, { firstUnstable: number }>,
): Promise<void> {
  if (unstable === undefined) return;
  for (const u of (await unstable).rows) state.get(`${u.topic_id}/${u.partition}`)!.firstUnstable = Number(u.first_unstable_offset);
}

/**
 * Partition key → the producer state of the producers this group's batches name. The statement is
 * sent before this returns its promise (behind those already sent).
 */
async function loadProducers(c: PipelinedStatements, requests: AppendRequest[]): Promise<Map<string, ProducerStateManager>> {
  const wanted = requests.filter((r) => (r.checkProducer !== undefined || r.marker === true) && r.batches.length === 1 && readProducerId(r.batches[0], 0) >= 0);
  const out = new Map<string, ProducerStateManager>();
  if (wanted.length === 0) return out;
  const { rows } = await c.send<{ topic_id: string; partition: number; entry: string }>(
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

/** Sends the writes of the producer entries the group changed (`touched`: "topicId/partition/producerId"); their answer is awaited with the transaction's. */
function saveProducers(c: PipelinedStatements, producers: Map<string, ProducerStateManager>, touched: Set<string>): void {
  if (touched.size === 0) return;
  const rows = [...touched].map((t) => {
    const slash = t.lastIndexOf('/');
    const key = t.slice(0, slash);
    const entry = producers.get(key)!.get(Number(t.slice(slash + 1)))!;
    const at = key.lastIndexOf('/');
    return {
      topicId: key.slice(0, at), partition: Number(key.slice(at + 1)), producerId: String(entry.producerId), entry: JSON.stringify(entry),
      txnFirstOffset: String(entry.currentTxnFirstOffset),
    };
  });
  c.send(
    `insert into tributary_producers (topic_id, partition, producer_id, entry, txn_first_offset)
     select * from unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bigint[])
     on conflict (topic_id, partition, producer_id) do update set entry = excluded.entry, txn_first_offset = excluded.txn_first_offset`,
    [rows.map((r) => r.topicId), rows.map((r) => r.partition), rows.map((r) => r.producerId), rows.map((r) => r.entry), rows.map((r) => r.txnFirstOffset)],
  );
}
