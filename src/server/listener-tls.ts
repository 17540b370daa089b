// The TLS side of an SSL or SASL_SSL listener, from Kafka's ssl.* settings (each may be set per
// listener as listener.name.<l>.ssl.*): a PEM keystore (ssl.keystore.location, or the inline
// ssl.keystore.certificate.chain + ssl.keystore.key, with ssl.key.password for an encrypted PKCS#8
// key), a PEM truststore (ssl.truststore.location or ssl.truststore.certificates), the accepted
// protocol versions and cipher suites, and ssl.client.auth. Everything is read and checked at
// start-up: a listener that cannot be served stops it with a message naming the listener and the
// key, never quoting key material or a password.

import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type tls from 'node:tls';
import { ConfigError } from '../config/types.js';
import { nodeTls } from '../util/lazy-builtins.js';
import { SslPrincipalMapper } from '../security/ssl-principal.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface ListenerTls {
  /** Key, chain, CAs, versions and ciphers for tls.createServer (checked by building a context once). */
  readonly contextOptions: tls.SecureContextOptions;
  readonly clientAuth: ClientAuth;
  /** ssl.principal.mapping.rules of the listener: a client certificate's DN → the principal name. */
  readonly principalMapper: SslPrincipalMapper;
  /** What was read, for a reload to tell whether anything changed (listener-tls-reload.ts). */
  readonly loaded: LoadedStores;
}

/** The keystore and truststore as loaded: their settings, their files' modification times, the broker's certificate. */
export interface LoadedStores {
  /** The values of RELOADABLE_TLS_KEYS, as one comparable text. */
  readonly settings: string;
  /** Files read, with their mtime when read: Kafka reloads a store whose file changed since. */
  readonly files: readonly { path: string; mtimeMs: number }[];
  /** The broker's own certificate (first of the chain). */
  readonly certificate: X509Certificate;
  readonly hasTruststore: boolean;
}

/** The keys of Kafka's SslFactory that a dynamic update reloads (SslConfigs.RECONFIGURABLE_CONFIGS). */
export const RELOADABLE_TLS_KEYS = [
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.certificate.chain',
  'ssl.keystore.key', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.certificates',
] as const;

/** A setting as the listener sees it: listener.name.<l>.<key>, else the broker-wide value, as text. */
export type ListenerValue = (key: string) => string | null;

const PROTOCOLS = ['TLSv1.2', 'TLSv1.3'] as const;
/** Kafka's PEM keys are PKCS#8 only: plain or encrypted. */
const KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/**
 * @param value the listener's view of a setting (prefixed, else broker-wide)
 * @param ownValue only the listener-prefixed setting: on SASL_SSL, Kafka (KIP-684) reads ssl.client.auth
 *   only with the listener prefix, and requests no client certificate otherwise.
 */
