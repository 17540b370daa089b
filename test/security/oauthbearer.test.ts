// OAUTHBEARER's server side without sockets: the client message grammar, Kafka's unsecured-token
// checks (claims, clock skew, scope), the signed-token checks and the error-extension exchange.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JwksFile } from '../../src/security/jwt.js';
import { OAuthBearerServer, SignedJwtValidator, UnsecuredJwsValidator, parseClientInitialResponse, unsecuredValidatorOptions } from '../../src/security/oauthbearer.js';
import { SaslAuthenticationFailure } from '../../src/security/sasl.js';
import { signedToken, signingKey, unsecuredToken } from '../helpers/jwt-tokens.js';

// A little after the helpers stamp iat (their "now"), so a fresh token is never issued in the future.
const NOW = Date.now() + 1500;
const s = Math.floor(NOW / 1000);
const message = (token: string, authzid = '') => Buffer.from(`n,${authzid ? `a=${authzid}` : ''},\u0001auth=Bearer ${token}\u0001\u0001`);
const unsecured = (options: Record<string, string> = {}) => new UnsecuredJwsValidator(unsecuredValidatorOptions(new Map(Object.entries(options))));

describe('client initial response', () => {
  it('reads the authzid, the token and the extensions', () => {
    const r = parseClientInitialResponse('n,a=alice,\u0001auth=Bearer abc.def.\u0001traceId=x=y\u0001\u0001');
    expect(r).toEqual({ authorizationId: 'alice', token: 'abc.def.', extensions: new Map([['traceId', 'x=y']]) });
  });
  it('refuses a message without auth, another scheme or bad framing', () => {
    expect(() => parseClientInitialResponse('n,,\u0001foo=bar\u0001\u0001')).toThrow(/'auth' not specified/);
    expect(() => parseClientInitialResponse('n,,\u0001auth=Basic abc\u0001\u0001')).toThrow(/Invalid scheme/);
    expect(() => parseClientInitialResponse('n,,auth=Bearer abc')).toThrow(/client first message/);
  });
});

describe('unsecured tokens (OAuthBearerUnsecuredValidatorCallbackHandler)', () => {
  it('takes the principal from sub or unsecuredValidatorPrincipalClaimName, and exp as the lifetime', () => {
    expect(unsecured().validate(unsecuredToken({ sub: 'alice', exp: s + 60 }), NOW)).toEqual({ ok: true, principal: 'alice', expiresAtMs: (s + 60) * 1000 });
    expect(unsecured({ unsecuredValidatorPrincipalClaimName: 'user' }).validate(unsecuredToken({ user: 'bob' }), NOW)).toMatchObject({ ok: true, principal: 'bob' });
  });
  it('refuses expiry, iat in the future and exp before iat, within unsecuredValidatorAllowableClockSkewMs', () => {
    expect(unsecured().validate(unsecuredToken({ exp: s - 1 }), NOW)).toMatchObject({ ok: false, status: 'invalid_token' });
    expect(unsecured({ unsecuredValidatorAllowableClockSkewMs: '5000' }).validate(unsecuredToken({ iat: s - 10, exp: s - 1 }), NOW)).toMatchObject({ ok: true });
    expect(unsecured().validate(unsecuredToken({ iat: s + 30 }), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/Issued At/) });
    const lenient = unsecured({ unsecuredValidatorAllowableClockSkewMs: '1000000' });
    expect(lenient.validate(unsecuredToken({ iat: s + 10, exp: s + 5 }), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/not after the Issued At/) });
  });
  it('refuses a missing exp or principal, a signature and an alg other than none', () => {
    expect(unsecured().validate(unsecuredToken({ exp: null }), NOW)).toMatchObject({ ok: false, reason: 'No expiration time in JWT' });
    expect(unsecured().validate(unsecuredToken({ sub: '' }), NOW)).toMatchObject({ ok: false, reason: 'No principal name in JWT claim: sub' });
    expect(unsecured().validate(`${unsecuredToken()}c2ln`, NOW)).toMatchObject({ ok: false, reason: 'Unsecured JWS must not contain a digital signature' });
    const [, payload] = unsecuredToken().split('.');
    expect(unsecured().validate(`${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${payload}.`, NOW)).toMatchObject({ ok: false });
    expect(unsecured().validate('not-a-jwt', NOW)).toMatchObject({ ok: false, status: 'invalid_token' });
  });
  it('checks unsecuredValidatorRequiredScope; a string scope claim is one element, as in Kafka', () => {
    const v = unsecured({ unsecuredValidatorRequiredScope: 'read write' });
    expect(v.validate(unsecuredToken({ scope: ['read', 'write', 'x'] }), NOW)).toMatchObject({ ok: true });
    expect(v.validate(unsecuredToken({ scope: 'read write' }), NOW)).toMatchObject({ ok: false, status: 'insufficient_scope', scope: '[read, write]' });
  });
  it('refuses a negative clock skew option at start-up', () => {
    expect(() => unsecuredValidatorOptions(new Map([['unsecuredValidatorAllowableClockSkewMs', '-1']]))).toThrow(/must not be negative/);
  });
});

