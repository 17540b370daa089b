// Bad input never crashes the broker or disturbs another connection: each bad connection gets
// Kafka's answer or is closed, with a log line saying why, while a second client keeps producing.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequest } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/index.js';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
const logger = new MemoryLogger('info');
beforeAll(async () => {
  broker = await startBroker({ logger, config: { 'socket.request.max.bytes': 10 * 1024 * 1024 } });
  const c = await RawClient.connect(broker.port);
  await c.request(19, 5, { topics: [{ name: 'steady', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
  c.close();
});
afterAll(() => broker.close());

function produceBody(value: string) {
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 'steady', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: Buffer.from(value) }] }) }] }],
  };
}

/** A client that keeps producing while the bad inputs arrive; returns how many were acknowledged. */
async function steadyProducer(stop: () => boolean): Promise<number> {
  const c = await RawClient.connect(broker.port);
  let ok = 0;
  while (!stop()) {
    const res = await c.request(0, 9, produceBody(`m${ok}`));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    ok++;
  }
  c.close();
  return ok;
}

const apiVersionsFrame = () => Buffer.concat(encodeRequest(18, 3, { correlationId: 1, clientId: 'bad' }, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));

const cases: [string, () => Buffer, RegExp][] = [
  // A size prefix that fits, then random bytes: the header can't be valid (the API key is forced unknown).
  ['random bytes', () => { const b = Buffer.concat([Buffer.alloc(4), randomBytes(4996)]); b.writeInt32BE(4996, 0); b.writeInt16BE(-7, 4); return b; }, /closing connection/],
  ['a 2 GiB size prefix', () => Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]), /larger than socket.request.max.bytes/],
  ['a negative size prefix', () => Buffer.from([0xff, 0xff, 0xff, 0xf0]), /negative frame size/],
  ['an unknown API key', () => { const f = apiVersionsFrame(); f.writeInt16BE(4242, 4); return f; }, /unknown API key 4242/],
  ['a valid header with a garbage body', () => {
    const header = Buffer.concat(encodeRequest(3, 12, { correlationId: 9, clientId: 'bad' }, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
    const garbage = Buffer.alloc(64, 0xff);
    const frame = Buffer.concat([header.subarray(0, header.length - 4), garbage]);
    frame.writeInt32BE(frame.length - 4, 0);
    return frame;
  }, /malformed body/],
  ['a frame too short for a header', () => Buffer.from([0, 0, 0, 3, 0, 1, 0]), /malformed request header/],
];

describe('bad input', () => {
  for (const [name, bytes, logLine] of cases) {
    it(`closes the connection on ${name}, logs why, and leaves other clients alone`, async () => {
      let done = false;
      const producing = steadyProducer(() => done);
      const bad = await RawClient.connect(broker.port);
      bad.writeRaw(bytes());
      await bad.closedPromise;
      done = true;
      expect(await producing).toBeGreaterThan(0);
      expect(logger.lines.some((l) => logLine.test(l))).toBe(true);
    });
  }

  it('closes a connection whose frame stops half way only when it idles, keeping the rest served', async () => {
    const bad = await RawClient.connect(broker.port);
    const frame = apiVersionsFrame();
    bad.writeRaw(frame.subarray(0, frame.length - 3));
    const good = await RawClient.connect(broker.port);
    const res = await good.request(0, 9, produceBody('after-truncated'));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    bad.writeRaw(frame.subarray(frame.length - 3));
    const finished = await bad.readFrame();
    expect(finished.readInt32BE(0)).toBe(1); // the correlation id: the request completes once whole
    bad.close();
    good.close();
  });
});
