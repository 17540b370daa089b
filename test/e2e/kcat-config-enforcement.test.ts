// Topic configs enforced on produce, as librdkafka (kcat) reports them: a keyless record on a
// compacted topic is INVALID_RECORD, a batch over max.message.bytes is MESSAGE_TOO_LARGE.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';

const enabled = requireTool(HAVE_KCAT, 'kcat');
let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker();
  const c = await RawClient.connect(broker.port);
  const res = await c.request(19, 5, {
    topics: [
      { name: 'compacted', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
      { name: 'small', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: '1000' }] },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  expect(res.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0]);
  c.close();
});
afterAll(() => broker?.close());

describe.runIf(enabled)('topic config enforcement seen by librdkafka', () => {
  it('refuses a keyless record on a compacted topic (INVALID_RECORD) and accepts a keyed one', async () => {
    const keyless = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'compacted', '-p', '0', '-X', 'message.send.max.retries=0'], { input: 'no-key\n' });
    // librdkafka words INVALID_RECORD (87) as "Broker failed to validate record".
    expect(keyless.stderr).toMatch(/Broker failed to validate record/);
    const keyed = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'compacted', '-p', '0', '-K', ':'], { input: 'k:v\n' });
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stderr).not.toMatch(/failed to validate/);
  });

  it('refuses a batch over max.message.bytes (MESSAGE_TOO_LARGE)', async () => {
    const big = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'small', '-p', '0', '-X', 'message.send.max.retries=0'], { input: 'x'.repeat(5000) + '\n' });
    expect(big.stderr).toMatch(/Message size too large|MSG_SIZE_TOO_LARGE/i);
    const ok = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'small', '-p', '0'], { input: 'tiny\n' });
    expect(ok.code, ok.stderr).toBe(0);
  });
});
