// Process metrics: memory, CPU, garbage collection and event-loop delay, read from Node itself
// (process.memoryUsage, process.cpuUsage, perf_hooks). The observers run only while a broker
// exports metrics; everything else is read when scraped.

import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { METRICS } from './definitions.js';
import { CounterFamily, formatNumber, GaugeFamily, HistogramFamily, SECONDS_BUCKETS } from './instruments.js';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const START_TIME_SECONDS = (Date.now() - performance.now()) / 1000;

export class ProcessMetrics {
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly gc = new HistogramFamily(METRICS.gcDuration, SECONDS_BUCKETS);
  private readonly gauges = {
    rss: new GaugeFamily(METRICS.residentMemory),
    heapUsed: new GaugeFamily(METRICS.heapUsed),
    heapTotal: new GaugeFamily(METRICS.heapTotal),
    external: new GaugeFamily(METRICS.externalMemory),
    startTime: new GaugeFamily(METRICS.startTime),
  };
  private readonly cpu = new CounterFamily(METRICS.cpu);
  private readonly gcObserver: PerformanceObserver;

  constructor() {
    this.loopDelay.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_KINDS[((entry as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other';
        this.gc.labels(kind).observe(entry.duration / 1000);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.gauges.startTime.labels().set(START_TIME_SECONDS);
  }

  /** Event-loop delay since the last call, in seconds: p50, p99 and max (and then starts over). */
  takeLoopDelay(): { p50: number; p99: number; max: number; mean: number; count: number } {
    const h = this.loopDelay;
    // The histogram counts in nanoseconds; before its first sample it reports NaN and 0.
    const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    const count = (h as IntervalHistogram & { count?: number }).count ?? 0;
    const out = { p50: s(h.percentile(50)), p99: s(h.percentile(99)), max: s(h.max), mean: s(h.mean), count };
    h.reset();
    return out;
  }

  render(out: string[]): void {
    const mem = process.memoryUsage();
    this.gauges.rss.labels().set(mem.rss);
    this.gauges.heapUsed.labels().set(mem.heapUsed);
    this.gauges.heapTotal.labels().set(mem.heapTotal);
    this.gauges.external.labels().set(mem.external);
    const cpu = process.cpuUsage();
    this.cpu.labels('user').set(cpu.user / 1e6);
    this.cpu.labels('system').set(cpu.system / 1e6);
    const delay = this.takeLoopDelay();
    const { name, help } = METRICS.eventLoopDelay;
    out.push(
      `# HELP ${name} ${help}`,
      `# TYPE ${name} summary`,
      `${name}{quantile="0.5"} ${formatNumber(delay.p50)}`,
      `${name}{quantile="0.99"} ${formatNumber(delay.p99)}`,
      `${name}{quantile="1"} ${formatNumber(delay.max)}`,
      `${name}_sum ${formatNumber(delay.mean * delay.count)}`,
      `${name}_count ${delay.count}`,
    );
    for (const g of Object.values(this.gauges)) g.render(out);
    this.cpu.render(out);
    this.gc.render(out);
  }

  stop(): void {
    this.loopDelay.disable();
    this.gcObserver.disconnect();
  }
}
