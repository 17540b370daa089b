// The shared client's SASL/PLAIN (src/client/sasl.ts) against a SASL_PLAINTEXT listener: the right
// password authenticates (then requests are served), a wrong one and a mechanism the listener does
// not enable throw SaslError with Kafka's error code.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { ApiKey, ErrorCode } from '../../src/codec/index.js';
import { KafkaConnection } from '../../src/client/connection.js';
import { authenticatePlain, parsePlainCredentials, SaslError } from '../../src/client/sasl.js';
import { MemoryLogger } from '../../src/util/logger.js';

let broker: RunningBroker;
const port = (name: string) => broker.listeners.find((l) => l.name === name)!.port;

beforeAll(async () => {
  broker = await startBroker({
    logger: new MemoryLogger('error'),
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SCRAMONLY://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SCRAMONLY:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.scramonly.sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a:secret";',
      'connection.failed.authentication.delay.ms': 0,
    },
  });
});
afterAll(() => broker?.close());

describe('authenticatePlain', () => {
  it('authenticates with the right password (which may contain a colon), then requests are served', async () => {
    const c = await KafkaConnection.connect('127.0.0.1', port('SASL_PLAINTEXT'));
    try {
      await authenticatePlain(c, parsePlainCredentials('alice:a:secret'));
      expect((await c.request(ApiKey.Metadata, 12, { topics: [] })).brokers.length).toBe(1);
    } finally {
      c.close();
    }
  });

  it('throws SaslError SASL_AUTHENTICATION_FAILED for a wrong password', async () => {
    const c = await KafkaConnection.connect('127.0.0.1', port('SASL_PLAINTEXT'));
    try {
      const err = await authenticatePlain(c, { username: 'alice', password: 'nope' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SaslError);
      expect((err as SaslError).errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    } finally {
      c.close();
    }
  });

  it('throws SaslError UNSUPPORTED_SASL_MECHANISM naming what the listener offers', async () => {
    const c = await KafkaConnection.connect('127.0.0.1', port('SCRAMONLY'));
    try {
      const err = await authenticatePlain(c, { username: 'alice', password: 'a:secret' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SaslError);
      expect((err as SaslError).errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
      expect((err as Error).message).toContain('SCRAM-SHA-256');
    } finally {
      c.close();
    }
  });

  it('parsePlainCredentials wants USER:PASSWORD and never echoes the password', () => {
    expect(() => parsePlainCredentials('alice')).toThrow(/USER:PASSWORD/);
    expect(() => parsePlainCredentials(':secret')).toThrow(/USER:PASSWORD/);
  });
});
