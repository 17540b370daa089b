// librdkafka transactions (confluent-kafka-python, test/e2e/py/txn_confluent.py) against the broker:
// commit/abort with read_committed and read_uncommitted readers, an exactly-once consume-transform-
// produce loop across a consumer restart, and fencing. Skipped without Debian's python3-confluent-kafka
// unless CI is set.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';
import { HAVE_CONFLUENT_KAFKA, PYTHON, requireTool, run } from '../helpers/tools.js';

const SCRIPT = fileURLToPath(new URL('./py/txn_confluent.py', import.meta.url));
const enabled = requireTool(HAVE_CONFLUENT_KAFKA, 'python3-confluent-kafka');

let broker: RunningBroker;
beforeAll(async () => {
  if (enabled) broker = await startBroker();
});
afterAll(() => broker?.close());

describe.runIf(enabled)('librdkafka transactions', () => {
  it('commit, abort, read_committed, exactly-once loop and fencing', async () => {
    const r = await run(PYTHON, [SCRIPT, broker.bootstrap], { timeoutMs: 150_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.trim()).toBe('ok');
  }, 180_000);
});
