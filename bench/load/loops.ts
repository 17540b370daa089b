// The measurement loops and process probes shared by the broker benches (bench/broker.ts,
// bench/vs-kafka.ts): a pipelined request pump, produce→fetch latency at a fixed rate, request round
// trips at a fixed rate, and CPU/RSS readings of a process from /proc.
import * as fs from 'node:fs';
import { ApiKey, encodeRequest } from '../../src/codec/index.js';
import { RawConnection, createTopic, fetchFrame, parseFetch, produceError, produceFrame } from './raw-client.js';

export const MiB = 1024 * 1024;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** CPU time (user + system) a process has used, in ms (from /proc; 10 ms ticks). */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime (fields 14, 15)
}

/** Resident set size of a process (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? NaN : Number(m[1]) / 1024;
}

export interface Rate {
  /** Responses over the whole run, warm-up included (for CPU per request). */
  total: number;
  requests: number;
  seconds: number;
  reqPerSec: number;
}

/**
 * Keeps `inFlight` requests outstanding on every connection for `stepMs`, cycling through that
 * connection's precomputed frames; counts responses after `warmMs`. `check` sees every 64th response.
 */
export function pump(conns: RawConnection[], frames: Buffer[][], inFlight: number, check: (frame: Buffer) => void, stepMs: number, warmMs = Math.min(500, stepMs / 4)): Promise<Rate> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const deadline = t0 + stepMs;
    let count = 0;
    let warmCount = -1;
    let tWarm = 0;
    let live = conns.length;
    let tEnd = 0;
    let failed = false;
    conns.forEach((conn, ci) => {
      const connFrames = frames[ci];
      let next = 0;
      const onResponse = (frame: Buffer): void => {
        count++;
        if ((count & 63) === 1) {
          try {
            check(frame);
          } catch (e) {
            if (!failed) reject(e);
            failed = true;
          }
        }
        const now = performance.now();
        if (warmCount < 0 && now >= t0 + warmMs) {
          warmCount = count;
          tWarm = now;
        }
        if (now < deadline && !failed) {
          conn.send(connFrames[next++ % connFrames.length], onResponse);
        } else if (conn.inFlight === 0) {
          if (now > tEnd) tEnd = now;
          if (--live === 0) {
            const seconds = (tEnd - tWarm) / 1000;
            const requests = count - warmCount;
            resolve({ total: count, requests, seconds, reqPerSec: requests / seconds });
          }
        }
      };
      for (let i = 0; i < inFlight; i++) conn.send(connFrames[next++ % connFrames.length], onResponse);
    });
  });
}

export async function connect(port: number, n: number): Promise<RawConnection[]> {
  return Promise.all(Array.from({ length: n }, () => RawConnection.connect(port)));
}

export async function deleteTopic(admin: RawConnection, name: string): Promise<void> {
  await admin.request(encodeRequest(ApiKey.DeleteTopics, 4, { correlationId: 2, clientId: 'bench' }, { topicNames: [name], timeoutMs: 10000 }));
}

/**
 * Creates a topic and waits until each of its partitions takes a produce (Kafka elects the leader
 * after CreateTopics answers; Tributary's partitions are ready at once). Uses one acks=1 empty-ish
 * batch per partition, so the topic then holds one batch per partition.
 */
export async function createReadyTopic(admin: RawConnection, name: string, partitions: number, probeBatch: Buffer, configs: Record<string, string> = {}): Promise<void> {
  await createTopic(admin, name, partitions, configs);
  for (let p = 0; p < partitions; p++) {
    for (let attempt = 0; ; attempt++) {
      const code = produceError(await admin.request(produceFrame(name, p, probeBatch, 1, 7)));
      if (code === 0) break;
      if (attempt > 200) throw new Error(`topic ${name} partition ${p} not ready: error ${code}`);
      await sleep(25);
    }
  }
}

export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  n: number;
}

function summarise(lat: number[]): Percentiles {
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), p999: percentile(lat, 0.999), max: lat.at(-1) ?? NaN, n: lat.length };
}

/**
 * Produce→consume latency: a producer connection sends `frames` (acks=1) at `rate` per second for
 * `ms` while a consumer connection long-polls the partition; each batch's latency is send → the
 * fetch response that carries it. The topic must exist with partition 0 empty or probed once;
 * batches are matched by their position in the log, so `firstOffset` is the offset the first sent
 * batch will get and `recordsPerBatch` the records each carries.
 */
export async function produceToConsumeLatency(port: number, topic: string, frames: Buffer[], recordsPerBatch: number, firstOffset: number, rate: number, ms: number): Promise<Percentiles> {
  const producer = await RawConnection.connect(port);
  const consumer = await RawConnection.connect(port);
  const sendTimes: number[] = [];
  const lat: number[] = [];
  let offset = firstOffset;
  let stopped = false;
  let failure: Error | null = null;
  const poll = (): void => {
    consumer.send(fetchFrame(topic, [{ partition: 0, offset }], { maxWaitMs: 500, minBytes: 1, maxBytes: 64 * MiB, partitionMaxBytes: 64 * MiB, correlationId: 0 }), (frame) => {
      const now = performance.now();
      for (const p of parseFetch(frame)) {
        if (p.errorCode !== 0) failure = new Error(`fetch error ${p.errorCode}`);
        for (const b of p.batches) {
          if (b.baseOffset < firstOffset) continue;
          const k = (b.baseOffset - firstOffset) / recordsPerBatch;
          if (sendTimes[k] !== undefined) lat.push(now - sendTimes[k]);
          offset = b.lastOffset + 1;
        }
      }
      if (!stopped) poll();
    });
  };
  poll();
  await sleep(50);
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < ms && failure === null) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      sendTimes[sent] = performance.now();
      producer.send(frames[sent % frames.length], (f) => {
        if (produceError(f) !== 0) failure = new Error('produce failed');
      });
      sent++;
    }
    await sleep(1);
  }
  await sleep(600);
  stopped = true;
  producer.close();
  consumer.close();
  if (failure !== null) throw failure;
  return summarise(lat);
}

/** Sends frames at `rate` per second for `ms` and returns send → response times. */
export async function roundTrips(conn: RawConnection, frames: Buffer[], rate: number, ms: number): Promise<Percentiles> {
  const lat: number[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      const at = performance.now();
      conn.send(frames[sent++ % frames.length], () => lat.push(performance.now() - at));
    }
    await sleep(1);
  }
  await sleep(200);
  return summarise(lat);
}
