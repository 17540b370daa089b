// `tributary acl list | create | delete`: ACLs through DescribeAcls, CreateAcls and DeleteAcls, with
// kafka-acls' flags: --allow-principal/--deny-principal, --operation, one resource (--topic, --group,
// --transactional-id or --cluster) and --resource-pattern-type. Names are Kafka's, in any case and
// with or without separators (Read, DESCRIBE_CONFIGS, describe-configs, IdempotentWrite).

import { ApiKey, errorInfo } from '../codec/index.js';
import { check } from '../client/errors.js';
import { AclOperation, AclPermission, CLUSTER_NAME, PatternType, ResourceType, WILDCARD_HOST } from '../security/acl.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandGroup } from './main.js';

const RESOURCE_FLAGS = { topic: { kind: 'string' }, group: { kind: 'string' }, 'transactional-id': { kind: 'string' }, cluster: { kind: 'bool' } } as const;

/** A name of Kafka's enum (READ, ...) from what a user types: case and '-'/'_' separators ignored. */
function enumValue(table: Readonly<Record<string, number>>, text: string, what: string): number {
  const wanted = text.replace(/[-_]/g, '').toUpperCase();
  const hit = Object.entries(table).find(([name]) => name.replace(/_/g, '') === wanted && name !== 'UNKNOWN');
  if (hit === undefined) throw new UsageError(`unknown ${what} ${JSON.stringify(text)} (known: ${Object.keys(table).filter((n) => n !== 'UNKNOWN' && n !== 'ANY').join(', ')})`);
  return hit[1];
}

function nameOf(table: Readonly<Record<string, number>>, code: number): string {
  return Object.entries(table).find(([, v]) => v === code)?.[0] ?? String(code);
}

/** The one resource the flags name; for list/delete none means any resource. */
function resourceOf(args: Args, required: boolean): { type: number; name: string | null } {
  const given: ({ type: number; name: string } | false)[] = [
    args.has('topic') && { type: ResourceType.TOPIC, name: args.str('topic')! },
    args.has('group') && { type: ResourceType.GROUP, name: args.str('group')! },
    args.has('transactional-id') && { type: ResourceType.TRANSACTIONAL_ID, name: args.str('transactional-id')! },
    args.bool('cluster') && { type: ResourceType.CLUSTER, name: CLUSTER_NAME },
  ];
  const named = given.filter((r): r is { type: number; name: string } => r !== false);
  if (named.length > 1) throw new UsageError('name one resource: --topic, --group, --transactional-id or --cluster');
  if (named.length === 0) {
    if (required) throw new UsageError('an ACL needs a resource: --topic NAME, --group NAME, --transactional-id ID or --cluster');
    return { type: ResourceType.ANY, name: null };
  }
  return named[0];
}

function patternOf(args: Args, fallback: number): number {
  const text = args.str('resource-pattern-type');
  return text === undefined ? fallback : enumValue(PatternType, text, 'resource pattern type');
}

/** The filter of list and delete: a resource, a principal and an operation when given, anything else. */
function filterOf(args: Args) {
  const resource = resourceOf(args, false);
  return {
    resourceTypeFilter: resource.type,
    resourceNameFilter: resource.name,
    // A named resource means that exact literal ACL, as kafka-acls; --resource-pattern-type match widens it.
    patternTypeFilter: patternOf(args, resource.name === null ? PatternType.ANY : PatternType.LITERAL),
    principalFilter: args.str('principal') ?? null,
    hostFilter: args.str('host') ?? null,
    operation: args.has('operation') ? enumValue(AclOperation, args.str('operation')!, 'operation') : AclOperation.ANY,
    permissionType: AclPermission.ANY,
  };
}

interface AclRow { resourceType: string; resourceName: string; patternType: string; principal: string; host: string; operation: string; permission: string }

function row(a: { resourceType: number; resourceName: string; patternType: number; principal: string; host: string; operation: number; permissionType: number }): AclRow {
  return {
    resourceType: nameOf(ResourceType, a.resourceType), resourceName: a.resourceName, patternType: nameOf(PatternType, a.patternType),
    principal: a.principal, host: a.host, operation: nameOf(AclOperation, a.operation), permission: nameOf(AclPermission, a.permissionType),
  };
}

