// The reference broker: a real Apache Kafka 4.3.1 in KRaft combined mode (one node, broker and
// controller), formatted with a random cluster id in a temp dir and started on free loopback ports.
// Tests, the conformance run and the benchmarks compare Tributary with it.
//
//   node test/reference/kafka.mjs [--set key=value ...]   prints host:port when ready; stops on
//                                                          SIGINT, SIGTERM or end of stdin
//   import { startReferenceKafka } from './kafka.mjs'      the same from a test or a bench
//
// The jars come from test/reference/install.sh (Maven Central); nothing else is needed.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REFERENCE_LIBS = path.join(HERE, 'libs');
export const REFERENCE_CLASSPATH = `${REFERENCE_LIBS}/*`;

/**
 * Settings where Kafka's behaviour depends on them, chosen as Tributary's defaults: one partition for
 * auto-created topics, auto-creation on, single-replica internal topics. Callers add their own (the
 * test suites set group.initial.rebalance.delay.ms=0 on both brokers).
 */
export const REFERENCE_DEFAULTS = {
  'num.partitions': '1',
  'auto.create.topics.enable': 'true',
  'default.replication.factor': '1',
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '50',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'transaction.state.log.num.partitions': '50',
  'share.coordinator.state.topic.replication.factor': '1',
  'share.coordinator.state.topic.min.isr': '1',
  'group.initial.rebalance.delay.ms': '3000',
  'delete.topic.enable': 'true',
  'message.max.bytes': '1048588',
};

/** Why the reference cannot run here, or null when it can. */
export function referenceUnavailable() {
  if (!existsSync(path.join(REFERENCE_LIBS, '.complete'))) {
    return `Apache Kafka jars are missing: run \`bash test/reference/install.sh\` (needs Java 17+ and Maven)`;
  }
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    return 'java is not on PATH (the reference Kafka needs Java 17+)';
  }
  return null;
}

/** A port the OS chose, released for Kafka to bind. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Formats and starts a one-node Kafka. Resolves once Kafka logs that it started.
 * `saslPlainUsers` (name → password) adds a SASL_PLAINTEXT listener with those PLAIN users (JAAS),
 * beside the PLAINTEXT one, and resolves with its address as `saslBootstrap`.
 * `listeners` adds listeners beside PLAINTEXT (name → security protocol, e.g. { SASL_PLAINTEXT: 'SASL_PLAINTEXT' }),
 * each on a free port, returned in `listenerBootstraps`; their security settings go in `config`.
 * `addScram` entries are given to `kafka-storage format --add-scram` (SCRAM users exist from the start).
 * `jvmArgs` go to Kafka's JVM (e.g. -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=...).
 * @param {{ config?: Record<string, string|number|boolean>, saslPlainUsers?: Record<string, string>, listeners?: Record<string, string>, addScram?: string[], jvmArgs?: string[], heap?: string, timeoutMs?: number, log?: (line: string) => void }} [options]
 */
