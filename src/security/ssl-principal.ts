// The principal of a client certificate, as Kafka's DefaultKafkaPrincipalBuilder makes it with the
// DEFAULT ssl.principal.mapping.rules: User:<subject DN> in RFC 2253 form (Java's
// X500Principal.getName()): the most specific RDN first, RDNs joined by ',' and the attributes of a
// multi-valued RDN by '+', special characters escaped with '\'. Example: User:CN=alice,OU=eng,O=acme.

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

export function sslPrincipal(der: Buffer): KafkaPrincipal {
  return { type: USER_TYPE, name: subjectDnRfc2253(der) };
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