const HEADERS = ['RESOURCE', 'NAME', 'PATTERN', 'PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION'];
const cells = (r: AclRow) => [r.resourceType, r.resourceName, r.patternType, r.principal, r.host, r.operation, r.permission];

const list: Command = {
  flags: { ...RESOURCE_FLAGS, principal: { kind: 'string' }, host: { kind: 'string' }, operation: { kind: 'string' }, 'resource-pattern-type': { kind: 'string' } },
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const filter = filterOf(args);
    const c = await client();
    const res = await c.send(ApiKey.DescribeAcls, filter, { version: c.version(ApiKey.DescribeAcls, 1) });
    check(res.errorCode, 'DescribeAcls', res.errorMessage);
    const rows = res.resources.flatMap((r) => r.acls.map((a) => row({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType })));
    if (out.json) await out.printJson(rows);
    else await out.printTable(HEADERS, rows.map(cells));
    return 0;
  },
};

const create: Command = {
  flags: {
    ...RESOURCE_FLAGS,
    'allow-principal': { kind: 'list' }, 'deny-principal': { kind: 'list' }, operation: { kind: 'list' },
    host: { kind: 'string' }, 'resource-pattern-type': { kind: 'string' },
  },
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const resource = resourceOf(args, true);
    const patternType = patternOf(args, PatternType.LITERAL);
    if (patternType !== PatternType.LITERAL && patternType !== PatternType.PREFIXED) throw new UsageError('an ACL is LITERAL or PREFIXED (match and any are for list and delete)');
    const operations = args.list('operation').map((o) => enumValue(AclOperation, o, 'operation'));
    if (operations.length === 0) throw new UsageError('name at least one --operation (e.g. Read, Write, Describe, All)');
    const principals = [
      ...args.list('allow-principal').map((p) => ({ principal: p, permissionType: AclPermission.ALLOW })),
      ...args.list('deny-principal').map((p) => ({ principal: p, permissionType: AclPermission.DENY })),
    ];
    if (principals.length === 0) throw new UsageError('name at least one --allow-principal or --deny-principal (e.g. User:alice)');
    const creations = principals.flatMap((p) => operations.map((operation) => ({
      resourceType: resource.type, resourceName: resource.name!, resourcePatternType: patternType,
      principal: p.principal, host: args.str('host', WILDCARD_HOST), operation, permissionType: p.permissionType,
    })));
    const c = await client();
    const res = await c.send(ApiKey.CreateAcls, { creations }, { version: c.version(ApiKey.CreateAcls, 1) });
    const failed = res.results.map((r, i) => ({ ...r, acl: creations[i] })).filter((r) => r.errorCode !== 0);
    for (const f of failed) out.note(`${f.acl.principal} ${nameOf(AclOperation, f.acl.operation)}: ${errorInfo(f.errorCode)?.name ?? f.errorCode}${f.errorMessage ? ` (${f.errorMessage})` : ''}`);
    if (failed.length > 0) check(failed[0].errorCode, 'CreateAcls', failed[0].errorMessage);
    const rows = creations.map((a) => row({ ...a, patternType: a.resourcePatternType }));
    if (out.json) await out.printJson(rows);
    else await out.printTable(HEADERS, rows.map(cells));
    return 0;
  },
};

const remove: Command = {
  flags: { ...RESOURCE_FLAGS, principal: { kind: 'string' }, host: { kind: 'string' }, operation: { kind: 'string' }, 'resource-pattern-type': { kind: 'string' } },
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const filter = filterOf(args);
    // kafka-acls asks before removing every ACL; a script must say so here.
    if (filter.resourceNameFilter === null && filter.principalFilter === null) throw new UsageError('name a resource or a --principal: deleting every ACL is not done by accident');
    const c = await client();
    const res = await c.send(ApiKey.DeleteAcls, { filters: [filter] }, { version: c.version(ApiKey.DeleteAcls, 1) });
    const result = res.filterResults[0];
    check(result.errorCode, 'DeleteAcls', result.errorMessage);
    const rows = result.matchingAcls.map(row);
    if (out.json) await out.printJson(rows);
    else await out.printTable(HEADERS, rows.map(cells));
    return 0;
  },
};

export const ACL_COMMANDS: CommandGroup = { list, create, delete: remove };
