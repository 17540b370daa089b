// The broker's metrics: the instruments the hot path updates (requests, errors, bytes and records
// per topic, connections, batch sizes, fsyncs) and the gauges read from the broker's state when
// /metrics is scraped (partitions, groups, memory, process). Hot-path calls look up preallocated
// children by number (API key and version, error code) or by the topic's name, and allocate only
// the first time a series appears.

import { performance } from 'node:perf_hooks';
import { METRICS, type MetricDef } from './definitions.js';
import {
  BYTES_BUCKETS,
  COUNT_BUCKETS,
  CounterFamily,
  type Distribution,
  GaugeFamily,
  HistogramFamily,
  SECONDS_BUCKETS,
  type Value,
} from './instruments.js';
import { ProcessMetrics } from './process-metrics.js';

/** One partition's offsets and size, as a scrape reads them. */
export interface PartitionStats {
  topic: string;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  sizeBytes: number;
}

/** One group, as a scrape reads it; lag is per partition the group committed an offset for. */
export interface GroupStats {
  group: string;
  state: string;
  members: number;
  lag: { topic: string; partition: number; lag: number }[];
}

/** What a scrape reads from the broker; given once the broker's services exist. */
export interface BrokerStateSource {
  memoryInUse(): number;
  partitions(): Iterable<PartitionStats>;
  groups(): Iterable<GroupStats>;
  /** Transactional ids per transaction state (every state, 0 included). */
  transactionStates(): Iterable<[state: string, count: number]>;
}

export interface BrokerMetricsOptions {
  /** The API's name for the request label (Produce, Fetch, …). */
  apiName(apiKey: number): string | undefined;
  /** The error's name for the error label (UNKNOWN_TOPIC_OR_PARTITION, …). */
  errorName(code: number): string;
  /** queued.max.request.bytes. */
  memoryLimitBytes: number;
}

interface RequestSlot {
  count: Value;
  duration: Distribution;
}

interface TopicSlot {
  bytesIn: Value;
  recordsIn: Value;
  bytesOut: Value;
  recordsOut: Value;
}

/** API keys and versions below these get a preallocated slot; others share the 'unknown' one. */
const MAX_API_KEY = 128;
const MAX_VERSION = 64;
/** Depth of nested arrays and objects searched for errorCode fields in a response. */
const ERROR_SEARCH_DEPTH = 5;

export class BrokerMetrics {
  private readonly requests = new CounterFamily(METRICS.requests);
  private readonly requestErrors = new CounterFamily(METRICS.requestErrors);
  private readonly requestDuration = new HistogramFamily(METRICS.requestDuration, SECONDS_BUCKETS);
  private readonly bytesIn = new CounterFamily(METRICS.bytesIn);
  private readonly recordsIn = new CounterFamily(METRICS.recordsIn);
  private readonly bytesOut = new CounterFamily(METRICS.bytesOut);
  private readonly recordsOut = new CounterFamily(METRICS.recordsOut);
  private readonly fetchWaitFamily = new HistogramFamily(METRICS.fetchWait, SECONDS_BUCKETS);
  private readonly fetchWait = this.fetchWaitFamily.labels();
  private readonly produceBatchSizeFamily = new HistogramFamily(METRICS.produceBatchSize, BYTES_BUCKETS);
  private readonly produceBatchSize = this.produceBatchSizeFamily.labels();
  private readonly connectionsOpen = new GaugeFamily(METRICS.connectionsOpen);
  private readonly connectionsCreated = new CounterFamily(METRICS.connectionsCreated);
  private readonly connectionsClosed = new CounterFamily(METRICS.connectionsClosed);
  private readonly connectionsRefused = new CounterFamily(METRICS.connectionsRefused);
  private readonly memoryInUse = new GaugeFamily(METRICS.memoryInUse);
  private readonly memoryLimit = new GaugeFamily(METRICS.memoryLimit);
  private readonly fsyncDurationFamily = new HistogramFamily(METRICS.fsyncDuration, SECONDS_BUCKETS);
  private readonly fsyncDuration = this.fsyncDurationFamily.labels();
  private readonly fsyncAppendsFamily = new HistogramFamily(METRICS.fsyncAppends, COUNT_BUCKETS);
  private readonly fsyncAppends = this.fsyncAppendsFamily.labels();
  private readonly logStartOffset = new GaugeFamily(METRICS.logStartOffset);
  private readonly logEndOffset = new GaugeFamily(METRICS.logEndOffset);
  private readonly highWatermark = new GaugeFamily(METRICS.highWatermark);
  private readonly logSize = new GaugeFamily(METRICS.logSize);
  private readonly groupCounts = new GaugeFamily(METRICS.groups);
  private readonly groupState = new GaugeFamily(METRICS.groupState);
  private readonly groupMembers = new GaugeFamily(METRICS.groupMembers);
  private readonly groupLag = new GaugeFamily(METRICS.groupLag);
  private readonly transactions = new GaugeFamily(METRICS.transactions);
  readonly process = new ProcessMetrics();

