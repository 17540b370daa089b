// Client quotas of the `user` entity apply to the authenticated principal, as Kafka keys them by
// session.user: a SASL user with a producer_byte_rate quota is throttled, another user is not.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      durability: 'os',
    },
  });
});
afterAll(() => broker?.close());

/** A raw connection authenticated with SASL PLAIN (SaslHandshake v1, SaslAuthenticate v2). */
async function saslClient(user: string, password: string): Promise<RawClient> {
  const c = await RawClient.connect(broker.listeners[1].port);
  const hs = await c.request(17, 1, { mechanism: 'PLAIN' });
  expect(hs.errorCode).toBe(0);
  const auth = await c.request(36, 2, { authBytes: Buffer.from(`\0${user}\0${password}`) });
  expect(auth.errorCode).toBe(0);
  return c;
}

describe('client quotas keyed by the authenticated principal', () => {
  it('throttles produce of the SASL user alice with a user quota, not bob', async () => {
    const admin = await RawClient.connect(broker.port);
    const created = await admin.request(19, 5, { topics: [{ name: 'q', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);
    const altered = await admin.request(49, 1, {
      entries: [{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] }],
      validateOnly: false,
    });
    expect(altered.entries[0].errorCode).toBe(0);
    admin.close();

    const batch = buildRecordBatch({ records: [{ key: null, value: Buffer.alloc(30_000, 1) }] });
    const produce = (c: RawClient) =>
      c.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'q', partitionData: [{ index: 0, records: Buffer.from(batch) }] }] }, 'same-client-id');
    const alice = await saslClient('alice', 'alice-secret');
    const bob = await saslClient('bob', 'bob-secret');
    // 30 kB against 1 kB/s over Kafka's 11 s window: well over the quota at once.
    const a = await produce(alice);
    const b = await produce(bob);
    expect(a.responses[0].partitionResponses[0].errorCode).toBe(0);
    expect(b.responses[0].partitionResponses[0].errorCode).toBe(0);
    expect(a.throttleTimeMs).toBeGreaterThan(0);
    expect(b.throttleTimeMs).toBe(0);
    alice.close();
    bob.close();
  });
});
