// Client quotas (KIP-55, KIP-257): the stored quota entities (user, client-id, ip; a null name is
// the <default> entity), their validation as Kafka's ClientQuotaControlManager does, the
// DescribeClientQuotas filter, and byte-rate enforcement for Produce and Fetch the way Kafka's
// ClientQuotaManager measures it: a rate over 11 one-second samples, and when a recorded request
// takes the rate over the quota, throttle = (rate - quota) / quota * window.
//
// Wiring, as Kafka's KafkaApis does it (user = the principal name, 'ANONYMOUS' without SASL;
// clientId = the request header's client id, '' when null):
// - Produce: t = quotas.throttleTimeMs('produce', user, clientId, requestSizeInBytes); answer with
//   throttle_time_ms = t. Produce v6+ clients back off themselves (the broker also stops reading the
//   connection for t ms); for older versions Kafka holds the response back for t ms.
// - Fetch (consumers, not followers): cap max_bytes at maxValueInQuotaWindow('fetch', ...); after
//   building the answer, t = throttleTimeMs('fetch', user, clientId, responseBytes); if t > 0, call
//   unrecord('fetch', ..., responseBytes) and answer with no records and throttle_time_ms = t (v8+
//   clients back off; older ones get the answer t ms late).

import { ErrorCode } from '../codec/index.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';

/** Entity type → name; null is the <default> entity of that type. */
export type QuotaEntity = Readonly<Record<string, string | null>>;

export interface QuotaEntry {
  entity: QuotaEntity;
  quotas: Record<string, number>;
}

export type QuotaKind = 'produce' | 'fetch';

const KEY_TYPES: Readonly<Record<string, 'long' | 'double' | 'int'>> = {
  producer_byte_rate: 'long',
  consumer_byte_rate: 'long',
  request_percentage: 'double',
  controller_mutation_rate: 'double',
};
const IP_KEY_TYPES: Readonly<Record<string, 'long' | 'double' | 'int'>> = { connection_creation_rate: 'int' };

const WINDOW_MS = 1000; // quota.window.size.seconds
const SAMPLES = 11; // quota.window.num

export interface QuotaError {
  errorCode: number;
  errorMessage: string;
}

function entityKey(entity: QuotaEntity): string {
  return JSON.stringify(Object.keys(entity).sort().map((k) => [k, entity[k]]));
}

export function entityString(entity: QuotaEntity): string {
  const parts = Object.keys(entity).sort().map((k) => `${k}=${entity[k] ?? '<default>'}`);
  return `ClientQuotaEntity(entries={${parts.join(', ')}})`;
}

/** Kafka's ClientQuotaControlManager.validateEntity and configKeysForEntityType. */
export function entityProblem(entity: QuotaEntity): QuotaError | undefined {
  const types = Object.keys(entity);
  const invalid = (m: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: m });
  if (types.length === 0) return invalid('Invalid empty client quota entity');
  for (const t of types) {
    if (t !== USER && t !== CLIENT_ID && t !== IP) return invalid(`Unhandled client quota entity type: ${t}`);
    if (entity[t] === '') return invalid(`Empty ${t} not supported`);
  }
  if (IP in entity && types.length > 1) {
    // Kafka's message, missing space included.
    return invalid('Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId');
  }
  return undefined;
}

/** Kafka's validateQuotaKeyValue. */
export function quotaValueProblem(entity: QuotaEntity, key: string, value: number): QuotaError | undefined {
  const invalid = (m: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: m });
  const type = (IP in entity ? IP_KEY_TYPES : KEY_TYPES)[key];
  if (type === undefined) return invalid(`Invalid configuration key ${key}`);
  if (value <= 0) return invalid(`Quota ${key} must be greater than 0`);
  if (type === 'int' && value > 2147483647) return invalid(`Proposed value for ${key} is too large for an INT.`);
  if (type !== 'double' && Math.abs(value - Math.round(value)) > 1e-6) return invalid(`${key} cannot be a fractional value.`);
  return undefined;
}

interface Sample {
  start: number;
  value: number;
}

/** One rate: Kafka's Rate over SampledStat (fixed windows, the oldest dropped). */
export class RateSensor {
  private samples: Sample[] = [];

