// SASL mechanisms against published vectors and Kafka's rules: SCRAM-SHA-256 against RFC 7677's
// exchange (an independent implementation's bytes), PLAIN against RFC 4616's message layout, and the
// failures Kafka reports — with the client told only what Kafka tells it.

import { describe, expect, it } from 'vitest';
import { parseJaasConfig } from '../../src/security/jaas.js';
import { PlainServer, PlainUsers } from '../../src/security/plain.js';
import { SaslAuthenticationFailure, kafkaMechanismOrder } from '../../src/security/sasl.js';
import { ScramServer, createScramCredential, credentialFromSaltedPassword, usernameFromSaslName } from '../../src/security/scram.js';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

// RFC 7677 section 3: user "user", password "pencil".
const RFC = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function rfcServer(password = 'pencil'): ScramServer {
  const credential = createScramCredential('SCRAM-SHA-256', password, 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
  return new ScramServer('SCRAM-SHA-256', { lookup: (u) => (u === 'user' ? credential : null), serverNonce: RFC.serverNonce });
}

function failure(fn: () => unknown): SaslAuthenticationFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof SaslAuthenticationFailure) return err;
    throw err;
  }
  throw new Error('expected an authentication failure');
}

const GENERIC_256 = 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256';

describe('SCRAM-SHA-256', () => {
  it('answers RFC 7677 exchange byte for byte and authenticates the user', () => {
    const server = rfcServer();
    expect(server.evaluate(Buffer.from(RFC.clientFirst)).response.toString()).toBe(RFC.serverFirst);
    const final = server.evaluate(Buffer.from(RFC.clientFinal));
    expect(final.response.toString()).toBe(RFC.serverFinal);
    expect(final.authenticatedUser).toBe('user');
  });

  it('refuses a wrong password with the generic message (nothing about why reaches the client)', () => {
    const server = rfcServer('not-pencil');
    server.evaluate(Buffer.from(RFC.clientFirst));
    const err = failure(() => server.evaluate(Buffer.from(RFC.clientFinal)));
    expect(err.clientMessage).toBe(GENERIC_256);
    expect(err.logReason).toMatch(/Invalid client credentials \(user user\)/);
    expect(err.logReason).not.toMatch(/pencil/);
  });

  it('refuses an unknown user, a changed nonce, and a token after completion', () => {
    const unknown = new ScramServer('SCRAM-SHA-256', { lookup: () => null });
    expect(failure(() => unknown.evaluate(Buffer.from(RFC.clientFirst))).clientMessage).toBe(GENERIC_256);

    const server = rfcServer();
    server.evaluate(Buffer.from(RFC.clientFirst));
    expect(failure(() => server.evaluate(Buffer.from(RFC.clientFinal.replace('k0,p=', 'kX,p=')))).logReason).toMatch(/nonce/);

    const done = rfcServer();
    done.evaluate(Buffer.from(RFC.clientFirst));
    done.evaluate(Buffer.from(RFC.clientFinal));
    expect(failure(() => done.evaluate(Buffer.from(RFC.clientFinal))).clientMessage).toBe(GENERIC_256);
  });

  it('tells the client when it asks for another authorization id (as Kafka does)', () => {
    const server = rfcServer();
    const err = failure(() => server.evaluate(Buffer.from('n,a=admin,n=user,r=abc')));
    expect(err.clientMessage).toBe('Authentication failed: Client requested an authorization id that is different from username');
  });

  it('refuses malformed messages and credentials below the minimum iterations, without echoing input', () => {
    const server = rfcServer();
    const err = failure(() => server.evaluate(Buffer.from('p=tls-server-end-point,,n=user,r=secret-ish')));
    expect(err.clientMessage).toBe(GENERIC_256);
    expect(err.logReason).not.toMatch(/secret-ish/);
    const weak = createScramCredential('SCRAM-SHA-256', 'pencil', 1000);
    const low = new ScramServer('SCRAM-SHA-256', { lookup: () => weak });
    expect(failure(() => low.evaluate(Buffer.from(RFC.clientFirst))).logReason).toMatch(/Iterations 1000 is less than the minimum 4096/);
  });

  it('decodes RFC 5802 saslnames', () => {
    expect(usernameFromSaslName('a=2Cb=3Dc')).toBe('a,b=c');
  });
});

