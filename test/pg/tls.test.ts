// TLS to the database: a broker started with `?sslmode=verify-full&sslrootcert=<CA>` talks to a
// PostgreSQL server that serves TLS over an encrypted, verified connection (pg_stat_ssl says so) and
// serves clients; a CA that did not sign the server's certificate stops start-up with the reason.

import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgBroker } from '../../src/pg-broker.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { pgUnavailable, startPgServer, type PgServer } from './pg-server.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('TLS to PostgreSQL (sslmode)', () => {
  let certs: TestCerts;
  let server: PgServer;
  beforeAll(async () => {
    certs = makeTestCerts();
    server = await startPgServer({ tls: { certFile: join(certs.dir, 'server.pem'), keyFile: join(certs.dir, 'server.key') } });
  });
  afterAll(async () => {
    await server?.stop();
    certs?.cleanup();
  });

  it('sslmode=verify-full with the CA: an encrypted, verified connection, and the broker serves', async () => {
    const url = `${await server.createDatabase('tls')}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.caFile)}`;
    const broker = await startPgBroker({ storage: url });
    try {
      const { rows } = await broker.pg.pool.query('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()');
      expect(rows[0].ssl).toBe(true);
      expect(rows[0].version).toMatch(/^TLSv1\.[23]$/);
      const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
      await producer.connect();
      const [r] = await producer.send({ topic: 'over-tls', acks: -1, messages: [{ value: 'sealed' }] });
      await producer.disconnect();
      expect(r.errorCode).toBe(0);
      // The URL in logs and banners never carries a password; here there is none, and the parameters stay.
      expect(broker.dataLocation).toContain('sslmode=verify-full');
    } finally {
      await broker.close();
    }
  });

  it('a CA that did not sign the server certificate stops start-up with the reason', async () => {
    const url = `${await server.createDatabase('tls_wrong')}?sslmode=verify-full&sslrootcert=${encodeURIComponent(join(certs.dir, 'stranger-ca.pem'))}`;
    await expect(startPgBroker({ storage: url })).rejects.toThrow(/certificate/i);
  });
});
