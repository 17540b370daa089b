// Replays a sequence of the corpus against one broker over raw sockets (test/helpers/raw-client.ts,
// our codec), resolving its markers on that broker, and returns one outcome per response expected:
// the decoded body, or what happened instead (the connection closed, nothing came back).

import { apiInfo, decodeResponse, encodeRequest, ErrorCode } from '../../../src/codec/index.js';
import { buildRecordBatch } from '../../../src/codec/records/index.js';
import { RawClient } from '../../helpers/raw-client.js';
import type { Marker, PipelineStep, RawStep, RequestStep, Sequence, Setup, Step } from './sequence.js';

export type Outcome =
  | { step: string; api: number; version: number; kind: 'response'; body: unknown }
  | { step: string; api?: number; version?: number; kind: 'closed' | 'no-response' | 'timeout' };

export interface RunContext {
  /** Prefix of every name('...'): unique per run, the same on both brokers. */
  prefix: string;
  /** Timestamp of every record the corpus builds (a fixed value, so both logs hold the same bytes). */
  timestamp: number;
}

const RESPONSE_TIMEOUT_MS = 15_000;
const RETRY_LIMIT = 100;
const RETRY_PAUSE_MS = 50;

function isMarker(v: unknown): v is Marker {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v) &&
    ('$name' in v || '$ref' in v || '$batch' in v || '$topicId' in v);
}

export function stepLabel(step: Step): string {
  if ('name' in step && step.name) return step.name;
  const s = step as RequestStep;
  return `${apiInfo(s.api)?.name ?? `api${s.api}`}v${s.version}`;
}