describe('SCRAM-SHA-512', () => {
  it('completes an exchange computed independently from RFC 5802 formulas', () => {
    const salt = Buffer.from('0123456789abcdef');
    const salted = pbkdf2Sync('secret', salt, 4096, 64, 'sha512');
    const credential = credentialFromSaltedPassword('SCRAM-SHA-512', salt, 4096, salted);
    const server = new ScramServer('SCRAM-SHA-512', { lookup: () => credential });
    const first = server.evaluate(Buffer.from('n,,n=bob,r=clientnonce')).response.toString();
    const nonce = /r=([^,]+)/.exec(first)![1];
    expect(nonce.startsWith('clientnonce')).toBe(true);
    // The client side, written from the RFC rather than with the server's helpers.
    const clientKey = createHmac('sha512', salted).update('Client Key').digest();
    const storedKey = createHash('sha512').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `n=bob,r=clientnonce,${first},${withoutProof}`;
    const signature = createHmac('sha512', storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
    const final = server.evaluate(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
    const serverKey = createHmac('sha512', salted).update('Server Key').digest();
    expect(final.response.toString()).toBe(`v=${createHmac('sha512', serverKey).update(authMessage).digest('base64')}`);
    expect(final.authenticatedUser).toBe('bob');
  });
});

describe('PLAIN', () => {
  const users = PlainUsers.fromJaasOptions(
    parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice;secret";')[0].options,
  );
  const plain = (text: string) => new PlainServer(users).evaluate(Buffer.from(text));

  it('authenticates users of the JAAS config (quoted values may hold ; and =)', () => {
    expect(users.size).toBe(2);
    expect(plain('\u0000alice\u0000alice;secret').authenticatedUser).toBe('alice');
    expect(plain('admin\u0000admin\u0000admin-secret').authenticatedUser).toBe('admin');
  });

  it("answers Kafka's messages for each failure", () => {
    expect(failure(() => plain('\u0000alice\u0000wrong')).clientMessage).toBe('Authentication failed: Invalid username or password');
    expect(failure(() => plain('\u0000nobody\u0000x')).clientMessage).toBe('Authentication failed: Invalid username or password');
    expect(failure(() => plain('bob\u0000alice\u0000alice;secret')).clientMessage).toBe('Authentication failed: Client requested an authorization id that is different from username');
    expect(failure(() => plain('alice')).clientMessage).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN');
    expect(failure(() => plain('\u0000\u0000pw')).logReason).toBe('Authentication failed: username not specified');
  });
});

describe('JAAS config', () => {
  it('parses several modules, flags, bare and quoted values with escapes', () => {
    const mods = parseJaasConfig('a.B required x=1 y="q\\"uote"; c.D optional;');
    expect(mods.map((m) => [m.className, m.flag, [...m.options]])).toEqual([
      ['a.B', 'required', [['x', '1'], ['y', 'q"uote']]],
      ['c.D', 'optional', []],
    ]);
  });

  it('names what is wrong without echoing values', () => {
    expect(() => parseJaasConfig('a.B mandatory;')).toThrow(/control flag/);
    expect(() => parseJaasConfig('a.B required password="hunter2"')).toThrow(/';'/);
    expect(() => parseJaasConfig('a.B required password="hunter2')).toThrow(/unterminated/);
    try {
      parseJaasConfig('a.B required password="hunter2" x;');
    } catch (err) {
      expect(String(err)).not.toMatch(/hunter2/);
    }
  });
});

describe('the mechanisms a SaslHandshake response lists', () => {
  it('come in the order Kafka 4.3.1 lists them (a Java HashSet), without duplicates', () => {
    expect(kafkaMechanismOrder(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'])).toEqual(['PLAIN', 'SCRAM-SHA-512', 'SCRAM-SHA-256', 'OAUTHBEARER']);
    expect(kafkaMechanismOrder(['OAUTHBEARER', 'PLAIN', 'PLAIN'])).toEqual(['PLAIN', 'OAUTHBEARER']);
  });
});
