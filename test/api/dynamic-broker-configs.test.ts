// Dynamic broker configs as Kafka accepts and refuses them (IncrementalAlterConfigs and AlterConfigs on
// a BROKER resource). Every expected answer below is what Kafka 4.3.1 answered to the same request.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker({ storage: 'memory://', port: 0 });
});
afterAll(() => b.close());

const set = (name: string, value: string) => ({ name, configOperation: SET, value });
const del = (name: string) => ({ name, configOperation: DELETE, value: null });

async function alter(resourceName: string, configs: object[], validateOnly = true) {
  const c = await b.client();
  const res = await c.request(44, 1, { resources: [{ resourceType: BROKER, resourceName, configs }], validateOnly });
  const { errorCode, errorMessage } = res.responses[0];
  return { errorCode, errorMessage };
}

async function describeBroker(resourceName: string) {
  const c = await b.client();
  const res = await c.request(32, 4, { resources: [{ resourceType: BROKER, resourceName, configurationKeys: null }], includeSynonyms: true, includeDocumentation: false });
  return Object.fromEntries(res.results[0].configs.map((x: any) => [x.name, x]));
}

const OK = { errorCode: 0, errorMessage: null };
const refused = (errorMessage: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
const reconfigRefused = (why: string) => refused(`Invalid value org.apache.kafka.common.config.ConfigException: ${why} for configuration Invalid dynamic configuration`);

describe('dynamic broker configs accepted as Kafka accepts them', () => {
  it('for this node and for the cluster default', async () => {
    for (const node of ['1', '']) {
      expect(await alter(node, [set('log.cleaner.threads', '2')])).toEqual(OK);
      expect(await alter(node, [set('producer.id.expiration.ms', '1000')])).toEqual(OK);
      expect(await alter(node, [set('no.such.key', 'v')])).toEqual(OK); // a custom config
    }
    expect(await alter('1', [set('sasl.kerberos.min.time.before.relogin', '1000')])).toEqual(OK);
    expect(await alter('1', [set('listener.name.plaintext.sasl.kerberos.min.time.before.relogin', '1000')])).toEqual(OK);
    expect(await alter('1', [set('listener.name.plaintext.ssl.keystore.location', '/x')])).toEqual(OK);
    expect(await alter('1', [set('listener.name.plaintext.plain.sasl.jaas.config', 'x required;')])).toEqual(OK);
    expect(await alter('1', [{ name: 'sasl.enabled.mechanisms', configOperation: APPEND, value: 'PLAIN' }])).toEqual(OK);
    const legacy = await (await b.client()).request(33, 1, { resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.cleaner.threads', value: '2' }] }], validateOnly: true });
    expect(legacy.responses[0]).toMatchObject(OK);
  });
});

describe('dynamic broker configs refused as Kafka refuses them', () => {
  it('static configs, bare security configs, bad values, per-broker configs at the cluster level', async () => {
    for (const node of ['1', '']) {
      expect(await alter(node, [set('broker.id', '3')])).toEqual(refused('Cannot update these configs dynamically: [broker.id]'));
      expect(await alter(node, [set('log.dirs', '/x'), set('broker.id', '3')])).toEqual(refused('Cannot update these configs dynamically: [broker.id, log.dirs]'));
      expect(await alter(node, [set('log.retention.hours', '1')])).toEqual(refused('Cannot update these configs dynamically: [log.retention.hours]'));
      expect(await alter(node, [set('ssl.keystore.location', '/x')])).toEqual(
        refused('These security configs can be dynamically updated only per-listener using the listener prefix: [ssl.keystore.location]'),
      );
      expect(await alter(node, [set('log.cleaner.threads', 'x')])).toEqual(refused('Invalid value x for configuration log.cleaner.threads: Not a number of type INT'));
      expect(await alter(node, [set('log.cleaner.threads', '-1')])).toEqual(refused('Invalid value -1 for configuration log.cleaner.threads: Value must be at least 0'));
      expect(await alter(node, [set('listener.name.plaintext.sasl.kerberos.min.time.before.relogin', 'abc')])).toEqual(
        refused('Invalid value abc for configuration sasl.kerberos.min.time.before.relogin: Not a number of type LONG'),
      );
      expect(await alter(node, [set('log.segment.bytes', '1000')])).toEqual(refused('Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576'));
      expect(await alter(node, [set('message.max.bytes', '-5')])).toEqual(refused('Invalid value -5 for configuration message.max.bytes: Value must be at least 0'));
      expect(await alter(node, [set('compression.gzip.level', '12')])).toEqual(refused('Invalid value 12 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1'));
      expect(await alter(node, [set('log.cleanup.policy', 'foo')])).toEqual(refused('Invalid value foo for configuration log.cleanup.policy: String must be one of: compact, delete'));
      expect(await alter(node, [set('log.message.timestamp.type', 'foo')])).toEqual(
        refused('Invalid value foo for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime'),
      );
      expect(await alter(node, [set('unclean.leader.election.enable', 'maybe')])).toEqual(
        refused('Invalid value maybe for configuration unclean.leader.election.enable: Expected value to be either true or false'),
      );
      expect(await alter(node, [set('log.cleaner.min.cleanable.ratio', '2')])).toEqual(refused('Invalid value 2.0 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1'));
      expect(await alter(node, [{ name: 'log.cleaner.threads', configOperation: APPEND, value: '3' }])).toEqual({
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: 'Config value append is not allowed for config key: log.cleaner.threads',
      });
      expect(await alter(node, [{ name: 'no.such', configOperation: APPEND, value: 'x' }])).toEqual({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown config name: no.such' });
    }
    for (const key of ['sasl.kerberos.min.time.before.relogin', 'listener.name.plaintext.sasl.kerberos.min.time.before.relogin', 'listener.name.plaintext.broker.id']) {
      expect(await alter('', [set(key, '1000')])).toEqual(refused(`Cannot update these configs at default cluster level, broker id must be specified: [${key}]`));
    }
  });

  it('thread counts change by at most half or double at a time', async () => {
    expect(await alter('', [set('log.cleaner.threads', '100')])).toEqual(reconfigRefused('Log cleaner threads cannot be increased to more than double the current value 1'));
    expect(await alter('', [set('log.cleaner.threads', '0')])).toEqual(refused('/ by zero'));
    expect(await alter('', [set('num.io.threads', '100')])).toEqual(
      reconfigRefused('Dynamic thread count update validation failed for num.io.threads=100, value should not be greater than double the current value 8'),
    );
    expect(await alter('1', [set('num.io.threads', '3')])).toEqual(
      reconfigRefused('Dynamic thread count update validation failed for num.io.threads=3, value should be at least half the current value 8'),
    );
  });
});

describe('dynamic broker configs stored and described', () => {
  it('with source DYNAMIC_BROKER_CONFIG / DYNAMIC_DEFAULT_BROKER_CONFIG, synonyms and Kafka defaults', async () => {
    // sasl.jaas.config first: in one request with a prefixed listener config, Kafka refuses it ("Configs
    // cannot be updated dynamically for existing listener", below); unchanged, it is not checked again.
    expect(await alter('1', [set('sasl.jaas.config', 'secret')], false)).toEqual(OK);
    expect(await alter('1', [set('log.cleaner.threads', '2'), set('listener.name.plaintext.sasl.kerberos.min.time.before.relogin', '1000'), set('no.such.key', 'v'), set('sasl.jaas.config', 'secret')], false)).toEqual(OK);
    expect(await alter('', [set('log.cleaner.threads', '2'), set('custom.default', 'z')], false)).toEqual(OK);
    // The stored value is the current one: the next step is measured from it.
    expect(await alter('1', [set('log.cleaner.threads', '4')])).toEqual(OK);

    const node = await describeBroker('1');
    expect(node['log.cleaner.threads']).toMatchObject({ value: '2', configSource: 2, readOnly: false, isSensitive: false, configType: 3 });
    expect(node['log.cleaner.threads'].synonyms).toEqual([
      expect.objectContaining({ name: 'log.cleaner.threads', value: '2', source: 2 }),
      expect.objectContaining({ name: 'log.cleaner.threads', value: '2', source: 3 }),
      expect.objectContaining({ name: 'log.cleaner.threads', value: '1', source: 5 }),
    ]);
    expect(node['listener.name.plaintext.sasl.kerberos.min.time.before.relogin']).toMatchObject({ value: '1000', configSource: 2, readOnly: true, configType: 5 });
    expect(node['listener.name.plaintext.sasl.kerberos.min.time.before.relogin'].synonyms.map((s: any) => [s.name, s.value, s.source])).toEqual([
      ['listener.name.plaintext.sasl.kerberos.min.time.before.relogin', '1000', 2],
      ['sasl.kerberos.min.time.before.relogin', '60000', 5],
    ]);
    // Not set: Kafka's default.
    expect(node['sasl.kerberos.min.time.before.relogin']).toMatchObject({ value: '60000', configSource: 5, readOnly: false });
    // Passwords and configs of unknown type are sensitive.
    expect(node['sasl.jaas.config']).toMatchObject({ value: null, configSource: 2, isSensitive: true, configType: 9 });
    expect(node['no.such.key']).toMatchObject({ value: null, configSource: 2, isSensitive: true, readOnly: true, configType: 0 });
    expect(node['custom.default']).toMatchObject({ value: null, configSource: 3, isSensitive: true });

    const cluster = await describeBroker('');
    expect(Object.keys(cluster).sort()).toEqual(['custom.default', 'log.cleaner.threads']);
    expect(cluster['log.cleaner.threads']).toMatchObject({ value: '2', configSource: 3, synonyms: [expect.objectContaining({ source: 3 })] });

    expect(await alter('1', ['log.cleaner.threads', 'listener.name.plaintext.sasl.kerberos.min.time.before.relogin', 'no.such.key', 'sasl.jaas.config'].map(del), false)).toEqual(OK);
    expect(await alter('', ['log.cleaner.threads', 'custom.default'].map(del), false)).toEqual(OK);
    const after = await describeBroker('1');
    expect(after['log.cleaner.threads']).toMatchObject({ value: '1', configSource: 5 });
    expect(after['no.such.key']).toBeUndefined();
  });

  it('producer.id.expiration.ms applies live', async () => {
    expect(await alter('', [set('producer.id.expiration.ms', '5000')], false)).toEqual(OK);
    expect(b.broker.services.config.int('producer.id.expiration.ms')).toBe(5000);
    expect(await alter('', [del('producer.id.expiration.ms')], false)).toEqual(OK);
    expect(b.broker.services.config.int('producer.id.expiration.ms')).toBe(86400000);
  });

  it('survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-dyn-'));
    try {
      const logger = new MemoryLogger('warn');
      let broker = await startBroker({ storage: `file://${dir}`, logger, port: 0 });
      let c = await RawClient.connect(broker.port);
      const res = await c.request(44, 1, { resources: [{ resourceType: BROKER, resourceName: '1', configs: [set('listener.name.plaintext.sasl.kerberos.min.time.before.relogin', '1234'), set('log.cleaner.threads', '2')] }], validateOnly: false });
      expect(res.responses[0].errorCode).toBe(0);
      c.close();
      await broker.close();
      broker = await startBroker({ storage: `file://${dir}`, logger, port: 0 });
      try {
        c = await RawClient.connect(broker.port);
        const d = await c.request(32, 4, { resources: [{ resourceType: BROKER, resourceName: '1', configurationKeys: ['listener.name.plaintext.sasl.kerberos.min.time.before.relogin', 'log.cleaner.threads'] }], includeSynonyms: false, includeDocumentation: false });
        expect(d.results[0].configs.map((x: any) => [x.name, x.value, x.configSource])).toEqual([
          ['listener.name.plaintext.sasl.kerberos.min.time.before.relogin', '1234', 2],
          ['log.cleaner.threads', '2', 2],
        ]);
        c.close();
      } finally {
        await broker.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listener-prefixed configs of a running listener, as Kafka\'s DynamicListenerConfig checks them', () => {
  // Kafka 4.3.1, same steps (test/reference/clients/java-sasl): a prefixed sasl.enabled.mechanisms is
  // stored, but once it differs from start-up, a change touching a DynamicListenerConfig config is refused.
  it('accepts a prefixed sasl.enabled.mechanisms, then refuses a bare one until the prefixed one is gone', async () => {
    const own = await startTestBroker({ storage: 'memory://', port: 0 });
    try {
      const c = await own.client();
      const change = async (configs: object[]) => {
        const res = await c.request(44, 1, { resources: [{ resourceType: BROKER, resourceName: '1', configs }], validateOnly: false });
        return { errorCode: res.responses[0].errorCode, errorMessage: res.responses[0].errorMessage };
      };
      expect(await change([set('listener.name.plaintext.sasl.enabled.mechanisms', 'PLAIN')])).toEqual(OK);
      expect(await change([set('listener.name.plaintext.ssl.keystore.location', '/x')])).toEqual(OK);
      expect(await change([set('sasl.enabled.mechanisms', 'PLAIN')])).toEqual(
        reconfigRefused('Configs cannot be updated dynamically for existing listener ListenerName(PLAINTEXT), restart broker or create a new listener for update'),
      );
      expect(await change([del('listener.name.plaintext.sasl.enabled.mechanisms')])).toEqual(OK);
      expect(await change([set('sasl.enabled.mechanisms', 'PLAIN')])).toEqual(OK);
    } finally {
      await own.close();
    }
  });
});