  record(value: number, now: number): void {
    this.expire(now);
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && now < last.start + WINDOW_MS) last.value += value;
    else this.samples.push({ start: now, value });
    if (this.samples.length > SAMPLES) this.samples.shift();
  }

  /** Bytes per second and the window the rate is measured over (ms). */
  measure(now: number): { rate: number; windowMs: number } {
    this.expire(now);
    const total = this.samples.reduce((n, s) => n + s.value, 0);
    const oldest = this.samples.length > 0 ? this.samples[0].start : now;
    let elapsed = now - oldest;
    const fullWindows = Math.floor(elapsed / WINDOW_MS);
    if (fullWindows < SAMPLES - 1) elapsed += (SAMPLES - 1 - fullWindows) * WINDOW_MS;
    return { rate: total / (elapsed / 1000), windowMs: elapsed };
  }

  private expire(now: number): void {
    while (this.samples.length > 0 && now - this.samples[0].start >= SAMPLES * WINDOW_MS) this.samples.shift();
  }
}

export class ClientQuotas {
  private readonly entries = new Map<string, QuotaEntry>();
  private readonly sensors = new Map<string, RateSensor>();

  constructor(
    entries: readonly QuotaEntry[] = [],
    private readonly persist: (entries: QuotaEntry[]) => Promise<void> = async () => {},
    private readonly now: () => number = Date.now,
  ) {
    for (const e of entries) this.entries.set(entityKey(e.entity), { entity: { ...e.entity }, quotas: { ...e.quotas } });
  }

  /** Takes every entity's quotas as stored elsewhere (another broker's change), without persisting them again. */
  replaceAll(entries: readonly QuotaEntry[]): void {
    this.entries.clear();
    for (const e of entries) this.entries.set(entityKey(e.entity), { entity: { ...e.entity }, quotas: { ...e.quotas } });
  }

  /** Every stored entity and its quotas. */
  all(): QuotaEntry[] {
    return [...this.entries.values()].map((e) => ({ entity: { ...e.entity }, quotas: { ...e.quotas } }));
  }

  quotasOf(entity: QuotaEntity): Record<string, number> | undefined {
    return this.entries.get(entityKey(entity))?.quotas;
  }