/** Reads `a.b.0.c` from a decoded response. */
export function readPath(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

class SequenceRun {
  private readonly connections = new Map<string, RawClient>();
  private readonly responses = new Map<string, unknown>();
  private readonly topicIds = new Map<string, string>();
  private correlationId = 1;

  /** Prefix of this sequence's names: sequences never share a topic, group or transactional id. */
  private readonly names: string;

  constructor(private readonly bootstrap: string, private readonly ctx: RunContext, sequenceId: string) {
    this.names = `${ctx.prefix}.${sequenceId}.`;
  }

  resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    if (isMarker(v)) {
      if ('$name' in v) return this.names + v.$name;
      if ('$topicId' in v) {
        const id = this.topicIds.get(v.$topicId);
        if (id === undefined) throw new Error(`topicId('${v.$topicId}'): not a setup topic`);
        return id;
      }
      if ('$ref' in v) {
        if (!this.responses.has(v.$ref)) throw new Error(`ref('${v.$ref}'): no earlier response of that name`);
        return readPath(this.responses.get(v.$ref), v.path);
      }
      const opts = this.resolve(v.$batch) as Record<string, unknown>;
      return buildRecordBatch({ baseTimestamp: this.ctx.timestamp, now: this.ctx.timestamp, ...opts } as never);
    }
    if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.resolve(x)]));
    }
    return v;
  }

  private async connection(name = 'main'): Promise<RawClient> {
    const open = this.connections.get(name);
    if (open && !open.closed) return open;
    const [host, port] = splitHostPort(this.bootstrap);
    const c = await RawClient.connect(port, host);
    c.socket.setNoDelay(true);
    this.connections.set(name, c);
    return c;
  }

  private encode(step: RequestStep): { bytes: Buffer; correlationId: number } {
    const correlationId = this.correlationId++;
    const body = this.resolve(step.body) as object;
    const bytes = Buffer.concat(encodeRequest(step.api, step.version, { correlationId, clientId: 'differential' }, body));
    return { bytes, correlationId };
  }

  /** The next frame, or why there is none. */
  private async next(c: RawClient): Promise<Buffer | 'closed' | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), RESPONSE_TIMEOUT_MS)));
    try {
      return await Promise.race([c.readFrame().catch(() => 'closed' as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readOutcome(c: RawClient, label: string, api: number, version: number, correlationId: number): Promise<Outcome> {
    const frame = await this.next(c);
    if (typeof frame === 'string') return { step: label, api, version, kind: frame };
    const { header, body } = decodeResponse(api, version, frame);
    if (header.correlationId !== correlationId) {
      throw new Error(`${label}: correlation id ${header.correlationId}, expected ${correlationId}`);
    }
    return { step: label, api, version, kind: 'response', body };
  }

  async request(step: RequestStep): Promise<Outcome> {
    const label = stepLabel(step);
    for (let attempt = 0; ; attempt++) {
      const c = await this.connection(step.connection);
      const { bytes, correlationId } = this.encode(step);
      c.writeRaw(bytes);
      if (expectsNoResponse(step)) return { step: label, api: step.api, version: step.version, kind: 'no-response' };
      const outcome = await this.readOutcome(c, label, step.api, step.version, correlationId);
      if (outcome.kind === 'response') {
        for (const list of step.scope ?? []) this.keepOwn(outcome.body, list);
        this.responses.set(label, outcome.body);
      }
      const retry = step.retryWhile;
      if (!retry || outcome.kind !== 'response' || !retry.in.includes(readPath(outcome.body, retry.path))) return outcome;
      if (attempt >= RETRY_LIMIT) throw new Error(`${label}: still ${retry.path}=${String(readPath(outcome.body, retry.path))} after ${RETRY_LIMIT} tries`);
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  }

  /** Keeps only this sequence's elements of a cluster-wide list (the brokers are shared). */
  private keepOwn(body: unknown, scope: { list: string; key: string }): void {
    const parts = scope.list.split('.');
    const holder = readPath(body, parts.slice(0, -1).join('.')) ?? body;
    const field = parts[parts.length - 1];
    const list = (holder as Record<string, unknown[]>)[field];
    (holder as Record<string, unknown[]>)[field] = list.filter((e) => String((e as Record<string, unknown>)[scope.key]).startsWith(this.names));
  }

  async pipeline(step: PipelineStep): Promise<Outcome[]> {
    const c = await this.connection();
    const sent = step.pipeline.map((r, i) => ({ r, label: `${step.name}.${i}:${stepLabel(r)}`, ...this.encode(r) }));
    c.writeRaw(Buffer.concat(sent.map((s) => s.bytes)));
    const out: Outcome[] = [];
    for (const s of sent) {
      if (expectsNoResponse(s.r)) continue;
      const o = await this.readOutcome(c, s.label, s.r.api, s.r.version, s.correlationId);
      out.push(o);
      if (o.kind !== 'response') break;
    }
    return out;
  }

  async raw(step: RawStep): Promise<Outcome> {
    const c = await this.connection();
    const correlationId = this.correlationId++;
    const bytes = Buffer.isBuffer(step.raw)
      ? step.raw
      : step.raw((api, version, body) =>
          Buffer.concat(encodeRequest(api, version, { correlationId, clientId: 'differential' }, this.resolve(body) as object)));
    c.writeRaw(bytes);
    const frame = await this.next(c);
    if (typeof frame === 'string') return { step: step.name, kind: frame };
    // A response the step cannot decode (the other broker may close instead): compared as its bytes.
    if (!step.decodeAs) return { step: step.name, api: -1, version: -1, kind: 'response', body: { frame } };
    const { api, version } = step.decodeAs;
    return { step: step.name, api, version, kind: 'response', body: decodeResponse(api, version, frame).body };
  }

  /**
   * Creates a topic and waits until Metadata shows a leader for each partition; records its id. With
   * `forGroups`, also until the group coordinator assigns the topic: Kafka's coordinator learns of a
   * new topic from its metadata image a moment after the partitions lead, and a KIP-848 join in
   * between gets no assignment.
   */
  async setup(s: Setup, forGroups = false): Promise<void> {
    if (!s.topic) return;
    const name = this.names + s.topic;
    const partitions = s.partitions ?? 1;
    const created = (await this.request({
      name: `setup:${s.topic}`, api: 19, version: 7,
      body: {
        topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [],
          configs: Object.entries(s.configs ?? {}).map(([n, value]) => ({ name: n, value })) }],
        timeoutMs: 30_000, validateOnly: false,
      },
    })) as Extract<Outcome, { kind: 'response' }>;
    const code = (created.body as { topics: { errorCode: number }[] }).topics[0].errorCode;
    if (code !== ErrorCode.NONE) throw new Error(`setup: creating ${name} failed with error ${code}`);
    for (let i = 0; i < RETRY_LIMIT; i++) {
      const md = (await this.request({
        name: `setup-md:${s.topic}`, api: 3, version: 12,
        body: { topics: [{ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false },
      })) as Extract<Outcome, { kind: 'response' }>;
      const t = (md.body as { topics: { errorCode: number; topicId: string; partitions: { errorCode: number; leaderId: number }[] }[] }).topics[0];
      if (t.errorCode === 0 && t.partitions.length === partitions && t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0) &&
        (await this.leading(name, partitions)) && (!forGroups || (await this.assignable(name, partitions)))) {
        this.topicIds.set(s.topic, t.topicId);
        return;
      }
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
    throw new Error(`setup: ${name} has no leader for every partition`);
  }

  /** Whether every partition answers ListOffsets: Kafka's metadata shows a leader a moment before
   *  the broker acts as one (a produce then gets NOT_LEADER_OR_FOLLOWER). */
  private async leading(topic: string, partitions: number): Promise<boolean> {
    const o = (await this.request({
      name: 'setup-leading', api: 2, version: 7,
      body: { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1 })) }] },
    })) as Extract<Outcome, { kind: 'response' }>;
    return (o.body as { topics: { partitions: { errorCode: number }[] }[] }).topics[0].partitions.every((p) => p.errorCode === 0);
  }

  /** Whether a KIP-848 member of a throwaway group (named outside this sequence's scope) is assigned
   *  every partition of the topic; the member leaves either way. */
  private async assignable(topic: string, partitions: number): Promise<boolean> {
    const probe = { groupId: `probe.${this.names}${topic}`, memberId: 'differentialProbe00001', instanceId: null, rackId: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null };
    const join = (await this.request({
      name: 'setup-group-probe', api: 68, version: 1,
      body: { ...probe, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [topic], topicPartitions: [] },
    })) as Extract<Outcome, { kind: 'response' }>;
    const assigned = (join.body as { assignment: { topicPartitions: { partitions: number[] }[] } | null }).assignment?.topicPartitions ?? [];
    await this.request({ name: 'setup-group-probe-leave', api: 68, version: 1, body: { ...probe, memberEpoch: -1, rebalanceTimeoutMs: -1, subscribedTopicNames: null } });
    return assigned.reduce((n, tp) => n + tp.partitions.length, 0) === partitions;
  }

  close(): void {
    for (const c of this.connections.values()) c.close();
  }
}

