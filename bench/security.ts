// `npm run bench:security [-- --quick | --profile produce|fetch]`: what TLS and SASL cost. One Tributary (the CLI, as users run
// it) with PLAINTEXT, SSL and SASL_PLAINTEXT listeners; produce and fetch throughput over TLS as a
// ratio to plaintext measured in the same run, alternating the two in each round (the machine is
// shared: only same-run ratios mean something), and SASL handshakes per second for PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512 (connect, SaslHandshake, SaslAuthenticate, close). Certificates are
// made with openssl in a temporary directory. BENCH_SSL_CIPHERS sets the broker's ssl.cipher.suites
// (e.g. TLS_AES_128_GCM_SHA256) to compare ciphers; BENCH_STEP_MS the length of a step.
// `--profile produce|fetch` runs only that load over TLS with the broker under `node --cpu-prof` and
// prints where the broker's time went.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, decodeResponse, encodeRequest } from '../src/codec/index.js';
import { FrameSplitter } from '../src/codec/frames.js';
import { printSummary } from './load/cpuprofile.js';
import { cpuMs, median, MiB, pump } from './load/loops.js';
import { RawConnection, createTopic, fetchFrame, makeBatch, produceError, produceFrame } from './load/raw-client.js';

const QUICK = process.argv.includes('--quick');
const PROFILE = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : null;
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? (QUICK ? 1000 : 3000));
const ROUNDS = QUICK ? 1 : 3;
const CONNS = 4;
const IN_FLIGHT = 16;
const BATCH_BYTES = 16 * 1024;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'); // dist/bench-security/bench → repo
const CLI = path.join(ROOT, 'dist/cli.js');
const USER = 'bench';
const PASSWORD = 'bench-secret';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-security-'));

function makeCerts(): { keystore: string; ca: string } {
  const sh = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
  sh('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench-ca');
  sh('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'broker.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  sh('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'broker.ext', '-out', 'broker.pem');
  const keystore = path.join(dir, 'broker-keystore.pem');
  fs.writeFileSync(keystore, fs.readFileSync(path.join(dir, 'broker.key'), 'utf8') + fs.readFileSync(path.join(dir, 'broker.pem'), 'utf8'));
  return { keystore, ca: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8') };
}

interface Broker {
  proc: ChildProcess;
  ports: Record<string, number>;
}

/** Starts the CLI; resolves with the port of each listener, by name, from its banner lines. */
function startBroker(keystore: string): Promise<Broker> {
  const proc = spawn(process.execPath, [
    ...(PROFILE === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'profile')}`]),
    CLI, '--data-dir', path.join(dir, 'data'), '--log-level', 'warn',
    '--listeners', 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    '--ssl.keystore.type', 'PEM', '--ssl.keystore.location', keystore,
    '--sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    '--listener.name.sasl_plaintext.plain.sasl.jaas.config', `org.apache.kafka.common.security.plain.PlainLoginModule required user_${USER}="${PASSWORD}";`,
    '--add-scram', `SCRAM-SHA-256=[name=${USER},password=${PASSWORD}]`, '--add-scram', `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`,
    ...(process.env.BENCH_SSL_CIPHERS ? ['--ssl.cipher.suites', process.env.BENCH_SSL_CIPHERS] : []),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`broker not ready after 30 s: ${out}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const ports: Record<string, number> = {};
      for (const m of out.matchAll(/listening on \S*:(\d+) \(advertised(?:, listener (\w+))?/g)) ports[m[2] ?? 'PLAINTEXT'] = Number(m[1]);
      if (ports.PLAINTEXT && ports.SSL && ports.SASL_PLAINTEXT) {
        clearTimeout(timer);
        resolve({ proc, ports });
      }
    });
    proc.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
  });
}

const okProduce = (frame: Buffer): void => {
  const code = produceError(frame);
  if (code !== 0) throw new Error(`produce error ${code}`);
};

interface Throughput {
  mbs: number;
  /** The broker's CPU time per MB moved: what TLS costs the broker, whatever the client costs. */
  cpuMsPerMB: number;
}

/** MB/s of record batches produced (acks=1) over `conns`, connection i to partition i. */
async function produceMBs(pid: number, conns: RawConnection[], topic: string, batches: Buffer[]): Promise<Throughput> {
  const frames = conns.map((_, ci) => batches.map((b, j) => produceFrame(topic, ci, b, 1, ci * 1000 + j)));
  const cpu0 = cpuMs(pid);
  const r = await pump(conns, frames, IN_FLIGHT, okProduce, STEP_MS);
  return { mbs: (r.reqPerSec * batches[0].length) / MiB, cpuMsPerMB: (cpuMs(pid) - cpu0) / ((r.total * batches[0].length) / MiB) };
}

/** MB/s of fetch responses (each connection re-reads its partition from offset 0, 1 MiB a time). */
async function fetchMBs(pid: number, conns: RawConnection[], topic: string): Promise<Throughput> {
  const frames = conns.map((_, ci) => [fetchFrame(topic, [{ partition: ci, offset: 0 }], { maxWaitMs: 0, minBytes: 0, maxBytes: MiB, partitionMaxBytes: MiB, correlationId: ci + 1 })]);
  const before = conns.reduce((n, c) => n + c.bytesIn, 0);
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  await pump(conns, frames, 4, () => {}, STEP_MS, 0);
  const mb = (conns.reduce((n, c) => n + c.bytesIn, 0) - before) / MiB;
  return { mbs: mb / ((performance.now() - t0) / 1000), cpuMsPerMB: (cpuMs(pid) - cpu0) / mb };
}

// ---- SASL handshakes ------------------------------------------------------------------------------

/** One connection that sends a request and awaits its single response frame. */
class Exchange {
  private readonly splitter = new FrameSplitter(1 << 20);
  private waiting: ((f: Buffer) => void) | null = null;
  private id = 1;
  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.splitter.push(d, (f) => this.waiting?.(f)));
    socket.on('error', () => {});
  }
  static open(port: number): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Exchange(s)));
      s.once('error', reject);
    });
  }
  async call<K extends 17 | 36>(apiKey: K, version: number, body: object): Promise<{ errorCode: number; authBytes?: Buffer }> {
    const frame = Buffer.concat(encodeRequest(apiKey, version, { correlationId: this.id++, clientId: 'bench' }, body as never));
    const response = await new Promise<Buffer>((resolve, reject) => {
      this.waiting = resolve;
      this.socket.once('close', () => reject(new Error('closed')));
      this.socket.write(frame);
    });
    return decodeResponse(apiKey, version, response).body as { errorCode: number; authBytes?: Buffer };
  }
}

