// TLS over real sockets: kafkajs (and kcat) produce and consume on an SSL listener, SCRAM over
// SASL_SSL, mTLS with ssl.client.auth=required (no certificate: refused; a certificate: the principal
// is User:<subject DN>, which ACLs see), plaintext or garbage on a TLS port closes only that socket,
// and a keystore Tributary cannot read stops start-up with a message naming PEM and no secret.
// Certificates are made with openssl in a temporary directory at test time.

import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType } from '../../src/security/acl.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';
import { KEY_PASSWORD, makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { produceAndConsume } from '../helpers/kafkajs-round-trip.js';

const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
let certs: TestCerts;
const log = new MemoryLogger('info');
let broker: RunningBroker;
const listener = (name: string) => broker.listeners.find((l) => l.name === name)!;

beforeAll(async () => {
  certs = makeTestCerts();
  broker = await startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0,MTLS://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,MTLS:SSL',
      // SSL: the keystore file (key + chain), broker-wide.
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.keystoreFile,
      // SASL_SSL: inline PEM, an encrypted key, line breaks lost as in a properties file.
      'listener.name.sasl_ssl.ssl.keystore.location': '',
      'listener.name.sasl_ssl.ssl.keystore.certificate.chain': certs.serverCert.replace(/\n/g, ' '),
      'listener.name.sasl_ssl.ssl.keystore.key': certs.serverKeyEncrypted.replace(/\n/g, ' '),
      'listener.name.sasl_ssl.ssl.key.password': KEY_PASSWORD,
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      // MTLS: client certificates required, checked against the CA.
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.mtls.ssl.truststore.type': 'PEM',
      'listener.name.mtls.ssl.truststore.location': certs.caFile,
      'authorizer.class.name': STANDARD,
      'super.users': 'User:ANONYMOUS;User:scram',
      'connection.failed.authentication.delay.ms': 0,
    },
    addScram: ['SCRAM-SHA-256=[name=scram,password=scram-secret]'],
    logger: log,
  });
});
afterAll(async () => {
  if (process.env.TLS_DEBUG) console.log(log.lines.join("\n"));
  await broker?.close();
  certs?.cleanup();
});

function kafka(name: string, extra: Partial<KafkaConfig> = {}) {
  return new Kafka({ clientId: 'tls-e2e', brokers: [listener(name).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...extra });
}


const topicName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

describe('SSL listener', () => {
  it('kafkajs produces and consumes over TLS, trusting the CA', async () => {
    expect(await produceAndConsume(kafka('SSL', { ssl: { ca: [certs.ca] } }), topicName('ssl'))).toEqual(['one', 'two']);
  });

  it('a client that does not trust the server certificate fails its handshake', async () => {
    await expect(kafka('SSL', { ssl: { ca: [certs.strangerCert] } }).admin().connect()).rejects.toThrow();
  });

  it('plaintext Kafka bytes and garbage on the TLS port close only that socket; the broker keeps serving', async () => {
    for (const bytes of [
      // An ApiVersions v3 request, as a plaintext client would send it.
      Buffer.from('0000001d0012000300000001000974726962757461727900047465737405302e302e3100', 'hex'),
      // Garbage that cannot start a TLS record (an HTTP request line first).
      Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n'), randomBytes(4096)]),
    ]) {
      const socket = net.connect(listener('SSL').port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      socket.resume(); // read to the end: a FIN from the broker then shows as 'close'
      socket.write(bytes);
      await closed;
    }
    expect(log.lines.filter((l) => l.includes('TLS handshake failed')).length).toBeGreaterThanOrEqual(2);
    expect(log.lines.some((l) => l.includes('TLS handshake failed') && l.includes(certs.serverKey.slice(40, 80)))).toBe(false);
    const admin = kafka('SSL', { ssl: { ca: [certs.ca] } }).admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual(expect.any(Array));
    await admin.disconnect();
  });

  it('a peer that sends part of a TLS record and stops is closed at the 10 s handshake deadline, with a log line', async () => {
    const socket = net.connect(listener('SSL').port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x10, 0x00]), Buffer.alloc(200, 7)])); // 200 of 4096 bytes
    await closed;
    expect(log.lines.some((l) => l.includes('TLS handshake failed') && l.includes('no handshake within 10000 ms'))).toBe(true);
  }, 20_000);

  it('a TLS record header announcing a record longer than TLS allows closes that socket at once, with a log line', async () => {
    const socket = net.connect(listener('SSL').port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const started = Date.now();
    socket.resume(); // read to the end: the broker's FIN then shows as 'close'
    socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), Buffer.alloc(64, 7)])); // 65535 > 2^14 + 2048
    await closed;
    // Closed by the refusal, not by the 10 s handshake deadline.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(log.lines.some((l) => l.includes('TLS handshake failed') && !l.includes('no handshake within'))).toBe(true);
  }, 20_000);

  it('a TCP probe that connects and hangs up logs no warning', async () => {
    const warnings = () => log.lines.filter((l) => l.includes('WARN') && l.includes('TLS handshake failed')).length;
    const before = warnings();
    const probe = net.connect(listener('SSL').port, '127.0.0.1');
    await new Promise<void>((resolve) => probe.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => probe.once('close', () => resolve()));
    probe.end();
    await closed;
    // The broker's side has closed too once another client is served after it.
    const admin = kafka('SSL', { ssl: { ca: [certs.ca] } }).admin();
    await admin.connect();
    await admin.disconnect();
    expect(warnings()).toBe(before);
  });

  it('a socket that opens TLS and never finishes the handshake holds nothing up', async () => {
    const stalled = net.connect(listener('SSL').port, '127.0.0.1');
    stalled.on('error', () => {});
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a ClientHello, then nothing
    const admin = kafka('SSL', { ssl: { ca: [certs.ca] } }).admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
    stalled.destroy();
  });
});

