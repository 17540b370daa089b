// Signed OAUTHBEARER tokens judged by Kafka 4.3.1's OAuthBearerValidatorCallbackHandler (BrokerJwtValidator,
// jose4j) and by Tributary, both started here with the same settings and the same JWKS file: each token
// below gets the same answer from both — the error extension, the final error code and message, or
// success with the same session lifetime (from the token's exp).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { Logger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { signedToken, signingKey, unsecuredToken } from '../helpers/jwt-tokens.js';
import { type ReferenceKafka, referenceUnavailable, startReferenceKafka } from './kafka.mjs';

const missing = referenceUnavailable();
if (missing && process.env.CI) throw new Error(`reference Kafka unavailable in CI: ${missing}`);

const ISSUER = 'https://issuer.example';
const rsa = signingKey('RS256', 'rsa-1');
const ec = signingKey('ES256', 'ec-1');
const forger = signingKey('RS256', 'rsa-1');
const now = () => Math.floor(Date.now() / 1000);
const claims = { sub: 'carol', iss: ISSUER, aud: 'tributary' };

/** Each case's token, made once so that both brokers judge the same bytes. */
const CASES: [string, string][] = [
  ['RS256', signedToken(rsa, claims)],
  ['ES256, audience among several', signedToken(ec, { ...claims, aud: ['other', 'tributary'] })],
  ['expired', signedToken(rsa, { ...claims, iat: now() - 600, exp: now() - 120 })],
  ['expired within the clock skew', signedToken(rsa, { ...claims, iat: now() - 600, exp: now() - 5 })],
  ['wrong issuer', signedToken(rsa, { ...claims, iss: 'https://evil.example' })],
  ['wrong audience', signedToken(rsa, { ...claims, aud: 'someone-else' })],
  ['no audience', signedToken(rsa, { sub: 'carol', iss: ISSUER })],
  ['no iat', signedToken(rsa, { ...claims, iat: null })],
  ['no sub', signedToken(rsa, { iss: ISSUER, aud: 'tributary' })],
  ['forged signature', signedToken(forger, claims)],
  ['unknown kid', signedToken(rsa, claims, { kid: 'nope' })],
  ['unsecured (alg none)', unsecuredToken(claims)],
  ['not a JWT', 'abc'],
];

describe.skipIf(!!missing)(`signed OAUTHBEARER tokens, Kafka and Tributary${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let kafka: ReferenceKafka | undefined;
  let tributary: RunningBroker | undefined;
  const outcomes = new Map<string, Record<string, unknown>[]>();

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oauth-ref-'));
    const jwks = path.join(dir, 'jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
    const url = pathToFileURL(jwks).href;
    const settings = {
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'sasl.oauthbearer.jwks.endpoint.url': url,
      'sasl.oauthbearer.expected.issuer': ISSUER,
      'sasl.oauthbearer.expected.audience': 'tributary',
    };
    [kafka, tributary] = await Promise.all([
      // Kafka 4 reads OAuth URLs only when a system property allows them.
      startReferenceKafka({ config: settings, listeners: { SASL_PLAINTEXT: 'SASL_PLAINTEXT' }, jvmArgs: [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${url}`], heap: '512m' }),
      startBroker({ config: { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', ...settings }, logger: new Logger({ write: () => {} }, 'warn') }),
    ]);
    for (const [name, bootstrap] of [['kafka', kafka.listenerBootstraps.SASL_PLAINTEXT], ['tributary', tributary.listeners[1].bootstrap]] as const) {
      const [host, port] = bootstrap.split(':');
      const results = [];
      for (const [, token] of CASES) results.push(await authenticate(Number(port), host, token));
      outcomes.set(name, results);
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([kafka?.stop(), tributary?.close()]);
  });

  /** SaslHandshake + SaslAuthenticate v2, then the client's %x01 if the broker answered an error extension. */
  async function authenticate(port: number, host: string, token: string): Promise<Record<string, unknown>> {
    const c = await RawClient.connect(port, host);
    await c.request(17, 1, { mechanism: 'OAUTHBEARER' });
    const first = await c.request(36, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`) });
    const outcome: Record<string, unknown> = {
      errorCode: first.errorCode,
      errorMessage: first.errorMessage,
      extension: Buffer.from(first.authBytes).toString(),
      // Whole minutes: the two brokers answer a few milliseconds apart.
      sessionLifetimeMinutes: Math.round(first.sessionLifetimeMs / 60_000),
    };
    if (first.errorCode === 0 && first.authBytes.length > 0) {
      const final = await c.request(36, 2, { authBytes: Buffer.from([1]) });
      outcome.final = `${final.errorCode}: ${final.errorMessage}`;
    }
    c.close();
    return outcome;
  }

  CASES.forEach(([name], i) => {
    it(`${name}: the same answer`, () => {
      const [onKafka, onTributary] = [outcomes.get('kafka')![i], outcomes.get('tributary')![i]];
      expect(onTributary).toEqual(onKafka);
    });
  });

  it('accepts the valid tokens with a session lifetime from exp, and refuses the others with invalid_token', () => {
    const answers = outcomes.get('kafka')!;
    expect(answers[0]).toEqual({ errorCode: 0, errorMessage: '', extension: '', sessionLifetimeMinutes: 60 });
    expect(answers[1]).toMatchObject({ errorCode: 0, extension: '' });
    // Within the 30 s clock skew: accepted, with a session that ends at once.
    expect(answers[3]).toEqual({ errorCode: 0, errorMessage: '', extension: '', sessionLifetimeMinutes: 0 });
    for (const refused of answers.filter((_, i) => i === 2 || i > 3)) {
      expect(refused).toMatchObject({ extension: '{"status":"invalid_token"}', final: '58: {"status":"invalid_token"}' });
    }
  });
});
