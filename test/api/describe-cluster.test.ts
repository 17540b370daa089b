import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { type ApiTestBroker, startTestBroker } from './helpers.js';

let b: ApiTestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(() => b.close());

describe('DescribeCluster', () => {
  it('describes this broker at v0-v2', async () => {
    const c = await b.client();
    const { cluster } = b.broker.services;
    for (let v = 0; v <= 2; v++) {
      const res = await c.request(60, v, { includeClusterAuthorizedOperations: v === 1, endpointType: 1, includeFencedBrokers: false });
      expect(res).toMatchObject({ errorCode: 0, clusterId: cluster.clusterId, controllerId: cluster.nodeId });
      expect(res.brokers).toEqual([expect.objectContaining({ brokerId: cluster.nodeId, host: '127.0.0.1', port: b.broker.port, rack: null })]);
      if (v === 1) expect(res.clusterAuthorizedOperations).toBe((1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12));
      else expect(res.clusterAuthorizedOperations).toBe(-2147483648);
    }
  });

  it('refuses controller and unknown endpoint types as a Kafka broker does', async () => {
    const c = await b.client();
    const ctl = await c.request(60, 1, { endpointType: 2 });
    expect(ctl.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    const unknown = await c.request(60, 2, { endpointType: 9 });
    expect(unknown).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type 9' });
  });
});
