// Many long-polling fetches wait on the broker's shutdown signal at once. Each used to add its own
// 'abort' listener, so the eleventh made Node print MaxListenersExceededWarning; they now share one.
// Twelve fetches park on an empty partition, then the broker closes and answers them all.

import { describe, expect, it, vi } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const WAITERS = 12;

describe('long-polling fetches and the shutdown signal', () => {
  it(`${WAITERS} waiting fetches print no MaxListenersExceededWarning and all return at shutdown`, async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const broker = await startBroker();
      await broker.services.topics.createTopic('idle', 1, {});
      const log = broker.services.logs.get('idle', 0)!;
      // A fetch subscribes to appends and to the shutdown signal in the same step, so once every
      // fetch has subscribed to appends, every one waits on the signal too.
      const subscribed = vi.spyOn(log, 'onAppend');
      const clients = await Promise.all(Array.from({ length: WAITERS }, () => RawClient.connect(broker.port)));
      const fetches = clients.map((c) => c.request(1, 12, {
        replicaId: -1, maxWaitMs: 60_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: 'idle', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
        forgottenTopicsData: [], rackId: '',
      }));
      await vi.waitFor(() => expect(subscribed).toHaveBeenCalledTimes(WAITERS), { timeout: 10_000, interval: 5 });
      // Node emits the warning on a later tick than the listener that passes the limit.
      await new Promise<void>((r) => setImmediate(r));
      const closing = broker.close();
      const answers = await Promise.all(fetches);
      await closing;
      for (const a of answers) expect(a.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0 });
      for (const c of clients) c.close();
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
