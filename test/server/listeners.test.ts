// Several listeners at once: each client is told the broker address of the listener it connected to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src/broker.js';
import { RawClient } from '../helpers/raw-client.js';

describe('several listeners', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({
      config: {
        listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
        'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'advertised.listeners': 'EXTERNAL://external.example:19092',
        'controller.listener.names': 'CONTROLLER',
        'inter.broker.listener.name': 'INTERNAL',
      },
    });
  });
  afterAll(() => broker?.close());

  it('binds every broker listener (not the controller one) on its own port', () => {
    expect(broker.listeners.map((l) => l.name)).toEqual(['INTERNAL', 'EXTERNAL']);
    const [internal, external] = broker.listeners;
    expect(internal.port).toBeGreaterThan(0);
    expect(external.port).toBeGreaterThan(0);
    expect(internal.port).not.toBe(external.port);
    expect(internal.bootstrap).toBe(`127.0.0.1:${internal.port}`);
    expect(external.bootstrap).toBe('external.example:19092');
  });

  it('answers Metadata, FindCoordinator and DescribeCluster with the address of the listener the client used', async () => {
    const seen: Record<string, unknown> = {};
    for (const l of broker.listeners) {
      const client = await RawClient.connect(l.port);
      try {
        const metadata = await client.request(3, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        const coordinator = await client.request(10, 4, { keyType: 0, coordinatorKeys: ['g'] });
        const cluster = await client.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
        seen[l.name] = {
          metadata: metadata.brokers.map((b: any) => `${b.host}:${b.port}`),
          coordinator: coordinator.coordinators.map((c: any) => `${c.host}:${c.port}`),
          cluster: cluster.brokers.map((b: any) => `${b.host}:${b.port}`),
        };
      } finally {
        client.close();
      }
    }
    const internal = `127.0.0.1:${broker.listeners[0].port}`;
    expect(seen).toEqual({
      INTERNAL: { metadata: [internal], coordinator: [internal], cluster: [internal] },
      EXTERNAL: { metadata: ['external.example:19092'], coordinator: ['external.example:19092'], cluster: ['external.example:19092'] },
    });
  });

  it('stops start-up on a listener it cannot serve, naming it, and on a taken port', async () => {
    await expect(startBroker({ config: { listeners: 'PLAINTEXT://127.0.0.1:0,BAD://127.0.0.1:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,BAD:SASL_SSL' } }))
      .rejects.toThrow(/listener BAD:\/\/127\.0\.0\.1:0/);
    const taken = broker.listeners[1].port;
    await expect(startBroker({ config: { listeners: `A://127.0.0.1:0,B://127.0.0.1:${taken}`, 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT' } }))
      .rejects.toThrow(`cannot listen on B://127.0.0.1:${taken}: port ${taken} is already in use`);
  });
});
