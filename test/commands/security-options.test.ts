// The commands against a secured broker, with Kafka client properties as -X and --command-config:
// SCRAM-SHA-512 and PLAIN over SASL_SSL (trusting the test CA), SCRAM over SASL_PLAINTEXT, mTLS on an
// SSL listener; a wrong password, an untrusted certificate and a bad property each give one line and
// a non-zero exit, with no secret in it. Run as the built CLI (dist/cli.js), as a user runs it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { CLI } from '../helpers/broker-process.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { run } from '../helpers/tools.js';

let certs: TestCerts;
let broker: RunningBroker;
const at = (name: string) => broker.listeners.find((l) => l.name === name)!.bootstrap;
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args]);

beforeAll(async () => {
  certs = makeTestCerts();
  broker = await startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,MTLS://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,MTLS:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.keystoreFile,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.mtls.ssl.truststore.type': 'PEM',
      'listener.name.mtls.ssl.truststore.location': certs.caFile,
      'connection.failed.authentication.delay.ms': 0,
    },
    addScram: ['SCRAM-SHA-512=[name=alice,password=alice-secret]', 'SCRAM-SHA-256=[name=carol,password=carol-secret]'],
  });
});
afterAll(async () => {
  await broker?.close();
  certs?.cleanup();
});

describe('commands with -X and --command-config against secured listeners', () => {
  it('SCRAM-SHA-512 over SASL_SSL from a --command-config file (Java client syntax): create, produce, consume', async () => {
    const config = join(certs.dir, 'alice.properties');
    writeFileSync(config, [
      '# as for kafka-topics.sh --command-config',
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.caFile}`,
    ].join('\n'));
    const b = ['--bootstrap', at('SASL_SSL'), '--command-config', config];
    expect(await cli('topic', 'create', 'secured', '-p', '2', ...b)).toMatchObject({ code: 0 });
    const produced = await run(process.execPath, [CLI, 'produce', 'secured', '--partition', '0', ...b], { input: 'one\ntwo\n' });
    expect(produced.code).toBe(0);
    const consumed = await cli('consume', 'secured', '--partition', '0', '-e', ...b);
    expect(consumed).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
  });

  it('PLAIN over SASL_SSL and SCRAM-SHA-256 over SASL_PLAINTEXT with librdkafka-style -X properties', async () => {
    const plain = await cli('topic', 'list', '--bootstrap', at('SASL_SSL'), '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=PLAIN',
      '-X', 'sasl.username=bob', '-X', 'sasl.password=bob-secret', '-X', `ssl.ca.location=${certs.caFile}`);
    expect(plain.code).toBe(0);
    const scram = await cli('cluster', 'info', '--json', '--bootstrap', at('SASL_PLAINTEXT'), '-X', 'security.protocol=SASL_PLAINTEXT',
      '-X', 'sasl.mechanism=SCRAM-SHA-256', '-X', 'sasl.username=carol', '-X', 'sasl.password=carol-secret');
    expect(scram.code).toBe(0);
    expect(JSON.parse(scram.stdout).clusterId).toBe(broker.services.cluster.clusterId);
  });

  it('mTLS: a client certificate from ssl.certificate.location/ssl.key.location is accepted; without one the listener refuses', async () => {
    const tlsProps = ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.caFile}`];
    const withCert = await cli('topic', 'list', '--bootstrap', at('MTLS'), ...tlsProps,
      '-X', `ssl.certificate.location=${certs.clientCertFile}`, '-X', `ssl.key.location=${certs.clientKeyFile}`);
    expect(withCert.code).toBe(0);
    const without = await cli('topic', 'list', '--bootstrap', at('MTLS'), ...tlsProps);
    expect(without.code).toBe(3);
    expect(without.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('a wrong password: one line with the Kafka error, exit 1, and the password nowhere in it', async () => {
    const r = await cli('topic', 'list', '--bootstrap', at('SASL_PLAINTEXT'), '-X', 'security.protocol=SASL_PLAINTEXT',
      '-X', 'sasl.mechanism=SCRAM-SHA-512', '-X', 'sasl.username=alice', '-X', 'sasl.password=not-her-password');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tributary topic: authentication at 127\.0\.0\.1:\d+ failed: SaslAuthenticate as alice: SASL_AUTHENTICATION_FAILED/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('not-her-password');
  });

  it('a broker certificate nobody said to trust: one line naming TLS and what to set, exit 3', async () => {
    const r = await cli('topic', 'list', '--bootstrap', at('SASL_SSL'), '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanism=PLAIN',
      '-X', 'sasl.username=bob', '-X', 'sasl.password=bob-secret');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^tributary topic: TLS with 127\.0\.0\.1:\d+ failed \(.*\): check ssl\.truststore\.location/);
  });

  it('bad properties are usage errors (exit 2) naming the property: unknown protocol, GSSAPI, no credentials, JKS, missing file', async () => {
    const cases: [string[], RegExp][] = [
      [['-X', 'security.protocol=SASL_TLS'], /security\.protocol "SASL_TLS" is not one of/],
      [['-X', 'security.protocol=SASL_PLAINTEXT'], /sasl\.mechanism GSSAPI: the commands speak PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/],
      [['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanism=PLAIN'], /PLAIN needs credentials/],
      [['-X', 'security.protocol=SSL', '-X', 'ssl.truststore.type=JKS'], /only PEM files are read/],
      [['--command-config', join(certs.dir, 'nope.properties')], /--command-config: cannot read .*nope\.properties \(ENOENT\)/],
      [['-X', 'nokeyvalue'], /-X must be key=value/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('topic', 'list', '--bootstrap', at('PLAINTEXT'), ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
