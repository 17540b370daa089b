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

  it('reports the features Kafka 4.3.1 reports for what Tributary serves, with its v3 omission', async () => {
    // Kafka 4.3.1 (formatted with defaults) answers v4 with metadata.version 7-30, group.version 0-1 and
    // transaction.version 0-2 finalised at 30, 1 and 2, beside features Tributary does not serve
    // (share.version, streams.version, eligible.leader.replicas.version, kraft.version).
    const client = await RawClient.connect(broker.port);
    const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
    const v4 = await client.request(18, 4, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
    expect(byName(v4.supportedFeatures)).toEqual([
      expect.objectContaining({ name: 'group.version', minVersion: 0, maxVersion: 1 }),
      expect.objectContaining({ name: 'metadata.version', minVersion: 7, maxVersion: 30 }),
      expect.objectContaining({ name: 'transaction.version', minVersion: 0, maxVersion: 2 }),
    ]);
    const finalized = [
      expect.objectContaining({ name: 'group.version', minVersionLevel: 1, maxVersionLevel: 1 }),
      expect.objectContaining({ name: 'metadata.version', minVersionLevel: 30, maxVersionLevel: 30 }),
      expect.objectContaining({ name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 }),
    ];
    expect(byName(v4.finalizedFeatures)).toEqual(finalized);
    expect(v4.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(0);
    // v3 leaves out supported features whose minimum is 0 (KAFKA-17492), as Kafka does: metadata.version stays.
    const v3 = await client.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
    expect(v3.supportedFeatures).toEqual([expect.objectContaining({ name: 'metadata.version', minVersion: 7, maxVersion: 30 })]);
    expect(byName(v3.finalizedFeatures)).toEqual(finalized);
    client.close();
  });

  it('answers an unsupported version with UNSUPPORTED_VERSION in a v0 body listing only its own versions', async () => {
    const client = await RawClient.connect(broker.port);
    // A v9 request: header v2 (flexible), body unknown to us. The response is a v0 body with header v0.
    const frame = Buffer.concat(encodeRequest(18, 4, { correlationId: 77, clientId: 'future' }, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
    frame.writeInt16BE(9, 6); // api version field: size(4) + api key(2)
    client.writeRaw(frame);
    const { header, body } = decodeResponse(18, 0, await client.readFrame());
    expect(header.correlationId).toBe(77);
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    // Kafka 4.3.1 lists ApiVersions alone (KIP-511: the range to retry with); clients such as franz-go
    // take a longer list for a pre-2.4 broker's final answer and never retry (so never see features).
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
