// OAUTHBEARER over real sockets, as Kafka serves it: unsecured JWS tokens (Kafka's default handler)
// from kafkajs, kcat (librdkafka) and confluent-kafka-python; signed JWTs (RS256, ES256) checked
// against a JWKS file on a listener with OAuthBearerValidatorCallbackHandler. Expired tokens, a wrong
// issuer, a bad signature and a missing scope are refused with Kafka's error extension
// ({"status":"invalid_token"}, then SASL_AUTHENTICATION_FAILED), logged without the token, and
// other connections carry on. The session lifetime is the token's exp (KIP-368).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { Logger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';
import { HAVE_CONFLUENT_KAFKA, HAVE_KCAT, PYTHON, requireTool, run } from '../helpers/tools.js';
import { produceAndConsume } from '../helpers/kafkajs-round-trip.js';
import { signedToken, signingKey, unsecuredToken } from '../helpers/jwt-tokens.js';

const ISSUER = 'https://issuer.example';
const rsa = signingKey('RS256', 'rsa-1');
const ec = signingKey('ES256', 'ec-1');
const stranger = signingKey('RS256', 'rsa-1'); // same kid, another key: a forged signature
const logLines: string[] = [];
let broker: RunningBroker;
const bootstrap = { unsecured: '', scoped: '', signed: '' };
const ports = { unsecured: 0, signed: 0 };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-'));
  const jwks = join(dir, 'jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
  broker = await startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SCOPED://127.0.0.1:0,SIGNED://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SCOPED:SASL_PLAINTEXT,SIGNED:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";',
      'listener.name.scoped.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="kafka";',
      'listener.name.signed.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'listener.name.signed.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(jwks).href,
      'sasl.oauthbearer.expected.issuer': ISSUER,
      'sasl.oauthbearer.expected.audience': 'tributary',
      'connection.failed.authentication.delay.ms': 20,
    },
    logger: new Logger({ write: (line) => logLines.push(line) }, 'info'),
  });
  [bootstrap.unsecured, bootstrap.scoped, bootstrap.signed] = [1, 2, 3].map((i) => broker.listeners[i].bootstrap);
  [ports.unsecured, ports.signed] = [broker.listeners[1].port, broker.listeners[3].port];
});
afterAll(() => broker?.close());

const kafka = (server: string, token: () => string) =>
  new Kafka({ clientId: 'oauth-e2e', brokers: [server], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token() }) } });
/**
 * kafkajs takes the error extension for success (as it would with Kafka) and its next request finds
 * the connection closed by the broker: the client fails, whichever step it reports it on.
 */
async function expectKafkajsRefused(server: string, token: () => string) {
  const admin = kafka(server, token).admin();
  await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
  await admin.disconnect();
}
const topic = (what: string) => `oauth-${what}-${randomBytes(3).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** SaslHandshake + SaslAuthenticate v2 with `token`; what the broker answered to it and to the client's %x01. */
async function authenticate(port: number, token: string) {
  const c = await RawClient.connect(port);
  expect((await c.request(17, 1, { mechanism: 'OAUTHBEARER' })).errorCode).toBe(0);
  const first = await c.request(36, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`) });
  if (first.errorCode !== 0 || first.authBytes.length === 0) return { c, first, final: null };
  const final = await c.request(36, 2, { authBytes: Buffer.from([1]) });
  await c.closedPromise;
  return { c, first, final };
}

