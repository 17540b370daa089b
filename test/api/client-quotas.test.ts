import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { ClientQuotas } from '../../src/cluster/quotas.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(() => b.close());

const ent = (pairs: [string, string | null][]) => pairs.map(([entityType, entityName]) => ({ entityType, entityName }));

describe('AlterClientQuotas and DescribeClientQuotas', () => {
  it('stores, describes with filters, and removes quotas at v0-v1', async () => {
    const c = await b.client();
    for (let v = 0; v <= 1; v++) {
      const alter = await c.request(49, v, {
        entries: [
          { entity: ent([['user', `alice${v}`]]), ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }, { key: 'consumer_byte_rate', value: 2048, remove: false }] },
          { entity: ent([['user', `alice${v}`], ['client-id', 'app']]), ops: [{ key: 'request_percentage', value: 12.5, remove: false }] },
          { entity: ent([['client-id', null]]), ops: [{ key: 'producer_byte_rate', value: 4096, remove: false }] },
        ],
        validateOnly: false,
      });
      expect(alter.entries.map((e: any) => e.errorCode)).toEqual([0, 0, 0]);
      const exact = await c.request(48, v, { components: [{ entityType: 'user', matchType: 0, match: `alice${v}` }], strict: true });
      expect(exact.errorCode).toBe(0);
      expect(exact.entries).toEqual([
        { entity: [{ entityType: 'user', entityName: `alice${v}` }], values: expect.arrayContaining([{ key: 'producer_byte_rate', value: 1024 }, { key: 'consumer_byte_rate', value: 2048 }]) },
      ]);
      const loose = await c.request(48, v, { components: [{ entityType: 'user', matchType: 0, match: `alice${v}` }], strict: false });
      expect(loose.entries).toHaveLength(2);
      const defaults = await c.request(48, v, { components: [{ entityType: 'client-id', matchType: 1, match: null }], strict: false });
      expect(defaults.entries).toEqual([{ entity: [{ entityType: 'client-id', entityName: null }], values: [{ key: 'producer_byte_rate', value: 4096 }] }]);
      const specified = await c.request(48, v, { components: [{ entityType: 'client-id', matchType: 2, match: null }], strict: false });
      expect(specified.entries.length).toBeGreaterThanOrEqual(2);
      const remove = await c.request(49, v, {
        entries: [{ entity: ent([['user', `alice${v}`]]), ops: [{ key: 'producer_byte_rate', value: 0, remove: true }, { key: 'consumer_byte_rate', value: 0, remove: true }] }],
        validateOnly: false,
      });
      expect(remove.entries[0].errorCode).toBe(0);
      const gone = await c.request(48, v, { components: [{ entityType: 'user', matchType: 0, match: `alice${v}` }], strict: true });
      expect(gone.entries).toEqual([]);
    }
  });

  it("answers Kafka's errors", async () => {
    const c = await b.client();
    const res = await c.request(49, 1, {
      entries: [
        { entity: ent([['user', 'x']]), ops: [{ key: 'producer_byte_rate', value: -5, remove: false }] },
        { entity: ent([['user', 'x2']]), ops: [{ key: 'bogus_rate', value: 5, remove: false }] },
        { entity: ent([['group', 'g']]), ops: [{ key: 'producer_byte_rate', value: 5, remove: false }] },
        { entity: [], ops: [{ key: 'producer_byte_rate', value: 5, remove: false }] },
        { entity: ent([['user', 'y']]), ops: [{ key: 'producer_byte_rate', value: 1.5, remove: false }] },
        { entity: ent([['ip', '127.0.0.1'], ['user', 'z']]), ops: [{ key: 'connection_creation_rate', value: 5, remove: false }] },
      ],
      validateOnly: false,
    });
    expect(res.entries.map((e: any) => e.errorMessage)).toEqual([
      'Quota producer_byte_rate must be greater than 0',
      'Invalid configuration key bogus_rate',
      'Unhandled client quota entity type: group',
      'Invalid empty client quota entity',
      'producer_byte_rate cannot be a fractional value.',
      'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId',
    ]);
    expect(res.entries.every((e: any) => e.errorCode === ErrorCode.INVALID_REQUEST)).toBe(true);
    const validate = await c.request(49, 0, { entries: [{ entity: ent([['user', 'vo']]), ops: [{ key: 'producer_byte_rate', value: 5, remove: false }] }], validateOnly: true });
    expect(validate.entries[0].errorCode).toBe(0);
    const none = await c.request(48, 0, { components: [{ entityType: 'user', matchType: 0, match: 'vo' }], strict: false });
    expect(none.entries).toEqual([]);
    const badFilter = await c.request(48, 1, { components: [{ entityType: 'user', matchType: 0, match: null }], strict: false });
    expect(badFilter).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Request specified MATCH_TYPE_EXACT, but set match string to null.', entries: null });
    const badType = await c.request(48, 1, { components: [{ entityType: 'group', matchType: 2, match: null }], strict: false });
    expect(badType.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('quotas survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-quotas-'));
    try {
      let broker = await startBroker({ storage: `file://${dir}`, logger: new MemoryLogger('warn') });
      let c = await RawClient.connect(broker.port);
      await c.request(49, 1, { entries: [{ entity: ent([['client-id', 'slow']]), ops: [{ key: 'consumer_byte_rate', value: 500, remove: false }] }], validateOnly: false });
      c.close();
      await broker.close();
      broker = await startBroker({ storage: `file://${dir}`, logger: new MemoryLogger('warn') });
      c = await RawClient.connect(broker.port);
      const res = await c.request(48, 1, { components: [], strict: false });
      expect(res.entries).toEqual([{ entity: [{ entityType: 'client-id', entityName: 'slow' }], values: [{ key: 'consumer_byte_rate', value: 500 }] }]);
      expect(broker.services.cluster.quotas.resolve('ANONYMOUS', 'slow', 'consumer_byte_rate')?.quota).toBe(500);
      c.close();
      await broker.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('byte-rate quotas (throttleTimeMs)', () => {
  it('a throttled fetch takes its bytes back (unrecord)', () => {
    let now = 5_000_000;
    const q = new ClientQuotas([{ entity: { 'client-id': 'reader' }, quotas: { consumer_byte_rate: 1000 } }], async () => {}, () => now);
    expect(q.throttleTimeMs('fetch', 'ANONYMOUS', 'reader', 5000)).toBe(0);
    const t = q.throttleTimeMs('fetch', 'ANONYMOUS', 'reader', 20_000);
    expect(t).toBeGreaterThan(0);
    q.unrecord('fetch', 'ANONYMOUS', 'reader', 20_000);
    now += 1;
    // With the big answer taken back, a small fetch is within the quota again.
    expect(q.throttleTimeMs('fetch', 'ANONYMOUS', 'reader', 100)).toBe(0);
  });

  it("resolves in Kafka's order of precedence", () => {
    const q = new ClientQuotas([
      { entity: { 'client-id': null }, quotas: { producer_byte_rate: 1 } },
      { entity: { 'client-id': 'c1' }, quotas: { producer_byte_rate: 2 } },
      { entity: { user: null }, quotas: { producer_byte_rate: 3 } },
      { entity: { user: 'u1' }, quotas: { producer_byte_rate: 4 } },
      { entity: { user: 'u1', 'client-id': 'c1' }, quotas: { producer_byte_rate: 5 } },
    ]);
    expect(q.resolve('u1', 'c1', 'producer_byte_rate')).toEqual({ quota: 5, tags: ['u1', 'c1'] });
    expect(q.resolve('u1', 'c2', 'producer_byte_rate')).toEqual({ quota: 4, tags: ['u1', ''] });
    expect(q.resolve('u2', 'c1', 'producer_byte_rate')).toEqual({ quota: 3, tags: ['u2', ''] });
    expect(new ClientQuotas([{ entity: { 'client-id': 'c1' }, quotas: { producer_byte_rate: 2 } }, { entity: { 'client-id': null }, quotas: { producer_byte_rate: 1 } }]).resolve('u', 'c9', 'producer_byte_rate')).toEqual({ quota: 1, tags: ['', 'c9'] });
    expect(q.resolve('u1', 'c1', 'consumer_byte_rate')).toBeUndefined();
  });

  it('a producer that obeys throttle_time_ms converges to its quota', () => {
    let now = 1_000_000;
    const quota = 100_000; // bytes/s
    const q = new ClientQuotas([{ entity: { 'client-id': 'fast' }, quotas: { producer_byte_rate: quota } }], async () => {}, () => now);
    const requestBytes = 16_384;
    let sent = 0;
    let throttled = 0;
    const start = now;
    // The client sends as fast as it can (1 ms per request) but waits out every throttle time.
    while (now - start < 60_000) {
      const t = q.throttleTimeMs('produce', 'ANONYMOUS', 'fast', requestBytes);
      sent += requestBytes;
      if (t > 0) throttled++;
      now += 1 + t;
    }
    const rate = sent / ((now - start) / 1000);
    expect(throttled).toBeGreaterThan(10);
    expect(rate).toBeGreaterThan(quota * 0.8);
    expect(rate).toBeLessThan(quota * 1.25);
    expect(q.maxValueInQuotaWindow('produce', 'ANONYMOUS', 'fast')).toBe(quota * 10);
    expect(q.maxValueInQuotaWindow('fetch', 'ANONYMOUS', 'fast')).toBe(Infinity);
    // Without a quota nothing is throttled; fetch quotas are separate.
    expect(q.throttleTimeMs('produce', 'ANONYMOUS', 'other', 10_000_000)).toBe(0);
    expect(q.throttleTimeMs('fetch', 'ANONYMOUS', 'fast', 10_000_000)).toBe(0);
  });
});
