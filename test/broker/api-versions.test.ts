import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest, ErrorCode } from '../../src/codec/index.js';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';

let broker: RunningBroker;
const logger = new MemoryLogger('info');
beforeAll(async () => {
  broker = await startBroker({ logger });
});
afterAll(() => broker.close());

describe('ApiVersions', () => {
  it('lists the APIs at every version we serve (v0-v4)', async () => {
    const client = await RawClient.connect(broker.port);
    for (let v = 0; v <= 4; v++) {
      const res = await client.request(18, v, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
      expect(res.errorCode).toBe(ErrorCode.NONE);
      expect(res.apiKeys).toContainEqual(expect.objectContaining({ apiKey: 18, minVersion: 0, maxVersion: 4 }));
    }
    client.close();
  });

  it('answers an unsupported version with UNSUPPORTED_VERSION in a v0 body listing only ApiVersions, as Kafka does', async () => {
    const client = await RawClient.connect(broker.port);
    // A v9 request: header v2 (flexible), body unknown to us. The response is a v0 body with header v0.
    const frame = Buffer.concat(encodeRequest(18, 4, { correlationId: 77, clientId: 'future' }, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
    frame.writeInt16BE(9, 6); // api version field: size(4) + api key(2)
    client.writeRaw(frame);
    const { header, body } = decodeResponse(18, 0, await client.readFrame());
    expect(header.correlationId).toBe(77);
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    // Kafka 4.3.1 (ApiVersionsRequest.getErrorResponse) lists ApiVersions alone in the fallback.
    expect(body.apiKeys).toEqual([expect.objectContaining({ apiKey: 18, minVersion: 0, maxVersion: 4 })]);
    // The connection stays usable.
    const again = await client.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(again.errorCode).toBe(0);
    client.close();
  });

  it('closes the connection on an unknown API key, with a log line', async () => {
    const client = await RawClient.connect(broker.port);
    const frame = Buffer.concat(encodeRequest(18, 0, { correlationId: 1, clientId: 'x' }, {}));
    frame.writeInt16BE(999, 4);
    client.writeRaw(frame);
    await client.closedPromise;
    expect(logger.lines.some((l) => l.includes('unknown API key 999'))).toBe(true);
  });
});
