// Runs the README's SASL_SSL + SCRAM + ACL example exactly as written, so it cannot drift: the
// blocks marked `<!-- example:sasl-ssl NAME -->` are taken from README.md, the openssl commands run in
// a temporary directory, the broker starts from the shown server.properties and start command, the
// ACLs are created with Kafka's kafka-acls (the Java client, with the shown admin.properties), and
// alice connects with the shown kafkajs config and with librdkafka (confluent-kafka-python 2.16 of
// test/reference/clients/python) using the shown alice.properties. Only the port changes (the
// README's 9093 becomes a free one) and the commands `tributary` and `kafka-acls.sh` are shell
// functions running `node dist/cli.js` and Kafka's AclCommand from test/reference/libs.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produceAndConsume } from '../helpers/kafkajs-round-trip.js';
import { CLI, ROOT } from '../helpers/broker-process.js';
import { run } from '../helpers/tools.js';

const LIBS = path.join(ROOT, 'test/reference/libs');
const HAVE_JAVA_TOOLS = existsSync(path.join(LIBS, 'kafka-tools-4.3.1.jar'));
const PYTHON = path.join(ROOT, 'test/reference/clients/python/venv/bin/python');
const HAVE_PYTHON_CLIENT = existsSync(PYTHON);

/** The README's example blocks, by name. */
function exampleBlocks(): Map<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = new Map<string, string>();
  for (const m of readme.matchAll(/<!-- example:sasl-ssl (\S+) -->\n```\w*\n([\s\S]*?)```/g)) blocks.set(m[1], m[2]);
  return blocks;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const blocks = exampleBlocks();
let dir: string;
let port: number;
let broker: ChildProcess | undefined;
const block = (name: string): string => {
  const b = blocks.get(name);
  if (b === undefined) throw new Error(`README.md has no <!-- example:sasl-ssl ${name} --> block`);
  return b.replaceAll('localhost:9093', `localhost:${port}`);
};
/** Runs a shell block in the example's directory, with `tributary` and `kafka-acls.sh` defined. */
const shell = (script: string, timeoutMs = 60_000) => run('bash', ['-ec', [
  `cd ${JSON.stringify(dir)}`,
  `tributary() { exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }`,
  `kafka-acls.sh() { java -cp ${JSON.stringify(`${LIBS}/*`)} org.apache.kafka.tools.AclCommand "$@"; }`,
  script,
].join('\n')], { timeoutMs });

describe('README: the SASL_SSL + SCRAM + ACL example', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tributary-readme-security-'));
    port = await freePort();
    const certs = await shell(block('certs'));
    expect(certs.code, certs.stderr).toBe(0);
    writeFileSync(path.join(dir, 'server.properties'), block('server.properties'));
    writeFileSync(path.join(dir, 'admin.properties'), block('admin.properties'));
    writeFileSync(path.join(dir, 'alice.properties'), block('alice.properties'));
    // The start command runs in the background; its banner says when it listens.
    broker = spawn('bash', ['-ec', `cd ${JSON.stringify(dir)}\ntributary() { exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }\n${block('start')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`broker not listening after 20 s: ${out}`)), 20_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (/listening on/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      broker!.stdout!.on('data', onData);
      broker!.stderr!.on('data', onData);
      broker!.once('exit', (code) => reject(new Error(`broker exited (${code}): ${out}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (broker !== undefined && broker.exitCode === null) {
      broker.kill('SIGTERM');
      await new Promise((r) => broker!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const kafkajs = () => {
    const fs = { readFileSync: (file: string, encoding: BufferEncoding) => readFileSync(path.join(dir, file), encoding) };
    const make = new Function('Kafka', 'fs', `${block('kafkajs')}\nreturn kafka;`) as (k: unknown, f: unknown) => Kafka;
    const KafkaQuiet = class extends Kafka {
      constructor(config: ConstructorParameters<typeof Kafka>[0]) {
        super({ ...config, logLevel: logLevel.NOTHING });
      }
    };
    return make(KafkaQuiet, fs);
  };

  it('before the ACLs, alice (kafkajs, the shown config) authenticates but may not create an orders topic', async () => {
    const admin = kafkajs().admin();
    await admin.connect();
    try {
      const err = await admin.createTopics({ topics: [{ topic: 'orders-early' }] }).then(() => null, (e: { errors?: { type: string }[] }) => e);
      expect(err?.errors?.map((e) => e.type)).toEqual(['TOPIC_AUTHORIZATION_FAILED']);
    } finally {
      await admin.disconnect();
    }
  });

  it.skipIf(!HAVE_JAVA_TOOLS && !process.env.CI)('kafka-acls.sh (Java client, admin.properties) creates the ACLs', async () => {
    if (!HAVE_JAVA_TOOLS) throw new Error(`Kafka's tools are missing (${LIBS}): bash test/reference/install.sh`);
    const r = await shell(block('acls'));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/User:alice/);
  }, 60_000);

  it.skipIf(!HAVE_JAVA_TOOLS && !process.env.CI)('alice with kafkajs creates an orders topic, produces and consumes in an orders group; other topics are refused', async () => {
    expect(await produceAndConsume(kafkajs(), 'orders-kafkajs')).toEqual(['one', 'two']);
    const producer = kafkajs().producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'payments', messages: [{ value: 'x' }] })).rejects.toThrow(/authorized|TOPIC_AUTHORIZATION_FAILED/i);
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it.skipIf((!HAVE_JAVA_TOOLS || !HAVE_PYTHON_CLIENT) && !process.env.CI)('alice with librdkafka 2.16 (alice.properties) produces and consumes over SCRAM-SHA-512', async () => {
    if (!HAVE_PYTHON_CLIENT) throw new Error(`confluent-kafka-python is missing (${PYTHON}): bash test/reference/clients/python/install.sh`);
    const script = `
import sys
from confluent_kafka import Producer, Consumer
conf = dict(l.split('=', 1) for l in open('alice.properties').read().splitlines() if l and not l.startswith('#'))
p = Producer(conf)
errors = []
p.produce('orders-librdkafka', b'hello', on_delivery=lambda err, msg: errors.append(err))
p.flush(30)
assert errors == [None], errors
c = Consumer({**conf, 'group.id': 'orders-librdkafka-g', 'auto.offset.reset': 'earliest'})
c.subscribe(['orders-librdkafka'])
for _ in range(60):
    m = c.poll(1.0)
    if m is not None and m.error() is None:
        print(m.value().decode())
        break
c.close()
`;
    writeFileSync(path.join(dir, 'alice.py'), script);
    const r = await run('bash', ['-ec', `cd ${JSON.stringify(dir)}\nexec ${JSON.stringify(PYTHON)} alice.py`], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('hello');
  }, 100_000);
});
