// CreateAcls, DescribeAcls and DeleteAcls over real sockets, with the answers a Kafka 4.3.1
// StandardAuthorizer gives (checked against one: see the codes and messages below), and the ACLs'
// persistence across a restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { ConfigError } from '../../src/config/types.js';
import { loadConfig } from '../../src/config/load.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType } from '../../src/security/acl.js';
import { RawClient } from '../helpers/raw-client.js';
import { type ApiTestBroker, startTestBroker } from '../api/helpers.js';

const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const ADMIN = { 'authorizer.class.name': STANDARD, 'super.users': 'User:ANONYMOUS' };

const creation = (o: Record<string, unknown> = {}) => ({
  resourceType: ResourceType.TOPIC, resourceName: 'orders', resourcePatternType: PatternType.LITERAL,
  principal: 'User:bob', host: '*', operation: Op.READ, permissionType: AclPermission.ALLOW, ...o,
});
const filter = (o: Record<string, unknown> = {}) => ({
  resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY,
  principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY, ...o,
});
const flat = (resources: any[]) =>
  resources.flatMap((r) => r.acls.map((a: any) => `${r.resourceType}:${r.patternType}:${r.resourceName}:${a.principal}:${a.host}:${a.operation}:${a.permissionType}`)).sort();

