// One broker's membership of the cluster kept in PostgreSQL: it registers, renews its lease every
// heartbeat interval, takes over the leaderships of brokers whose lease expired (and, as the
// controller, the lowest live node id, evens out the shares), and keeps a snapshot of the live
// brokers, topics and partition leaders that handlers read synchronously. The snapshot may be one
// heartbeat old; that is safe because the database, not the snapshot, decides every append.

import type { Uuid } from '../codec/uuid.js';
import { BrokerRegistry, type Endpoint, type RegisteredBroker } from './broker-registry.js';
import type { Pool } from './connection.js';
import { PgLeadership, rackAlternated, type PartitionLeader, type PgTopic } from './leadership.js';

export interface PgMembershipOptions {
  nodeId?: number;
  rack: string | null;
  endpoints: Map<string, Endpoint>;
  /** broker.heartbeat.interval.ms (Kafka's default 2000). */
  heartbeatIntervalMs: number;
  /** broker.session.timeout.ms (Kafka's default 9000). */
  sessionTimeoutMs: number;
  /** Reports a heartbeat that failed (database unreachable, registration lost). */
  onError?: (err: unknown) => void;
}

export class PgMembership {
  readonly registry: BrokerRegistry;
  readonly leadership: PgLeadership;
  private live: RegisteredBroker[] = [];
  private topicsByName = new Map<string, PgTopic>();
  private leaders = new Map<string, PartitionLeader>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly refreshListeners: (() => void)[] = [];

  constructor(readonly pool: Pool, private readonly options: PgMembershipOptions) {
    this.registry = new BrokerRegistry(pool);
    this.leadership = new PgLeadership(pool);
  }

  get nodeId(): number {
    return this.registry.nodeId;
  }

  /** Registers (node id configured or allocated); the broker is live once it published endpoints (start). */
  async register(): Promise<number> {
    const o = this.options;
    return this.registry.register({ nodeId: o.nodeId, rack: o.rack, endpoints: o.endpoints, sessionTimeoutMs: o.sessionTimeoutMs });
  }

  /**
   * Registers unless done, publishes the endpoints (when given: the listeners are bound now), takes
   * this broker's share of leaderships, and starts the heartbeat.
   */
  async start(endpoints?: Map<string, Endpoint>): Promise<number> {
    if (this.registry.registered === undefined) await this.register();
    if (endpoints !== undefined) await this.registry.setEndpoints(endpoints);
    await this.heartbeat();
    this.schedule();
    return this.nodeId;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.heartbeat().catch((err: unknown) => this.options.onError?.(err)).finally(() => this.schedule());
    }, this.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  /** One round: renew the lease, take over what needs a leader, refresh the snapshot. */
  async heartbeat(): Promise<void> {
    await this.registry.renew(this.options.sessionTimeoutMs);
    await this.refresh({ rebalance: true });
  }

  /** Re-reads brokers, topics and leaders (after this broker changed them, or on a heartbeat). */
  async refresh(options: { rebalance: boolean } = { rebalance: false }): Promise<void> {
    const live = await this.registry.live();
    this.live = live;
    if (options.rebalance && live.length > 0) {
      const ids = live.map((b) => b.nodeId);
      const racks = new Map(live.map((b) => [b.nodeId, b.rack]));
      await this.leadership.rebalance(ids, { balance: ids[0] === this.nodeId, rackOf: (id) => racks.get(id) ?? null, lockTimeoutMs: this.options.heartbeatIntervalMs });
    }
    // Refreshes overlap (heartbeat, notifications, this broker's own changes): one whose read began
    // before another's must not replace the newer snapshot, or a deleted topic would come back.
    const started = ++this.readsStarted;
    const [topics, leaders] = await Promise.all([this.leadership.topics(), this.leadership.leaders()]);
    if (started < this.readApplied) return;
    this.readApplied = started;
    this.topicsByName = new Map(topics.map((t) => [t.name, t]));
    this.leaders = new Map(leaders.map((l) => [`${l.topicId}/${l.partition}`, l]));
    for (const listener of this.refreshListeners) listener();
  }

  private readsStarted = 0;
  private readApplied = 0;
  private reading: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  /**
   * Reads the snapshot again in a read that starts after this call (a request naming a topic made
   * through another broker since the last heartbeat, or a metadata notification): a read already
   * under way may have missed the change, so callers meanwhile share one read after it.
   */
  catchUp(): Promise<void> {
    if (this.reading === undefined) {
      this.reading = this.refresh().finally(() => (this.reading = undefined));
      return this.reading;
    }
    this.next ??= this.reading.catch(() => {}).then(() => {
      this.next = undefined;
      return this.catchUp();
    });
    return this.next;
  }

  /**
   * The read of the snapshot under way for a metadata notification, if any: a Metadata request
   * answered meanwhile would list a topic another broker has just deleted (or miss one it created),
   * although the client may already hold that broker's answer.
   */
  pendingCatchUp(): Promise<void> | undefined {
    return this.next ?? this.reading;
  }

  /** Called after every refresh of the snapshot (heartbeats, and this broker's own changes). */
  onRefresh(listener: () => void): void {
    this.refreshListeners.push(listener);
  }

  /** The live brokers, by node id, as of the last heartbeat. */
  liveBrokers(): readonly RegisteredBroker[] {
    return this.live;
  }

  /** The controller: the lowest live node id. */
  get controllerId(): number {
    return this.live[0]?.nodeId ?? -1;
  }

  endpoint(nodeId: number, listenerName: string): Endpoint | undefined {
    const b = this.live.find((x) => x.nodeId === nodeId);
    return b?.endpoints.get(listenerName) ?? b?.endpoints.values().next().value;
  }

  topic(name: string): PgTopic | undefined {
    return this.topicsByName.get(name);
  }

  topics(): PgTopic[] {
    return [...this.topicsByName.values()];
  }

  /** Leader and epoch of a partition as of the last refresh; undefined for an unknown partition. */
  leaderOf(topicId: Uuid, partition: number): PartitionLeader | undefined {
    return this.leaders.get(`${topicId}/${partition}`);
  }

  /** Creates a topic led by the live brokers and refreshes the snapshot so that it is visible at once. */
  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<PgTopic> {
    // The live brokers now, not as of the last heartbeat: a broker that just joined gets its share.
    const live = await this.registry.live();
    const t = await this.leadership.createTopic(name, partitions, configs, rackAlternated(live));
    await this.refresh();
    return t;
  }

  /**
   * A clean shutdown's first step (Kafka's controlled shutdown): this broker's leaderships go to the
   * other live brokers now, with an epoch bump and a notification, instead of after its lease ends.
   */
  async handOver(): Promise<number> {
    const others = (await this.registry.live()).filter((b) => b.nodeId !== this.nodeId);
    if (others.length === 0) return 0;
    const racks = new Map(others.map((b) => [b.nodeId, b.rack]));
    const moves = await this.leadership.rebalance(others.map((b) => b.nodeId), { balance: false, rackOf: (id) => racks.get(id) ?? null });
    return moves.length;
  }

  /** Stops the heartbeat; with `deregister` (a clean shutdown) the lease ends at once. */
  async stop(options: { deregister: boolean } = { deregister: true }): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
    if (options.deregister) await this.registry.deregister();
  }
}
