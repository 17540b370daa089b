// Start-up declarations (`create.topics`, `create.acls`; syntax in src/config/declarations.ts):
// what is declared and absent is created before clients are served, so a container or a CI job
// needs no admin step. Never destructive: an existing topic that differs is left as it is, with a
// warning naming the difference. A declaration that CreateTopics or CreateAcls would refuse stops
// start-up, with their message and the declaration. Tributary's own: Kafka has no such setting.

import { reservedTopicProblem } from './cluster/topic-names.js';
import type { TopicManager } from './cluster/topics.js';
import type { BrokerConfig } from './config/load.js';
import { type AclDeclaration, parseAclDeclarations, parseTopicDeclarations, type TopicDeclaration } from './config/declarations.js';
import { parseTopicConfig, resolvedTopicConfigProblem, resolveTopicConfig, topicConfigProblem } from './config/topic-configs.js';
import { ConfigError, type ConfigValue, formatValue } from './config/types.js';
import { type AclBinding, AclOperation, AclPermission, PatternType, ResourceType } from './security/acl.js';
import { type Authorizer, newAclProblem } from './security/authorizer.js';
import type { Logger } from './util/logger.js';

/** A topic declared in the embedded options (`startBroker({ topics })`): create.topics as an object. */
export interface TopicFixture {
  name: string;
  /** Default: num.partitions. */
  partitions?: number;
  /** Topic configs by Kafka key, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string | number | boolean>;
}

/** An ACL declared in the embedded options (`startBroker({ acls })`): create.acls as an object. */
export interface AclFixture {
  /** 'User:alice' */
  principal: string;
  /** READ, WRITE, DESCRIBE, ALL, ... */
  operation: string;
  resourceType: 'topic' | 'group' | 'cluster' | 'transactional-id' | 'delegation-token' | 'user';
  /** Default for cluster: kafka-cluster. */
  resourceName?: string;
  /** literal (default) or prefixed. */
  pattern?: 'literal' | 'prefixed';
  /** allow (default) or deny. */
  permission?: 'allow' | 'deny';
  /** '*' (default). */
  host?: string;
}

/** Declarations given as objects, applied after (and checked as) those of create.topics and create.acls. */
export interface Fixtures {
  topics?: readonly TopicFixture[];
  acls?: readonly AclFixture[];
}

function topicFromFixture(f: TopicFixture): TopicDeclaration {
  const configs = Object.entries(f.config ?? {}).map(([name, value]) => ({ name, value: String(value) }));
  return { text: `topics: ${JSON.stringify(f)}`, name: f.name, partitions: f.partitions ?? -1, configs };
}

function aclFromFixture(f: AclFixture): AclDeclaration {
  return {
    text: `acls: ${JSON.stringify(f)}`,
    principal: f.principal,
    operation: f.operation,
    resourceType: f.resourceType,
    resourceName: f.resourceName ?? (f.resourceType === 'cluster' ? 'kafka-cluster' : ''),
    pattern: f.pattern ?? 'literal',
    permission: f.permission ?? 'allow',
    host: f.host ?? '*',
  };
}

/** Creates the declared topics and ACLs that are absent. Throws ConfigError naming a declaration that is refused. */
export async function applyDeclarations(config: BrokerConfig, topics: TopicManager, authorizer: Authorizer | null, logger: Logger, fixtures: Fixtures = {}): Promise<void> {
  const topicDecls = [...parseTopicDeclarations(config.str('create.topics')), ...(fixtures.topics ?? []).map(topicFromFixture)];
  const aclDecls = [...parseAclDeclarations(config.str('create.acls')), ...(fixtures.acls ?? []).map(aclFromFixture)];
  // Everything is checked before anything is created: a refused declaration leaves nothing half-done.
  const acls = aclDecls.map(toBinding);
  if (acls.length > 0 && authorizer === null) {
    throw new ConfigError(`create.acls: ACLs are declared but authorizer.class.name is empty (no authorizer to enforce them)`);
  }
  const creations: { decl: TopicDeclaration; numPartitions: number; replicationFactor: number; configs: Record<string, ConfigValue> }[] = [];
  const seen = new Set<string>();
  for (const decl of topicDecls) {
    if (seen.has(decl.name)) throw new ConfigError(`create.topics: '${decl.text}': topic ${decl.name} is declared twice`);
    seen.add(decl.name);
    // CreateTopics' config check (Kafka's words), then its validation of the topic as a whole.
    const configProblem = decl.configs.map((c) => topicConfigProblem(c.name, c.value)).find((p) => p !== undefined);
    if (configProblem !== undefined) throw new ConfigError(`create.topics: '${decl.text}': ${configProblem}`);
    if (topics.topic(decl.name) !== undefined) {
      warnIfDifferent(decl, topics, logger);
      continue;
    }
    const reserved = reservedTopicProblem(decl.name);
    if (reserved !== undefined) throw new ConfigError(`create.topics: '${decl.text}': ${reserved}`);
    const v = topics.validateCreate({ name: decl.name, numPartitions: decl.partitions, replicationFactor: -1, configs: decl.configs });
    if ('errorCode' in v) throw new ConfigError(`create.topics: '${decl.text}': ${v.errorMessage}`);
    const conflict = resolvedTopicConfigProblem(resolveTopicConfig(v.configs, config));
    if (conflict !== undefined) throw new ConfigError(`create.topics: '${decl.text}': ${conflict}`);
    creations.push({ decl, ...v });
  }
  for (const { decl, numPartitions, configs, replicationFactor } of creations) {
    await topics.createTopic(decl.name, numPartitions, configs, false, replicationFactor);
    logger.info('created declared topic (create.topics)', { topic: decl.name, partitions: numPartitions });
  }
  if (authorizer !== null && acls.length > 0) {
    const before = authorizer.acls(ANY_ACL).length;
    await authorizer.create(acls);
    const added = authorizer.acls(ANY_ACL).length - before;
    if (added > 0) logger.info('created declared ACLs (create.acls)', { acls: added });
  }
}

const ANY_ACL = { resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY };

/** An existing topic keeps its partitions and configs; each difference from the declaration is one warning. */
function warnIfDifferent(decl: TopicDeclaration, topics: TopicManager, logger: Logger): void {
  const topic = topics.topic(decl.name)!;
  const differences: string[] = [];
  if (decl.partitions !== -1 && decl.partitions !== topic.partitions) differences.push(`partitions: ${topic.partitions} (declared ${decl.partitions})`);
  const current = topics.topicConfig(decl.name);
  for (const { name, value } of decl.configs) {
    // Compared as Kafka prints them (the declared text parsed as validateCreate parses it: 1e3 vs 1000 is no difference).
    const declaredText = formatValue(parseTopicConfig(name, value));
    const currentText = formatValue(current[name]);
    if (declaredText !== currentText) differences.push(`${name}: ${currentText} (declared ${declaredText})`);
  }
  if (differences.length > 0) {
    logger.warn('declared topic exists and differs: left as it is (create.topics)', { topic: decl.name, differences: differences.join('; ') });
  }
}

const RESOURCE_TYPES: Record<string, number> = {
  topic: ResourceType.TOPIC, group: ResourceType.GROUP, cluster: ResourceType.CLUSTER,
  'transactional-id': ResourceType.TRANSACTIONAL_ID, 'delegation-token': ResourceType.DELEGATION_TOKEN, user: ResourceType.USER,
};

/** A code by its name in one of acl.ts's tables (READ, describe_configs, describe-configs, ...), or UNKNOWN (0). */
function codeByName(table: Readonly<Record<string, number>>, name: string): number {
  return table[name.toUpperCase().replace(/-/g, '_')] ?? 0;
}

/** The binding CreateAcls would store, checked as CreateAcls checks it. */
function toBinding(decl: AclDeclaration): AclBinding {
  const acl: AclBinding = {
    resourceType: RESOURCE_TYPES[decl.resourceType],
    resourceName: decl.resourceName,
    patternType: codeByName(PatternType, decl.pattern),
    principal: decl.principal,
    host: decl.host,
    operation: codeByName(AclOperation, decl.operation),
    permission: codeByName(AclPermission, decl.permission),
  };
  // newAclProblem refuses UNKNOWN codes as "Invalid operation UNKNOWN": name what was written instead.
  if (acl.operation === 0 || acl.operation === AclOperation.ANY) throw new ConfigError(`create.acls: '${decl.text}': unknown operation '${decl.operation}' (e.g. READ, WRITE, DESCRIBE, ALL)`);
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) throw new ConfigError(`create.acls: '${decl.text}': pattern must be literal or prefixed, not '${decl.pattern}'`);
  if (acl.permission !== AclPermission.ALLOW && acl.permission !== AclPermission.DENY) throw new ConfigError(`create.acls: '${decl.text}': permission must be allow or deny, not '${decl.permission}'`);
  const problem = newAclProblem(acl);
  if (problem !== null) throw new ConfigError(`create.acls: '${decl.text}': ${problem}`);
  return acl;
}