describe('ACL APIs without an authorizer', () => {
  let b: ApiTestBroker;
  beforeAll(async () => {
    b = await startTestBroker();
  });
  afterAll(() => b.close());

  it('answer SECURITY_DISABLED at every version, as Kafka does', async () => {
    const c = await b.client();
    for (let v = 0; v <= 3; v++) {
      const d = await c.request(29, v, { ...filter(), patternTypeFilter: PatternType.LITERAL });
      expect([d.errorCode, d.errorMessage, d.resources]).toEqual([ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker', []]);
      const cr = await c.request(30, v, { creations: [creation(), creation({ resourceName: 'x' })] });
      expect(cr.results).toEqual([0, 1].map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' })));
      const del = await c.request(31, v, { filters: [filter({ patternTypeFilter: PatternType.LITERAL })] });
      expect(del.filterResults).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', matchingAcls: [] }]);
    }
  });

  it('authorizer.class.name accepts only the StandardAuthorizer or nothing', () => {
    expect(loadConfig({ overrides: { 'authorizer.class.name': STANDARD } }).str('authorizer.class.name')).toBe(STANDARD);
    expect(() => loadConfig({ overrides: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' } })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--authorizer.class.name', 'com.example.Custom'] })).toThrow(/authorizer\.class\.name.*StandardAuthorizer/);
  });
});

describe('ACL APIs with the StandardAuthorizer', () => {
  let b: ApiTestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ config: ADMIN });
  });
  afterAll(() => b.close());

  it('create, describe with each filter kind, and delete at v0-v3', async () => {
    const c = await b.client();
    for (let v = 0; v <= 3; v++) {
      const name = `orders-v${v}`;
      const creations = [
        creation({ resourceName: name }),
        creation({ resourceName: name, principal: 'User:*', operation: Op.WRITE, permissionType: AclPermission.DENY, host: '10.0.0.1' }),
        creation({ resourceType: ResourceType.GROUP, resourceName: `g-v${v}` }),
        creation({ resourceName: name }), // a duplicate: kept once
      ];
      if (v >= 1) creations.push(creation({ resourceName: `ord-v${v}`, resourcePatternType: PatternType.PREFIXED }));
      const cr = await c.request(30, v, { creations });
      expect(cr.results).toEqual(creations.map(() => ({ errorCode: 0, errorMessage: '' })));

      // v0 filters see LITERAL patterns only (the field is absent, LITERAL by default).
      const byName = await c.request(29, v, filter({ resourceNameFilter: name, patternTypeFilter: v === 0 ? PatternType.LITERAL : PatternType.ANY }));
      expect(byName.errorCode).toBe(0);
      expect(flat(byName.resources)).toEqual([`2:3:${name}:User:*:10.0.0.1:4:2`, `2:3:${name}:User:bob:*:3:3`]);
      if (v >= 1) {
        // MATCH: every ACL that applies to a topic of that name (literal, prefixes).
        const match = await c.request(29, v, filter({ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: `ord-v${v}-x`, patternTypeFilter: PatternType.MATCH }));
        expect(flat(match.resources)).toEqual([`2:4:ord-v${v}:User:bob:*:3:3`]);
        const prefixed = await c.request(29, v, filter({ patternTypeFilter: PatternType.PREFIXED }));
        expect(flat(prefixed.resources)).toContain(`2:4:ord-v${v}:User:bob:*:3:3`);
      }
      const denies = await c.request(29, v, filter({ permissionType: AclPermission.DENY, principalFilter: 'User:*', hostFilter: '10.0.0.1', operation: Op.WRITE }));
      expect(flat(denies.resources)).toContain(`2:3:${name}:User:*:10.0.0.1:4:2`);
      const groups = await c.request(29, v, filter({ resourceTypeFilter: ResourceType.GROUP, patternTypeFilter: PatternType.LITERAL }));
      expect(flat(groups.resources)).toContain(`3:3:g-v${v}:User:bob:*:3:3`);

      const del = await c.request(31, v, {
        filters: [filter({ resourceNameFilter: name, patternTypeFilter: PatternType.LITERAL }), filter({ resourceTypeFilter: ResourceType.GROUP, resourceNameFilter: `g-v${v}`, patternTypeFilter: PatternType.LITERAL })],
      });
      expect(del.filterResults.map((r: any) => [r.errorCode, r.errorMessage, r.matchingAcls.length])).toEqual([[0, null, 2], [0, null, 1]]);
      expect(del.filterResults[1].matchingAcls[0]).toEqual({
        errorCode: 0, errorMessage: null, resourceType: ResourceType.GROUP, resourceName: `g-v${v}`, patternType: PatternType.LITERAL,
        principal: 'User:bob', host: '*', operation: Op.READ, permissionType: AclPermission.ALLOW,
      });
      const after = await c.request(29, v, filter({ resourceNameFilter: name, patternTypeFilter: PatternType.LITERAL }));
      expect(after.resources).toEqual([]);
    }
    await c.request(31, 3, { filters: [filter()] });
  });

  it('refuses bad ACLs with Kafka 4.3.1\'s codes and messages', async () => {
    const c = await b.client();
    const bad = await c.request(30, 3, {
      creations: [
        creation({ resourceName: 'fine' }),
        creation({ resourceType: ResourceType.CLUSTER, resourceName: 'x' }),
        creation({ resourceName: '' }),
        creation({ principal: 'bob' }),
        creation({ resourceType: 42 }),
        creation({ resourcePatternType: 9 }),
        creation({ operation: 42 }),
        creation({ permissionType: 42 }),
      ],
    });
    expect(bad.results).toEqual([
      { errorCode: 0, errorMessage: '' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The only valid name for the CLUSTER resource is kafka-cluster' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid empty resource name' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Could not parse principal from `bob` (no colon is present separating the principal type from the principal name)' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid resourceType UNKNOWN' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid patternType UNKNOWN' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid operation UNKNOWN' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid permissionType UNKNOWN' },
    ]);
    // ANY / MATCH cannot make an ACL: Kafka fails the whole request with UNKNOWN_SERVER_ERROR.
    for (const o of [{ operation: Op.ANY }, { resourcePatternType: PatternType.MATCH }, { permissionType: AclPermission.ANY }, { resourceType: ResourceType.ANY }]) {
      const any = await c.request(30, 3, { creations: [creation({ resourceName: 'not-created' }), creation(o)] });
      expect(any.results).toEqual([0, 1].map(() => ({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null })));
    }
    expect(flat((await c.request(29, 3, filter({ resourceNameFilter: 'not-created' }))).resources)).toEqual([]);
    // Unknown codes in a delete filter fail that filter only.
    const del = await c.request(31, 3, { filters: [filter({ resourceNameFilter: 'fine' }), filter({ patternTypeFilter: 9 }), filter({ operation: 42 })] });
    expect(del.filterResults.map((r: any) => [r.errorCode, r.errorMessage, r.matchingAcls.length])).toEqual([
      [0, null, 1], [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.', 0], [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.', 0],
    ]);
    // A code 0 (UNKNOWN) does not parse in Kafka: the connection is closed.
    for (const [key, body] of [[29, filter({ operation: 0 })], [30, { creations: [creation({ resourceType: 0 })] }], [31, { filters: [filter({ patternTypeFilter: 0 })] }]] as const) {
      const raw = await b.client();
      await expect(raw.request(key, 3, body)).rejects.toThrow(/connection closed/);
    }
  });
});

describe('ACL persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-acls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps ACLs across a restart, and deletions too', async () => {
    const options = { storage: `file://${dir}`, config: ADMIN };
    let broker = await startBroker(options);
    let c = await RawClient.connect(broker.port);
    await c.request(30, 2, { creations: [creation({ resourceName: 'kept' }), creation({ resourceName: 'dropped', resourcePatternType: PatternType.PREFIXED })] });
    await c.request(31, 2, { filters: [filter({ resourceNameFilter: 'dropped' })] });
    c.close();
    await broker.close();

    broker = await startBroker(options);
    c = await RawClient.connect(broker.port);
    const d = await c.request(29, 1, filter());
    expect(flat(d.resources)).toEqual(['2:3:kept:User:bob:*:3:3']);
    c.close();
    await broker.close();
  });
});
