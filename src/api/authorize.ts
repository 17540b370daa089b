// The one way handlers ask "may this client do that?" (Kafka's AuthHelper). Without an authorizer
// (`authorizer.class.name` empty) every answer is yes, as in Kafka; with one, the connection's
// principal and address are judged against the ACLs (src/security/authorizer.ts), and a denial of a
// resource the client asked for leaves an audit line. No handler reads ACLs itself.

import { apiInfo, ErrorCode } from '../codec/index.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { ANONYMOUS, type KafkaPrincipal } from '../security/principal.js';
import { CLUSTER_OPERATIONS, GROUP_OPERATIONS, TOPIC_OPERATIONS } from './acl-operations.js';
import type { ConnectionInfo, RequestContext } from './context.js';

export { AclOperation as Op, CLUSTER_NAME, ResourceType } from '../security/acl.js';

/**
 * The connection attribute authentication sets to the client's KafkaPrincipal (SASL, mTLS). A
 * connection without it is User:ANONYMOUS, as a PLAINTEXT connection is in Kafka.
 */
export const PRINCIPAL_ATTRIBUTE = 'principal';

export function principalOf(connection: ConnectionInfo): KafkaPrincipal {
  return (connection.attributes.get(PRINCIPAL_ATTRIBUTE) as KafkaPrincipal | undefined) ?? ANONYMOUS;
}

/** Kafka's name of the request's API for the audit line: DescribeAcls → DESCRIBE_ACLS. */
function apiName(apiKey: number): string {
  const name = apiInfo(apiKey)?.name ?? String(apiKey);
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** True when ACLs are enforced (an authorizer is configured). */
export function hasAuthorizer(ctx: RequestContext): boolean {
  return (ctx.broker.authorizer ?? null) !== null;
}

/**
 * May the client do `operation` on the resource? `logIfDenied: false` for checks that only filter
 * (listings) or probe (a fallback check follows), which Kafka does not audit either.
 */
export function authorize(ctx: RequestContext, operation: number, resourceType: number, resourceName: string, options: { logIfDenied?: boolean } = {}): boolean {
  const authorizer = ctx.broker.authorizer ?? null;
  if (authorizer === null) return true;
  return authorizer.authorize({
    principal: principalOf(ctx.connection),
    host: ctx.connection.remoteAddress,
    operation,
    resourceType,
    resourceName,
    api: apiName(ctx.apiKey),
    logIfDenied: options.logIfDenied,
  });
}

/** May the client do `operation` on the cluster (`kafka-cluster`)? */
export function authorizeCluster(ctx: RequestContext, operation: number, options: { logIfDenied?: boolean } = {}): boolean {
  return authorize(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME, options);
}

/** The names among `names` the client may do `operation` on (each name asked once). */
export function authorizedNames(ctx: RequestContext, operation: number, resourceType: number, names: Iterable<string>, options: { logIfDenied?: boolean } = {}): Set<string> {
  const allowed = new Set<string>();
  const asked = new Set<string>();
  for (const name of names) {
    if (asked.has(name)) continue;
    asked.add(name);
    if (authorize(ctx, operation, resourceType, name, options)) allowed.add(name);
  }
  return allowed;
}

/** May the client do `operation` on at least one resource of the type (Kafka's authorizeByResourceType)? */
export function authorizeByResourceType(ctx: RequestContext, operation: number, resourceType: number): boolean {
  const authorizer = ctx.broker.authorizer ?? null;
  if (authorizer === null) return true;
  return authorizer.authorizeByResourceType({ principal: principalOf(ctx.connection), host: ctx.connection.remoteAddress, operation, resourceType, api: apiName(ctx.apiKey) });
}

const SUPPORTED_OPERATIONS: Record<number, number> = {
  [ResourceType.TOPIC]: TOPIC_OPERATIONS,
  [ResourceType.GROUP]: GROUP_OPERATIONS,
  [ResourceType.CLUSTER]: CLUSTER_OPERATIONS,
};

/**
 * The KIP-430 bit set of the operations the client may do on the resource: every operation the
 * resource type has without an authorizer, else those the ACLs allow (probes, not audited).
 */
export function authorizedOperations(ctx: RequestContext, resourceType: number, resourceName: string): number {
  const supported = SUPPORTED_OPERATIONS[resourceType] ?? 0;
  if (!hasAuthorizer(ctx)) return supported;
  let bits = 0;
  for (let op = AclOperation.READ; op <= AclOperation.TWO_PHASE_COMMIT; op++) {
    if ((supported & (1 << op)) !== 0 && authorize(ctx, op, resourceType, resourceName, { logIfDenied: false })) bits |= 1 << op;
  }
  return bits;
}

/** Kafka's ConfigResource types: which ACL resource guards them, and the error a refusal answers. */
const CONFIG_RESOURCE_GUARDS: Record<number, { resourceType: number; cluster: boolean; errorCode: number }> = {
  2: { resourceType: ResourceType.TOPIC, cluster: false, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }, // TOPIC
  4: { resourceType: ResourceType.CLUSTER, cluster: true, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }, // BROKER
  8: { resourceType: ResourceType.CLUSTER, cluster: true, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }, // BROKER_LOGGER
  16: { resourceType: ResourceType.CLUSTER, cluster: true, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }, // CLIENT_METRICS
  32: { resourceType: ResourceType.GROUP, cluster: false, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }, // GROUP
};

/**
 * DescribeConfigs / AlterConfigs on a config resource: `operation` (DESCRIBE_CONFIGS or
 * ALTER_CONFIGS) on the topic, group, or the cluster for broker-wide resources. The error code a
 * refusal answers, or null when allowed (and for resource types Kafka rejects on other grounds).
 */
export function configResourceRefusal(ctx: RequestContext, operation: number, configResourceType: number, resourceName: string): number | null {
  const guard = CONFIG_RESOURCE_GUARDS[configResourceType];
  if (guard === undefined) return null;
  const allowed = guard.cluster ? authorizeCluster(ctx, operation) : authorize(ctx, operation, guard.resourceType, resourceName);
  return allowed ? null : guard.errorCode;
}