/** The client's salted password, computed once per salt (a benchmark of the broker, not of PBKDF2). */
const salted = new Map<string, Buffer>();

/** A SCRAM client (RFC 5802): the client-final message for a server-first message. */
function scramFinal(hash: 'sha256' | 'sha512', clientFirstBare: string, serverFirst: string): string {
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)] as const));
  const key = `${hash}:${attrs.get('s')}:${attrs.get('i')}`;
  let saltedPassword = salted.get(key);
  if (saltedPassword === undefined) {
    saltedPassword = pbkdf2Sync(PASSWORD, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), hash === 'sha256' ? 32 : 64, hash);
    salted.set(key, saltedPassword);
  }
  const clientKey = createHmac(hash, saltedPassword).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.get('r')}`;
  const signature = createHmac(hash, storedKey).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

async function authenticate(port: number, mechanism: string): Promise<void> {
  const x = await Exchange.open(port);
  try {
    const check = (r: { errorCode: number }, what: string) => {
      if (r.errorCode !== 0) throw new Error(`${mechanism} ${what}: error ${r.errorCode}`);
    };
    check(await x.call(17, 1, { mechanism }), 'SaslHandshake');
    if (mechanism === 'PLAIN') {
      check(await x.call(36, 1, { authBytes: Buffer.from(`\0${USER}\0${PASSWORD}`) }), 'SaslAuthenticate');
      return;
    }
    const bare = `n=${USER},r=${randomBytes(18).toString('base64')}`;
    const first = await x.call(36, 1, { authBytes: Buffer.from(`n,,${bare}`) });
    check(first, 'client-first');
    const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    check(await x.call(36, 1, { authBytes: Buffer.from(scramFinal(hash, bare, first.authBytes!.toString())) }), 'client-final');
  } finally {
    x.socket.destroy();
  }
}

/** Completed authentications per second, `parallel` loops for STEP_MS. */
async function handshakesPerSec(port: number, mechanism: string, parallel = 4): Promise<number> {
  await authenticate(port, mechanism); // warm-up (and the client's PBKDF2, once)
  const deadline = performance.now() + STEP_MS;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (performance.now() < deadline) {
      await authenticate(port, mechanism);
      done++;
    }
  }));
  return done / ((performance.now() - t0) / 1000);
}

// ---------------------------------------------------------------------------------------------------

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const spread = (xs: number[], d = 0): string => (xs.length > 1 ? ` (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})` : '');

async function main(): Promise<void> {
  const { keystore, ca } = makeCerts();
  const broker = await startBroker(keystore);
  try {
    const admin = await RawConnection.connect(broker.ports.PLAINTEXT);
    const topic = 'bench-security';
    await createTopic(admin, topic, CONNS);
    const count = Math.floor((BATCH_BYTES - 61) / (100 + 8));
    const batches = Array.from({ length: 4 }, (_, i) => makeBatch(100, count, i));
    if (PROFILE !== null) {
      const tls = await Promise.all(Array.from({ length: CONNS }, () => RawConnection.connectTls(broker.ports.SSL, ca)));
      if (PROFILE === 'fetch') await produceMBs(broker.proc.pid!, tls, topic, batches);
      const r = PROFILE === 'fetch' ? await fetchMBs(broker.proc.pid!, tls, topic) : await produceMBs(broker.proc.pid!, tls, topic, batches);
      console.log(`${PROFILE} over TLS: ${fmt(r.mbs)} MB/s, broker CPU ${fmt(r.cpuMsPerMB, 2)} ms per MB`);
      for (const c of tls) c.close();
      broker.proc.kill('SIGTERM');
      await new Promise((r) => broker.proc.once('exit', r));
      const profiles = fs.readdirSync(path.join(dir, 'profile'));
      printSummary(path.join(dir, 'profile', profiles[0]), 30);
      return;
    }
    console.log(`Tributary ${CONNS} connections × ${IN_FLIGHT} in flight, ${fmt(batches[0].length / 1024, 1)} KiB batches of ${count} × 100-byte records, ${STEP_MS / 1000} s steps, ${ROUNDS} rounds; Node ${process.version}`);
    const rows: Record<string, Throughput[]> = { producePlain: [], produceTls: [], fetchPlain: [], fetchTls: [] };
    const pid = broker.proc.pid!;
    for (let round = 0; round < ROUNDS; round++) {
      const plain = await Promise.all(Array.from({ length: CONNS }, () => RawConnection.connect(broker.ports.PLAINTEXT)));
      const tls = await Promise.all(Array.from({ length: CONNS }, () => RawConnection.connectTls(broker.ports.SSL, ca)));
      // Alternate which goes first, so neither always gets the warmer (or the more crowded) slot.
      const order = round % 2 === 0 ? ['plain', 'tls'] : ['tls', 'plain'];
      for (const which of order) rows[which === 'plain' ? 'producePlain' : 'produceTls'].push(await produceMBs(pid, which === 'plain' ? plain : tls, topic, batches));
      for (const which of order) rows[which === 'plain' ? 'fetchPlain' : 'fetchTls'].push(await fetchMBs(pid, which === 'plain' ? plain : tls, topic));
      for (const c of [...plain, ...tls]) c.close();
    }
    for (const what of ['produce', 'fetch']) {
      const plain = rows[`${what}Plain`];
      const tls = rows[`${what}Tls`];
      const ratio = tls.map((t, i) => (100 * t.mbs) / plain[i].mbs);
      const cost = tls.map((t, i) => t.cpuMsPerMB / plain[i].cpuMsPerMB);
      const mbs = (xs: Throughput[]) => xs.map((x) => x.mbs);
      console.log(`${what.padEnd(8)} plaintext ${fmt(median(mbs(plain)))} MB/s${spread(mbs(plain))}   TLS ${fmt(median(mbs(tls)))} MB/s${spread(mbs(tls))}   TLS/plaintext ${fmt(median(ratio))}%${spread(ratio)}`);
      console.log(`${''.padEnd(8)} broker CPU per MB: plaintext ${fmt(median(plain.map((x) => x.cpuMsPerMB)), 2)} ms, TLS ${fmt(median(tls.map((x) => x.cpuMsPerMB)), 2)} ms (×${fmt(median(cost), 2)}${spread(cost, 2)})`);
    }
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const rates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) rates.push(await handshakesPerSec(broker.ports.SASL_PLAINTEXT, mechanism));
      console.log(`SASL ${mechanism.padEnd(13)} ${fmt(median(rates))} authentications/s${spread(rates)} (4 in parallel; connect, handshake, authenticate, close)`);
    }
    admin.close();
  } finally {
    if (broker.proc.exitCode === null) {
      broker.proc.kill('SIGTERM');
      await new Promise((r) => broker.proc.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
