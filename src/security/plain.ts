// SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer: one message `authzid NUL user NUL password`,
// checked against the users of the listener's JAAS config (`user_<name>="<password>"`). The
// passwords are kept only as salted HMAC-SHA-256 digests, compared in constant time.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type SaslExchange, type SaslServerMechanism, SaslAuthenticationFailure, genericFailure } from './sasl.js';

export const PLAIN = 'PLAIN';

/** Users allowed by PLAIN, with salted digests of their passwords. */
export class PlainUsers {
  private readonly salt = randomBytes(32);
  private readonly digests = new Map<string, Buffer>();

  /** From a JAAS login module's options: every `user_<name>` option is a user. */
  static fromJaasOptions(options: ReadonlyMap<string, string>): PlainUsers {
    const users = new PlainUsers();
    for (const [key, password] of options) if (key.startsWith('user_')) users.add(key.slice('user_'.length), password);
    return users;
  }

  add(user: string, password: string): void {
    this.digests.set(user, this.digest(password));
  }

  get size(): number {
    return this.digests.size;
  }

  /** True when the user exists and the password matches; the same work is done either way. */
  verify(user: string, password: string): boolean {
    const given = this.digest(password);
    const known = this.digests.get(user);
    return timingSafeEqual(given, known ?? Buffer.alloc(given.length)) && known !== undefined;
  }

  private digest(password: string): Buffer {
    return createHmac('sha256', this.salt).update(password, 'utf8').digest();
  }
}

export class PlainServer implements SaslServerMechanism {
  readonly mechanism = PLAIN;
  private done = false;

  constructor(private readonly users: PlainUsers) {}

  evaluate(token: Buffer): SaslExchange {
    if (this.done) throw genericFailure(PLAIN, 'PLAIN: a token after the exchange completed');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw genericFailure(PLAIN, `Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, user, password] = parts;
    if (user === '') throw genericFailure(PLAIN, 'Authentication failed: username not specified');
    if (password === '') throw genericFailure(PLAIN, 'Authentication failed: password not specified');
    if (!this.users.verify(user, password)) {
      throw new SaslAuthenticationFailure('Authentication failed: Invalid username or password', `PLAIN: invalid username or password for user ${user}`);
    }
    if (authzid !== '' && authzid !== user) {
      throw new SaslAuthenticationFailure('Authentication failed: Client requested an authorization id that is different from username');
    }
    return { response: Buffer.alloc(0), authenticatedUser: user };
  }
}