describe('the OAUTHBEARER exchange', () => {
  it('answers a bad token with the error JSON, then fails on the client\'s %x01 with it as the message', () => {
    const server = new OAuthBearerServer(unsecured(), () => NOW);
    expect(server.evaluate(message(unsecuredToken({ exp: s - 5 }))).response.toString()).toBe('{"status":"invalid_token"}');
    let failure: unknown;
    try {
      server.evaluate(Buffer.from([1]));
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(SaslAuthenticationFailure);
    expect((failure as SaslAuthenticationFailure).clientMessage).toBe('{"status":"invalid_token"}');
    expect((failure as SaslAuthenticationFailure).logReason).toMatch(/Expiration Time/);
  });
  it('authenticates, with the credential expiry; refuses an authzid other than the principal', () => {
    const ok = new OAuthBearerServer(unsecured(), () => NOW).evaluate(message(unsecuredToken({ sub: 'alice', exp: s + 9 }), 'alice'));
    expect(ok).toMatchObject({ authenticatedUser: 'alice', credentialExpiresAtMs: (s + 9) * 1000 });
    expect(() => new OAuthBearerServer(unsecured(), () => NOW).evaluate(message(unsecuredToken({ sub: 'alice' }), 'bob'))).toThrow(/authorization id \(bob\).*\(alice\)/);
  });
});

describe('signed tokens (BrokerJwtValidator)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
  const rsa = signingKey('RS256', 'k1');
  const path = join(dir, 'jwks.json');
  writeFileSync(path, JSON.stringify({ keys: [rsa.jwk] }));
  const keys = new JwksFile(path);
  const validator = (more: Partial<ConstructorParameters<typeof SignedJwtValidator>[0]> = {}) =>
    new SignedJwtValidator({ keys, expectedIssuer: null, expectedAudience: [], clockSkewSeconds: 30, subClaimName: 'sub', scopeClaimName: 'scope', ...more });

  it('verifies, requires exp and iat, allows the clock skew on exp', () => {
    expect(validator().validate(signedToken(rsa, { sub: 'a' }), NOW)).toMatchObject({ ok: true, principal: 'a' });
    expect(validator().validate(signedToken(rsa, { sub: 'a', iat: s - 100, exp: s - 10 }), NOW)).toMatchObject({ ok: true });
    expect(validator().validate(signedToken(rsa, { sub: 'a', iat: s - 100, exp: s - 40 }), NOW)).toMatchObject({ ok: false });
    expect(validator().validate(signedToken(rsa, { sub: 'a', iat: null }), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/Issued At/) });
  });
  it('refuses a token naming an audience when none is expected (jose4j\'s default), and uses sub.claim.name', () => {
    expect(validator().validate(signedToken(rsa, { sub: 'a', aud: 'x' }), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/no expected audience/) });
    expect(validator({ subClaimName: 'client_id' }).validate(signedToken(rsa, { client_id: 'svc' }), NOW)).toMatchObject({ ok: true, principal: 'svc' });
  });
  it('verifies PS256 and EdDSA keys, and reads the JWKS file again when it changes', () => {
    const ps = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ed = generateKeyPairSync('ed25519');
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = b64({ sub: 'z', iat: s, exp: s + 60 });
    const psInput = `${b64({ alg: 'PS256', kid: 'ps' })}.${claims}`;
    const psToken = `${psInput}.${sign('sha256', Buffer.from(psInput), { key: ps.privateKey, padding: 6, saltLength: 32 }).toString('base64url')}`;
    const edInput = `${b64({ alg: 'EdDSA', kid: 'ed' })}.${claims}`;
    const edToken = `${edInput}.${sign(null, Buffer.from(edInput), ed.privateKey).toString('base64url')}`;
    expect(validator().validate(psToken, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/suitable verification key/) });
    writeFileSync(path, JSON.stringify({ keys: [rsa.jwk, { ...ps.publicKey.export({ format: 'jwk' }), kid: 'ps' }, { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed' }] }));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(validator().validate(psToken, NOW)).toMatchObject({ ok: true, principal: 'z' });
    expect(validator().validate(edToken, NOW)).toMatchObject({ ok: true, principal: 'z' });
  });
});

describe('bad input', () => {
  it('mutated client messages and tokens are refused, never thrown as anything but an authentication failure', () => {
    const ec = signingKey('ES256', 'e');
    const dir = mkdtempSync(join(tmpdir(), 'jwks-fuzz-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [ec.jwk] }));
    const signed = new SignedJwtValidator({ keys: new JwksFile(join(dir, 'jwks.json')), expectedIssuer: null, expectedAudience: [], clockSkewSeconds: 30, subClaimName: 'sub', scopeClaimName: 'scope' });
    const seeds = [message(unsecuredToken()), message(signedToken(ec, { sub: 'a' }))];
    let seed = 42;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(seeds[i % 2]);
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      for (const validator of [unsecured(), signed]) {
        try {
          const r = new OAuthBearerServer(validator, () => NOW).evaluate(bytes);
          expect(r.response).toBeInstanceOf(Buffer);
        } catch (err) {
          expect(err).toBeInstanceOf(SaslAuthenticationFailure);
        }
      }
    }
  });
});