describe('OAUTHBEARER unsecured tokens (Kafka\'s default handler)', () => {
  it('kafkajs authenticates with an unsecured JWS, produces and consumes in a group', async () => {
    expect(await produceAndConsume(kafka(bootstrap.unsecured, () => unsecuredToken({ sub: 'alice' })), topic('kafkajs'))).toEqual(['one', 'two']);
    expect(logLines.some((l) => l.includes('authenticated') && l.includes('mechanism=OAUTHBEARER') && l.includes('User:alice'))).toBe(true);
  });

  it('refuses an expired token with {"status":"invalid_token"} then SASL_AUTHENTICATION_FAILED, never logging the token', async () => {
    const expired = unsecuredToken({ iat: now() - 120, exp: now() - 60 });
    const { first, final } = await authenticate(ports.unsecured, expired);
    expect(first).toMatchObject({ errorCode: 0, sessionLifetimeMs: 0 });
    expect(Buffer.from(first.authBytes).toString()).toBe('{"status":"invalid_token"}');
    expect(final).toMatchObject({ errorCode: 58, errorMessage: '{"status":"invalid_token"}' });
    expect(logLines.some((l) => l.includes('failed authentication') && l.includes('Expiration Time'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(expired.split('.')[1]);
    await expectKafkajsRefused(bootstrap.unsecured, () => expired);
  });

  it('tells the session lifetime from the token exp (KIP-368)', async () => {
    const c = await RawClient.connect(ports.unsecured);
    await c.request(17, 1, { mechanism: 'OAUTHBEARER' });
    const r = await c.request(36, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${unsecuredToken({ exp: now() + 100 })}\u0001\u0001`) });
    expect(r.errorCode).toBe(0);
    expect(r.sessionLifetimeMs).toBeGreaterThan(95_000);
    expect(r.sessionLifetimeMs).toBeLessThanOrEqual(100_000);
    c.close();
  });

  it('closes a session at its token exp unless the client re-authenticates on the live connection (KIP-368)', async () => {
    const message = (token: string) => ({ authBytes: Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`) });
    const metadata = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };
    const exp = now() + 2;
    const [renewing, lapsing] = await Promise.all([RawClient.connect(ports.unsecured), RawClient.connect(ports.unsecured)]);
    for (const c of [renewing, lapsing]) {
      await c.request(17, 1, { mechanism: 'OAUTHBEARER' });
      const r = await c.request(36, 2, message(unsecuredToken({ exp })));
      expect(r.sessionLifetimeMs).toBeGreaterThan(0);
      expect(r.sessionLifetimeMs).toBeLessThanOrEqual(2000);
    }
    expect((await renewing.request(17, 1, { mechanism: 'OAUTHBEARER' })).errorCode).toBe(0);
    expect((await renewing.request(36, 2, message(unsecuredToken({ exp: now() + 3600 })))).sessionLifetimeMs).toBeGreaterThan(3_500_000);
    // Past the first token's exp (whole seconds): the renewed session serves, the other is closed.
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 + 50 - Date.now()));
    expect((await renewing.request(3, 12, metadata)).brokers).toHaveLength(1);
    lapsing.send(3, 12, metadata);
    await lapsing.closedPromise;
    renewing.close();
  });

  it('answers a client message that is not OAUTHBEARER with Kafka\'s generic failure', async () => {
    const c = await RawClient.connect(ports.unsecured);
    await c.request(17, 1, { mechanism: 'OAUTHBEARER' });
    const r = await c.request(36, 2, { authBytes: Buffer.from('n,,auth=Bearer x') });
    expect(r).toMatchObject({ errorCode: 58, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER' });
    await c.closedPromise;
  });

  it('requires unsecuredValidatorRequiredScope: {"status":"insufficient_scope"} without it', async () => {
    const { first, final } = await authenticate(broker.listeners[2].port, unsecuredToken({ scope: ['other'] }));
    expect(Buffer.from(first.authBytes).toString()).toBe('{"status":"insufficient_scope", "scope":"[kafka]"}');
    expect(final).toMatchObject({ errorCode: 58 });
    const ok = kafka(bootstrap.scoped, () => unsecuredToken({ scope: ['kafka', 'more'] })).admin();
    await ok.connect();
    await ok.listTopics();
    await ok.disconnect();
  });
});

describe.runIf(requireTool(HAVE_KCAT, 'kcat'))('OAUTHBEARER with kcat (librdkafka unsecured tokens)', () => {
  const auth = (config: string) => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanism=OAUTHBEARER', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', `sasl.oauthbearer.config=${config}`];
  it('produces and consumes with principal=alice; a missing scope fails, other listeners unaffected', async () => {
    const t = topic('kcat');
    const produced = await run('kcat', ['-b', bootstrap.unsecured, ...auth('principal=alice'), '-P', '-t', t], { input: 'a\nb\n' });
    expect(produced.code).toBe(0);
    const consumed = await run('kcat', ['-b', bootstrap.unsecured, ...auth('principal=alice'), '-C', '-t', t, '-o', 'beginning', '-e']);
    expect(consumed.stdout.trim().split('\n')).toEqual(['a', 'b']);
    const refused = await run('kcat', ['-b', bootstrap.scoped, ...auth('principal=alice scope=other'), '-L', '-m', '5'], { timeoutMs: 20_000 });
    expect(refused.code).not.toBe(0);
    const scoped = await run('kcat', ['-b', bootstrap.scoped, ...auth('principal=alice scope=kafka'), '-L']);
    expect(scoped.code).toBe(0);
  });
});

