// confluent-kafka-python's AdminClient (librdkafka) against the broker, driven by test/e2e/py/admin.py.
// With CI set, a missing python3 or confluent_kafka fails the test instead of skipping it.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';

// Debian's python has the packaged confluent_kafka; a pyenv python3 earlier on PATH may not.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = fileURLToPath(new URL('./py/admin.py', import.meta.url));

function haveConfluentKafka(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import confluent_kafka'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const available = haveConfluentKafka();
const mustRun = available || Boolean(process.env.CI);

let broker: RunningBroker;
beforeAll(async () => {
  if (mustRun) broker = await startBroker();
});
afterAll(() => broker?.close());

describe.runIf(mustRun)('confluent-kafka-python AdminClient', () => {
  it('creates, lists, grows, describes, alters and deletes', async () => {
    expect(available, `${PYTHON} with confluent_kafka is required when CI is set`).toBe(true);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(PYTHON, [SCRIPT, broker.bootstrap, String(broker.services.cluster.nodeId)], { timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('ALL OK');
  }, 150_000);
});