export async function startReferenceKafka(options = {}) {
  const unavailable = referenceUnavailable();
  if (unavailable) throw new Error(`reference Kafka: ${unavailable}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reference-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  // saslPlainUsers is a SASL_PLAINTEXT listener among the others, with PLAIN users.
  const listeners = { ...(options.listeners ?? {}), ...(options.saslPlainUsers ? { SASL_PLAINTEXT: 'SASL_PLAINTEXT' } : {}) };
  const extra = [];
  for (const [name, protocol] of Object.entries(listeners)) extra.push({ name, protocol, port: await freePort() });
  const extraListeners = extra.map((l) => `,${l.name}://127.0.0.1:${l.port}`).join('');
  const settings = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${extraListeners}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}${extraListeners}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${extra.map((l) => `,${l.name}:${l.protocol}`).join('')}`,
    'log.dirs': path.join(dir, 'data'),
    ...(options.saslPlainUsers ? plainUsers(options.saslPlainUsers) : {}),
    ...REFERENCE_DEFAULTS,
    ...Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k, String(v)])),
  };
  const propsFile = path.join(dir, 'server.properties');
  writeFileSync(propsFile, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  const clusterId = randomClusterId();
  const scram = (options.addScram ?? []).flatMap((entry) => ['--add-scram', entry]);
  await runToEnd(java(options, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', propsFile, ...scram]), 'format');

  const started = Date.now();
  const node = await startNode(options, propsFile);

  return {
    bootstrap: `127.0.0.1:${port}`,
    saslBootstrap: options.saslPlainUsers ? `127.0.0.1:${extra.find((l) => l.name === 'SASL_PLAINTEXT').port}` : null,
    listenerBootstraps: Object.fromEntries(extra.map((l) => [l.name, `127.0.0.1:${l.port}`])),
    host: '127.0.0.1',
    port,
    clusterId,
    pid: node.pid,
    dataDir: settings['log.dirs'],
    startupMs: Date.now() - started,
    settings,
    /** Stops Kafka (SIGTERM: a controlled shutdown; SIGKILL after 20 s) and removes its directory. */
    async stop() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Formats and starts a cluster of `nodes` Kafka nodes on this machine, each in KRaft combined mode
 * (broker and controller; the quorum is all of them), with REFERENCE_DEFAULTS under `config`. For
 * comparisons with several brokers: callers set the replication factors they want in `config`.
 * @param {{ nodes?: number, config?: Record<string, string|number|boolean>, heap?: string, timeoutMs?: number, log?: (line: string) => void }} [options]
 */
export async function startReferenceKafkaCluster(options = {}) {
  const unavailable = referenceUnavailable();
  if (unavailable) throw new Error(`reference Kafka: ${unavailable}`);
  const count = options.nodes ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reference-kafka-cluster-'));
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const ports = [];
  const controllerPorts = [];
  for (const _ of ids) {
    ports.push(await freePort());
    controllerPorts.push(await freePort());
  }
  const voters = ids.map((id, i) => `${id}@127.0.0.1:${controllerPorts[i]}`).join(',');
  const clusterId = randomClusterId();
  const propsFiles = ids.map((id, i) => {
    const settings = {
      'process.roles': 'broker,controller',
      'node.id': String(id),
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://127.0.0.1:${ports[i]},CONTROLLER://127.0.0.1:${controllerPorts[i]}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports[i]}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': path.join(dir, `data-${id}`),
      ...REFERENCE_DEFAULTS,
      ...Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k, String(v)])),
    };
    const file = path.join(dir, `server-${id}.properties`);
    writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    return file;
  });
  for (const file of propsFiles) await runToEnd(java(options, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', file]), 'format');
  const started = Date.now();
  // Together: each node waits for a quorum of the others before it starts.
  const nodes = await Promise.all(propsFiles.map((file) => startNode(options, file)));
  return {
    bootstrap: ports.map((p) => `127.0.0.1:${p}`).join(','),
    nodes: ids.map((nodeId, i) => ({ nodeId, port: ports[i], pid: nodes[i].pid })),
    clusterId,
    startupMs: Date.now() - started,
    /** Stops every node (as stop() of one) and removes their directory. */
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kafka's java tools with the reference classpath, its log4j2 settings and the JVM options given. */
function java(options, mainClass, args) {
  return spawn('java', [
    `-Xmx${options.heap ?? '1g'}`, '-Xms256m', '-XX:+UseG1GC', ...(options.jvmArgs ?? []),
    `-Dlog4j2.configurationFile=${path.join(HERE, 'log4j2.properties')}`,
    '-cp', REFERENCE_CLASSPATH, mainClass, ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function randomClusterId() {
  return execFileSync('java', ['-cp', REFERENCE_CLASSPATH, 'kafka.tools.StorageTool', 'random-uuid'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).trim().split('\n').pop();
}

/** Starts a formatted node from its properties; resolves once Kafka logs that it started. */
async function startNode(options, propsFile) {
  const child = java(options, 'kafka.Kafka', [propsFile]);
  const output = [];
  const log = options.log ?? (() => {});
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => { exited = true; resolve({ code, signal }); }));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reference Kafka did not start within ${options.timeoutMs ?? 60_000} ms:\n${output.join('')}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk) => {
      const text = chunk.toString();
      output.push(text);
      for (const line of text.split('\n')) if (line) log(line);
      if (/Kafka Server started/.test(text)) { clearTimeout(timer); resolve(undefined); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`reference Kafka exited (${code ?? signal}) before it started:\n${output.join('')}`));
    });
  });
  return {
    pid: child.pid,
    /** SIGTERM (a controlled shutdown), SIGKILL after 20 s. */
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The settings of a SASL_PLAINTEXT listener (PLAIN, users in its JAAS config) beside PLAINTEXT. */
function plainUsers(users) {
  const jaas = Object.entries(users).map(([name, password]) => `user_${name}="${password}"`).join(' ');
  return {
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${jaas};`,
  };
}

function runToEnd(child, what) {
  const output = [];
  child.stdout.on('data', (c) => output.push(c));
  child.stderr.on('data', (c) => output.push(c));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(undefined) : reject(new Error(`reference Kafka ${what} failed (${code}):\n${Buffer.concat(output)}`))));
}

// Command line: start, print host:port, stop on a signal or when stdin ends.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const config = {};
  let saslPlainUsers;
  for (let i = 2; i < process.argv.length; i++) {
    if (process.argv[i] === '--set' && process.argv[i + 1]?.includes('=')) {
      const [key, ...rest] = process.argv[++i].split('=');
      config[key] = rest.join('=');
    } else if (process.argv[i] === '--sasl-plain' && process.argv[i + 1]?.includes('=')) {
      const [name, ...rest] = process.argv[++i].split('=');
      saslPlainUsers = { ...saslPlainUsers, [name]: rest.join('=') };
    } else {
      process.stderr.write(`usage: node test/reference/kafka.mjs [--set key=value ...] [--sasl-plain user=password ...]\n`);
      process.exit(2);
    }
  }
  const kafka = await startReferenceKafka({ config, saslPlainUsers, log: (line) => process.stderr.write(`${line}\n`) });
  // host:port of the PLAINTEXT listener; then, with --sasl-plain, that of the SASL_PLAINTEXT one.
  process.stdout.write(`${kafka.bootstrap}\n`);
  if (kafka.saslBootstrap) process.stdout.write(`${kafka.saslBootstrap}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await kafka.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (!process.stdin.isTTY) process.stdin.on('end', stop).resume();
}