describe('SASL_SSL listener', () => {
  it('kafkajs authenticates with SCRAM-SHA-256 over TLS (inline PEM keystore, encrypted key)', async () => {
    const client = kafka('SASL_SSL', { ssl: { ca: [certs.ca] }, sasl: { mechanism: 'scram-sha-256', username: 'scram', password: 'scram-secret' } });
    expect(await produceAndConsume(client, topicName('sasl-ssl'))).toEqual(['one', 'two']);
    expect(log.lines.some((l) => l.includes('authenticated') && l.includes('User:scram'))).toBe(true);
  });

  it('a wrong password fails authentication', async () => {
    const client = kafka('SASL_SSL', { ssl: { ca: [certs.ca] }, sasl: { mechanism: 'scram-sha-256', username: 'scram', password: 'wrong-secret' } });
    await expect(client.admin().connect()).rejects.toThrow();
  });
});

describe('mTLS (ssl.client.auth=required)', () => {
  it('refuses a client without a certificate and one with a certificate from another CA', async () => {
    await expect(kafka('MTLS', { ssl: { ca: [certs.ca] } }).admin().connect()).rejects.toThrow();
    await expect(kafka('MTLS', { ssl: { ca: [certs.ca], cert: certs.strangerCert, key: certs.strangerKey } }).admin().connect()).rejects.toThrow();
  });

  it('the principal is User:<subject DN>: ACLs on it deny, then allow', async () => {
    const principal = `User:${certs.clientDn}`;
    const topic = topicName('mtls');
    const plain = kafka('PLAINTEXT').admin(); // User:ANONYMOUS, a super user here
    await plain.connect();
    await plain.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await plain.disconnect();
    const client = kafka('MTLS', { ssl: { ca: [certs.ca], cert: certs.clientCert, key: certs.clientKey } });
    const producer = client.producer();
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'denied' }] })).rejects.toThrow(/authoriz/i);
    expect(log.lines.some((l) => l.includes(`Principal = ${principal} is Denied`))).toBe(true);
    await broker.services.authorizer!.create([
      { resourceType: ResourceType.TOPIC, resourceName: topic, patternType: PatternType.LITERAL, principal, host: '*', operation: Op.WRITE, permission: AclPermission.ALLOW },
    ]);
    await producer.send({ topic, messages: [{ value: 'allowed' }] });
    await producer.disconnect();
  });

  it('Node\'s TLS client sees the handshake refused without a certificate', async () => {
    const socket = tls.connect({ port: listener('MTLS').port, host: '127.0.0.1', ca: [certs.ca] });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('error', (err) => resolve(`error: ${err.message}`));
      socket.once('close', () => resolve('closed'));
      // TLS 1.3: the server's refusal arrives after the client's handshake is done.
      socket.once('secureConnect', () => socket.write(Buffer.alloc(4)));
    });
    expect(outcome).toMatch(/error|closed/);
    expect(log.lines.some((l) => l.includes('TLS handshake failed') && l.includes('listener=MTLS'))).toBe(true);
  });
});