describe.runIf(requireTool(HAVE_CONFLUENT_KAFKA, 'python3 confluent_kafka'))('OAUTHBEARER with confluent-kafka-python (unsecured tokens)', () => {
  const script = `
import sys
from confluent_kafka.admin import AdminClient
a = AdminClient({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER',
                 'enable.sasl.oauthbearer.unsecure.jwt': True, 'sasl.oauthbearer.config': sys.argv[2]})
try:
    md = a.list_topics(timeout=8)
    print('ok', len(md.brokers))
except Exception as e:
    print('failed', e)
`;
  it('lists the cluster as principal=bob; a token without the required scope is refused', async () => {
    const ok = await run(PYTHON, ['-c', script, bootstrap.unsecured, 'principal=bob']);
    expect(ok.stdout.trim()).toBe('ok 1');
    expect(logLines.some((l) => l.includes('User:bob'))).toBe(true);
    const refused = await run(PYTHON, ['-c', script, bootstrap.scoped, 'principal=bob scope=nope'], { timeoutMs: 30_000 });
    expect(refused.stdout).toMatch(/^failed/);
  });
});

describe('OAUTHBEARER signed JWTs (OAuthBearerValidatorCallbackHandler, JWKS file)', () => {
  const claims = { sub: 'carol', iss: ISSUER, aud: 'tributary' };

  it('kafkajs authenticates with RS256 and ES256 tokens', async () => {
    expect(await produceAndConsume(kafka(bootstrap.signed, () => signedToken(rsa, claims)), topic('rs256'))).toEqual(['one', 'two']);
    const admin = kafka(bootstrap.signed, () => signedToken(ec, { ...claims, sub: 'dave', aud: ['other', 'tributary'] })).admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
    expect(logLines.some((l) => l.includes('User:carol')) && logLines.some((l) => l.includes('User:dave'))).toBe(true);
  });

  for (const [what, token, reason] of [
    ['an expired token', () => signedToken(rsa, { ...claims, iat: now() - 600, exp: now() - 120 }), /no longer valid/],
    ['a wrong issuer', () => signedToken(rsa, { ...claims, iss: 'https://evil.example' }), /Issuer \(iss\)/],
    ['a wrong audience', () => signedToken(rsa, { ...claims, aud: 'someone-else' }), /Audience/],
    ['a bad signature', () => signedToken(stranger, claims), /signature is invalid/],
    ["an unsecured token (empty signature: Kafka's SerializedJwt refuses it first)", () => unsecuredToken(claims), /expected three sections/],
  ] as const) {
    it(`refuses ${what} like Kafka: invalid_token, then SASL_AUTHENTICATION_FAILED`, async () => {
      const before = logLines.length;
      const { first, final } = await authenticate(ports.signed, token());
      expect(Buffer.from(first.authBytes).toString()).toBe('{"status":"invalid_token"}');
      expect(final).toMatchObject({ errorCode: 58, errorMessage: '{"status":"invalid_token"}' });
      expect(logLines.slice(before).some((l) => l.includes('failed authentication') && reason.test(l))).toBe(true);
      await expectKafkajsRefused(bootstrap.signed, token);
    });
  }

  it('leaves other connections working after the failures', async () => {
    const admin = kafka(bootstrap.signed, () => signedToken(rsa, claims)).admin();
    await admin.connect();
    expect(await admin.listTopics()).toBeInstanceOf(Array);
    await admin.disconnect();
  });
});

describe('OAUTHBEARER with connections.max.reauth.ms', () => {
  it('tells the sooner of the token exp and connections.max.reauth.ms as the session lifetime', async () => {
    const own = await startBroker({ config: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'OAUTHBEARER', 'connections.max.reauth.ms': 5000 } });
    try {
      const lifetime = async (exp: number) => {
        const c = await RawClient.connect(own.port);
        await c.request(17, 1, { mechanism: 'OAUTHBEARER' });
        const r = await c.request(36, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${unsecuredToken({ exp })}\u0001\u0001`) });
        c.close();
        return r.sessionLifetimeMs as number;
      };
      expect(await lifetime(now() + 3600)).toBe(5000);
      expect(await lifetime(now() + 3)).toBeLessThanOrEqual(3000);
    } finally {
      await own.close();
    }
  });
});

describe('OAUTHBEARER start-up checks', () => {
  const start = (config: Record<string, string>) =>
    startBroker({ config: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'OAUTHBEARER', ...config } });
  const handler = { 'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler' };

  it('refuses an http(s) JWKS URL (no network fetch), a missing file and a missing URL, naming the listener', async () => {
    await expect(start({ ...handler, 'sasl.oauthbearer.jwks.endpoint.url': 'https://idp.example/jwks' })).rejects.toThrow(/listener SASL_PLAINTEXT.*never over the network/);
    await expect(start({ ...handler, 'sasl.oauthbearer.jwks.endpoint.url': 'file:///nonexistent/jwks.json' })).rejects.toThrow(/jwks.endpoint.url.*ENOENT/);
    await expect(start(handler)).rejects.toThrow(/needs sasl.oauthbearer.jwks.endpoint.url/);
    await expect(start({ 'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'com.example.Custom' })).rejects.toThrow(/com.example.Custom is not supported/);
  });
});
