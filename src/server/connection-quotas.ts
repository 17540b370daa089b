// Connection limits with Kafka's keys and semantics (Kafka's ConnectionQuotas): every accepted
// socket of every listener passes here before it becomes a connection.
// - max.connections (broker-wide) and listener.name.<l>.max.connections: at the limit, accepting
//   waits until a connection closes, as Kafka's acceptor blocks (the client sees no answer yet, not a
//   refusal). Kafka leaves the waiting sockets in the kernel's backlog; Node accepts them at once, so
//   they wait here, paused, and at most WAITING_LIMIT per listener (the listen backlog we ask for):
//   one more is refused. The inter-broker listener, when there are several, is exempt from the
//   broker-wide limit and rate, as Kafka protects it.
// - max.connection.creation.rate (broker-wide and per listener): a connection over the rate is
//   accepted late, by the time that brings the rate back to the limit (at most one quota window).
// - max.connections.per.ip and max.connections.per.ip.overrides: one connection more than the
//   address may have is closed at once.
// - the client quota connection_creation_rate of an ip entity (AlterClientQuotas, KIP-612): a
//   connection over the address's rate is held for the delay Kafka computes, then closed.
// Every limit is read again when a dynamic config changes (Reconfigurable): a raised limit lets
// waiting sockets in, a broker-wide max.connections lowered below the connections open closes the
// least recently used ones (Kafka's Processor does so, one per poll, until the count fits). A refusal is logged (at most one line per second and reason, with the count
// of the others) and counted in tributary_connections_refused_total.

import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { RateSensor } from '../cluster/quotas.js';
import { parsePerIpOverrides } from '../config/broker-settings.js';
import type { BrokerConfig, DynamicConfigTexts, Reconfigurable } from '../config/load.js';
import { INT32_MAX } from '../config/types.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Logger } from '../util/logger.js';

/** Sockets one listener holds while they wait for a slot; beyond, refused. */
export const WAITING_LIMIT = 1024;
/** Kafka caps a connection-rate delay at the quota window (quota.window.size.seconds = 1). */
const MAX_RATE_DELAY_MS = 1000;
/** One log line per reason per this many ms; the others are counted into the next line. */
const LOG_INTERVAL_MS = 1000;

export type RefusalReason = 'max_connections_per_ip' | 'max_connections' | 'ip_connection_rate';

/** An address's connection_creation_rate client quota (its ip entity, else the default ip entity), or undefined. */
export type IpConnectionRate = (address: string) => number | undefined;

/** Per-address rate sensors are dropped once idle for the whole rate window (11 one-second samples). */
const IP_SENSOR_IDLE_MS = 11_000;

export interface ListenerLimits {
  maxConnections: number;
  maxConnectionCreationRate: number;
}

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionCreationRate: number;
  maxConnectionsPerIp: number;
  /** By IP address as Node writes it (host names already resolved). */
  perIpOverrides: ReadonlyMap<string, number>;
  listeners: ReadonlyMap<string, ListenerLimits>;
}

interface Waiting {
  socket: net.Socket;
  address: string;
  admit: (release: () => void) => void;
  /** Recorded in the rate sensors and delayed as they asked: the slot is all it still waits for. */
  rateDone: boolean;
}

interface ListenerState {
  name: string;
  count: number;
  queue: Waiting[];
  rate: RateSensor;
  /** A rate delay in progress: the acceptor of this listener waits for it. */
  delay: ReturnType<typeof setTimeout> | null;
}

/** What the limits need of an open connection: when it was last used, and how to close it. */
export interface OpenConnection {
  readonly lastActiveMs: number;
  destroy(): void;
}

export interface ConnectionQuotasOptions {
  config: BrokerConfig;
  /** Listener names, upper case, as the servers use them. */
  listeners: readonly string[];
  logger: Logger;
  metrics?: BrokerMetrics;
  now?: () => number;
}

