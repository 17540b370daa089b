import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ZERO_UUID } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(() => b.close());

describe('GetTelemetrySubscriptions and PushTelemetry', () => {
  it('hands out an instance id with no subscription, and throttles early requests', async () => {
    const c = await b.client();
    const res = await c.request(71, 0, { clientInstanceId: ZERO_UUID });
    expect(res).toMatchObject({ errorCode: 0, requestedMetrics: [], pushIntervalMs: 300000, deltaTemporality: true, telemetryMaxBytes: 1048576 });
    expect(res.clientInstanceId).not.toBe(ZERO_UUID);
    expect(res.acceptedCompressionTypes).toEqual([4, 3, 1, 2]);
    const again = await c.request(71, 0, { clientInstanceId: res.clientInstanceId });
    expect(again.errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);

    const push = await c.request(72, 0, { clientInstanceId: res.clientInstanceId, subscriptionId: res.subscriptionId, terminating: false, compressionType: 0, metrics: Buffer.alloc(0) });
    expect(push.errorCode).toBe(0);
    const tooSoon = await c.request(72, 0, { clientInstanceId: res.clientInstanceId, subscriptionId: res.subscriptionId, terminating: false, compressionType: 0, metrics: Buffer.alloc(0) });
    expect(tooSoon.errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    const bye = await c.request(72, 0, { clientInstanceId: res.clientInstanceId, subscriptionId: res.subscriptionId, terminating: true, compressionType: 0, metrics: Buffer.alloc(0) });
    expect(bye.errorCode).toBe(0);
    const after = await c.request(72, 0, { clientInstanceId: res.clientInstanceId, subscriptionId: res.subscriptionId, terminating: true, compressionType: 0, metrics: Buffer.alloc(0) });
    expect(after.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('refuses pushes for an unknown subscription or the zero instance id', async () => {
    const c = await b.client();
    const res = await c.request(71, 0, { clientInstanceId: ZERO_UUID });
    const wrong = await c.request(72, 0, { clientInstanceId: res.clientInstanceId, subscriptionId: res.subscriptionId + 1, terminating: false, compressionType: 0, metrics: Buffer.alloc(0) });
    expect(wrong.errorCode).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    const zero = await c.request(72, 0, { clientInstanceId: ZERO_UUID, subscriptionId: 1, terminating: false, compressionType: 0, metrics: Buffer.alloc(0) });
    expect(zero.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
