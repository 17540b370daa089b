// `tributary --brokers 3`: one process serving three broker identities, each on its own OS-chosen
// port, listed by kcat; SIGTERM stops them all cleanly.

import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';

describe.runIf(requireTool(HAVE_KCAT, 'kcat'))('tributary --brokers N', () => {
  it('serves three identities that kcat -L lists, and stops on SIGTERM', async () => {
    const p = await startBrokerProcess(['--brokers', '3', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory://', '--broker.racks', 'a,b,c']);
    try {
      const bootstraps = /listening on (\S+) /.exec(p.banner)![1].split(',');
      expect(bootstraps).toHaveLength(3);
      const r = await run('kcat', ['-b', bootstraps[1], '-L']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(' 3 brokers:');
      bootstraps.forEach((b, i) => expect(r.stdout).toContain(`broker ${i} at ${b}`));
    } finally {
      p.child.kill('SIGTERM');
    }
    expect((await p.exited).code).toBe(0);
  });
});

describe('tributary --brokers N --cluster.control.listener', () => {
  /** The control endpoint's URL, from the line the CLI prints after its banner (maybe in the banner's chunk). */
  async function controlUrlOf(p: Awaited<ReturnType<typeof startBrokerProcess>>): Promise<string> {
    const found = () => /cluster control on (http:\/\/\S+)/.exec(p.stdout())?.[1];
    while (found() === undefined) await new Promise((r) => p.child.stdout!.once('data', r));
    return found()!;
  }
  const call = async (url: string, method = 'GET') => {
    const res = await fetch(url, { method });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('stops and starts identities and moves leaders over HTTP while kafkajs keeps producing', async () => {
    const p = await startBrokerProcess(['--brokers', '3', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory://', '--cluster.control.listener', '0']);
    try {
      const control = await controlUrlOf(p);
      expect(control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const bootstraps = /listening on (\S+) /.exec(p.banner)![1].split(',');
      const kafka = new Kafka({ clientId: 'control', brokers: bootstraps, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'ctl', numPartitions: 1, replicationFactor: 3 }] });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic: 'ctl', acks: -1, messages: [{ value: 'one' }] });

      const leader = (await call(`${control}/partitions/ctl/0`)).body.leader as number;
      const stopped = await call(`${control}/brokers/${leader}/stop`, 'POST');
      expect(stopped.status).toBe(200);
      expect(stopped.body.find((b: { nodeId: number }) => b.nodeId === leader).alive).toBe(false);
      const newLeader = (await call(`${control}/partitions/ctl/0`)).body.leader as number;
      expect(newLeader).not.toBe(leader);
      await producer.send({ topic: 'ctl', acks: -1, messages: [{ value: 'two' }] });

      expect((await call(`${control}/brokers/${leader}/start`, 'POST')).status).toBe(200);
      const moved = await call(`${control}/partitions/ctl/0/leader/${leader}`, 'POST');
      expect(moved).toEqual({ status: 200, body: { topic: 'ctl', partition: 0, leader } });
      await producer.send({ topic: 'ctl', acks: -1, messages: [{ value: 'three' }] });
      await producer.disconnect();
      const offsets = await (async () => {
        const a = kafka.admin();
        await a.connect();
        const o = await a.fetchTopicOffsets('ctl');
        await a.disconnect();
        return o;
      })();
      expect(offsets[0].high).toBe('3');

      // Bad requests: 4xx with the reason, and the endpoint still answers afterwards.
      expect((await call(`${control}/brokers/42/stop`, 'POST')).status).toBe(404);
      expect((await call(`${control}/brokers/${leader}/stop`)).status).toBe(405);
      expect((await call(`${control}/partitions/nope/0`)).status).toBe(404);
      const badMove = await call(`${control}/partitions/nope/0/leader/${leader}`, 'POST');
      expect(badMove.status).toBe(409);
      expect(badMove.body.error).toContain('no partition nope-0');
      expect((await call(`${control}/brokers`)).body).toHaveLength(3);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect((await p.exited).code).toBe(0);
  }, 60_000);

  it('is refused without a test cluster', async () => {
    const p = startBrokerProcess(['--port', '0', '--storage', 'memory://', '--cluster.control.listener', '0']);
    await expect(p).rejects.toThrow(/cluster.control.listener needs a test cluster/);
  });
});
