// `tributary acl` and `tributary user` against a broker with the StandardAuthorizer: a SCRAM user made
// with `user create` (password from stdin) logs in with `-X`, sees a topic only once `acl create`
// allows it, stops seeing it after `acl delete`, and cannot log in after `user delete`. Run as the
// built CLI, as a user runs it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { CLI } from '../helpers/broker-process.js';
import { run } from '../helpers/tools.js';

let broker: RunningBroker;
const at = (name: string) => broker.listeners.find((l) => l.name === name)!.bootstrap;
/** As the super user (ANONYMOUS on the plaintext listener). */
const admin = (args: string[], input?: string) => run(process.execPath, [CLI, ...args, '--bootstrap', at('PLAINTEXT')], { input });
/** As alice, over SCRAM-SHA-512. */
const alice = (args: string[]) => run(process.execPath, [CLI, ...args, '--bootstrap', at('SASL_PLAINTEXT'), '-X', 'security.protocol=SASL_PLAINTEXT',
  '-X', 'sasl.mechanism=SCRAM-SHA-512', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice pass, with = and spaces']);

beforeAll(async () => {
  broker = await startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
      'connection.failed.authentication.delay.ms': 0,
    },
  });
});
afterAll(async () => {
  await broker?.close();
});

describe('tributary user and acl', () => {
  it('user create (stdin) → alice logs in; acl create lets her see the topic; acl delete and user delete take it back', async () => {
    expect(await admin(['user', 'create', 'alice', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192'], 'alice pass, with = and spaces\n')).toMatchObject({ code: 0 });
    expect(JSON.parse((await admin(['user', 'list', '--json'])).stdout)).toEqual([{ user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 8192 }]);
    expect((await admin(['user', 'describe', 'alice'])).stdout).toMatch(/^USER +MECHANISM +ITERATIONS\nalice +SCRAM-SHA-512 +8192\n$/);
    expect(await admin(['topic', 'create', 'payments', '-p', '1'])).toMatchObject({ code: 0 });

    // Logged in, but no ACL: Metadata hides the topic.
    const before = await alice(['topic', 'list', '--json']);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout).map((t: { name: string }) => t.name)).not.toContain('payments');

    const created = await admin(['acl', 'create', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'describe', '--topic', 'payments', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toHaveLength(2);
    const listed = JSON.parse((await admin(['acl', 'list', '--topic', 'payments', '--json'])).stdout);
    expect(listed.map((a: { operation: string }) => a.operation).sort()).toEqual(['DESCRIBE', 'READ']);
    expect(listed[0]).toMatchObject({ resourceType: 'TOPIC', resourceName: 'payments', patternType: 'LITERAL', principal: 'User:alice', host: '*', permission: 'ALLOW' });
    expect(JSON.parse((await alice(['topic', 'list', '--json'])).stdout).map((t: { name: string }) => t.name)).toContain('payments');

    // alice may not manage ACLs herself: the broker's error, exit 1.
    const denied = await alice(['acl', 'list']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('CLUSTER_AUTHORIZATION_FAILED');

    const deleted = await admin(['acl', 'delete', '--topic', 'payments', '--principal', 'User:alice', '--json']);
    expect(JSON.parse(deleted.stdout)).toHaveLength(2);
    expect(JSON.parse((await admin(['acl', 'list', '--json'])).stdout)).toEqual([]);
    expect(JSON.parse((await alice(['topic', 'list', '--json'])).stdout).map((t: { name: string }) => t.name)).not.toContain('payments');

    expect(await admin(['user', 'delete', 'alice'])).toMatchObject({ code: 0, stdout: 'deleted SCRAM-SHA-512 of alice\n' });
    expect(JSON.parse((await admin(['user', 'list', '--json'])).stdout)).toEqual([]);
    const gone = await alice(['topic', 'list']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('SASL_AUTHENTICATION_FAILED');
  });

  it('prefixed ACLs, deny, and usage errors named before anything is sent', async () => {
    expect((await admin(['acl', 'create', '--deny-principal', 'User:*', '--operation', 'IdempotentWrite', '--cluster'])).code).toBe(0);
    expect((await admin(['acl', 'create', '--allow-principal', 'User:bob', '--operation', 'all', '--group', 'bob-', '--resource-pattern-type', 'prefixed'])).code).toBe(0);
    const table = (await admin(['acl', 'list'])).stdout;
    expect(table).toMatch(/^RESOURCE +NAME +PATTERN +PRINCIPAL +HOST +OPERATION +PERMISSION\n/);
    expect(table).toMatch(/CLUSTER +kafka-cluster +LITERAL +User:\* +\* +IDEMPOTENT_WRITE +DENY/);
    expect(table).toMatch(/GROUP +bob- +PREFIXED +User:bob +\* +ALL +ALLOW/);
    // match: the prefixed ACL applies to the group bob-workers.
    expect(JSON.parse((await admin(['acl', 'list', '--group', 'bob-workers', '--resource-pattern-type', 'match', '--json'])).stdout)).toHaveLength(1);
    const usage: [string[], RegExp][] = [
      [['acl', 'create', '--allow-principal', 'User:x', '--operation', 'Read'], /an ACL needs a resource/],
      [['acl', 'create', '--allow-principal', 'User:x', '--operation', 'Fly', '--topic', 't'], /unknown operation "Fly"/],
      [['acl', 'create', '--operation', 'Read', '--topic', 't'], /--allow-principal or --deny-principal/],
      [['acl', 'create', '--allow-principal', 'User:x', '--operation', 'Read', '--topic', 't', '--group', 'g'], /name one resource/],
      [['acl', 'delete'], /deleting every ACL is not done by accident/],
      [['user', 'create', 'x', '--mechanism', 'MD5', '--password', 'p'], /SCRAM-SHA-256 or SCRAM-SHA-512/],
      [['user', 'create', 'x', '--iterations', '10', '--password', 'p'], /--iterations must be 4096-16384/],
    ];
    for (const [args, message] of usage) {
      const r = await admin(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
