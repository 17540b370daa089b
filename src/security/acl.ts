// Access control lists with Kafka's StandardAuthorizer semantics. An ACL binds a resource pattern
// (type, name, LITERAL or PREFIXED) to an entry (principal, host, operation, ALLOW or DENY).
// `authorize` answers one action: super users may do anything; otherwise every ACL whose pattern
// matches the resource counts — a matching DENY wins over any ALLOW, ALLOW of READ/WRITE/DELETE/ALTER
// implies DESCRIBE and ALLOW of ALTER_CONFIGS implies DESCRIBE_CONFIGS (DENY implies nothing), and a
// resource no ACL mentions at all follows `allow.everyone.if.no.acl.found`.
// The codes are Kafka's wire values (ResourceType, PatternType, AclOperation, AclPermissionType).

import type { StoredAcl } from '../cluster/cluster-state.js';
import { type KafkaPrincipal, WILDCARD_PRINCIPAL, principalToString } from './principal.js';

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14, TWO_PHASE_COMMIT: 15,
} as const;
export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** Is `code` one of the table's values? Kafka reads any other code as UNKNOWN. */
export function isKnownCode(table: Readonly<Record<string, number>>, code: number): boolean {
  return Object.values(table).includes(code);
}

export const WILDCARD_RESOURCE = '*';
export const WILDCARD_HOST = '*';
/** The one cluster resource's name. */
export const CLUSTER_NAME = 'kafka-cluster';

/** An ACL: the stored form is the binding itself (principal as "Type:name", e.g. "User:alice"). */
export type AclBinding = StoredAcl;

/** A filter as DescribeAcls and DeleteAcls send it: null strings and ANY codes match everything. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

export interface AuthorizeRequest {
  principal: KafkaPrincipal;
  host: string;
  operation: number;
  resourceType: number;
  resourceName: string;
}

const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]);

/** Does a stored ACL's pattern cover this resource name? */
function patternCovers(acl: AclBinding, name: string): boolean {
  if (acl.patternType === PatternType.LITERAL) return acl.resourceName === name || acl.resourceName === WILDCARD_RESOURCE;
  if (acl.patternType === PatternType.PREFIXED) return name.startsWith(acl.resourceName);
  return false;
}

/** ALLOW, DENY, or null when the ACL's entry does not apply to this principal, host and operation. */
function entryResult(acl: AclBinding, principals: ReadonlySet<string>, host: string, operation: number): 'allow' | 'deny' | null {
  if (!principals.has(acl.principal)) return null;
  if (acl.host !== WILDCARD_HOST && acl.host !== host) return null;
  if (acl.operation !== AclOperation.ALL) {
    if (acl.permission === AclPermission.ALLOW) {
      if (operation === AclOperation.DESCRIBE) {
        if (!IMPLIES_DESCRIBE.has(acl.operation)) return null;
      } else if (operation === AclOperation.DESCRIBE_CONFIGS) {
        if (!IMPLIES_DESCRIBE_CONFIGS.has(acl.operation)) return null;
      } else if (operation !== acl.operation) return null;
    } else if (operation !== acl.operation) return null;
  }
  return acl.permission === AclPermission.ALLOW ? 'allow' : 'deny';
}

/** Does a DescribeAcls/DeleteAcls filter select this ACL? (Kafka's AclBindingFilter.matches) */
export function filterMatches(filter: AclFilter, acl: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== acl.resourceType) return false;
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== acl.operation) return false;
  if (filter.permission !== AclPermission.ANY && filter.permission !== acl.permission) return false;
  switch (filter.patternType) {
    case PatternType.ANY:
      return filter.resourceName === null || filter.resourceName === acl.resourceName;
    case PatternType.MATCH:
      // Every ACL that would apply to a resource of that name: the literal name, the literal
      // wildcard, and the prefixes of it (and, with no name, all of them).
      if (filter.resourceName === null) return true;
      if (acl.patternType === PatternType.LITERAL) return acl.resourceName === filter.resourceName || acl.resourceName === WILDCARD_RESOURCE;
      return acl.patternType === PatternType.PREFIXED && filter.resourceName.startsWith(acl.resourceName);
    default:
      return filter.patternType === acl.patternType && (filter.resourceName === null || filter.resourceName === acl.resourceName);
  }
}

