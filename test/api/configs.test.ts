import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { type ApiTestBroker, startTestBroker, topicName } from './helpers.js';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker({ config: { 'log.retention.hours': 24 } });
});
afterAll(() => b.close());

async function newTopic(configs: Record<string, string | number> = {}): Promise<string> {
  const name = topicName('cfg');
  const parsed: Record<string, any> = {};
  for (const [k, v] of Object.entries(configs)) parsed[k] = v;
  await b.broker.services.topics.createTopic(name, 1, parsed);
  return name;
}

const configsOf = (result: any) => Object.fromEntries(result.configs.map((c: any) => [c.name, c]));

describe('DescribeConfigs', () => {
  it('describes a topic at v0-v4 with sources, synonyms, types and documentation', async () => {
    const c = await b.client();
    const name = await newTopic({ 'retention.bytes': 1000 });
    for (let v = 0; v <= 4; v++) {
      const res = await c.request(32, v, { resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: null }], includeSynonyms: true, includeDocumentation: true });
      expect(res.results[0]).toMatchObject({ errorCode: 0, resourceType: TOPIC, resourceName: name });
      const cfg = configsOf(res.results[0]);
      expect(cfg['retention.bytes'].value).toBe('1000');
      // log.retention.hours=24 is a static broker setting: retention.ms derives from it.
      expect(cfg['retention.ms'].value).toBe(String(24 * 3600 * 1000));
      expect(cfg['segment.bytes'].value).toBe('1073741824');
      if (v === 0) {
        expect(cfg['retention.bytes'].isDefault).toBe(false);
        expect(cfg['segment.bytes'].isDefault).toBe(true);
      } else {
        expect(cfg['retention.bytes'].configSource).toBe(1); // TOPIC_CONFIG
        // Kafka's quirk (ConfigHelper.configSynonyms drops synonyms before log.retention.ms, which is
        // unset): retention.ms derived from log.retention.hours is described as a default, no synonyms.
        expect(cfg['retention.ms'].configSource).toBe(5);
        expect(cfg['segment.bytes'].configSource).toBe(5); // DEFAULT_CONFIG
        expect(cfg['retention.bytes'].synonyms).toEqual([
          { name: 'retention.bytes', value: '1000', source: 1 },
          { name: 'log.retention.bytes', value: '-1', source: 5 },
        ]);
        expect(cfg['retention.ms'].synonyms).toEqual([]);
      }
      if (v >= 3) {
        expect(cfg['retention.ms'].configType).toBe(5); // LONG
        expect(cfg['cleanup.policy'].configType).toBe(7); // LIST
        expect(cfg['retention.ms'].documentation).toMatch(/kept/);
      }
    }
  });

  it('filters by key, leaves synonyms and docs out unless asked, and reports errors per resource', async () => {
    const c = await b.client();
    const name = await newTopic();
    const res = await c.request(32, 4, {
      resources: [
        { resourceType: TOPIC, resourceName: name, configurationKeys: ['cleanup.policy', 'no.such.key'] },
        { resourceType: TOPIC, resourceName: 'missing-topic-x', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad*name', configurationKeys: null },
        { resourceType: BROKER, resourceName: '77', configurationKeys: null },
        { resourceType: BROKER, resourceName: 'abc', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(res.results[0].configs).toEqual([expect.objectContaining({ name: 'cleanup.policy', value: 'delete', synonyms: [], documentation: null })]);
    expect(res.results[1]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, configs: [] });
    expect(res.results[2].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(res.results[3]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 77' });
    expect(res.results[4]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Broker id must be an integer, but it is: abc' });
  });

  it('describes the broker: every setting, read-only unless dynamic', async () => {
    const c = await b.client();
    for (const v of [0, 1, 4]) {
      const res = await c.request(32, v, { resources: [{ resourceType: BROKER, resourceName: '1', configurationKeys: null }], includeSynonyms: true, includeDocumentation: true });
      const cfg = configsOf(res.results[0]);
      expect(cfg['log.retention.hours']).toMatchObject({ value: '24', readOnly: true });
      expect(cfg['log.retention.bytes']).toMatchObject({ value: '-1', readOnly: false });
      expect(cfg['node.id'].value).toBe('1');
      if (v >= 1) {
        expect(cfg['log.retention.hours'].configSource).toBe(4);
        expect(cfg['log.segment.bytes'].configSource).toBe(5);
      }
    }
  });
});

describe('AlterConfigs and IncrementalAlterConfigs on topics', () => {
  it('AlterConfigs v0-v2 replaces the overrides and the log takes them at once', async () => {
    const c = await b.client();
    for (let v = 0; v <= 2; v++) {
      const name = await newTopic({ 'retention.bytes': 5000 });
      const res = await c.request(33, v, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', value: '60000' }, { name: 'segment.bytes', value: '1048576' }] }], validateOnly: false });
      expect(res.responses[0]).toMatchObject({ errorCode: 0, resourceName: name, resourceType: TOPIC });
      const topics = b.broker.services.topics;
      expect(topics.topic(name)!.configs).toEqual({ 'retention.ms': 60000, 'segment.bytes': 1048576 });
      const log = (await topics.partitionLog(name, 0))!;
      expect(log.config.retentionMs).toBe(60000);
      expect(log.config.segmentBytes).toBe(1048576);
      expect(log.config.retentionBytes).toBe(-1);
    }
  });

  it('IncrementalAlterConfigs v0-v1: SET, DELETE, APPEND, SUBTRACT', async () => {
    const c = await b.client();
    const topics = b.broker.services.topics;
    for (let v = 0; v <= 1; v++) {
      const name = await newTopic({ 'retention.bytes': 5000 });
      const alter = (configs: object[], validateOnly = false) =>
        c.request(44, v, { resources: [{ resourceType: TOPIC, resourceName: name, configs }], validateOnly }).then((r: any) => r.responses[0]);
      expect(await alter([{ name: 'retention.ms', configOperation: SET, value: '120000' }, { name: 'retention.bytes', configOperation: DELETE, value: null }])).toMatchObject({ errorCode: 0 });
      expect(topics.topic(name)!.configs).toEqual({ 'retention.ms': 120000 });
      expect((await topics.partitionLog(name, 0))!.config.retentionMs).toBe(120000);
      expect(await alter([{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }])).toMatchObject({ errorCode: 0 });
      expect(topics.topic(name)!.configs['cleanup.policy']).toEqual(['delete', 'compact']);
      expect((await topics.partitionLog(name, 0))!.config.cleanupPolicy).toEqual({ delete: true, compact: true });
      expect(await alter([{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }])).toMatchObject({ errorCode: 0 });
      expect(topics.topic(name)!.configs['cleanup.policy']).toEqual(['compact']);
      // validate_only changes nothing.
      expect(await alter([{ name: 'retention.ms', configOperation: SET, value: '1' }], true)).toMatchObject({ errorCode: 0 });
      expect(topics.topic(name)!.configs['retention.ms']).toBe(120000);
    }
  });

  it('refuses bad changes with the key and the reason, changing nothing', async () => {
    const c = await b.client();
    const name = await newTopic();
    const alter = (configs: object[], resourceName = name) =>
      c.request(44, 1, { resources: [{ resourceType: TOPIC, resourceName, configs }], validateOnly: false }).then((r: any) => r.responses[0]);
    expect(await alter([{ name: 'retention.ms', configOperation: SET, value: 'forever' }])).toEqual(
      expect.objectContaining({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Invalid value forever for configuration retention.ms: Not a number of type LONG' }),
    );
    expect(await alter([{ name: 'retention.ms', configOperation: SET, value: '-5' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'Invalid value -5 for configuration retention.ms: Value must be at least -1',
    });
    expect(await alter([{ name: 'cleanup.policy', configOperation: SET, value: 'shred' }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: expect.stringContaining('cleanup.policy') });
    expect(await alter([{ name: 'bogus.key', configOperation: SET, value: '1' }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown topic config name: bogus.key' });
    expect(await alter([{ name: 'retention.ms', configOperation: APPEND, value: '1' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: "Can't APPEND to key retention.ms because its type is not LIST.",
    });
    expect(await alter([{ name: 'retention.ms', configOperation: SET, value: null }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Null value not supported for : retention.ms' });
    expect(await alter([{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'retention.ms', configOperation: SET, value: '2' }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' });
    expect(await alter([{ name: 'min.compaction.lag.ms', configOperation: SET, value: '10' }, { name: 'max.compaction.lag.ms', configOperation: SET, value: '5' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
    });
    expect(await alter([{ name: 'retention.ms', configOperation: SET, value: '1' }], 'no-such-topic-here')).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(await alter([{ name: 'retention.ms', configOperation: SET, value: '1' }], '')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Default topic resources are not allowed.' });
    expect(b.broker.services.topics.topic(name)!.configs).toEqual({});
    const dup = await c.request(33, 1, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [] }, { resourceType: TOPIC, resourceName: name, configs: [] }], validateOnly: false });
    expect(dup.responses.map((r: any) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });

  it('a lower retention.ms deletes old segments without a restart', async () => {
    const name = await newTopic({ 'segment.bytes': 1024 });
    const topics = b.broker.services.topics;
    const log = (await topics.partitionLog(name, 0))!;
    const old = Date.now() - 3600_000;
    for (let i = 0; i < 20; i++) {
      await log.append(buildRecordBatch({ records: [{ value: Buffer.alloc(200, i), timestamp: old }] }));
    }
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(await b.broker.services.logs.runRetention()).toBe(0);
    const c = await b.client();
    const res = await c.request(44, 1, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', configOperation: SET, value: '60000' }] }], validateOnly: false });
    expect(res.responses[0].errorCode).toBe(0);
    await b.broker.services.logs.runRetention();
    expect(log.logStartOffset).toBeGreaterThan(0);
  });
});

describe('dynamic broker configs', () => {
  it('sets cluster-wide and per-broker defaults live, refuses read-only settings', async () => {
    const c = await b.client();
    const name = await newTopic();
    const topics = b.broker.services.topics;
    const set = (resourceName: string, configs: object[], v = 1) =>
      c.request(44, v, { resources: [{ resourceType: BROKER, resourceName, configs }], validateOnly: false }).then((r: any) => r.responses[0]);
    expect(await set('', [{ name: 'log.retention.ms', configOperation: SET, value: '7200000' }])).toMatchObject({ errorCode: 0 });
    expect(topics.topicConfig(name)['retention.ms']).toBe(7200000);
    expect((await topics.partitionLog(name, 0))!.config.retentionMs).toBe(7200000);
    expect(await set('1', [{ name: 'log.retention.ms', configOperation: SET, value: '3600000' }], 0)).toMatchObject({ errorCode: 0 });
    expect(topics.topicConfig(name)['retention.ms']).toBe(3600000);

    const d = await c.request(32, 4, {
      resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: ['retention.ms'] }, { resourceType: BROKER, resourceName: '', configurationKeys: null }],
      includeSynonyms: true,
    });
    expect(d.results[0].configs[0]).toMatchObject({ value: '3600000', configSource: 2 });
    expect(d.results[0].configs[0].synonyms.map((s: any) => [s.name, s.source])).toEqual([
      ['log.retention.ms', 2],
      ['log.retention.ms', 3],
      ['log.retention.hours', 4],
      ['log.retention.hours', 5],
    ]);
    expect(d.results[1].configs).toEqual([expect.objectContaining({ name: 'log.retention.ms', value: '7200000', configSource: 3 })]);

    expect(await set('', [{ name: 'log.retention.hours', configOperation: SET, value: '1' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: [log.retention.hours]',
    });
    expect(await set('', [{ name: 'log.segment.bytes', configOperation: SET, value: '3' }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: expect.stringContaining('log.segment.bytes') });
    expect(await set('9', [{ name: 'log.retention.ms', configOperation: SET, value: '1' }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    // Removing both brings the static value back.
    expect(await set('1', [{ name: 'log.retention.ms', configOperation: DELETE, value: null }])).toMatchObject({ errorCode: 0 });
    const legacy = await c.request(33, 0, { resources: [{ resourceType: BROKER, resourceName: '', configs: [] }], validateOnly: false });
    expect(legacy.responses[0].errorCode).toBe(0);
    expect(topics.topicConfig(name)['retention.ms']).toBe(24 * 3600 * 1000);
  });
});

describe('dynamic broker configs: list operations and AlterConfigs', () => {
  it('APPEND and SUBTRACT on log.cleanup.policy reach topics without an override; legacy AlterConfigs v2 replaces', async () => {
    const c = await b.client();
    const name = await newTopic();
    const topics = b.broker.services.topics;
    const inc = (configs: object[]) =>
      c.request(44, 1, { resources: [{ resourceType: BROKER, resourceName: '', configs }], validateOnly: false }).then((r: any) => r.responses[0]);
    expect(await inc([{ name: 'log.cleanup.policy', configOperation: APPEND, value: 'compact' }])).toMatchObject({ errorCode: 0 });
    expect(topics.topicConfig(name)['cleanup.policy']).toEqual(['delete', 'compact']);
    expect((await topics.partitionLog(name, 0))!.config.cleanupPolicy).toEqual({ delete: true, compact: true });
    expect(await inc([{ name: 'log.cleanup.policy', configOperation: SUBTRACT, value: 'delete' }])).toMatchObject({ errorCode: 0 });
    expect(topics.topicConfig(name)['cleanup.policy']).toEqual(['compact']);
    expect(await inc([{ name: 'log.retention.bytes', configOperation: APPEND, value: '1' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'Config value append is not allowed for config key: log.retention.bytes',
    });
    // validate_only changes nothing.
    const vo = await c.request(33, 2, { resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'message.max.bytes', value: '2000000' }] }], validateOnly: true });
    expect(vo.responses[0].errorCode).toBe(0);
    expect(topics.topicConfig(name)['max.message.bytes']).toBe(1048588);
    const legacy = await c.request(33, 2, { resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'message.max.bytes', value: '2000000' }] }], validateOnly: false });
    expect(legacy.responses[0]).toMatchObject({ errorCode: 0, resourceType: BROKER, resourceName: '1' });
    expect(topics.topicConfig(name)['max.message.bytes']).toBe(2000000);
    // Legacy AlterConfigs replaces the whole set of a scope.
    await c.request(33, 1, { resources: [{ resourceType: BROKER, resourceName: '', configs: [] }, { resourceType: BROKER, resourceName: '1', configs: [] }], validateOnly: false });
    expect(topics.topicConfig(name)['cleanup.policy']).toEqual(['delete']);
    expect(topics.topicConfig(name)['max.message.bytes']).toBe(1048588);
  });
});

describe('persistence', () => {
  it('topic overrides and dynamic broker configs survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-configs-'));
    try {
      const logger = new MemoryLogger('warn');
      let broker = await startBroker({ storage: `file://${dir}`, logger });
      await broker.services.topics.createTopic('kept', 1, {});
      let c = await RawClient.connect(broker.port);
      const t = await c.request(44, 1, { resources: [{ resourceType: TOPIC, resourceName: 'kept', configs: [{ name: 'retention.ms', configOperation: SET, value: '99000' }] }], validateOnly: false });
      expect(t.responses[0].errorCode).toBe(0);
      const br = await c.request(44, 1, { resources: [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.bytes', configOperation: SET, value: '123456' }] }], validateOnly: false });
      expect(br.responses[0].errorCode).toBe(0);
      c.close();
      await broker.close();
      broker = await startBroker({ storage: `file://${dir}`, logger });
      try {
        expect(broker.services.topics.topicConfig('kept')['retention.ms']).toBe(99000);
        expect(broker.services.topics.topicConfig('kept')['retention.bytes']).toBe(123456);
        const log = (await broker.services.topics.partitionLog('kept', 0))!;
        expect(log.config.retentionMs).toBe(99000);
        expect(log.config.retentionBytes).toBe(123456);
        c = await RawClient.connect(broker.port);
        const d = await c.request(32, 2, { resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }], includeSynonyms: false });
        expect(d.results[0].configs).toEqual([expect.objectContaining({ name: 'log.retention.bytes', value: '123456' })]);
        c.close();
      } finally {
        await broker.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
