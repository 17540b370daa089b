// ssl.principal.mapping.rules as Kafka's SslPrincipalMapper reads and applies them (its syntax,
// several rules, DEFAULT, /L and /U, escaped commas and slashes, Kafka's messages), and over mTLS
// with kafkajs: the mapped name is the principal ACLs see; a DN no rule matches is refused.

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { NoMatchingRule, SslPrincipalMapper } from '../../src/security/ssl-principal.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

describe('SslPrincipalMapper', () => {
  const name = (rules: string, dn: string) => SslPrincipalMapper.parse(rules).name(dn);

  it('DEFAULT keeps the DN', () => {
    expect(name('DEFAULT', 'CN=alice,OU=eng,O=acme')).toBe('CN=alice,OU=eng,O=acme');
  });

  it('applies the first rule that matches the whole DN, with groups and /L, /U', () => {
    const rules = [
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
      'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
      'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
      'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
      'DEFAULT',
    ].join(', ');
    expect(name(rules, 'CN=Duke,OU=ServiceUsers,O=Org,C=US')).toBe('Duke');
    expect(name(rules, 'CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US')).toBe('duke@sme');
    expect(name(rules, 'cn=duke,ou=sme,dc=mycp,dc=com')).toBe('DUKE@SME');
    expect(name(rules, 'cN=duke,OU=JavaSoft,O=Sun Microsystems')).toBe('DUKE');
    expect(name(rules, 'OU=JavaSoft,O=Sun Microsystems,C=US')).toBe('OU=JavaSoft,O=Sun Microsystems,C=US');
  });

  it('reads escaped commas in a pattern, and a reference to a missing group as text', () => {
    expect(name('RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/,DEFAULT', 'CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz')).toBe('Tkac\\, Adam');
    expect(name('RULE:^CN=(.*?),.*$/$1@$2/', 'CN=alice,O=acme')).toBe('alice@$2');
  });

  it('refuses rules Kafka refuses, with its messages', () => {
    expect(() => SslPrincipalMapper.parse('default')).toThrow('Invalid rule: `default`, unmatched substring: `default`');
    expect(() => SslPrincipalMapper.parse('DEFAULT/L')).toThrow('Invalid rule: `DEFAULT/L`, unmatched substring: `/L`');
    expect(() => SslPrincipalMapper.parse('RULE:CN=(.*?),OU=ServiceUsers.*/$1')).toThrow(/^Invalid rule: `RULE:/);
  });

  it('a DN no rule matches is NoMatchingRule, with Kafka\'s message', () => {
    const mapper = SslPrincipalMapper.parse('RULE:^CN=(.*),OU=ServiceUsers.*$/$1/L');
    expect(() => mapper.name('CN=x,OU=other')).toThrow(NoMatchingRule);
    expect(() => mapper.name('CN=x,OU=other')).toThrow('No rules apply to CN=x,OU=other, rules [RULE:^CN=(.*),OU=ServiceUsers.*$/$1/L]');
  });
});

describe('ssl.principal.mapping.rules over mTLS', () => {
  let certs: TestCerts;
  let broker: RunningBroker;
  const log = new MemoryLogger('info');
  const bootstrap = (listener: string) => broker.listeners.find((l) => l.name === listener)!.bootstrap;

  beforeAll(async () => {
    certs = makeTestCerts();
    broker = await startBroker({
      config: {
        listeners: 'MAPPED://127.0.0.1:0,NOMATCH://127.0.0.1:0',
        'listener.security.protocol.map': 'MAPPED:SSL,NOMATCH:SSL',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.keystoreFile,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': certs.caFile,
        'ssl.client.auth': 'required',
        'ssl.principal.mapping.rules': 'RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/U,DEFAULT',
        'listener.name.nomatch.ssl.principal.mapping.rules': 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      },
      logger: log,
    });
  });
  afterAll(async () => {
    await broker?.close();
    certs?.cleanup();
  });

  const client = (listener: string) =>
    new Kafka({ clientId: 'rules', brokers: [bootstrap(listener)], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ssl: { ca: [certs.ca], cert: certs.clientCert, key: certs.clientKey } });

  it('the principal is the name the rules make of the certificate DN', async () => {
    const admin = client('MAPPED').admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: ['who-am-i'] }).catch(() => {});
    await admin.disconnect();
    const denied = log.lines.find((l) => l.includes('resource = Topic:LITERAL:who-am-i'));
    expect(/Principal = (.*?) is Denied/.exec(denied ?? '')?.[1]).toBe('User:ALICE@ENG');
  });

  it('a certificate no rule names is refused and logged, as Kafka fails its authentication', async () => {
    await expect(client('NOMATCH').admin().connect()).rejects.toThrow();
    expect(log.lines.some((l) => l.includes('failed authentication') && l.includes(`No rules apply to ${certs.clientDn}`))).toBe(true);
  });

  it('a rule Kafka cannot read stops start-up naming the listener and the setting', async () => {
    await expect(
      startBroker({
        config: {
          listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.keystoreFile,
          'ssl.principal.mapping.rules': 'RULE:^CN=(.*)$/$1',
        },
      }),
    ).rejects.toThrow(/listener SSL:\/\/127\.0\.0\.1:0: ssl\.principal\.mapping\.rules: Invalid rule/);
  });
});
