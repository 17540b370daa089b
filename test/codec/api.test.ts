import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  CodecError,
  ErrorCode,
  apiInfo,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  errorInfo,
  requestHeaderVersion,
  responseHeaderVersion,
  ZERO_UUID,
} from '../../src/codec/index.js';

const frameOf = (bufs: Buffer[]) => {
  const all = Buffer.concat(bufs);
  expect(all.readInt32BE(0)).toBe(all.length - 4);
  return all.subarray(4);
};

describe('codec public surface', () => {
  it('round-trips a produce request v9 with records as a view', () => {
    const records = Buffer.from('hello records');
    const bufs = encodeRequest(ApiKey.Produce, 9, { correlationId: 7, clientId: 'c' }, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    });
    expect(bufs).toContain(records);
    const frame = frameOf(bufs);
    const h = decodeRequestHeader(frame);
    expect(h).toMatchObject({ apiKey: 0, apiVersion: 9, correlationId: 7, clientId: 'c', headerVersion: 2 });
    const req = decodeRequest(ApiKey.Produce, 9, frame, h.bodyOffset);
    expect(req.acks).toBe(-1);
    expect(req.topicData[0].name).toBe('t');
    expect(req.topicData[0].topicId).toBe(ZERO_UUID);
    const rec = req.topicData[0].partitionData[0].records!;
    expect(rec.toString()).toBe('hello records');
    expect(rec.buffer).toBe(frame.buffer);
  });

  it('encodes an ApiVersions response with header v0 even when flexible', () => {
    const bufs = encodeResponse(ApiKey.ApiVersions, 3, 42, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }],
      throttleTimeMs: 0,
    });
    const frame = frameOf(bufs);
    expect(frame.readInt32BE(0)).toBe(42);
    expect(frame[4]).toBe(0); // error code hi byte, no tagged-field byte before it
    const { header, body } = decodeResponse(ApiKey.ApiVersions, 3, frame);
    expect(header.correlationId).toBe(42);
    expect(body.apiKeys[0]).toMatchObject({ apiKey: 0, minVersion: 0, maxVersion: 11 });
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(requestHeaderVersion(18, 9)).toBe(2);
    expect(requestHeaderVersion(999, 0)).toBe(1);
  });

  it('has the error table and api table', () => {
    expect(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).toBe(3);
    expect(errorInfo(3)).toMatchObject({ name: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
    expect(apiInfo(0)).toMatchObject({ name: 'Produce', minVersion: 0, maxVersion: 13, flexibleFrom: 9 });
    expect(() => decodeRequest(0, 99, Buffer.alloc(0), 0)).toThrow(CodecError);
  });

  it('keeps int64 extremes', () => {
    const bufs = encodeResponse(ApiKey.ListOffsets, 4, 1, {
      topics: [{ name: 'a', partitions: [{ partitionIndex: 0, timestamp: -1, offset: 2 ** 63, leaderEpoch: 1 }, { offset: -(2 ** 63) }] }],
    });
    const { body } = decodeResponse(ApiKey.ListOffsets, 4, frameOf(bufs));
    expect(body.topics[0].partitions[0].offset).toBe(2 ** 63);
    expect(body.topics[0].partitions[0].timestamp).toBe(-1);
    expect(body.topics[0].partitions[1].offset).toBe(-(2 ** 63));
  });
});