  private readonly requestSlots: (RequestSlot | undefined)[] = new Array<RequestSlot | undefined>(MAX_API_KEY * MAX_VERSION + 1);
  private readonly errorSlots = new Map<number, Value>();
  private readonly topicSlots = new Map<string, TopicSlot>();
  private readonly listenerSlots = new Map<string, { open: Value; created: Value; closed: Value }>();
  private source: BrokerStateSource | null = null;

  /** Totals the stats log reads (src/metrics/stats-log.ts). */
  readonly totals = { requests: 0, bytesIn: 0, recordsIn: 0, bytesOut: 0, recordsOut: 0, connectionsOpen: 0 };

  constructor(private readonly options: BrokerMetricsOptions) {
    this.memoryLimit.labels().set(options.memoryLimitBytes);
  }

  /** Where scrapes read partitions, groups and memory from (set once the broker's services exist). */
  setSource(source: BrokerStateSource): void {
    this.source = source;
  }

  /** Request bytes held in memory now (0 before the broker's services exist). */
  requestMemoryInUse(): number {
    return this.source?.memoryInUse() ?? 0;
  }

  /** The time a request arrived, for requestCompleted. */
  now(): number {
    return performance.now();
  }

  /** A request's response is ready (or it needs none, or its connection closes): `startedMs` from now(). */
  requestCompleted(apiKey: number, apiVersion: number, startedMs: number): void {
    const known = apiKey >= 0 && apiKey < MAX_API_KEY && apiVersion >= 0 && apiVersion < MAX_VERSION;
    const i = known ? apiKey * MAX_VERSION + apiVersion : MAX_API_KEY * MAX_VERSION;
    let slot = this.requestSlots[i];
    if (slot === undefined) {
      const name = (known ? this.options.apiName(apiKey) : undefined) ?? 'unknown';
      const version = known ? String(apiVersion) : 'unknown';
      slot = { count: this.requests.labels(name, version), duration: this.requestDuration.labels(name, version) };
      this.requestSlots[i] = slot;
    }
    slot.count.inc();
    slot.duration.observe((performance.now() - startedMs) / 1000);
    this.totals.requests++;
  }

  /** Counts every non-zero errorCode in a response body (top level, per topic, per partition, …). */
  responseErrors(apiKey: number, body: object): void {
    this.searchErrors(apiKey, body, 0);
  }

  /** A request that failed without an error response (its connection closes). */
  requestFailed(apiKey: number, errorCode: number): void {
    this.countError(apiKey, errorCode);
  }