describe('keystores Tributary cannot serve stop start-up', () => {
  const start = (config: Record<string, string>) => startBroker({ config: { listeners: 'SSL://127.0.0.1:0', 'listener.security.protocol.map': 'SSL:SSL', ...config } });

  it('JKS and PKCS12 keystores: an error naming PEM', async () => {
    await expect(start({ 'ssl.keystore.location': certs.keystoreFile })).rejects.toThrow(/ssl\.keystore\.type=JKS is not supported.*PEM/);
    await expect(start({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.keystoreFile })).rejects.toThrow(/PKCS12 is not supported.*PEM/);
    await expect(start({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.keystoreFile, 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': certs.caFile })).rejects.toThrow(/ssl\.truststore\.type=JKS is not supported/);
  });

  it('no keystore, a missing file, a wrong key password: errors that name the key and quote no secret', async () => {
    await expect(start({})).rejects.toThrow(/SSL:\/\/127\.0\.0\.1:0: no keystore/);
    await expect(start({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/nonexistent/ks.pem' })).rejects.toThrow(/ssl\.keystore\.location: cannot read \/nonexistent\/ks\.pem/);
    const wrong = start({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': certs.serverCert, 'ssl.keystore.key': certs.serverKeyEncrypted, 'ssl.key.password': 'not-the-password' });
    const err = await wrong.then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/the TLS settings cannot be used/);
    expect(err?.message).not.toContain('not-the-password');
    expect(err?.message).not.toContain(certs.serverKeyEncrypted.split('\n')[1]);
    await expect(start({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.keystoreFile, 'ssl.enabled.protocols': 'TLSv1.1' })).rejects.toThrow(/ssl\.enabled\.protocols: TLSv1\.1 is not supported/);
  });

  it('DescribeConfigs reports key material and passwords as sensitive (null)', async () => {
    const admin = kafka('PLAINTEXT').admin();
    await admin.connect();
    const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: String(broker.services.cluster.nodeId), configNames: ['ssl.keystore.key', 'ssl.key.password', 'ssl.keystore.location', 'ssl.client.auth'] }] });
    await admin.disconnect();
    const entries = new Map(r.resources[0].configEntries.map((e) => [e.configName, e]));
    expect(entries.get('ssl.key.password')).toMatchObject({ isSensitive: true, configValue: null });
    expect(entries.get('ssl.keystore.key')).toMatchObject({ isSensitive: true, configValue: null });
    expect(entries.get('ssl.keystore.location')).toMatchObject({ isSensitive: false, configValue: certs.keystoreFile });
    expect(entries.get('ssl.client.auth')).toMatchObject({ configValue: 'none' });
  });
});

describe.runIf(requireTool(HAVE_KCAT, 'kcat'))('SSL with kcat (librdkafka)', () => {
  it('produces and consumes over TLS', async () => {
    const topic = topicName('kcat-ssl');
    const ssl = ['-b', listener('SSL').bootstrap, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`];
    const produced = await run('kcat', [...ssl, '-P', '-t', topic], { input: 'a\nb\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await run('kcat', [...ssl, '-C', '-t', topic, '-o', 'beginning', '-e']);
    expect(consumed.stdout.trim().split('\n')).toEqual(['a', 'b']);
  });

  it('mTLS with a client certificate', async () => {
    const mtls = ['-b', listener('MTLS').bootstrap, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`, '-X', `ssl.certificate.location=${certs.clientCertFile}`, '-X', `ssl.key.location=${certs.clientKeyFile}`];
    const r = await run('kcat', [...mtls, '-L']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('ssl.client.auth=requested, protocols and cipher suites', () => {
  let b: RunningBroker;
  const blog = new MemoryLogger('info');
  const port = (name: string) => b.listeners.find((l) => l.name === name)!.port;
  const bootstrap = (name: string) => b.listeners.find((l) => l.name === name)!.bootstrap;
  beforeAll(async () => {
    b = await startBroker({
      config: {
        listeners: 'REQ://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_REQ://127.0.0.1:0,TLS12://127.0.0.1:0',
        'listener.security.protocol.map': 'REQ:SSL,SASL_SSL:SASL_SSL,SASL_REQ:SASL_SSL,TLS12:SSL',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.keystoreFile,
        'ssl.client.auth': 'requested',
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.certificates': certs.ca,
        'listener.name.tls12.ssl.enabled.protocols': 'TLSv1.2',
        'listener.name.tls12.ssl.cipher.suites': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
        // KIP-684: on SASL_SSL only the listener-prefixed ssl.client.auth asks for a certificate.
        'listener.name.sasl_req.ssl.client.auth': 'requested',
        'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
        'authorizer.class.name': STANDARD,
        'connection.failed.authentication.delay.ms': 0,
      },
      addScram: ['SCRAM-SHA-256=[name=bob,password=bob-secret]'],
      logger: blog,
    });
  });
  afterAll(() => b?.close());

  /** Asks for one topic's metadata: the authorizer logs the denial with the connection's principal. */
  async function principalSeen(config: Partial<KafkaConfig>, listenerName: string): Promise<string | undefined> {
    const topic = topicName('who');
    const admin = new Kafka({ clientId: 'tls-e2e', brokers: [bootstrap(listenerName)], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...config }).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
    const line = blog.lines.find((l) => l.includes(`resource = Topic:LITERAL:${topic}`));
    return /Principal = (.*?) is Denied/.exec(line ?? '')?.[1];
  }

  it('a client without a certificate is User:ANONYMOUS, one with a trusted certificate is its DN', async () => {
    expect(await principalSeen({ ssl: { ca: [certs.ca] } }, 'REQ')).toBe('User:ANONYMOUS');
    expect(await principalSeen({ ssl: { ca: [certs.ca], cert: certs.clientCert, key: certs.clientKey } }, 'REQ')).toBe(`User:${certs.clientDn}`);
  });

  it('a certificate the truststore does not trust is refused, logged, and nothing else is affected', async () => {
    const stranger = new Kafka({ clientId: 'tls-e2e', brokers: [bootstrap('REQ')], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ssl: { ca: [certs.ca], cert: certs.strangerCert, key: certs.strangerKey } });
    await expect(stranger.admin().connect()).rejects.toThrow();
    expect(blog.lines.some((l) => l.includes('TLS handshake failed') && l.includes('client certificate not trusted'))).toBe(true);
  });

  it('on SASL_SSL the SASL identity is the principal, not the certificate', async () => {
    const sasl = { mechanism: 'scram-sha-256' as const, username: 'bob', password: 'bob-secret' };
    expect(await principalSeen({ ssl: { ca: [certs.ca], cert: certs.clientCert, key: certs.clientKey }, sasl }, 'SASL_REQ')).toBe('User:bob');
  });

  it('KIP-684: the broker-wide ssl.client.auth does not apply to SASL_SSL listeners, the prefixed one does', async () => {
    const stranger = (listenerName: string) =>
      new Kafka({
        clientId: 'tls-e2e', brokers: [bootstrap(listenerName)], logLevel: logLevel.NOTHING, retry: { retries: 0 },
        ssl: { ca: [certs.ca], cert: certs.strangerCert, key: certs.strangerKey }, sasl: { mechanism: 'scram-sha-256', username: 'bob', password: 'bob-secret' },
      }).admin();
    const unasked = stranger('SASL_SSL'); // no certificate requested: the untrusted one is never sent
    await unasked.connect();
    await unasked.disconnect();
    await expect(stranger('SASL_REQ').connect()).rejects.toThrow();
  });

  it('ssl.enabled.protocols and ssl.cipher.suites (IANA names) bound what the handshake accepts', async () => {
    const handshake = (options: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ port: port('TLS12'), host: '127.0.0.1', ca: [certs.ca], ...options }, () => {
          resolve(`${s.getProtocol()} ${s.getCipher().name}`);
          s.end();
        });
        s.on('error', (err) => resolve(`error: ${err.message}`));
      });
    expect(await handshake({})).toBe('TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384');
    expect(await handshake({ minVersion: 'TLSv1.3' })).toMatch(/^error/);
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toMatch(/^error/);
    expect(await handshake({ minVersion: 'TLSv1.3' }).then(() => handshake({ port: port('REQ') }))).toMatch(/^TLSv1\.3/);
  });
});
