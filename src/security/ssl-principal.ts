// The principal of a client certificate, as Kafka's DefaultKafkaPrincipalBuilder makes it with the
// DEFAULT ssl.principal.mapping.rules: User:<subject DN> in RFC 2253 form (Java's
// X500Principal.getName()): the most specific RDN first, RDNs joined by ',' and the attributes of a
// multi-valued RDN by '+', special characters escaped with '\'. Example: User:CN=alice,OU=eng,O=acme.
// ssl.principal.mapping.rules (Kafka's SslPrincipalMapper) turn that DN into a shorter name:
// RULE:pattern/replacement/[LU] rules and DEFAULT, tried in order, the first that matches wins.

import { X509Certificate } from 'node:crypto';
import { type KafkaPrincipal, USER_TYPE } from './principal.js';

/**
 * The subject DN of a DER certificate in RFC 2253 order. Node prints the subject in certificate
 * order, one RDN a line, with RFC 2253 escaping (OpenSSL's ESC_2253) and ' + ' inside an RDN.
 */
export function subjectDnRfc2253(der: Buffer): string {
  const subject = new X509Certificate(der).subject;
  return subject
    .split('\n')
    .filter((rdn) => rdn !== '')
    .map((rdn) => rdn.split(' + ').map(javaAttribute).join('+'))
    .reverse()
    .join(',');
}

/** The principal of a client certificate: User:<DN>, or the name the mapping rules make of the DN. */
export function sslPrincipal(der: Buffer, mapper: SslPrincipalMapper = SslPrincipalMapper.DEFAULT): KafkaPrincipal {
  return { type: USER_TYPE, name: mapper.name(subjectDnRfc2253(der)) };
}

/** No rule matched the DN: Kafka fails the connection's authentication with this message. */
export class NoMatchingRule extends Error {}

// Kafka's rule grammar, to split the list and parse each rule the way it does (a '/' inside a
// pattern or replacement is escaped with a backslash; a bad rule is reported, an empty one ignored).
const RULE_PATTERN = '(DEFAULT)|RULE:((\\\\.|[^\\\\/])*)/((\\\\.|[^\\\\/])*)/([LU]?).*?|(.*?)';
const RULE_PARSER = new RegExp(`^(?:${RULE_PATTERN})`);

interface Rule {
  /** null: DEFAULT, the DN itself. */
  pattern: RegExp | null;
  /** The same pattern anchored at both ends: Java's Matcher.matches(). */
  whole: RegExp | null;
  replacement: string;
  groups: number;
  toLowerCase: boolean;
  toUpperCase: boolean;
  text: string;
}

export class SslPrincipalMapper {
  static readonly DEFAULT = SslPrincipalMapper.parse('DEFAULT');

  private constructor(private readonly rules: readonly Rule[]) {}

  /** Parses ssl.principal.mapping.rules; throws Error with Kafka's message for a rule it cannot read. */
  static parse(text: string): SslPrincipalMapper {
    const rules: Rule[] = [];
    for (const rule of splitRules(text)) {
      const m = RULE_PARSER.exec(rule);
      if (m === null) throw new Error(`Invalid rule: ${rule}`);
      if (m[0].length !== rule.length) throw new Error(`Invalid rule: \`${rule}\`, unmatched substring: \`${rule.slice(m[0].length)}\``);
      if (m[1] !== undefined) {
        rules.push({ pattern: null, whole: null, replacement: '', groups: 0, toLowerCase: false, toUpperCase: false, text: 'DEFAULT' });
      } else if (m[2] !== undefined) {
        let pattern: RegExp;
        let whole: RegExp;
        try {
          pattern = new RegExp(m[2], 'g');
          whole = new RegExp(`^(?:${m[2]})$`);
        } catch (err) {
          throw new Error(`Invalid rule: ${rule}: ${(err as Error).message}`);
        }
        const groups = new RegExp(`${m[2]}|`).exec('')!.length - 1;
        const flag = m[6] ?? '';
        rules.push({ pattern, whole, replacement: m[4], groups, toLowerCase: flag === 'L', toUpperCase: flag === 'U', text: `RULE:${m[2]}/${m[4]}${flag === '' ? '' : `/${flag}`}` });
      }
    }
    return new SslPrincipalMapper(rules);
  }

  /** The principal name of a DN; throws NoMatchingRule when no rule applies. */
  name(dn: string): string {
    for (const rule of this.rules) {
      const name = applyRule(rule, dn);
      if (name !== null) return name;
    }
    throw new NoMatchingRule(`No rules apply to ${dn}, rules [${this.rules.map((r) => r.text).join(', ')}]`);
  }
}

/** Java's Matcher.find() loop over the rule list: each match's first group is a rule. */
function splitRules(text: string): string[] {
  const splitter = new RegExp(`\\s*(${RULE_PATTERN})\\s*(,\\s*|$)`, 'g');
  const input = text.trim();
  const out: string[] = [];
  for (let m = splitter.exec(input); m !== null; m = splitter.exec(input)) {
    out.push(m[1]);
    if (m[0].length === 0) {
      if (splitter.lastIndex >= input.length) break;
      splitter.lastIndex++;
    }
  }
  return out;
}

function applyRule(rule: Rule, dn: string): string | null {
  if (rule.pattern === null) return dn;
  if (!rule.whole!.test(dn)) return null;
  rule.pattern.lastIndex = 0;
  const result = dn.replace(rule.pattern, (...args: unknown[]) => javaReplacement(rule.replacement, args.slice(0, rule.groups + 1) as (string | undefined)[]));
  return rule.toLowerCase ? result.toLowerCase() : rule.toUpperCase ? result.toUpperCase() : result;
}

/**
 * Java's replacement syntax (Matcher.appendReplacement): `\x` is a literal x, `$n` a group, read
 * digit by digit while the number names a group. A reference to a group the pattern does not have
 * stays literal text, as Kafka escapes it (escapeLiteralBackReferences).
 */
function javaReplacement(replacement: string, groups: (string | undefined)[]): string {
  const count = groups.length - 1;
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c === '\\' && i + 1 < replacement.length) {
      out += replacement[++i];
    } else if (c === '$' && /\d/.test(replacement[i + 1] ?? '')) {
      let n = Number(replacement[i + 1]);
      if (n > count) {
        out += c; // no such group: the literal text, as Kafka escapes it
        continue;
      }
      let j = i + 2;
      while (j < replacement.length && /\d/.test(replacement[j]) && n * 10 + Number(replacement[j]) <= count) n = n * 10 + Number(replacement[j++]);
      out += groups[n] ?? '';
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Java names only CN, C, L, ST, O, OU, STREET, DC and UID; others are printed as OID=#<DER hex>.
 * emailAddress (an IA5String) is the one client certificates commonly carry.
 */
function javaAttribute(attribute: string): string {
  const m = /^emailAddress=(.*)$/.exec(attribute);
  if (m === null || m[1].includes('\\')) return attribute;
  const value = Buffer.from(m[1], 'latin1');
  if (value.length > 127) return attribute;
  return `1.2.840.113549.1.9.1=#${Buffer.concat([Buffer.from([0x16, value.length]), value]).toString('hex')}`;
}
