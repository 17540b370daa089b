// The authorizer's decisions, case by case from Kafka's StandardAuthorizer rules.

import { describe, expect, it } from 'vitest';
import { type AclBinding, type AclFilter, AclAuthorizer, AclOperation as Op, AclPermission, PatternType, ResourceType, filterMatches } from '../../src/security/acl.js';

const alice = { type: 'User', name: 'alice' };
const bob = { type: 'User', name: 'bob' };

function acl(partial: Partial<AclBinding>): AclBinding {
  return { resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permission: AclPermission.ALLOW, ...partial };
}

function authorizer(acls: AclBinding[], options: { superUsers?: string[]; allowIfNoAcl?: boolean } = {}): AclAuthorizer {
  const a = new AclAuthorizer({ superUsers: new Set(options.superUsers ?? []), allowIfNoAcl: options.allowIfNoAcl ?? false });
  a.load(acls);
  return a;
}

const can = (a: AclAuthorizer, principal: typeof alice, operation: number, resourceName = 'orders', resourceType: number = ResourceType.TOPIC, host = '127.0.0.1') =>
  a.authorize({ principal, host, operation, resourceType, resourceName }).allowed;

describe('ACL authorizer', () => {
  it('allows what an ALLOW ACL names and nothing else', () => {
    const a = authorizer([acl({})]);
    expect(can(a, alice, Op.READ)).toBe(true);
    expect(can(a, alice, Op.WRITE)).toBe(false);
    expect(can(a, bob, Op.READ)).toBe(false);
    expect(can(a, alice, Op.READ, 'other')).toBe(false);
  });

  it('DENY beats ALLOW, whichever comes first', () => {
    expect(can(authorizer([acl({}), acl({ permission: AclPermission.DENY })]), alice, Op.READ)).toBe(false);
    expect(can(authorizer([acl({ permission: AclPermission.DENY, principal: 'User:*' }), acl({})]), alice, Op.READ)).toBe(false);
  });

  it('ALLOW of READ/WRITE/DELETE/ALTER implies DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS; DENY implies nothing', () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) expect(can(authorizer([acl({ operation: op })]), alice, Op.DESCRIBE)).toBe(true);
    expect(can(authorizer([acl({ operation: Op.CREATE })]), alice, Op.DESCRIBE)).toBe(false);
    expect(can(authorizer([acl({ operation: Op.ALTER_CONFIGS })]), alice, Op.DESCRIBE_CONFIGS)).toBe(true);
    expect(can(authorizer([acl({ operation: Op.DESCRIBE }), acl({ operation: Op.READ, permission: AclPermission.DENY })]), alice, Op.DESCRIBE)).toBe(true);
    expect(can(authorizer([acl({ operation: Op.ALL })]), alice, Op.IDEMPOTENT_WRITE)).toBe(true);
    expect(can(authorizer([acl({ operation: Op.ALL }), acl({ operation: Op.ALL, permission: AclPermission.DENY })]), alice, Op.DESCRIBE)).toBe(false);
  });

  it('PREFIXED patterns, the literal * wildcard and User:* match as in Kafka', () => {
    const prefixed = authorizer([acl({ resourceName: 'ord', patternType: PatternType.PREFIXED })]);
    expect(can(prefixed, alice, Op.READ, 'orders')).toBe(true);
    expect(can(prefixed, alice, Op.READ, 'or')).toBe(false);
    const literalPrefix = authorizer([acl({ resourceName: 'ord' })]);
    expect(can(literalPrefix, alice, Op.READ, 'orders')).toBe(false);
    expect(can(authorizer([acl({ resourceName: '*' })]), alice, Op.READ, 'anything')).toBe(true);
    expect(can(authorizer([acl({ principal: 'User:*' })]), { type: 'Service', name: 'x' }, Op.READ)).toBe(true);
  });

  it('matches hosts exactly or by *', () => {
    const a = authorizer([acl({ host: '10.0.0.1' })]);
    expect(can(a, alice, Op.READ, 'orders', ResourceType.TOPIC, '10.0.0.1')).toBe(true);
    expect(can(a, alice, Op.READ, 'orders', ResourceType.TOPIC, '10.0.0.2')).toBe(false);
  });

  it('super users may do anything; allow.everyone.if.no.acl.found only where no ACL names the resource', () => {
    expect(can(authorizer([acl({ permission: AclPermission.DENY })], { superUsers: ['User:alice'] }), alice, Op.READ)).toBe(true);
    const open = authorizer([acl({})], { allowIfNoAcl: true });
    expect(can(open, bob, Op.READ, 'unmentioned')).toBe(true);
    expect(can(open, bob, Op.READ, 'orders')).toBe(false);
    expect(can(authorizer([], { allowIfNoAcl: false }), bob, Op.READ)).toBe(false);
    expect(can(authorizer([acl({ resourceType: ResourceType.GROUP })], { allowIfNoAcl: true }), bob, Op.READ)).toBe(true);
  });
});

describe('ACL filters (DescribeAcls, DeleteAcls)', () => {
  const any: AclFilter = { resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permission: AclPermission.ANY };
  const literal = acl({});
  const wildcard = acl({ resourceName: '*' });
  const prefix = acl({ resourceName: 'ord', patternType: PatternType.PREFIXED });
  const other = acl({ resourceName: 'payments' });

  it('ANY matches every ACL; a name with ANY matches that exact name of any pattern type', () => {
    expect([literal, wildcard, prefix, other].every((a) => filterMatches(any, a))).toBe(true);
    expect([literal, wildcard, prefix, other].filter((a) => filterMatches({ ...any, resourceName: 'ord' }, a))).toEqual([prefix]);
  });

  it('MATCH selects every ACL that applies to the name', () => {
    expect([literal, wildcard, prefix, other].filter((a) => filterMatches({ ...any, resourceName: 'orders', patternType: PatternType.MATCH }, a))).toEqual([literal, wildcard, prefix]);
  });

  it('LITERAL and PREFIXED select that pattern type only; other fields narrow', () => {
    expect([literal, prefix].filter((a) => filterMatches({ ...any, patternType: PatternType.PREFIXED }, a))).toEqual([prefix]);
    expect(filterMatches({ ...any, principal: 'User:bob' }, literal)).toBe(false);
    expect(filterMatches({ ...any, operation: Op.WRITE }, literal)).toBe(false);
    expect(filterMatches({ ...any, permission: AclPermission.DENY }, literal)).toBe(false);
    expect(filterMatches({ ...any, resourceType: ResourceType.GROUP }, literal)).toBe(false);
  });
});