export function listenerTls(value: ListenerValue, listener: string, where: string, ownValue: ListenerValue, sasl: boolean): ListenerTls {
  const prefixed = (key: string) => `${key} (or listener.name.${listener.toLowerCase()}.${key})`;
  const requirePem = (typeKey: string) => {
    const type = (value(typeKey) ?? 'JKS').trim().toUpperCase();
    if (type !== 'PEM') {
      throw new ConfigError(`${where}: ${typeKey}=${type} is not supported by Tributary: only PEM keystores and truststores are read; set ${prefixed(typeKey)} to PEM`);
    }
  };

  // Keystore: the file holds both the key and the chain; the inline form gives them apart.
  const location = nonEmpty(value('ssl.keystore.location'));
  const inlineChain = nonEmpty(value('ssl.keystore.certificate.chain'));
  const inlineKey = nonEmpty(value('ssl.keystore.key'));
  if (location === null && inlineChain === null && inlineKey === null) {
    throw new ConfigError(`${where}: no keystore: set ${prefixed('ssl.keystore.location')} (a PEM file with the private key and the certificate chain) or ssl.keystore.certificate.chain and ssl.keystore.key, with ssl.keystore.type=PEM`);
  }
  requirePem('ssl.keystore.type');
  if (location !== null && (inlineChain !== null || inlineKey !== null)) {
    throw new ConfigError(`${where}: set either ssl.keystore.location or ssl.keystore.certificate.chain/ssl.keystore.key, not both`);
  }
  const files: { path: string; mtimeMs: number }[] = [];
  let keystoreText: { chain: string; key: string; from: string };
  if (location !== null) {
    files.push({ path: location, mtimeMs: mtimeOf(location) });
    const text = readPemFile(location, 'ssl.keystore.location', where);
    keystoreText = { chain: text, key: text, from: `ssl.keystore.location (${location})` };
  } else {
    if (inlineChain === null || inlineKey === null) throw new ConfigError(`${where}: ssl.keystore.certificate.chain and ssl.keystore.key must be set together`);
    keystoreText = { chain: inlineChain, key: inlineKey, from: 'ssl.keystore.certificate.chain/ssl.keystore.key' };
  }
  const certs = pemBlocks(keystoreText.chain).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new ConfigError(`${where}: ${keystoreText.from} holds no certificate (-----BEGIN CERTIFICATE-----)`);
  const keys = pemBlocks(keystoreText.key).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keys.length !== 1) throw new ConfigError(`${where}: ${keystoreText.from} must hold exactly one private key, holds ${keys.length}`);
  if (!KEY_LABELS.has(keys[0].label)) {
    throw new ConfigError(`${where}: the private key of ${keystoreText.from} is ${keys[0].label}; Kafka's PEM keystores take PKCS#8 keys (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY: openssl pkcs8 -topk8 converts one)`);
  }
  const keyPassword = nonEmpty(value('ssl.key.password'));
  if (keys[0].label === 'ENCRYPTED PRIVATE KEY' && keyPassword === null) throw new ConfigError(`${where}: the private key of ${keystoreText.from} is encrypted and ssl.key.password is not set`);

  // Truststore: only needed to check client certificates.
  const trustLocation = nonEmpty(value('ssl.truststore.location'));
  const trustInline = nonEmpty(value('ssl.truststore.certificates'));
  let ca: string[] | undefined;
  if (trustLocation !== null || trustInline !== null) {
    requirePem('ssl.truststore.type');
    if (trustLocation !== null && trustInline !== null) throw new ConfigError(`${where}: set either ssl.truststore.location or ssl.truststore.certificates, not both`);
    const from = trustLocation !== null ? `ssl.truststore.location (${trustLocation})` : 'ssl.truststore.certificates';
    if (trustLocation !== null) files.push({ path: trustLocation, mtimeMs: mtimeOf(trustLocation) });
    const text = trustLocation !== null ? readPemFile(trustLocation, 'ssl.truststore.location', where) : trustInline!;
    ca = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
    if (ca.length === 0) throw new ConfigError(`${where}: ${from} holds no certificate (-----BEGIN CERTIFICATE-----)`);
  }

  const clientAuth = ((sasl ? ownValue('ssl.client.auth') : value('ssl.client.auth')) ?? 'none').trim().toLowerCase();
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') {
    throw new ConfigError(`${where}: ssl.client.auth must be required, requested or none`);
  }
  const protocols = list(value('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3');
  const unknown = protocols.filter((p) => !(PROTOCOLS as readonly string[]).includes(p));
  if (unknown.length > 0 || protocols.length === 0) {
    throw new ConfigError(`${where}: ssl.enabled.protocols: ${unknown.length > 0 ? `${unknown.join(',')} is not supported` : 'empty'} (TLSv1.2, TLSv1.3)`);
  }
  const versions = PROTOCOLS.filter((p) => protocols.includes(p));
  const suites = list(value('ssl.cipher.suites') ?? '');
  // TLS 1.3 suites (TLS_AES_…) are set apart from the TLS 1.2 cipher list in OpenSSL.
  const tls13Suites = suites.filter((s) => /^TLS_(AES|CHACHA20)_/.test(s));
  const tls12Ciphers = suites.filter((s) => !tls13Suites.includes(s)).map(ianaToOpenSsl);

  const contextOptions: tls.SecureContextOptions = {
    cert: certs.map((b) => b.pem).join(''),
    key: keys[0].pem,
    passphrase: keyPassword ?? undefined,
    ca,
    minVersion: versions[0],
    maxVersion: versions[versions.length - 1],
    ciphers: suites.length === 0 ? undefined : [...tls13Suites, ...tls12Ciphers].join(':'),
  };
  try {
    nodeTls().createSecureContext(contextOptions);
  } catch (err) {
    // OpenSSL's reasons (bad decrypt, key values mismatch, no cipher match) quote no key material.
    throw new ConfigError(`${where}: the TLS settings cannot be used: ${openSslReason(err)} (check ${keystoreText.from}, ssl.key.password${suites.length > 0 ? ', ssl.cipher.suites' : ''})`);
  }
  let principalMapper: SslPrincipalMapper;
  try {
    principalMapper = SslPrincipalMapper.parse(value('ssl.principal.mapping.rules') ?? 'DEFAULT');
  } catch (err) {
    throw new ConfigError(`${where}: ssl.principal.mapping.rules: ${(err as Error).message}`);
  }
  const loaded: LoadedStores = {
    settings: JSON.stringify(RELOADABLE_TLS_KEYS.map((k) => value(k))),
    files,
    certificate: new X509Certificate(certs[0].pem),
    hasTruststore: ca !== undefined,
  };
  return { contextOptions, clientAuth, principalMapper, loaded };
}

interface PemBlock {
  label: string;
  /** The block re-wrapped at 64 columns: inline values in a properties file often lose their line breaks. */
  pem: string;
}

/** PEM blocks of a text, whatever its line breaks (Kafka reads them the same way). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const body = m[2].replace(/\s+/g, '');
    out.push({ label: m[1], pem: `-----BEGIN ${m[1]}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${m[1]}-----\n` });
  }
  return out;
}

/** A file's modification time, or NaN when it cannot be read (reading it then reports why). */
export function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return NaN;
  }
}

function readPemFile(path: string, key: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${where}: ${key}: cannot read ${path}${code !== undefined ? ` (${code})` : ''}`);
  }
}

/** OpenSSL takes TLS 1.2 suites by its own names; Kafka configs use the IANA (Java) names. */
function ianaToOpenSsl(suite: string): string {
  const m = /^TLS_(ECDHE|DHE)_(RSA|ECDSA)_WITH_AES_(128|256)_GCM_(SHA256|SHA384)$/.exec(suite);
  if (m) return `${m[1]}-${m[2]}-AES${m[3]}-GCM-${m[4]}`;
  const c = /^TLS_(ECDHE)_(RSA|ECDSA)_WITH_CHACHA20_POLY1305_SHA256$/.exec(suite);
  if (c) return `${c[1]}-${c[2]}-CHACHA20-POLY1305`;
  return suite;
}

function openSslReason(err: unknown): string {
  const e = err as { code?: string; reason?: string; message?: string };
  return e.reason ?? e.code ?? 'invalid key or certificate';
}

function nonEmpty(v: string | null): string | null {
  return v === null || v.trim() === '' ? null : v;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
