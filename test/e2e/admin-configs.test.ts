// kafkajs admin: describe and alter configs (topic and broker), delete records.

import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
let kafka: Kafka;
beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: 'admin-configs-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
});
afterAll(() => broker?.close());

describe('kafkajs admin: configs and records', () => {
  it('describes topic and broker configs', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'kc-topic', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] });
      const res = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: 'kc-topic' },
          { type: ConfigResourceTypes.BROKER, name: String(broker.services.cluster.nodeId) },
        ],
      });
      const topic = res.resources.find((r: any) => r.resourceType === ConfigResourceTypes.TOPIC)!;
      expect(topic.errorCode).toBe(0);
      const retention = topic.configEntries.find((e: any) => e.configName === 'retention.ms')!;
      expect(retention).toMatchObject({ configValue: '86400000', isDefault: false, readOnly: false, isSensitive: false, configSource: 1 });
      expect(retention.configSynonyms[0]).toMatchObject({ configName: 'retention.ms', configValue: '86400000', configSource: 1 });
      const cleanup = topic.configEntries.find((e: any) => e.configName === 'cleanup.policy')!;
      expect(cleanup).toMatchObject({ configValue: 'delete', isDefault: true, configSource: 5 });
      const brokerRes = res.resources.find((r: any) => r.resourceType === ConfigResourceTypes.BROKER)!;
      expect(brokerRes.configEntries.find((e: any) => e.configName === 'num.partitions')).toMatchObject({ configValue: '1', readOnly: true });
    } finally {
      await admin.disconnect();
    }
  });

  it('alters topic configs, takes effect at once, and refuses invalid values', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'kc-alter', numPartitions: 1 }] });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc-alter', configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact,delete' }] }],
      });
      const log = (await broker.services.topics.partitionLog('kc-alter', 0))!;
      expect(log.config.retentionMs).toBe(1000);
      expect(log.config.cleanupPolicy).toEqual({ compact: true, delete: true });
      const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc-alter', configNames: ['retention.ms'] }] });
      expect(res.resources[0].configEntries).toEqual([expect.objectContaining({ configName: 'retention.ms', configValue: '1000' })]);
      await expect(
        admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc-alter', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
      ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      expect(log.config.retentionMs).toBe(1000);
    } finally {
      await admin.disconnect();
    }
  });

  it('a lowered max.message.bytes refuses larger batches at once; raising it lets them in', async () => {
    const admin = kafka.admin();
    const producer = kafka.producer({ retry: { retries: 0 } });
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'kc-max', numPartitions: 1 }] });
      const big = { value: Buffer.alloc(4000, 7) };
      await producer.send({ topic: 'kc-max', messages: [big] });
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc-max', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
      await expect(producer.send({ topic: 'kc-max', messages: [big] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc-max', configEntries: [] }] });
      await producer.send({ topic: 'kc-max', messages: [big] });
      expect((await admin.fetchTopicOffsets('kc-max'))[0].high).toBe('2');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('DescribeLogDirs sizes grow with bytes produced by kafkajs', async () => {
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    const raw = await RawClient.connect(broker.port);
    try {
      await admin.createTopics({ topics: [{ topic: 'kc-dirs', numPartitions: 1 }] });
      const size = async () => {
        const res = await raw.request(35, 4, { topics: [{ topic: 'kc-dirs', partitions: [0] }] });
        return res.results[0].topics[0]?.partitions[0]?.partitionSize ?? 0;
      };
      const before = await size();
      await producer.send({ topic: 'kc-dirs', messages: Array.from({ length: 20 }, () => ({ value: Buffer.alloc(500, 3) })) });
      expect(await size()).toBeGreaterThan(before + 20 * 500);
    } finally {
      raw.close();
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('deletes records: the low watermark moves', async () => {
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'kc-records', numPartitions: 1 }] });
      await producer.send({ topic: 'kc-records', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
      // kafkajs finds partition leaders in the admin's metadata, which tracks only topics it was asked about.
      await admin.fetchTopicMetadata({ topics: ['kc-records'] });
      await admin.deleteTopicRecords({ topic: 'kc-records', partitions: [{ partition: 0, offset: '6' }] });
      const offsets = await admin.fetchTopicOffsets('kc-records');
      expect(offsets).toEqual([expect.objectContaining({ partition: 0, low: '6', high: '10' })]);
      await admin.deleteTopicRecords({ topic: 'kc-records', partitions: [{ partition: 0, offset: '-1' }] });
      expect((await admin.fetchTopicOffsets('kc-records'))[0].low).toBe('10');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
