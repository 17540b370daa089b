// Real clients (subprocesses) against a test cluster: which identity served a consumer's fetches
// (FetchCounter), and the leader of a partition stopped and started while a client produces to it.

import type { RunningCluster } from '../../src/index.js';
import type { InterceptorHandle } from '../../src/index.js';

type FetchedPartition = { records: Buffer | Buffer[] | null };
type FetchedTopic = { topic: string; topicId: string; partitions: FetchedPartition[] };

const hasRecords = (p: FetchedPartition) => (Array.isArray(p.records) ? p.records.some((b) => b.length > 0) : (p.records?.length ?? 0) > 0);

/**
 * Counts, per broker identity, the Fetch responses carrying records of a topic (named, or by topic id
 * from Fetch v13) with a pass-through interceptor. An identity's interceptors end when it stops:
 * count(nodeId) again after it starts.
 */
export class FetchCounter {
  /** Fetch responses with records, by node id and then topic name. */
  readonly served = new Map<number, Map<string, number>>();
  private readonly handles: InterceptorHandle[] = [];

  constructor(private readonly cluster: RunningCluster) {
    for (const b of cluster.brokers) if (b.alive) this.count(b.nodeId);
  }

  /** Counts what identity nodeId serves from now on. */
  count(nodeId: number): void {
    this.handles.push(
      this.cluster.intercept(nodeId, 'Fetch', async (_request, ctx) => {
        const response = await ctx.forward();
        for (const t of (response?.responses ?? []) as FetchedTopic[]) {
          const name = t.topic !== '' ? t.topic : this.cluster.services.topics.topicById(t.topicId)?.name;
          if (name === undefined || !t.partitions.some(hasRecords)) continue;
          const perTopic = this.served.get(nodeId) ?? new Map<string, number>();
          perTopic.set(name, (perTopic.get(name) ?? 0) + 1);
          this.served.set(nodeId, perTopic);
        }
        return response;
      }),
    );
  }

  /** Fetch responses with records of `topic` that identity nodeId sent. */
  of(nodeId: number, topic: string): number {
    return this.served.get(nodeId)?.get(topic) ?? 0;
  }

  remove(): void {
    for (const h of this.handles) h.remove();
  }
}

/** Resolves once cond() holds, checking every 10 ms; fails after timeoutMs. */
export async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * While a client produces to partition 0 of `topic` (created by the client: waited for), stops its
 * leader identity once `step` records are in, starts it again once `step` more went through the new
 * leader, and makes it the leader again. Returns what happened, for the test to check that the stop
 * fell while the client was still producing (`atStop` below the total it sends).
 */
export async function stopAndStartLeaderWhileProducing(cluster: RunningCluster, topic: string, step: number, producing: Promise<unknown>): Promise<{ leader: number; newLeader: number; atStop: number }> {
  let done = false;
  void producing.then(() => (done = true), () => (done = true));
  const log = () => cluster.services.topics.openPartitionLog(topic, 0);
  await until(`${step} records in ${topic}`, () => (log()?.highWatermark ?? 0) >= step || done);
  if ((log()?.highWatermark ?? 0) < step) {
    await producing; // its failure says why
    throw new Error(`the client finished before writing ${step} records to ${topic}`);
  }
  const leader = cluster.partitionLeader(topic, 0);
  await cluster.stopBroker(leader);
  const newLeader = cluster.partitionLeader(topic, 0);
  const atStop = log()!.highWatermark;
  await until('records through the new leader', () => log()!.highWatermark >= atStop + step || done);
  await cluster.startBroker(leader);
  cluster.moveLeader(topic, 0, leader);
  return { leader, newLeader, atStop };
}
