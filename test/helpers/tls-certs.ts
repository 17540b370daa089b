// Test certificates made with openssl at test time in a temporary directory (keys are never
// committed): a CA, a server certificate for localhost and 127.0.0.1, a client certificate, the
// server key encrypted as PKCS#8 (ssl.key.password) and a PEM keystore file (key + chain).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  /** CA certificate (PEM) and its file: the truststore of both sides. */
  ca: string;
  caFile: string;
  /** Server key (PKCS#8) + certificate in one file, as ssl.keystore.location reads it. */
  keystoreFile: string;
  serverCert: string;
  serverKey: string;
  /** The server key encrypted with KEY_PASSWORD. */
  serverKeyEncrypted: string;
  clientCert: string;
  clientKey: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The client's subject DN in RFC 2253 order, as Kafka makes the principal. */
  clientDn: string;
  /** A client certificate from a CA the broker does not trust. */
  strangerCert: string;
  strangerKey: string;
  cleanup(): void;
}

export const KEY_PASSWORD = 'key-pass-7f3a';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function ca(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

function signed(dir: string, name: string, subject: string, caName: string, ext: string): void {
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-tls-'));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  ca(dir, 'ca');
  ca(dir, 'stranger-ca');
  signed(dir, 'server', '/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/O=acme/OU=eng/CN=alice', 'ca', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'stranger', '/CN=mallory', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['pkcs8', '-topk8', '-in', 'server.key', '-out', 'server-enc.key', '-passout', `pass:${KEY_PASSWORD}`, '-v2', 'aes-256-cbc']);
  writeFileSync(join(dir, 'keystore.pem'), read('server.key') + read('server.pem'));
  return {
    dir,
    ca: read('ca.pem'),
    caFile: join(dir, 'ca.pem'),
    keystoreFile: join(dir, 'keystore.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    serverKeyEncrypted: read('server-enc.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    clientDn: 'CN=alice,OU=eng,O=acme',
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