export class ConnectionQuotas implements Reconfigurable {
  private limits: ConnectionLimits;
  private readonly perIp = new Map<string, number>();
  private total = 0;
  private readonly brokerRate = new RateSensor();
  private readonly states = new Map<string, ListenerState>();
  private readonly protectedListener: string | null;
  private readonly now: () => number;
  private readonly logLimiter = new Map<RefusalReason, { last: number; suppressed: number }>();
  /** Resolving host names of max.connections.per.ip.overrides: only the latest applies. */
  private resolving = 0;
  private ipConnectionRate: IpConnectionRate = () => undefined;
  private readonly openConnections = new Map<string, () => Iterable<OpenConnection>>();
  private readonly ipRates = new Map<string, { sensor: RateSensor; lastMs: number }>();
  /** Sockets over their address's rate, held until Kafka would close them. */
  private readonly held = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly options: ConnectionQuotasOptions) {
    this.now = options.now ?? Date.now;
    for (const name of options.listeners) this.states.set(name, { name, count: 0, queue: [], rate: new RateSensor(), delay: null });
    const inter = (options.config.get('inter.broker.listener.name') as string | null)?.toUpperCase() ?? null;
    this.protectedListener = inter !== null && options.listeners.length > 1 && this.states.has(inter) ? inter : null;
    this.limits = this.read({ broker: {}, default: {} });
  }

  /** Connections open now from an address (test and diagnostics). */
  countFor(address: string): number {
    return this.perIp.get(normalizeAddress(address)) ?? 0;
  }

  /**
   * Hands an accepted socket (paused) through the limits: `admit` is called once it may become a
   * connection, with the release to call when it closes; a refused socket is destroyed here.
   */
  accept(listener: string, socket: net.Socket, admit: (release: () => void) => void): void {
    const state = this.states.get(listener);
    if (state === undefined) throw new Error(`connection quotas: unknown listener ${listener}`);
    const address = normalizeAddress(socket.remoteAddress ?? '');
    if (state.queue.length >= WAITING_LIMIT) {
      this.refuse(state, socket, address, 'max_connections', `${WAITING_LIMIT} connections already wait for a slot (max.connections)`);
      return;
    }
    const waiting: Waiting = { socket, address, admit, rateDone: false };
    state.queue.push(waiting);
    // A client that gives up while it waits leaves the queue (and needs no log line).
    socket.on('error', ignore);
    socket.once('close', () => {
      const i = state.queue.indexOf(waiting);
      if (i >= 0) state.queue.splice(i, 1);
    });
    this.pump(state);
  }

  /** A listener's open connections, for closing the least recently used when max.connections is lowered. */
  addListenerConnections(listener: string, connections: () => Iterable<OpenConnection>): void {
    this.openConnections.set(listener, connections);
  }

  /** The ip entities' connection_creation_rate quotas (cluster state), once it is open. */
  useIpConnectionRates(lookup: IpConnectionRate): void {
    this.ipConnectionRate = lookup;
  }

  /** Kafka's refusals, in its words: KafkaConfig's own checks, then the listeners' (ListenerConnectionQuota). */
  validateReconfiguration(dynamic: DynamicConfigTexts): string | undefined {
    return this.startupProblem(dynamic) ?? this.listenerProblem(dynamic);
  }

  /** KafkaConfig's checks, which stop Kafka's start-up too. */
  startupProblem(dynamic: DynamicConfigTexts = { broker: {}, default: {} }): string | undefined {
    const config = this.options.config;
    const overrides = parsePerIpOverrides(effective(config, dynamic, 'max.connections.per.ip.overrides') ?? '');
    if (typeof overrides === 'string') return overrides;
    if (effective(config, dynamic, 'max.connections.per.ip') === '0' && overrides.size === 0) {
      return 'requirement failed: max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.';
    }
    return undefined;
  }

  /** ListenerConnectionQuota.validateReconfiguration: only a dynamic change is judged by it. */
  private listenerProblem(dynamic: DynamicConfigTexts): string | undefined {
    const config = this.options.config;
    // Each listener takes its prefixed value, else the broker-wide one (Kafka's valuesWithPrefixOverride).
    for (const name of this.states.keys()) {
      for (const key of ['max.connections', 'max.connection.creation.rate']) {
        const text = listenerValue(config, dynamic, name, key) ?? effective(config, dynamic, key);
        if (text !== null && !(Number(text) > 0)) return dynamicConfigRefusal(`Invalid ${key} ${text}`);
      }
    }
    return undefined;
  }

  reconfigure(dynamic: DynamicConfigTexts): void {
    const next = this.read(dynamic);
    this.limits = next;
    this.resolveHostNames(dynamic);
    // A raised limit lets waiting sockets in.
    for (const state of this.states.values()) this.pump(state);
    this.closeOverLimit();
  }

  /** Over a lowered max.connections: closes the least recently used connections of the unprotected listeners. */
  private closeOverLimit(): void {
    const excess = this.total - this.limits.maxConnections;
    if (excess <= 0) return;
    const candidates: OpenConnection[] = [];
    for (const [listener, connections] of this.openConnections) if (listener !== this.protectedListener) candidates.push(...connections());
    candidates.sort((a, b) => a.lastActiveMs - b.lastActiveMs);
    const closing = candidates.slice(0, excess);
    if (closing.length === 0) return;
    this.options.logger.info('closing the least recently used connections: max.connections was lowered below the connections open', { maxConnections: this.limits.maxConnections, closing: closing.length });
    for (const c of closing) c.destroy();
  }

  /** Stops rate delays and drops waiting sockets (shutdown). */
  close(): void {
    for (const state of this.states.values()) {
      if (state.delay !== null) clearTimeout(state.delay);
      state.delay = null;
      for (const w of state.queue.splice(0)) w.socket.destroy();
    }
    for (const t of this.held) clearTimeout(t);
    this.held.clear();
  }

  // ---- admission --------------------------------------------------------------------------------

  private pump(state: ListenerState): void {
    while (state.queue.length > 0 && state.delay === null) {
      const head = state.queue[0];
      if (head.socket.destroyed) {
        state.queue.shift();
        continue;
      }
      if (!head.rateDone) {
        head.rateDone = true;
        const delayMs = this.recordCreation(state);
        if (delayMs > 0) {
          state.delay = setTimeout(() => {
            state.delay = null;
            this.pump(state);
          }, delayMs);
          return;
        }
      }
      if (!this.slotAvailable(state)) return; // a close or a raised limit pumps again
      state.queue.shift();
      const ipDelayMs = this.recordIpCreation(head.address);
      if (ipDelayMs > 0) {
        // Not accepted: out of the listener's and the broker's rates too, as Kafka takes it back.
        const now = this.now();
        state.rate.record(-1, now);
        if (state.name !== this.protectedListener) this.brokerRate.record(-1, now);
        this.holdThenClose(state, head.socket, head.address, ipDelayMs);
        continue;
      }
      const max = this.limits.perIpOverrides.get(head.address) ?? this.limits.maxConnectionsPerIp;
      const count = this.perIp.get(head.address) ?? 0;
      if (count >= max) {
        this.refuse(state, head.socket, head.address, 'max_connections_per_ip', `address already has the configured maximum of ${max} connections`);
        continue;
      }
      this.perIp.set(head.address, count + 1);
      this.total++;
      state.count++;
      head.socket.off('error', ignore);
      let released = false;
      head.admit(() => {
        if (released) return;
        released = true;
        this.release(state, head.address);
      });
    }
  }

  private release(state: ListenerState, address: string): void {
    const count = this.perIp.get(address) ?? 0;
    if (count <= 1) this.perIp.delete(address);
    else this.perIp.set(address, count - 1);
    this.total--;
    state.count--;
    // A slot freed: the broker-wide limit may let another listener's socket in too.
    for (const s of this.states.values()) this.pump(s);
  }

  private slotAvailable(state: ListenerState): boolean {
    const own = this.limits.listeners.get(state.name)?.maxConnections ?? INT32_MAX;
    if (state.count >= own) return false;
    return state.name === this.protectedListener || this.total < this.limits.maxConnections;
  }

  /** Records one connection in the broker's and the listener's rate; the delay the longer asks for. */
  private recordCreation(state: ListenerState): number {
    const now = this.now();
    const listenerRate = this.limits.listeners.get(state.name)?.maxConnectionCreationRate ?? INT32_MAX;
    const own = delayFor(state.rate, listenerRate, now);
    if (state.name === this.protectedListener) return own;
    return Math.max(own, delayFor(this.brokerRate, this.limits.maxConnectionCreationRate, now));
  }

  /**
   * The address's connection_creation_rate quota: records one connection and returns the delay when
   * over it, after taking the connection back out of the rate (Kafka does not count a refused one).
   */
  private recordIpCreation(address: string): number {
    const limit = this.ipConnectionRate(address);
    if (limit === undefined) return 0;
    const now = this.now();
    let entry = this.ipRates.get(address);
    if (entry === undefined) {
      if (this.ipRates.size >= WAITING_LIMIT) for (const [a, e] of this.ipRates) if (now - e.lastMs > IP_SENSOR_IDLE_MS) this.ipRates.delete(a);
      entry = { sensor: new RateSensor(), lastMs: now };
      this.ipRates.set(address, entry);
    }
    entry.lastMs = now;
    const delayMs = delayFor(entry.sensor, limit, now);
    if (delayMs > 0) entry.sensor.record(-1, now);
    return delayMs;
  }

  /** Kafka keeps a socket over its address's rate for the throttle time, then closes it (Acceptor's throttledSockets). */
  private holdThenClose(state: ListenerState, socket: net.Socket, address: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.held.delete(timer);
      this.refuse(state, socket, address, 'ip_connection_rate', `over the connection_creation_rate quota of its ip entity (closed after ${delayMs} ms)`);
    }, delayMs);
    this.held.add(timer);
  }

  private refuse(state: ListenerState, socket: net.Socket, address: string, reason: RefusalReason, why: string): void {
    socket.on('error', ignore);
    socket.destroy();
    this.options.metrics?.connectionRefused(state.name, reason);
    const now = this.now();
    const limiter = this.logLimiter.get(reason) ?? { last: -Infinity, suppressed: 0 };
    this.logLimiter.set(reason, limiter);
    if (now - limiter.last < LOG_INTERVAL_MS) {
      limiter.suppressed++;
      return;
    }
    const fields: Record<string, unknown> = { listener: state.name, client: address, reason: why };
    if (limiter.suppressed > 0) fields.alsoRefused = limiter.suppressed;
    limiter.last = now;
    limiter.suppressed = 0;
    this.options.logger.info(`Rejected connection from ${address}`, fields);
  }

  // ---- settings ---------------------------------------------------------------------------------

  private read(dynamic: DynamicConfigTexts): ConnectionLimits {
    const config = this.options.config;
    const listeners = new Map<string, ListenerLimits>();
    for (const name of this.states.keys()) {
      const own = (key: string) => {
        const text = listenerValue(config, dynamic, name, key);
        return text === null || !/^\d+$/.test(text.trim()) ? INT32_MAX : Number(text);
      };
      listeners.set(name, { maxConnections: own('max.connections'), maxConnectionCreationRate: own('max.connection.creation.rate') });
    }
    const overrides = parsePerIpOverrides(config.str('max.connections.per.ip.overrides'));
    const byAddress = new Map<string, number>();
    if (typeof overrides !== 'string') for (const [host, count] of overrides) if (net.isIP(host) !== 0) byAddress.set(normalizeAddress(host), count);
    return {
      maxConnections: config.int('max.connections'),
      maxConnectionCreationRate: config.int('max.connection.creation.rate'),
      maxConnectionsPerIp: config.int('max.connections.per.ip'),
      perIpOverrides: byAddress,
      listeners,
    };
  }

  /** Host names in max.connections.per.ip.overrides count for the addresses they resolve to (Kafka resolves them too). */
  private resolveHostNames(_dynamic: DynamicConfigTexts): void {
    const overrides = parsePerIpOverrides(this.options.config.str('max.connections.per.ip.overrides'));
    if (typeof overrides === 'string') return;
    const names = [...overrides].filter(([host]) => net.isIP(host) === 0);
    if (names.length === 0) return;
    const generation = ++this.resolving;
    void Promise.all(
      names.map(async ([host, count]) => {
        try {
          return (await lookup(host, { all: true })).map((a) => [normalizeAddress(a.address), count] as const);
        } catch (err) {
          this.options.logger.warn('max.connections.per.ip.overrides: cannot resolve a host name; its limit does not apply', { host, error: (err as Error).message });
          return [];
        }
      }),
    ).then((resolved) => {
      if (generation !== this.resolving) return;
      const merged = new Map(this.limits.perIpOverrides);
      for (const list of resolved) for (const [address, count] of list) if (!merged.has(address)) merged.set(address, count);
      this.limits = { ...this.limits, perIpOverrides: merged };
    });
  }
}