export interface AuthorizerOptions {
  /** `super.users`: principals as "User:admin". */
  superUsers: ReadonlySet<string>;
  /** `allow.everyone.if.no.acl.found`. */
  allowIfNoAcl: boolean;
}

/** The ACLs in force, grouped by resource type, and the decisions made from them. */
export class AclAuthorizer {
  private readonly byType = new Map<number, AclBinding[]>();

  constructor(private readonly options: AuthorizerOptions) {}

  /** Replaces the whole set (at start-up and after every change, from the persisted list). */
  load(acls: readonly AclBinding[]): void {
    this.byType.clear();
    for (const acl of acls) {
      const list = this.byType.get(acl.resourceType) ?? [];
      list.push(acl);
      this.byType.set(acl.resourceType, list);
    }
  }

  authorize(req: AuthorizeRequest): { allowed: boolean; rule: string } {
    const principal = principalToString(req.principal);
    if (this.options.superUsers.has(principal)) return { allowed: true, rule: 'SuperUser' };
    const principals = new Set([principal, WILDCARD_PRINCIPAL]);
    let allow: AclBinding | null = null;
    let anyAcl = false;
    for (const acl of this.byType.get(req.resourceType) ?? []) {
      if (!patternCovers(acl, req.resourceName)) continue;
      anyAcl = true;
      const result = entryResult(acl, principals, req.host, req.operation);
      if (result === 'deny') return { allowed: false, rule: `MatchingAcl(${describeAcl(acl)})` };
      if (result === 'allow') allow ??= acl;
    }
    if (allow !== null) return { allowed: true, rule: `MatchingAcl(${describeAcl(allow)})` };
    if (!anyAcl) return this.options.allowIfNoAcl ? { allowed: true, rule: 'DefaultAllow' } : { allowed: false, rule: 'DefaultDeny' };
    return { allowed: false, rule: 'DefaultDeny' };
  }

  /**
   * May the principal do `operation` on at least one resource of the type? (Kafka's
   * Authorizer.authorizeByResourceType: an idempotent producer needs WRITE on some topic.) Allowed
   * when a made-up name is allowed (super users, `*`, allow.everyone.if.no.acl.found), else when an
   * ALLOW of the principal names a literal or prefix that no DENY of it covers; a DENY on `*` denies.
   */
  authorizeByResourceType(req: Omit<AuthorizeRequest, 'resourceName'>): boolean {
    if (this.authorize({ ...req, resourceName: 'hardcode' }).allowed) return true;
    const principals = new Set([principalToString(req.principal), WILDCARD_PRINCIPAL]);
    const denyLiteral = new Set<string>();
    const denyPrefix = new Set<string>();
    const allows: AclBinding[] = [];
    for (const acl of this.byType.get(req.resourceType) ?? []) {
      if (!principals.has(acl.principal)) continue;
      if (acl.host !== WILDCARD_HOST && acl.host !== req.host) continue;
      if (acl.operation !== req.operation && acl.operation !== AclOperation.ALL) continue;
      if (acl.permission === AclPermission.DENY) {
        if (acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD_RESOURCE) return false;
        (acl.patternType === PatternType.LITERAL ? denyLiteral : denyPrefix).add(acl.resourceName);
      } else if (acl.permission === AclPermission.ALLOW) {
        if (acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD_RESOURCE) return true;
        allows.push(acl);
      }
    }
    return allows.some((acl) => {
      if (acl.patternType === PatternType.LITERAL && denyLiteral.has(acl.resourceName)) return false;
      for (let i = 1; i <= acl.resourceName.length; i++) if (denyPrefix.has(acl.resourceName.slice(0, i))) return false;
      return true;
    });
  }
}

const nameOf = (table: Record<string, number>, code: number): string => Object.keys(table).find((k) => table[k] === code) ?? String(code);

export function describeAcl(acl: AclBinding): string {
  return `${nameOf(ResourceType, acl.resourceType)}:${nameOf(PatternType, acl.patternType)}:${acl.resourceName} ${acl.principal} from ${acl.host} ${nameOf(AclPermission, acl.permission)} ${nameOf(AclOperation, acl.operation)}`;
}
