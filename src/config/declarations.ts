// The syntax of the start-up declarations `create.topics` and `create.acls` (Tributary's own
// settings; applied by src/declarations.ts). Declarations are separated by ';', fields by ',';
// a value in double quotes may hold ',' and ';' (cleanup.policy="compact,delete").
//   create.topics  orders:partitions=6,cleanup.policy=compact;events;audit:retention.ms=-1
//   create.acls    principal=User:alice,operation=READ,topic=orders;principal=User:bob,operation=WRITE,topic=orders-,pattern=prefixed
// Only the syntax is checked here; names, values and codes are checked at start-up as the admin APIs do.

export interface TopicDeclaration {
  /** The declaration as written, for messages. */
  text: string;
  name: string;
  /** -1: num.partitions. */
  partitions: number;
  configs: { name: string; value: string }[];
}

export interface AclDeclaration {
  text: string;
  principal: string;
  /** The operation's name as given (READ, write, describe_configs, ...). */
  operation: string;
  /** The resource type's name as given (topic, group, cluster, transactional-id, delegation-token, user). */
  resourceType: string;
  resourceName: string;
  /** literal (default) or prefixed. */
  pattern: string;
  /** allow (default) or deny. */
  permission: string;
  /** '*' (default): any host. */
  host: string;
}

/** The resource keys of an ACL declaration; `cluster` needs no value. */
export const ACL_RESOURCE_KEYS = ['topic', 'group', 'cluster', 'transactional-id', 'delegation-token', 'user'] as const;
const ACL_KEYS = new Set<string>(['principal', 'operation', 'pattern', 'permission', 'host', ...ACL_RESOURCE_KEYS]);

/** Splits at `sep` outside double quotes; a quote left open is an error. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) throw new Error('a double quote is not closed');
  parts.push(current);
  return parts;
}

const unquote = (v: string) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** `key=value,key2="v,2"` into pairs, in order; a field without '=' has the value null. */
function fields(text: string): { key: string; value: string | null }[] {
  return splitOutsideQuotes(text, ',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => {
      const eq = f.indexOf('=');
      return eq < 0 ? { key: f, value: null } : { key: f.slice(0, eq).trim(), value: unquote(f.slice(eq + 1).trim()) };
    });
}

const declarations = (text: string) => splitOutsideQuotes(text, ';').map((d) => d.trim()).filter((d) => d !== '');

/** The topics of a `create.topics` value; throws naming the declaration that cannot be read. */
export function parseTopicDeclarations(text: string): TopicDeclaration[] {
  return declarations(text).map((decl) => {
    try {
      const colon = decl.indexOf(':');
      const name = (colon < 0 ? decl : decl.slice(0, colon)).trim();
      if (name === '') throw new Error('no topic name');
      const out: TopicDeclaration = { text: decl, name, partitions: -1, configs: [] };
      for (const { key, value } of colon < 0 ? [] : fields(decl.slice(colon + 1))) {
        if (value === null) throw new Error(`'${key}' has no value (expected key=value)`);
        if (key === 'partitions') {
          if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`partitions '${value}' is not a positive integer`);
          out.partitions = Number(value);
        } else {
          out.configs.push({ name: key, value });
        }
      }
      return out;
    } catch (err) {
      throw new Error(`create.topics: '${decl}': ${(err as Error).message}`);
    }
  });
}

/** The ACLs of a `create.acls` value; throws naming the declaration that cannot be read. */
export function parseAclDeclarations(text: string): AclDeclaration[] {
  return declarations(text).map((decl) => {
    try {
      const given = new Map<string, string | null>();
      for (const { key, value } of fields(decl)) {
        const k = key.toLowerCase();
        if (!ACL_KEYS.has(k)) throw new Error(`unknown key '${key}' (principal, operation, ${ACL_RESOURCE_KEYS.join(', ')}, pattern, permission, host)`);
        if (given.has(k)) throw new Error(`'${key}' is given twice`);
        given.set(k, value);
      }
      const resources = ACL_RESOURCE_KEYS.filter((k) => given.has(k));
      if (resources.length !== 1) throw new Error(`name exactly one resource (${ACL_RESOURCE_KEYS.join('=, ')})`);
      const resourceType = resources[0];
      const resourceName = given.get(resourceType) ?? (resourceType === 'cluster' ? 'kafka-cluster' : null);
      if (resourceName === null) throw new Error(`${resourceType} has no value`);
      const required = (k: string) => {
        const v = given.get(k);
        if (v === undefined || v === null || v === '') throw new Error(`no ${k}`);
        return v;
      };
      const optional = (k: string, fallback: string) => {
        const v = given.get(k);
        if (v === null) throw new Error(`${k} has no value`);
        return v ?? fallback;
      };
      return {
        text: decl,
        principal: required('principal'),
        operation: required('operation'),
        resourceType,
        resourceName,
        pattern: optional('pattern', 'literal'),
        permission: optional('permission', 'allow'),
        host: optional('host', '*'),
      };
    } catch (err) {
      throw new Error(`create.acls: '${decl}': ${(err as Error).message}`);
    }
  });
}

/** For the settings' checks: why a value cannot be read, or undefined. */
export function declarationSyntaxProblem(parse: (text: string) => unknown, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    parse(value);
    return undefined;
  } catch (err) {
    return `cannot be read: ${(err as Error).message.replace(/^create\.(topics|acls): /, '')}`; // the caller names the setting
  }
}
