// The mTLS principal's DN as Kafka's DefaultKafkaPrincipalBuilder (Java's X500Principal.getName(),
// RFC 2253) writes it: most specific RDN first, '+' inside a multi-valued RDN, RFC 2253 escapes,
// emailAddress as its OID with the DER value in hex. Certificates are made with openssl at test time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sslPrincipal, subjectDnRfc2253 } from '../../src/security/ssl-principal.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-dn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function certWithSubject(subject: string): Buffer {
  const out = join(dir, `c${Math.random().toString(36).slice(2)}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', out, '-days', '1', '-subj', subject, '-multivalue-rdn'], { stdio: 'ignore' });
  return new X509Certificate(readFileSync(out)).raw;
}

describe('subject DN in RFC 2253 order', () => {
  it('puts the most specific RDN first', () => {
    expect(sslPrincipal(certWithSubject('/C=US/O=acme/OU=eng/CN=alice'))).toEqual({ type: 'User', name: 'CN=alice,OU=eng,O=acme,C=US' });
  });

  it('escapes RFC 2253 specials and joins a multi-valued RDN with +', () => {
    // What Java's X500Principal.getName() prints for the same certificate (checked with a JDK 17).
    expect(subjectDnRfc2253(certWithSubject('/O=acme, inc./OU=a+CN=b'))).toBe('CN=b+OU=a,O=acme\\, inc.');
  });

  it('writes emailAddress as Java does: its OID and the DER value in hex', () => {
    // IA5String (0x16), 5 bytes, "a@b.c"
    expect(subjectDnRfc2253(certWithSubject('/CN=alice/emailAddress=a@b.c'))).toBe('1.2.840.113549.1.9.1=#16056140622e63,CN=alice');
  });
});
