// Requests of one connection take effect in request order, and an acknowledged record is visible at
// once (src/server/dispatcher.ts, src/log/partition-log.ts). Raw requests over a real socket, on file
// storage with the default durability=fsync: pairs are written back to back in one socket write, so
// the broker has both before it answers the first.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { decodeResponse, encodeRequest, ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch, iterateBatches, readLastOffsetDelta } from '../../src/codec/records/index.js';
import { RawClient } from '../helpers/raw-client.js';

const PAIRS = 50;

function records(n: number, tag: string): Buffer {
  return buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${tag}-${i}`) })) });
}

function produceBody(topic: string, batch: Buffer, acks: number) {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] };
}

function listLatestBody(topic: string) {
  return { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] };
}

function fetchBody(topic: string, fetchOffset: number, maxWaitMs = 0, minBytes = 0) {
  return {
    replicaId: -1, maxWaitMs, minBytes, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
    forgottenTopicsData: [], rackId: '',
  };
}

/** Frames of several requests as one buffer, so they reach the broker in one socket write. */
function frames(...requests: [apiKey: number, apiVersion: number, correlationId: number, body: object][]): Buffer {
  return Buffer.concat(requests.flatMap(([k, v, correlationId, body]) => encodeRequest(k, v, { correlationId, clientId: 'order' }, body)));
}

async function response<T = any>(c: RawClient, apiKey: number, apiVersion: number, correlationId: number): Promise<T> {
  const { header, body } = decodeResponse(apiKey, apiVersion, await c.readFrame());
  expect(header.correlationId).toBe(correlationId);
  return body as T;
}

function fetchedOffsets(records: Buffer | null): number {
  let n = 0;
  const buf = records ?? Buffer.alloc(0);
  for (const b of iterateBatches(buf)) if (b.status === 'complete') n += readLastOffsetDelta(buf, b.position) + 1;
  return n;
}

describe('requests of one connection take effect in order', () => {
  let dir: string;
  let broker: RunningBroker;
  let c: RawClient;
  let correlationId = 1000;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tributary-order-'));
    broker = await startBroker({ storage: `file://${dir}`, port: 0 });
    for (const t of ['acks1', 'acksall', 'acks0', 'visible', 'poll', 'closing']) await broker.services.topics.createTopic(t, 1, {});
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [topic, acks] of [['acks1', 1], ['acksall', -1], ['acks0', 0]] as const) {
    it(`a ListOffsets(latest) written right behind a Produce acks=${acks} sees that append (${PAIRS} pairs)`, async () => {
      let seen = 0;
      for (let i = 0; i < PAIRS; i++) {
        const p = correlationId++;
        const l = correlationId++;
        c.writeRaw(frames([0, 9, p, produceBody(topic, records(3, `r${i}`), acks)], [2, 7, l, listLatestBody(topic)]));
        if (acks !== 0) expect((await response(c, 0, 9, p)).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
        const latest = (await response(c, 2, 7, l)).topics[0].partitions[0].offset;
        if (latest === 3 * (i + 1)) seen++;
      }
      expect(seen).toBe(PAIRS);
    });
  }

  it(`an OffsetFetch written right behind an OffsetCommit sees that commit (${PAIRS} pairs)`, async () => {
    let seen = 0;
    for (let i = 0; i < PAIRS; i++) {
      const commit = correlationId++;
      const fetch = correlationId++;
      const offset = 100 + i;
      c.writeRaw(
        frames(
          [8, 8, commit, { groupId: 'order-g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'acks1', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }] }],
          [9, 7, fetch, { groupId: 'order-g', topics: [{ name: 'acks1', partitionIndexes: [0] }], requireStable: false }],
        ),
      );
      expect((await response(c, 8, 8, commit)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
      if ((await response(c, 9, 7, fetch)).topics[0].partitions[0].committedOffset === offset) seen++;
    }
    expect(seen).toBe(PAIRS);
  });

  it(`an answered acks=1 produce is visible to the next ListOffsets and Fetch, with durability=fsync (${PAIRS} tries)`, async () => {
    let listed = 0;
    let fetched = 0;
    for (let i = 0; i < PAIRS; i++) {
      const r = (await c.request(0, 9, produceBody('visible', records(2, `v${i}`), 1))).responses[0].partitionResponses[0];
      expect(r.errorCode).toBe(ErrorCode.NONE);
      const end = r.baseOffset + 2;
      if ((await c.request(2, 7, listLatestBody('visible'))).topics[0].partitions[0].offset === end) listed++;
      const f = (await c.request(1, 12, fetchBody('visible', r.baseOffset))).responses[0].partitions[0];
      if (f.highWatermark === end && fetchedOffsets(f.records) === 2) fetched++;
    }
    expect({ listed, fetched }).toEqual({ listed: PAIRS, fetched: PAIRS });
  });

  it('a Produce behind a long-poll Fetch waits for it, as in Kafka: the Fetch does not return a later request\'s records', async () => {
    const f = correlationId++;
    const p = correlationId++;
    const t0 = Date.now();
    c.writeRaw(frames([1, 12, f, fetchBody('poll', 0, 300, 1)], [0, 9, p, produceBody('poll', records(1, 'late'), 1)]));
    const fetched = (await response(c, 1, 12, f)).responses[0].partitions[0];
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(fetchedOffsets(fetched.records)).toBe(0);
    expect(fetched.highWatermark).toBe(0);
    expect((await response(c, 0, 9, p)).responses[0].partitionResponses[0].baseOffset).toBe(0);
  });

  it('after a failed acks=0 produce the connection closes and the requests behind it never run', async () => {
    const own = await RawClient.connect(broker.port);
    own.writeRaw(
      frames(
        [0, 9, 1, produceBody('no-such-topic-here', records(1, 'x'), 0)],
        [0, 9, 2, produceBody('closing', records(1, 'y'), 0)],
        [0, 9, 3, produceBody('closing', records(1, 'z'), 1)],
      ),
    );
    await own.closedPromise;
    const latest = (await c.request(2, 7, listLatestBody('closing'))).topics[0].partitions[0].offset;
    expect(latest).toBe(0);
  });
});
