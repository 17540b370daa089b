// ACLs, SCRAM users and cluster-wide broker configs shared by the brokers of one database: users
// declared on one broker authenticate on another, an ACL created through one broker is enforced by the
// other within moments and a deletion too, the database holds salted hashes, never a password, and a
// default broker config altered through one broker is in force on the other.

import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { startPgBroker, type RunningPgBroker } from '../../src/pg-broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { pgUnavailable } from './pg-server.js';
import { pgSuite } from './suite.js';

const unavailable = pgUnavailable();
if (unavailable !== undefined) console.warn(`skipping PostgreSQL tests: ${unavailable}`);

const SECURED = {
  listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:admin',
  'connection.failed.authentication.delay.ms': 0,
  'broker.heartbeat.interval.ms': 60_000, // changes must arrive by notification, not by heartbeat
  'broker.session.timeout.ms': 180_000,
};

describe.skipIf(unavailable !== undefined)('ACLs and SCRAM users over PostgreSQL', () => {
  const pg = pgSuite();

  it('users declared on one broker authenticate on another; ACLs created and deleted through either are enforced by both', async () => {
    const url = await pg.database('secured');
    const a = await startPgBroker({
      storage: url, config: SECURED,
      addScram: ['SCRAM-SHA-256=[name=admin,password=admin-secret]', 'SCRAM-SHA-256=[name=alice,password=alice-secret]'],
    });
    pg.cleanup(() => a.close());
    const b = await startPgBroker({ storage: url, config: SECURED });
    pg.cleanup(() => b.close());
    const client = (broker: RunningPgBroker, username: string, password: string) => new Kafka({
      clientId: 'pg-security', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 },
      sasl: { mechanism: 'scram-sha-256', username, password } as SASLOptions,
    });

    // b never saw the declarations: it authenticates the users from the database.
    const admin = client(b, 'admin', 'admin-secret').admin();
    await admin.connect();
    pg.cleanup(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'secret', numPartitions: 1 }] });
    const wrong = client(b, 'alice', 'not-her-secret').admin();
    await expect(wrong.connect()).rejects.toThrow(/Authentication failed/);

    const send = async (broker: RunningPgBroker) => {
      const p = client(broker, 'alice', 'alice-secret').producer();
      await p.connect();
      try {
        await p.send({ topic: 'secret', acks: -1, messages: [{ value: 'x' }] });
      } finally {
        await p.disconnect();
      }
    };
    await expect(send(b)).rejects.toThrow(/authoriz/i);
    // An ACL created through a is in force on b.
    const acl = (operation: number) => ({ resourceType: 2, resourceName: 'secret', resourcePatternType: 3, principal: 'User:alice', host: '*', operation, permissionType: 3 });
    const viaA = client(a, 'admin', 'admin-secret').admin();
    await viaA.connect();
    pg.cleanup(() => viaA.disconnect());
    await viaA.createAcls({ acl: [acl(4), acl(8)] }); // WRITE, DESCRIBE
    await vi.waitFor(() => send(b), { timeout: 5000, interval: 100 });
    // Deleted through b: a refuses alice again.
    await admin.deleteAcls({ filters: [{ resourceType: 2, resourceName: 'secret', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 4, permissionType: 3 }] });
    await vi.waitFor(() => expect(send(a)).rejects.toThrow(/authoriz/i), { timeout: 5000, interval: 100 });

    // The database holds salted hashes: no password in it.
    const { rows } = await a.pg.pool.query("select kind, data from tributary_shared_metadata order by kind");
    expect(rows.map((r) => r.kind)).toEqual(['acls', 'scram']);
    for (const r of rows) expect(r.data).not.toMatch(/alice-secret|admin-secret/);
  }, 60_000);

  it('two ACL changes through two brokers at once: the second is refused, not lost, and succeeds once retried', async () => {
    const url = await pg.database('conflict');
    const a = await startPgBroker({ storage: url, config: SECURED });
    pg.cleanup(() => a.close());
    const b = await startPgBroker({ storage: url, config: SECURED });
    pg.cleanup(() => b.close());
    b.pg.store.notifier.onMetadata = undefined; // b has not heard of a's change yet when it makes its own
    // Each broker's authorizer, as CreateAcls sent to it calls it (kafkajs picks the broker itself).
    const acl = (principal: string) => ({ resourceType: 2, resourceName: 'shared', patternType: 3, principal, host: '*', operation: 3, permission: 3 });
    await a.services.authorizer!.create([acl('User:first')]);
    await expect(b.services.authorizer!.create([acl('User:second')])).rejects.toThrow(/changed through another broker/);
    // b has read a's version meanwhile: the retry stores both.
    await vi.waitFor(() => b.services.authorizer!.create([acl('User:second')]), { timeout: 5000, interval: 100 });
    expect(b.services.cluster.acls.map((x) => x.principal).sort()).toEqual(['User:first', 'User:second']);
    const { rows } = await a.pg.pool.query("select data from tributary_shared_metadata where kind = 'acls'");
    expect((JSON.parse(rows[0].data) as { principal: string }[]).map((x) => x.principal).sort()).toEqual(['User:first', 'User:second']);
  }, 60_000);

  it('a cluster-wide broker config (the default broker resource) altered through one broker is in force on the others; a broker\'s own is not, and comes back when it restarts', async () => {
    const url = await pg.database('defaults');
    const plain = { 'broker.heartbeat.interval.ms': 60_000, 'broker.session.timeout.ms': 180_000 };
    const a = await startPgBroker({ storage: url, config: plain });
    pg.cleanup(() => a.close());
    const b = await startPgBroker({ storage: url, config: plain });
    pg.cleanup(() => b.close());
    const alter = async (broker: RunningPgBroker, resourceName: string, name: string, value: string) => {
      const raw = await RawClient.connect(broker.port);
      const r = await raw.request(44, 1, { validateOnly: false, resources: [{ resourceType: 4, resourceName, configs: [{ name, configOperation: 0, value }] }] });
      raw.socket.destroy();
      expect(r.responses[0].errorCode).toBe(0);
    };
    // The default resource ('') is every broker's.
    await alter(a, '', 'message.max.bytes', '2000000');
    for (const broker of [a, b]) await vi.waitFor(() => expect(broker.services.config.int('message.max.bytes')).toBe(2_000_000), { timeout: 5000, interval: 50 });
    // A broker's own resource stays that broker's.
    await alter(a, String(a.nodeId), 'log.retention.bytes', '12345');
    expect(a.services.config.get('log.retention.bytes')).toBe(12345);
    expect(b.services.config.get('log.retention.bytes')).toBe(-1);
    // A broker started afterwards takes the defaults before it serves.
    const c = await startPgBroker({ storage: url, config: plain });
    pg.cleanup(() => c.close());
    expect(c.services.config.int('message.max.bytes')).toBe(2_000_000);
    // Broker a restarted (same node id) has its own configs back: they are kept in the database too.
    await a.close();
    const again = await startPgBroker({ storage: url, config: { ...plain, 'node.id': a.nodeId } });
    pg.cleanup(() => again.close());
    expect(again.services.config.get('log.retention.bytes')).toBe(12345);
    expect(again.services.config.int('message.max.bytes')).toBe(2_000_000);
  }, 60_000);
});