function expectsNoResponse(step: RequestStep): boolean {
  return step.api === 0 && step.body.acks === 0;
}

function splitHostPort(bootstrap: string): [string, number] {
  const i = bootstrap.lastIndexOf(':');
  const host = bootstrap.slice(0, i);
  return [host === 'localhost' ? '127.0.0.1' : host, Number(bootstrap.slice(i + 1))];
}

/**
 * Polls FindCoordinator (group and transaction keys) until the broker has its coordinators loaded:
 * a fresh Kafka creates __consumer_offsets and __transaction_state on first use, which is not part
 * of any sequence's behaviour.
 */
export async function waitForCoordinators(bootstrap: string, ctx: RunContext): Promise<void> {
  const run = new SequenceRun(bootstrap, ctx, 'warmup');
  try {
    for (const keyType of [0, 1]) {
      await run.request({
        api: 10, version: 6, body: { keyType, coordinatorKeys: [`${ctx.prefix}-warmup`] },
        retryWhile: { path: 'coordinators.0.errorCode', in: [ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS] },
      });
    }
  } finally {
    run.close();
  }
}

/** Replays one sequence against one broker; setup responses are not part of the outcomes. */
export async function replay(sequence: Sequence, bootstrap: string, ctx: RunContext): Promise<Outcome[]> {
  const run = new SequenceRun(bootstrap, ctx, sequence.id);
  try {
    const forGroups = sequence.steps.some((step) => 'api' in step && step.api === 68);
    for (const s of sequence.setup ?? []) await run.setup(s, forGroups);
    const outcomes: Outcome[] = [];
    for (const step of sequence.steps) {
      if ('pipeline' in step) outcomes.push(...(await run.pipeline(step)));
      else if ('raw' in step) outcomes.push(await run.raw(step));
      else outcomes.push(await run.request(step));
    }
    return outcomes;
  } finally {
    run.close();
  }
}
