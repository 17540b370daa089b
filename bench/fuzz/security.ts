// The fuzzer's security inputs: hostile TLS records and SASL frames sent to the SSL, SASL_PLAINTEXT
// and SASL_SSL listeners of an embedded broker (garbage before the TLS handshake, plaintext Kafka
// frames on a TLS port, a 2 GiB SASL token size, truncated and garbage PLAIN and SCRAM tokens,
// SaslAuthenticate before SaslHandshake, unknown mechanisms), the hand-written ones and then random
// byte mutations of valid SASL frames. After each batch the checks of engine.ts apply: the broker
// process did not throw, a connection on the PLAINTEXT listener was never stalled (pinger) and still
// produces and fetches (health check), and every connection the broker closed was logged with its port.

import net from 'node:net';
import tls from 'node:tls';
import { ApiKey, encodeRequest } from '../../src/codec/index.js';
import { CONTROL_DEADLINE_MS, drainLog, healthCheck, startHarness, startPinger, type Harness } from './engine.js';
import { Rng } from './mutate.js';

export interface SecurityFuzzOptions {
  /** Random mutations after the hand-written inputs, for this long. */
  seconds: number;
  seed?: number;
  /** PEM key + certificate chain file for the TLS listeners (ssl.keystore.location). */
  keystoreFile: string;
}

type Transport = 'tls' | 'sasl' | 'sasl_ssl';

export interface SecurityInput {
  name: string;
  transport: Transport;
  /** Bytes written on the connection (after the TLS handshake for sasl_ssl; raw for tls). */
  bytes: Buffer;
}

export interface SecurityFuzzReport {
  inputs: number;
  closed: number;
  findings: string[];
}

const PASSWORD = 'fuzz-secret';
let correlation = 100;

function frame(apiKey: number, version: number, body: object): Buffer {
  return Buffer.concat(encodeRequest(apiKey as 17, version, { correlationId: correlation++, clientId: 'fuzz' }, body as never));
}
const handshake = (mechanism: string, version = 1) => frame(ApiKey.SaslHandshake, version, { mechanism });
const authenticate = (authBytes: Buffer, version = 1) => frame(ApiKey.SaslAuthenticate, version, { authBytes });
/** A SaslAuthenticate v0-1 frame whose bytes field claims `claimed` bytes but carries `actual`. */
function lyingAuthenticate(claimed: number, actual: Buffer): Buffer {
  const header = frame(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.alloc(0) });
  const out = Buffer.concat([header.subarray(0, header.length - 4), Buffer.alloc(4), actual]);
  out.writeInt32BE(claimed, header.length - 4);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}
const scramFirst = (user: string, nonce = 'fyko+d2lbbFgONRv9qkxdawL') => Buffer.from(`n,,n=${user},r=${nonce}`);