  /**
   * Applies one entity's changes (value null removes the key), validated first; the whole entity
   * fails or succeeds. Resolves once durable. validateOnly checks without changing anything.
   */
  async alter(entity: QuotaEntity, ops: readonly { key: string; value: number | null }[], validateOnly: boolean): Promise<QuotaError | undefined> {
    const problem = entityProblem(entity);
    if (problem) return problem;
    const seen = new Set<string>();
    for (const op of ops) {
      if (seen.has(op.key)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate quota key ${op.key} not updating quota for this entity ${entityString(entity)}` };
      seen.add(op.key);
      if (op.value !== null) {
        const bad = quotaValueProblem(entity, op.key, op.value);
        if (bad) return bad;
      } else if ((IP in entity ? IP_KEY_TYPES : KEY_TYPES)[op.key] === undefined) {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid configuration key ${op.key}` };
      }
    }
    if (validateOnly) return undefined;
    const k = entityKey(entity);
    const quotas = { ...(this.entries.get(k)?.quotas ?? {}) };
    for (const op of ops) {
      if (op.value === null) delete quotas[op.key];
      else quotas[op.key] = op.value;
    }
    if (Object.keys(quotas).length === 0) this.entries.delete(k);
    else this.entries.set(k, { entity: { ...entity }, quotas });
    await this.persist(this.all());
    return undefined;
  }

  /**
   * The quota that applies to (user, clientId) for a key, in Kafka's order of precedence, and the
   * tags its rate is tracked under (a user-level quota is shared by all the user's clients, ...).
   */
  resolve(user: string, clientId: string, key: string): { quota: number; tags: [string, string] } | undefined {
    // The produce and fetch paths ask on every request: without any quota, answer at once.
    if (this.entries.size === 0) return undefined;
    const candidates: [QuotaEntity, [string, string]][] = [
      [{ [USER]: user, [CLIENT_ID]: clientId }, [user, clientId]],
      [{ [USER]: user, [CLIENT_ID]: null }, [user, clientId]],
      [{ [USER]: user }, [user, '']],
      [{ [USER]: null, [CLIENT_ID]: clientId }, [user, clientId]],
      [{ [USER]: null, [CLIENT_ID]: null }, [user, clientId]],
      [{ [USER]: null }, [user, '']],
      [{ [CLIENT_ID]: clientId }, ['', clientId]],
      [{ [CLIENT_ID]: null }, ['', clientId]],
    ];
    for (const [entity, tags] of candidates) {
      const q = this.entries.get(entityKey(entity))?.quotas[key];
      if (q !== undefined) return { quota: q, tags };
    }
    return undefined;
  }

  /**
   * Records `bytes` produced or fetched by (user, clientId) and returns how long the client should be
   * throttled, in ms (0 when within its quota or without one). user is the authenticated principal
   * name ('ANONYMOUS' without SASL, which Kafka matches against user quotas as the name "ANONYMOUS").
   */
  throttleTimeMs(kind: QuotaKind, user: string, clientId: string, bytes: number): number {
    const key = kind === 'produce' ? 'producer_byte_rate' : 'consumer_byte_rate';
    const q = this.resolve(user, clientId, key);
    if (q === undefined) return 0;
    const now = this.now();
    const sensorKey = `${key}\u0000${q.tags[0]}\u0000${q.tags[1]}`;
    let sensor = this.sensors.get(sensorKey);
    if (sensor === undefined) this.sensors.set(sensorKey, (sensor = new RateSensor()));
    sensor.record(bytes, now);
    const { rate, windowMs } = sensor.measure(now);
    if (rate <= q.quota) return 0;
    return Math.round(((rate - q.quota) / q.quota) * windowMs);
  }

  /**
   * Takes back bytes recorded by throttleTimeMs: Kafka does this for a throttled Fetch, whose
   * answer then carries no records.
   */
  unrecord(kind: QuotaKind, user: string, clientId: string, bytes: number): void {
    const key = kind === 'produce' ? 'producer_byte_rate' : 'consumer_byte_rate';
    const q = this.resolve(user, clientId, key);
    if (q === undefined) return;
    this.sensors.get(`${key}\u0000${q.tags[0]}\u0000${q.tags[1]}`)?.record(-bytes, this.now());
  }

  /**
   * The most bytes a client may take in one quota window (quota x (samples - 1) x window, Kafka's
   * getMaxValueInQuotaWindow): Fetch caps its max_bytes with it. Infinity without a quota.
   */
  maxValueInQuotaWindow(kind: QuotaKind, user: string, clientId: string): number {
    const q = this.resolve(user, clientId, kind === 'produce' ? 'producer_byte_rate' : 'consumer_byte_rate');
    return q === undefined ? Infinity : q.quota * (SAMPLES - 1) * (WINDOW_MS / 1000);
  }

  /** DescribeClientQuotas: Kafka's filter (exact, default and specified components, strict). */
  describe(components: readonly { entityType: string; matchType: number; match: string | null }[], strict: boolean): QuotaEntry[] | QuotaError {
    const exact = new Map<string, string | null>();
    const typed = new Set<string>();
    const invalid = (m: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: m });
    for (const c of components) {
      if (c.entityType === '') return invalid('Invalid empty entity type.');
      if (exact.has(c.entityType) || typed.has(c.entityType)) return invalid(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
      if (c.entityType !== IP && c.entityType !== USER && c.entityType !== CLIENT_ID) {
        return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unsupported entity type ${c.entityType}` };
      }
      switch (c.matchType) {
        case 0:
          if (c.match === null) return invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.');
          exact.set(c.entityType, c.match);
          break;
        case 1:
          if (c.match !== null) return invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
          exact.set(c.entityType, null);
          break;
        case 2:
          if (c.match !== null) return invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
          typed.add(c.entityType);
          break;
        default:
          return invalid(`Unknown match type ${c.matchType}`);
      }
    }
    const hasIp = exact.has(IP) || typed.has(IP);
    const hasOther = exact.has(USER) || typed.has(USER) || exact.has(CLIENT_ID) || typed.has(CLIENT_ID);
    if (hasIp && hasOther) {
      return invalid('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
    }
    return this.all().filter(({ entity }) => {
      const types = Object.keys(entity);
      if (strict && types.length !== exact.size + typed.size) return false;
      for (const [t, name] of exact) if (!(t in entity) || entity[t] !== name) return false;
      for (const t of typed) if (!(t in entity)) return false;
      return true;
    });
  }
}