/** How Kafka words a reconfigurable's refusal once DynamicBrokerConfig has wrapped it. */
export function dynamicConfigRefusal(why: string): string {
  return `Invalid value org.apache.kafka.common.config.ConfigException: ${why} for configuration Invalid dynamic configuration`;
}

/** Kafka's connection-rate quota: record one, and when the rate goes over, the delay that brings it back. */
function delayFor(sensor: RateSensor, limit: number, now: number): number {
  sensor.record(1, now);
  if (limit >= INT32_MAX) return 0;
  const { rate, windowMs } = sensor.measure(now);
  if (rate <= limit) return 0;
  return Math.min(MAX_RATE_DELAY_MS, Math.round(((rate - limit) / limit) * windowMs));
}

/** A dynamic config's text in force: this node's, else the cluster default, else the static value. */
function effective(config: BrokerConfig, dynamic: DynamicConfigTexts, key: string): string | null {
  const d = dynamic.broker[key] ?? dynamic.default[key];
  if (d !== undefined) return d;
  const v = config.staticValue(key);
  return v === null ? null : String(v);
}

/** listener.name.<l>.<key> in force: dynamic for this node, cluster default, then the static setting. */
function listenerValue(config: BrokerConfig, dynamic: DynamicConfigTexts, listener: string, key: string): string | null {
  const full = `listener.name.${listener.toLowerCase()}.${key}`;
  return dynamic.broker[full] ?? dynamic.default[full] ?? config.listenerSetting(listener, key);
}

/** IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d: counted as a.b.c.d. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function ignore(): void {}