/** The hand-written hostile inputs, one per behaviour the issue names. */
export function securityInputs(rng: Rng): SecurityInput[] {
  const garbage = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng.next() * 256)));
  const sizeOnly = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const inputs: SecurityInput[] = [
    { name: 'tls: garbage before the handshake', transport: 'tls', bytes: garbage(512) },
    { name: 'tls: a plaintext ApiVersions frame on a TLS port', transport: 'tls', bytes: frame(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }) },
    { name: 'tls: a record header claiming 16 KiB, then nothing', transport: 'tls', bytes: Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01]) },
    { name: 'tls: a TLS alert record before any handshake', transport: 'tls', bytes: Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]) },
  ];
  for (const transport of ['sasl', 'sasl_ssl'] as const) {
    inputs.push(
      { name: `${transport}: SASL token size of 2 GiB (frame size 0x7fffffff)`, transport, bytes: Buffer.concat([handshake('PLAIN'), sizeOnly(0x7fffffff), garbage(64)]) },
      { name: `${transport}: SaslAuthenticate whose bytes claim 2 GiB`, transport, bytes: Buffer.concat([handshake('PLAIN'), lyingAuthenticate(0x7fffffff, garbage(16))]) },
      { name: `${transport}: a negative frame size after the handshake`, transport, bytes: Buffer.concat([handshake('PLAIN'), sizeOnly(-2)]) },
      { name: `${transport}: SaslAuthenticate before SaslHandshake`, transport, bytes: authenticate(Buffer.from(`\0fuzz\0${PASSWORD}`)) },
      { name: `${transport}: Metadata before authentication`, transport, bytes: frame(ApiKey.Metadata, 12, { topics: null }) },
      { name: `${transport}: handshake with an unknown mechanism`, transport, bytes: handshake('GSSAPI-NOPE') },
      { name: `${transport}: handshake with an empty mechanism`, transport, bytes: handshake('') },
      { name: `${transport}: handshake with a 30 KB mechanism name`, transport, bytes: handshake('X'.repeat(30_000)) },
      { name: `${transport}: PLAIN token truncated (no password)`, transport, bytes: Buffer.concat([handshake('PLAIN'), authenticate(Buffer.from('\0fuzz'))]) },
      { name: `${transport}: PLAIN token without NUL separators`, transport, bytes: Buffer.concat([handshake('PLAIN'), authenticate(Buffer.from('fuzz fuzz-secret'))]) },
      { name: `${transport}: PLAIN token of random bytes`, transport, bytes: Buffer.concat([handshake('PLAIN'), authenticate(garbage(200))]) },
      { name: `${transport}: PLAIN empty token`, transport, bytes: Buffer.concat([handshake('PLAIN'), authenticate(Buffer.alloc(0))]) },
      { name: `${transport}: PLAIN token with invalid UTF-8 and a 64 KB user name`, transport, bytes: Buffer.concat([handshake('PLAIN'), authenticate(Buffer.concat([Buffer.from([0, 0xff, 0xfe]), Buffer.alloc(65_536, 0x61), Buffer.from([0]), Buffer.from('x')]))]) },
      { name: `${transport}: SCRAM client-first of random bytes`, transport, bytes: Buffer.concat([handshake('SCRAM-SHA-256'), authenticate(garbage(100))]) },
      { name: `${transport}: SCRAM client-first truncated`, transport, bytes: Buffer.concat([handshake('SCRAM-SHA-256'), authenticate(Buffer.from('n,,n=fuzz'))]) },
      { name: `${transport}: SCRAM client-first with an empty nonce`, transport, bytes: Buffer.concat([handshake('SCRAM-SHA-512'), authenticate(scramFirst('fuzz', ''))]) },
      { name: `${transport}: SCRAM client-first then a garbage client-final`, transport, bytes: Buffer.concat([handshake('SCRAM-SHA-256'), authenticate(scramFirst('fuzz')), authenticate(garbage(120))]) },
      { name: `${transport}: SCRAM client-first then a client-final with a wrong nonce and proof`, transport, bytes: Buffer.concat([handshake('SCRAM-SHA-512'), authenticate(scramFirst('fuzz')), authenticate(Buffer.from('c=biws,r=wrong,p=AAAA'))]) },
      { name: `${transport}: SCRAM for an unknown user`, transport, bytes: Buffer.concat([handshake('SCRAM-SHA-256'), authenticate(scramFirst('nobody'))]) },
      { name: `${transport}: SaslAuthenticate v2 of random bytes`, transport, bytes: Buffer.concat([handshake('PLAIN'), authenticate(garbage(300), 2)]) },
    );
  }
  return inputs;
}

