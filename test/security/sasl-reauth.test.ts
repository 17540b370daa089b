// KIP-368 and persistence: a session lives connections.max.reauth.ms; re-authentication on the live
// connection renews it (another principal is refused); a session past its lifetime is closed. SCRAM
// credentials survive a restart.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { FakeClock } from '../../src/util/clock.js';
import { RawClient } from '../helpers/raw-client.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a-secret" user_bob="b-secret";';
const plain = (user: string, pw: string) => Buffer.from(`\u0000${user}\u0000${pw}`);
const METADATA = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

describe('SASL sessions (KIP-368)', () => {
  it('tells the lifetime, re-authenticates on the live connection, refuses another principal, closes an expired session', async () => {
    const clock = new FakeClock(1_000_000);
    const broker = await startBroker({
      clock,
      config: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN', 'sasl.jaas.config': JAAS, 'connections.max.reauth.ms': 60_000, 'connection.failed.authentication.delay.ms': 0 },
    });
    try {
      const c = await RawClient.connect(broker.port);
      await c.request(17, 1, { mechanism: 'PLAIN' });
      expect(await c.request(36, 2, { authBytes: plain('alice', 'a-secret') })).toMatchObject({ errorCode: 0, sessionLifetimeMs: 60_000 });
      clock.advance(50_000);
      expect((await c.request(17, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      expect(await c.request(36, 2, { authBytes: plain('alice', 'a-secret') })).toMatchObject({ errorCode: 0, sessionLifetimeMs: 60_000 });
      clock.advance(50_000); // 100 s after the first authentication, 50 s after the second
      expect((await c.request(3, 12, METADATA)).brokers).toHaveLength(1);
      clock.advance(20_000);
      c.send(3, 12, METADATA);
      await c.closedPromise;

      const other = await RawClient.connect(broker.port);
      await other.request(17, 1, { mechanism: 'PLAIN' });
      await other.request(36, 2, { authBytes: plain('alice', 'a-secret') });
      await other.request(17, 1, { mechanism: 'PLAIN' });
      const r = await other.request(36, 2, { authBytes: plain('bob', 'b-secret') });
      expect(r).toMatchObject({ errorCode: 58, errorMessage: 'Cannot change principals during re-authentication from User:alice: User:bob' });
      await other.closedPromise;
    } finally {
      await broker.close();
    }
  });
});

describe('SCRAM credentials on disk', () => {
  it('survive a restart; --add-scram does not replace an existing credential', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-scram-'));
    const options = { storage: `file://${dir}`, config: { listeners: 'PLAINTEXT://127.0.0.1:0' } };
    const first = await startBroker({ ...options, addScram: ['SCRAM-SHA-256=[name=alice,password=one,iterations=8192]'] });
    await first.close();
    const second = await startBroker({ ...options, addScram: ['SCRAM-SHA-256=[name=alice,password=two]'] });
    try {
      const c = await RawClient.connect(second.port);
      const r = await c.request(50, 0, { users: [{ name: 'alice' }] });
      expect(r.results[0].credentialInfos).toEqual([{ mechanism: 1, iterations: 8192 }]);
      c.close();
    } finally {
      await second.close();
    }
  });
});
