// How our tools connect to a secured broker, from Kafka client properties (the `-X key=value` flags
// and `--command-config FILE` of the commands, as Kafka's tools and kcat take them): TLS from PEM
// files, SASL PLAIN or SCRAM with credentials from `sasl.jaas.config` or librdkafka's
// `sasl.username`/`sasl.password`. Only what a Kafka client would accept is accepted; anything else
// is an Error naming the property (never its secret).

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export type ClientSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ClientSecurity {
  /** node:tls options for SSL and SASL_SSL; undefined: plaintext. */
  tls?: ConnectionOptions;
  sasl?: { mechanism: ClientSaslMechanism; username: string; password: string };
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** A Java properties file's `key=value` (or `key: value`) lines; `#`/`!` comments, `\` line continuations. */
export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  const lines = text.replace(/\\\r?\n[ \t]*/g, '').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m === null) throw new Error(`not a key=value line: ${JSON.stringify(line.slice(0, 40))}`);
    props.set(m[1], m[2]);
  }
  return props;
}

/** The security a set of client properties asks for (security.protocol unset: PLAINTEXT, as in Kafka). */
export function clientSecurityFrom(props: ReadonlyMap<string, string>): ClientSecurity {
  const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!PROTOCOLS.includes(protocol)) throw new Error(`security.protocol ${JSON.stringify(protocol)} is not one of ${PROTOCOLS.join(', ')}`);
  const security: ClientSecurity = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') security.tls = tlsOptions(props);
  if (protocol.startsWith('SASL_')) security.sasl = saslOptions(props);
  return security;
}

function readPem(props: ReadonlyMap<string, string>, key: string): string {
  const file = props.get(key)!;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function tlsOptions(props: ReadonlyMap<string, string>): ConnectionOptions {
  for (const key of ['ssl.truststore.type', 'ssl.keystore.type']) {
    const type = props.get(key);
    if (type !== undefined && type.toUpperCase() !== 'PEM') throw new Error(`${key}=${type}: only PEM files are read (convert with openssl or keytool)`);
  }
  const options: ConnectionOptions = {};
  // Java's truststore or librdkafka's CA file: either names the CAs to trust; neither: the system's.
  const caKey = ['ssl.truststore.location', 'ssl.ca.location'].find((k) => props.has(k));
  if (caKey !== undefined) options.ca = readPem(props, caKey);
  if (props.has('ssl.truststore.certificates')) options.ca = props.get('ssl.truststore.certificates');
  // A client certificate (mTLS): a PEM keystore (key + chain in one file), or librdkafka's two files.
  if (props.has('ssl.keystore.location')) {
    const pem = readPem(props, 'ssl.keystore.location');
    options.cert = pem;
    options.key = pem;
  }
  if (props.has('ssl.certificate.location')) options.cert = readPem(props, 'ssl.certificate.location');
  if (props.has('ssl.key.location')) options.key = readPem(props, 'ssl.key.location');
  const keyPassword = props.get('ssl.key.password');
  if (keyPassword !== undefined && keyPassword !== '') options.passphrase = keyPassword;
  // Kafka checks the broker's name (https) unless this is set empty; librdkafka's equivalent is 'none'.
  const identification = props.get('ssl.endpoint.identification.algorithm') ?? 'https';
  if (identification === '' || identification.toLowerCase() === 'none') options.checkServerIdentity = () => undefined;
  return options;
}

function saslOptions(props: ReadonlyMap<string, string>): NonNullable<ClientSecurity['sasl']> {
  const mechanism = (props.get('sasl.mechanism') ?? props.get('sasl.mechanisms') ?? 'GSSAPI').toUpperCase();
  if (!MECHANISMS.includes(mechanism)) throw new Error(`sasl.mechanism ${mechanism}: the commands speak ${MECHANISMS.join(', ')}`);
  let username = props.get('sasl.username');
  let password = props.get('sasl.password');
  const jaas = props.get('sasl.jaas.config');
  if (jaas !== undefined) {
    const option = (name: string) => new RegExp(`\\b${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s;"]+))`).exec(jaas);
    const user = option('username');
    const pass = option('password');
    if (user === null || pass === null) throw new Error('sasl.jaas.config: a login module with username="..." and password="..." is needed');
    username = (user[1] ?? user[2]).replace(/\\(.)/g, '$1');
    password = (pass[1] ?? pass[2]).replace(/\\(.)/g, '$1');
  }
  if (username === undefined || password === undefined) throw new Error(`${mechanism} needs credentials: sasl.jaas.config, or sasl.username and sasl.password`);
  return { mechanism: mechanism as ClientSaslMechanism, username, password };
}
