// Certificate reload without a restart (KIP-226): an IncrementalAlterConfigs of the listener's
// ssl.keystore.location (the same path) loads the renewed file; new handshakes see the new
// certificate (its serial), a connection already open keeps its session and keeps working; a bad
// keystore or one with another subject DN is refused with Kafka's message and the old one stays;
// a truststore is reloaded likewise; SIGHUP's reload (reloadTlsFiles) picks up a changed file.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { decodeResponse, encodeRequest, loadAllApiCodecs } from '../../src/codec/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

let certs: TestCerts;
let broker: RunningBroker;
let keystore: string;
let truststore: string;
let bumps = 0;

/** A new server key and certificate from the test CA (a renewal: same subject and SANs unless told), as a PEM keystore text. */
function issue(subject = '/CN=localhost', caName = 'ca'): string {
  const n = `renewed${++bumps}`;
  const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: certs.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', subject]);
  writeFileSync(join(certs.dir, `${n}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ossl(['x509', '-req', '-in', `${n}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${n}.pem`, '-days', '2', '-extfile', `${n}.ext`]);
  return readFileSync(join(certs.dir, `${n}.key`), 'utf8') + readFileSync(join(certs.dir, `${n}.pem`), 'utf8');
}

/** Writes a file with a modification time of its own (a reload compares mtimes, as Kafka does). */
function rewrite(path: string, text: string): void {
  writeFileSync(path, text);
  const t = new Date(Date.now() + ++bumps * 1000);
  utimesSync(path, t, t);
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

/** A TLS connection to the SSL listener; resolves with the socket and the broker certificate's serial. */
function connectTls(port = broker.listeners.find((l) => l.name === 'SSL')!.port): Promise<{ socket: tls.TLSSocket; serial: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [certs.ca] }, () => resolve({ socket, serial: socket.getPeerCertificate().serialNumber }));
    socket.once('error', reject);
  });
}

/** ApiVersions over a TLS socket: the connection still works. */
async function apiVersionsOver(socket: tls.TLSSocket): Promise<number> {
  await loadAllApiCodecs();
  const frame = await new Promise<Buffer>((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.off('data', onData);
        resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
      }
    };
    socket.on('data', onData);
    socket.write(Buffer.concat(encodeRequest(18, 3, { correlationId: 7, clientId: 't' }, { clientSoftwareName: 't', clientSoftwareVersion: '1' })));
  });
  return (decodeResponse(18, 3, frame).body as { errorCode: number }).errorCode;
}

async function setListenerConfig(name: string, value: string): Promise<{ errorCode: number; errorMessage: string | null }> {
  const c = await RawClient.connect(broker.port);
  const res = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '1', configs: [{ name, value, configOperation: 0 }] }], validateOnly: false });
  c.close();
  return res.responses[0];
}

beforeAll(async () => {
  certs = makeTestCerts();
  keystore = join(certs.dir, 'live-keystore.pem');
  truststore = join(certs.dir, 'live-truststore.pem');
  rewrite(keystore, readFileSync(certs.keystoreFile, 'utf8'));
  rewrite(truststore, certs.ca);
  broker = await startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': keystore,
      'listener.name.ssl.ssl.truststore.location': truststore,
      'listener.name.ssl.ssl.client.auth': 'requested',
    },
  });
});
afterAll(async () => {
  await broker?.close();
  certs?.cleanup();
});

describe('keystore reload (KIP-226)', () => {
  it('an AlterConfigs of the same keystore path loads the renewed file: new handshakes see it, open connections keep working', async () => {
    const before = await connectTls();
    expect(before.serial).toBe(serialOf(certs.serverCert));
    const renewed = issue();
    rewrite(keystore, renewed);
    // The file alone changes nothing (Kafka does not watch it).
    const unchanged = await connectTls();
    expect(unchanged.serial).toBe(before.serial);
    unchanged.socket.destroy();

    expect(await setListenerConfig('listener.name.ssl.ssl.keystore.location', keystore)).toMatchObject({ errorCode: 0, errorMessage: null });
    const after = await connectTls();
    expect(after.serial).toBe(serialOf(renewed));
    expect(after.serial).not.toBe(before.serial);
    expect(await apiVersionsOver(after.socket)).toBe(0);
    // The connection made before the reload keeps its session and is served.
    expect(before.socket.getPeerCertificate().serialNumber).toBe(serialOf(certs.serverCert));
    expect(await apiVersionsOver(before.socket)).toBe(0);
    before.socket.destroy();
    after.socket.destroy();
  });

  it('refuses a keystore it cannot use, with Kafka\'s message, and keeps the one in use', async () => {
    const inUse = (await connectTls()).serial;
    const broken = join(certs.dir, 'broken.pem');
    rewrite(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const res = await setListenerConfig('listener.name.ssl.ssl.keystore.location', broken);
    expect(res.errorCode).toBe(42); // INVALID_REQUEST
    // Kafka's words, as DynamicBrokerConfig wraps its SslFactory's refusal.
    expect(res.errorMessage).toMatch(/^Invalid value org\.apache\.kafka\.common\.config\.ConfigException: Validation of dynamic config update of SSLFactory failed: .* for configuration Invalid dynamic configuration$/s);
    const missing = await setListenerConfig('listener.name.ssl.ssl.keystore.location', join(certs.dir, 'nope.pem'));
    expect(missing.errorCode).toBe(42);
    expect(missing.errorMessage).toContain('cannot read');
    const still = await connectTls();
    expect(still.serial).toBe(inUse);
    still.socket.destroy();
  });

  it('refuses a keystore whose subject DN differs (ssl.allow.dn.changes=false), as Kafka does', async () => {
    const other = join(certs.dir, 'other-dn.pem');
    rewrite(other, issue('/CN=someone-else'));
    const res = await setListenerConfig('listener.name.ssl.ssl.keystore.location', other);
    expect(res.errorCode).toBe(42);
    expect(res.errorMessage).toContain('Keystore DistinguishedName does not match:  existing={alias=kafka, DN=CN=localhost}, new={alias=kafka, DN=CN=someone-else}');
  });

  it('reloads a changed truststore: a client certificate from a newly trusted CA is accepted', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca2.key', '-out', 'ca2.pem', '-days', '2', '-subj', '/CN=ca2'], { cwd: certs.dir, stdio: 'ignore' });
    const port = broker.listeners.find((l) => l.name === 'SSL')!.port;
    const withStranger = () =>
      new Promise<boolean>((resolve) => {
        const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [certs.ca], cert: certs.strangerCert, key: certs.strangerKey }, async () => {
          // TLS 1.3: the server's verdict on the client certificate arrives after the client's handshake.
          try {
            resolve((await apiVersionsOver(s)) === 0);
          } catch {
            resolve(false);
          }
          s.destroy();
        });
        s.once('error', () => resolve(false));
        s.once('close', () => resolve(false));
      });
    expect(await withStranger()).toBe(false);
    rewrite(truststore, certs.ca + readFileSync(join(certs.dir, 'stranger-ca.pem'), 'utf8'));
    expect(await setListenerConfig('listener.name.ssl.ssl.truststore.location', truststore)).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(await withStranger()).toBe(true);
  });

  it('the CLI reloads a changed keystore file on SIGHUP', { timeout: 60_000 }, async () => {
    const file = join(certs.dir, 'cli-keystore.pem');
    rewrite(file, readFileSync(certs.keystoreFile, 'utf8'));
    const cli = await startBrokerProcess(['--storage', 'memory://', '--listeners', 'SSL://127.0.0.1:0', '--ssl.keystore.type', 'PEM', '--ssl.keystore.location', file]);
    try {
      const before = await connectTls(cli.port);
      const renewed = issue();
      rewrite(file, renewed);
      const reloaded = new Promise<void>((resolve) => {
        const check = () => (cli.stderr().includes('TLS keystore reloaded') ? resolve() : setTimeout(check, 20));
        check();
      });
      cli.child.kill('SIGHUP');
      await reloaded;
      const after = await connectTls(cli.port);
      expect(after.serial).toBe(serialOf(renewed));
      expect(await apiVersionsOver(before.socket)).toBe(0); // the connection made before is still served
      before.socket.destroy();
      after.socket.destroy();
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('reloadTlsFiles (what SIGHUP calls) picks up a keystore file that changed', async () => {
    const renewed = issue();
    rewrite(keystore, renewed);
    expect(broker.reloadTlsFiles()).toEqual([]);
    const after = await connectTls();
    expect(after.serial).toBe(serialOf(renewed));
    after.socket.destroy();
  });
});
