// KIP-848 regex subscriptions over a real socket, on the broker's fake clock: Kafka's sequence. The
// heartbeat that (re)joins with literal topics and a regex gets the literal topics only; the regex is
// resolved in the background and a later heartbeat gets its matches; a topic created later is picked
// up by a heartbeat once 10 s have passed since the last resolution. Internal topics match, as in Kafka.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { FakeClock } from '../../src/util/clock.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
let client: RawClient;
const clock = new FakeClock();
beforeAll(async () => {
  broker = await startBroker({ clock });
  await broker.services.groups.load();
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.close();
});

const createTopic = async (name: string, partitions: number) => {
  const r = await client.request(19, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(r.topics[0].errorCode).toBe(0);
};

type Assigned = { topicPartitions: { topicId: string; partitions: number[] }[] } | null;
const names = (a: Assigned) => (a?.topicPartitions ?? [])
  .flatMap((tp) => tp.partitions.map((p) => `${broker.services.cluster.topicById(tp.topicId)!.name}-${p}`)).sort();

describe('regex subscriptions over the wire', () => {
  it('first heartbeat: literal topics; a later one: regex matches; a topic created later follows', async () => {
    await createTopic('lit', 1);
    await createTopic('metrics-a', 2);
    const hb = (over: object) => client.request(68, 1, {
      groupId: 'regex', memberId: 'm-1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30000,
      subscribedTopicNames: ['lit'], subscribedTopicRegex: 'metrics-.*', serverAssignor: null, topicPartitions: [], ...over,
    });
    const steady = (memberEpoch: number) => hb({ memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, subscribedTopicRegex: null, topicPartitions: null });

    const first = await hb({});
    expect(first).toMatchObject({ errorCode: 0, memberEpoch: 2, heartbeatIntervalMs: 5000 });
    expect(names(first.assignment)).toEqual(['lit-0']);
    clock.advance(0); // the background resolution
    const second = await steady(2);
    expect(second.memberEpoch).toBe(3);
    expect(names(second.assignment)).toEqual(['lit-0', 'metrics-a-0', 'metrics-a-1']);

    await createTopic('metrics-b', 1);
    clock.advance(5000);
    expect(await steady(3)).toMatchObject({ memberEpoch: 3, assignment: null });
    clock.advance(5001);
    expect(await steady(3)).toMatchObject({ memberEpoch: 3, assignment: null }); // starts the resolution
    clock.advance(0);
    const third = await steady(3);
    expect(third.memberEpoch).toBe(4);
    expect(names(third.assignment)).toEqual(['lit-0', 'metrics-a-0', 'metrics-a-1', 'metrics-b-0']);

    // Internal topics match too: Kafka 4.3.1 assigns __consumer_offsets to a regex that names it.
    const internal = await client.request(68, 1, {
      groupId: 'regex-internal', memberId: 'm-i', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30000,
      subscribedTopicNames: [], subscribedTopicRegex: '__consumer_offsets', serverAssignor: null, topicPartitions: [],
    });
    expect(names(internal.assignment)).toEqual([]);
    clock.advance(0);
    const internal2 = await client.request(68, 1, {
      groupId: 'regex-internal', memberId: 'm-i', memberEpoch: internal.memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
      subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
    });
    expect(names(internal2.assignment)).toContain('__consumer_offsets-0');

    // Leaving and rejoining: the regex is resolved again, after the first response.
    expect((await hb({ memberEpoch: -1 })).errorCode).toBe(0);
    const again = await hb({});
    expect(names(again.assignment)).toEqual(['lit-0']);
    clock.advance(0);
    expect(names((await steady(again.memberEpoch)).assignment)).toEqual(['lit-0', 'metrics-a-0', 'metrics-a-1', 'metrics-b-0']);
  });
});
