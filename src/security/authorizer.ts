// The broker's authorizer: the ACLs kept in the cluster state, the decisions made from them
// (src/security/acl.ts), Kafka's checks on new ACLs, and the audit line for every denial of an
// explicitly requested resource. Built only when `authorizer.class.name` names the StandardAuthorizer;
// without it the broker has no authorizer and every action is allowed.

import type { ClusterState } from '../cluster/cluster-state.js';
import { STANDARD_AUTHORIZER } from '../config/broker-settings.js';
import type { BrokerConfig } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import {
  type AclBinding, AclAuthorizer, type AclFilter, AclOperation, AclPermission, CLUSTER_NAME, filterMatches, isKnownCode, PatternType, ResourceType,
} from './acl.js';
import { type KafkaPrincipal, parsePrincipal, principalToString } from './principal.js';

/** One action to decide: who, from where, what, on which resource, and for which API (for the audit line). */
export interface Action {
  principal: KafkaPrincipal;
  host: string;
  operation: number;
  resourceType: number;
  resourceName: string;
  /** The API name, as Kafka's audit line names it (e.g. PRODUCE). */
  api: string;
  /**
   * Log a denial at INFO (default): the client asked for this resource. False for answers that only
   * filter or describe (authorized operations, a listing), which Kafka does not log either.
   */
  logIfDenied?: boolean;
}

const RESOURCE_TYPE_NAMES: Record<number, string> = {
  [ResourceType.TOPIC]: 'Topic', [ResourceType.GROUP]: 'Group', [ResourceType.CLUSTER]: 'Cluster',
  [ResourceType.TRANSACTIONAL_ID]: 'TransactionalId', [ResourceType.DELEGATION_TOKEN]: 'DelegationToken', [ResourceType.USER]: 'User',
};
const nameOf = (table: Record<string, number>, code: number): string => Object.keys(table).find((k) => table[k] === code) ?? String(code);

export class Authorizer {
  private readonly decisions: AclAuthorizer;

  constructor(
    private readonly cluster: ClusterState,
    options: { superUsers: ReadonlySet<string>; allowIfNoAcl: boolean },
    private readonly logger: Logger,
  ) {
    this.decisions = new AclAuthorizer(options);
    this.decisions.load(cluster.acls);
    // ACLs another broker stored (shared storage) are in force here at once too.
    cluster.onAclsReplaced(() => this.decisions.load(cluster.acls));
  }

  /** The authorizer `authorizer.class.name` asks for, or null when it is empty (no authorization). */
  static fromConfig(config: BrokerConfig, cluster: ClusterState, logger: Logger): Authorizer | null {
    if (config.str('authorizer.class.name') !== STANDARD_AUTHORIZER) return null;
    const superUsers = new Set(config.str('super.users').split(';').map((p) => p.trim()).filter((p) => p !== ''));
    return new Authorizer(cluster, { superUsers, allowIfNoAcl: config.bool('allow.everyone.if.no.acl.found') }, logger);
  }

  authorize(action: Action): boolean {
    const { allowed, rule } = this.decisions.authorize(action);
    if (!allowed && action.logIfDenied !== false) {
      // Kafka's authorizer audit line (kafka.authorizer.logger at INFO): no secrets, only names.
      this.logger.info(
        `Principal = ${principalToString(action.principal)} is Denied operation = ${nameOf(AclOperation, action.operation)} from host = ${action.host} ` +
          `on resource = ${RESOURCE_TYPE_NAMES[action.resourceType] ?? action.resourceType}:LITERAL:${action.resourceName} for request = ${action.api} based on rule ${rule}`,
      );
    }
    return allowed;
  }

  /** May the principal do the operation on some resource of the type (no audit line, as Kafka). */
  authorizeByResourceType(action: Omit<Action, 'resourceName'>): boolean {
    return this.decisions.authorizeByResourceType(action);
  }

  /** The ACLs a DescribeAcls filter selects. */
  acls(filter: AclFilter): AclBinding[] {
    return this.cluster.acls.filter((acl) => filterMatches(filter, acl));
  }

  /**
   * Adds ACLs (ones already present are kept once, as Kafka does) and resolves once durable; they
   * are in force before this returns.
   */
  create(bindings: readonly AclBinding[]): Promise<void> {
    const key = (a: AclBinding) => JSON.stringify([a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permission]);
    const present = new Set(this.cluster.acls.map(key));
    const added = bindings.filter((b) => {
      const k = key(b);
      if (present.has(k)) return false;
      present.add(k);
      return true;
    });
    return this.replace([...this.cluster.acls, ...added]);
  }

  /**
   * Removes the ACLs each filter selects, all in one change; per filter, the ACLs it removed (an ACL
   * two filters select is reported by both, as Kafka does).
   */
  delete(filters: readonly AclFilter[]): { deleted: AclBinding[][]; durable: Promise<void> } {
    const current = this.cluster.acls;
    const deleted = filters.map((f) => current.filter((acl) => filterMatches(f, acl)));
    const gone = new Set(deleted.flat());
    if (gone.size === 0) return { deleted, durable: Promise.resolve() };
    return { deleted, durable: this.replace(current.filter((acl) => !gone.has(acl))) };
  }

  private replace(acls: AclBinding[]): Promise<void> {
    const durable = this.cluster.setAcls(acls);
    this.decisions.load(this.cluster.acls);
    return durable;
  }
}

/**
 * Why Kafka refuses a new ACL (INVALID_REQUEST with this message), or null. The first two checks
 * are the broker's, the rest the controller's (AclApis, AclControlManager.validateNewAcl).
 */
export function newAclProblem(acl: AclBinding): string | null {
  if (acl.resourceType === ResourceType.CLUSTER && acl.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (acl.resourceName === '') return 'Invalid empty resource name';
  // Kafka reads a code it does not know as UNKNOWN; ANY and MATCH never get here (see 30-create-acls.ts).
  const name = (table: Record<string, number>, code: number) => (isKnownCode(table, code) ? nameOf(table, code) : 'UNKNOWN');
  if (!isKnownCode(ResourceType, acl.resourceType) || acl.resourceType === ResourceType.ANY) return `Invalid resourceType ${name(ResourceType, acl.resourceType)}`;
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) return `Invalid patternType ${name(PatternType, acl.patternType)}`;
  if (!isKnownCode(AclOperation, acl.operation) || acl.operation === AclOperation.ANY) return `Invalid operation ${name(AclOperation, acl.operation)}`;
  if (acl.permission !== AclPermission.ALLOW && acl.permission !== AclPermission.DENY) return `Invalid permissionType ${name(AclPermission, acl.permission)}`;
  if (parsePrincipal(acl.principal) === null) return `Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`;
  return null;
}
