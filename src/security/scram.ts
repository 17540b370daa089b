// SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer: the
// client-first message names the user and a nonce; the server answers with its nonce, the user's
// salt and iteration count; the client-final message proves knowledge of the password, and the
// server signs the exchange. Only the salted credential (salt, iterations, StoredKey, ServerKey) is
// ever stored: the password cannot be recovered from it.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { type SaslExchange, type SaslServerMechanism, SaslAuthenticationFailure, genericFailure } from './sasl.js';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

interface MechanismInfo {
  hash: 'sha256' | 'sha512';
  /** Kafka's ScramMechanism.minIterations and its AlterUserScramCredentials upper bound. */
  minIterations: number;
  maxIterations: number;
  /** The wire value of the mechanism in DescribeUserScramCredentials (ScramMechanism.type). */
  type: number;
}

export const SCRAM_MECHANISMS: Record<ScramMechanism, MechanismInfo> = {
  'SCRAM-SHA-256': { hash: 'sha256', minIterations: 4096, maxIterations: 16384, type: 1 },
  'SCRAM-SHA-512': { hash: 'sha512', minIterations: 4096, maxIterations: 16384, type: 2 },
};

export function isScramMechanism(name: string): name is ScramMechanism {
  return Object.hasOwn(SCRAM_MECHANISMS, name);
}

export function scramMechanismOfType(type: number): ScramMechanism | null {
  for (const [name, info] of Object.entries(SCRAM_MECHANISMS)) if (info.type === type) return name as ScramMechanism;
  return null;
}

export interface ScramCredential {
  mechanism: ScramMechanism;
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (hash: string, key: Buffer, text: string | Buffer): Buffer => createHmac(hash, key).update(text).digest();

/** The credential for a password given as its salted password (AlterUserScramCredentials sends that). */
export function credentialFromSaltedPassword(mechanism: ScramMechanism, salt: Buffer, iterations: number, saltedPassword: Buffer): ScramCredential {
  const { hash } = SCRAM_MECHANISMS[mechanism];
  const clientKey = hmac(hash, saltedPassword, 'Client Key');
  return {
    mechanism,
    salt,
    iterations,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: hmac(hash, saltedPassword, 'Server Key'),
  };
}

/** The credential for a clear-text password (start-up `--add-scram`); Hi() is PBKDF2 with HMAC. */
export function createScramCredential(mechanism: ScramMechanism, password: string, iterations: number, salt: Buffer = randomBytes(32)): ScramCredential {
  return credentialFromSaltedPassword(mechanism, salt, iterations, saltPassword(mechanism, password, salt, iterations));
}

/** RFC 5802's SaltedPassword, Hi(password, salt, i): what a client proves it knows, and what AlterUserScramCredentials carries. */
export function saltPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const { hash } = SCRAM_MECHANISMS[mechanism];
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, hash === 'sha256' ? 32 : 64, hash);
}

/** RFC 5802 saslname: ',' and '=' are sent as '=2C' and '=3D'. */
export function usernameFromSaslName(saslName: string): string {
  return saslName.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

// Kafka's ScramMessages grammar (printable ASCII, no commas in values; base64 proofs).
const SASLNAME = '(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+';
const PRINTABLE = '[\\x21-\\x2B\\x2D-\\x7E]+';
const VALUE = '[\\x01-\\x2B\\x2D-\\x7F]+';
const BASE64 = '(?:[a-zA-Z0-9/+]{4})*(?:[a-zA-Z0-9/+]{3}=|[a-zA-Z0-9/+]{2}==)?';
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;
const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,((?:m=${VALUE},)?n=(${SASLNAME}),r=(${PRINTABLE})(${EXTENSIONS}))$`);
const CLIENT_FINAL = new RegExp(`^(c=(${BASE64}),r=(${PRINTABLE})${EXTENSIONS}),p=(${BASE64})$`);

type State = 'first' | 'final' | 'done';

export interface ScramServerOptions {
  /** The user's credential for this mechanism, or null when there is none. */
  lookup(user: string): ScramCredential | null;
  /** Test hook: the server's nonce (RFC 7677's vector fixes it). */
  serverNonce?: string;
}

export class ScramServer implements SaslServerMechanism {
  private state: State = 'first';
  private user = '';
  private credential: ScramCredential | null = null;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly options: ScramServerOptions,
  ) {}

  evaluate(token: Buffer): SaslExchange {
    try {
      if (this.state === 'first') return this.onClientFirst(token.toString('utf8'));
      if (this.state === 'final') return this.onClientFinal(token.toString('utf8'));
      throw genericFailure(this.mechanism, `${this.mechanism}: a token after the exchange completed`);
    } catch (err) {
      this.state = 'done';
      this.credential = null;
      throw err;
    }
  }

  private onClientFirst(message: string): SaslExchange {
    const m = CLIENT_FIRST.exec(message);
    // The client's text is not echoed: it may carry a mistyped secret.
    if (m === null) throw genericFailure(this.mechanism, `Invalid SCRAM client first message format`);
    const [, authzid, bare, saslName, clientNonce, extensions] = m;
    this.user = usernameFromSaslName(saslName);
    if (/(^|,)tokenauth=/i.test(extensions)) throw genericFailure(this.mechanism, `Token Authentication failed: delegation tokens are not supported (user ${this.user})`);
    const credential = this.options.lookup(this.user);
    if (credential === null) throw genericFailure(this.mechanism, `Authentication failed: Invalid user credentials (unknown user ${this.user})`);
    if (authzid !== undefined && usernameFromSaslName(authzid) !== this.user) {
      throw new SaslAuthenticationFailure('Authentication failed: Client requested an authorization id that is different from username');
    }
    const { minIterations } = SCRAM_MECHANISMS[this.mechanism];
    if (credential.iterations < minIterations) {
      throw genericFailure(this.mechanism, `Iterations ${credential.iterations} is less than the minimum ${minIterations} for ${this.mechanism}`);
    }
    this.credential = credential;
    this.clientFirstBare = bare;
    this.nonce = clientNonce + (this.options.serverNonce ?? randomBytes(18).toString('base64url'));
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.state = 'final';
    return { response: Buffer.from(this.serverFirst, 'utf8') };
  }

  private onClientFinal(message: string): SaslExchange {
    const credential = this.credential!;
    const m = CLIENT_FINAL.exec(message);
    if (m === null) throw genericFailure(this.mechanism, `Invalid SCRAM client final message format (user ${this.user})`);
    const [, withoutProof, , nonce, proofB64] = m;
    if (nonce !== this.nonce) throw genericFailure(this.mechanism, `Invalid client nonce in the final client message (user ${this.user})`);
    const { hash } = SCRAM_MECHANISMS[this.mechanism];
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash, credential.storedKey, authMessage);
    const proof = Buffer.from(proofB64, 'base64');
    if (proof.length !== clientSignature.length) throw genericFailure(this.mechanism, `Invalid client credentials (user ${this.user})`);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), credential.storedKey)) {
      throw genericFailure(this.mechanism, `Invalid client credentials (user ${this.user})`);
    }
    const serverSignature = hmac(hash, credential.serverKey, authMessage);
    this.state = 'done';
    this.credential = null;
    return { response: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), authenticatedUser: this.user };
  }
}