/** Random byte mutations (flip, truncate, overwrite the size) of a valid SASL exchange. */
function mutated(rng: Rng): SecurityInput {
  const mechanism = rng.pick(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  const token = mechanism === 'PLAIN' ? Buffer.from(`\0fuzz\0${PASSWORD}`) : scramFirst('fuzz');
  const bytes = Buffer.concat([handshake(mechanism, rng.next() < 0.5 ? 0 : 1), authenticate(token, rng.pick([0, 1, 2]))]);
  const kind = rng.pick(['flip', 'truncate', 'size']);
  if (kind === 'flip') for (let i = 0; i < 1 + Math.floor(rng.next() * 4); i++) bytes[Math.floor(rng.next() * bytes.length)] ^= 1 << Math.floor(rng.next() * 8);
  if (kind === 'size') bytes.writeInt32BE(Math.floor(rng.next() * 0x7fffffff) - (rng.next() < 0.2 ? 0x7fffffff : 0), rng.next() < 0.5 ? 0 : bytes.readInt32BE(0) + 4);
  const out = kind === 'truncate' ? bytes.subarray(0, Math.floor(rng.next() * bytes.length)) : bytes;
  return { name: `${mechanism} exchange, ${kind}`, transport: rng.pick(['sasl', 'sasl_ssl'] as const), bytes: out };
}

interface Sent {
  localPort: number;
  closed: boolean;
}

/** Writes the input on a fresh connection; resolves when the broker closes it or after 1.5 s. */
function send(h: Harness, ports: Record<Transport, number>, input: SecurityInput): Promise<Sent> {
  return new Promise((resolve) => {
    const port = ports[input.transport];
    const socket: net.Socket = input.transport === 'sasl_ssl'
      ? tls.connect({ host: h.host, port, rejectUnauthorized: false })
      : net.connect({ host: h.host, port });
    let localPort = 0;
    const timer = setTimeout(() => finish(false), 1_500);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ localPort, closed });
    };
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    socket.on('data', () => {});
    socket.once(input.transport === 'sasl_ssl' ? 'secureConnect' : 'connect', () => {
      localPort = socket.localPort ?? 0;
      socket.write(input.bytes);
    });
  });
}

/** Runs the hand-written inputs, then random mutations for opts.seconds; returns what it found. */
export async function runSecurityFuzz(opts: SecurityFuzzOptions): Promise<SecurityFuzzReport> {
  const rng = new Rng(opts.seed ?? 20261205);
  const h = await startHarness({
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': opts.keystoreFile,
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_fuzz="${PASSWORD}";`,
    'connection.failed.authentication.delay.ms': 0,
  }, [`SCRAM-SHA-256=[name=fuzz,password=${PASSWORD}]`, `SCRAM-SHA-512=[name=fuzz,password=${PASSWORD}]`]);
  const port = (name: string) => h.broker.listeners.find((l) => l.name === name)!.port;
  const ports: Record<Transport, number> = { tls: port('SSL'), sasl: port('SASL_PLAINTEXT'), sasl_ssl: port('SASL_SSL') };
  const report: SecurityFuzzReport = { inputs: 0, closed: 0, findings: [] };
  let crash: unknown = null;
  const onCrash = (err: unknown) => {
    crash ??= err;
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    const batches: SecurityInput[][] = [securityInputs(rng)];
    const deadline = Date.now() + opts.seconds * 1000;
    for (let b = 0; b < batches.length || Date.now() < deadline; b++) {
      const batch = batches[b] ?? Array.from({ length: 32 }, () => mutated(rng));
      const pinger = startPinger(h);
      const sent = await Promise.all(batch.map((input) => send(h, ports, input)));
      const maxLatency = await pinger.stop();
      drainLog(h);
      for (const [i, s] of sent.entries()) {
        report.inputs++;
        if (!s.closed) continue;
        report.closed++;
        if (s.localPort > 0 && !h.seenPorts.has(s.localPort)) report.findings.push(`unlogged close: ${batch[i].name}`);
      }
      h.seenPorts.clear();
      if (crash !== null) report.findings.push(`crash: ${String((crash as Error).stack ?? crash)}`);
      if (maxLatency > CONTROL_DEADLINE_MS) report.findings.push(`stall: another connection waited ${maxLatency} ms for ApiVersions`);
      const health = await healthCheck(h);
      if (health !== null) report.findings.push(`unhealthy after a batch: ${health}`);
      if (h.errorLines.length > 0) report.findings.push(`internal error logged: ${h.errorLines.splice(0).join(' | ').slice(0, 400)}`);
      if (report.findings.length > 0) break;
    }
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await h.close().catch(() => {});
  }
  return report;
}