  private searchErrors(apiKey: number, v: object, depth: number): void {
    if (Array.isArray(v)) {
      if (depth >= ERROR_SEARCH_DEPTH) return;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) this.searchErrors(apiKey, x, depth + 1);
      }
      return;
    }
    for (const k in v) {
      const x: unknown = (v as Record<string, unknown>)[k];
      if (k === 'errorCode') {
        if (typeof x === 'number' && x !== 0) this.countError(apiKey, x);
      } else if (typeof x === 'object' && x !== null && depth < ERROR_SEARCH_DEPTH && !(x instanceof Uint8Array)) {
        this.searchErrors(apiKey, x, depth + 1);
      }
    }
  }

  private countError(apiKey: number, code: number): void {
    const key = apiKey * 65536 + (code & 0xffff);
    let slot = this.errorSlots.get(key);
    if (slot === undefined) {
      slot = this.requestErrors.labels(this.options.apiName(apiKey) ?? 'unknown', this.options.errorName(code));
      this.errorSlots.set(key, slot);
    }
    slot.inc();
  }

  private topic(topic: string): TopicSlot {
    let slot = this.topicSlots.get(topic);
    if (slot === undefined) {
      slot = { bytesIn: this.bytesIn.labels(topic), recordsIn: this.recordsIn.labels(topic), bytesOut: this.bytesOut.labels(topic), recordsOut: this.recordsOut.labels(topic) };
      this.topicSlots.set(topic, slot);
    }
    return slot;
  }

  /** A Produce appended one batch of `bytes` holding `records` records (the batch header's count). */
  produced(topic: string, bytes: number, records: number): void {
    const slot = this.topic(topic);
    slot.bytesIn.inc(bytes);
    slot.recordsIn.inc(records);
    this.produceBatchSize.observe(bytes);
    this.totals.bytesIn += bytes;
    this.totals.recordsIn += records;
  }

  /** A Fetch returns `bytes` holding `records` records of a topic. */
  fetched(topic: string, bytes: number, records: number): void {
    const slot = this.topic(topic);
    slot.bytesOut.inc(bytes);
    slot.recordsOut.inc(records);
    this.totals.bytesOut += bytes;
    this.totals.recordsOut += records;
  }

  /** A Fetch was held `ms` waiting for new records (0: answered at once). */
  fetchWaited(ms: number): void {
    this.fetchWait.observe(ms / 1000);
  }

  private listener(name: string): { open: Value; created: Value; closed: Value } {
    let slot = this.listenerSlots.get(name);
    if (slot === undefined) {
      slot = { open: this.connectionsOpen.labels(name), created: this.connectionsCreated.labels(name), closed: this.connectionsClosed.labels(name) };
      this.listenerSlots.set(name, slot);
    }
    return slot;
  }

  connectionOpened(listener: string): void {
    const slot = this.listener(listener);
    slot.open.inc();
    slot.created.inc();
    this.totals.connectionsOpen++;
  }

  connectionClosed(listener: string): void {
    const slot = this.listener(listener);
    slot.open.inc(-1);
    slot.closed.inc();
    this.totals.connectionsOpen--;
  }

  /** A connection closed as soon as accepted (src/server/connection-quotas.ts); never opened, so not in the open gauge. */
  connectionRefused(listener: string, reason: string): void {
    this.connectionsRefused.labels(listener, reason).inc();
  }

  /** One group-commit fsync of a partition log took `ms` and completed `appends` waiting appends. */
  fsynced(ms: number, appends: number): void {
    this.fsyncDuration.observe(ms / 1000);
    this.fsyncAppends.observe(appends);
  }

  /** The Prometheus text exposition of every metric, read now. */
  render(): string {
    this.collect();
    const out: string[] = [];
    for (const family of this.families()) family.render(out);
    this.process.render(out);
    out.push('');
    return out.join('\n');
  }

  /** Reads the scrape-time gauges from the broker's state. */
  private collect(): void {
    const source = this.source;
    if (source === null) return;
    this.memoryInUse.labels().set(source.memoryInUse());
    for (const f of [this.logStartOffset, this.logEndOffset, this.highWatermark, this.logSize, this.groupCounts, this.groupState, this.groupMembers, this.groupLag, this.transactions]) f.clear();
    for (const p of source.partitions()) {
      const partition = String(p.partition);
      this.logStartOffset.labels(p.topic, partition).set(p.logStartOffset);
      this.logEndOffset.labels(p.topic, partition).set(p.logEndOffset);
      this.highWatermark.labels(p.topic, partition).set(p.highWatermark);
      this.logSize.labels(p.topic, partition).set(p.sizeBytes);
    }
    for (const g of source.groups()) {
      this.groupCounts.labels(g.state).inc();
      this.groupState.labels(g.group, g.state).set(1);
      this.groupMembers.labels(g.group).set(g.members);
      for (const l of g.lag) this.groupLag.labels(g.group, l.topic, String(l.partition)).set(l.lag);
    }
    for (const [state, count] of source.transactionStates()) this.transactions.labels(state).set(count);
  }

  private families(): { def: MetricDef; render(out: string[]): void }[] {
    return [
      this.requests, this.requestErrors, this.requestDuration, this.bytesIn, this.recordsIn, this.bytesOut, this.recordsOut, this.produceBatchSizeFamily, this.fetchWaitFamily,
      this.connectionsOpen, this.connectionsCreated, this.connectionsClosed, this.connectionsRefused, this.memoryInUse, this.memoryLimit,
      this.fsyncDurationFamily, this.fsyncAppendsFamily, this.logStartOffset, this.logEndOffset, this.highWatermark, this.logSize,
      this.groupCounts, this.groupState, this.groupMembers, this.groupLag, this.transactions,
    ];
  }

  /** Stops the process observers (GC, event-loop delay). */
  close(): void {
    this.process.stop();
  }
}
