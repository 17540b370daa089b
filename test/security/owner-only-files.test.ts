// The data directory is created owner-only and the files that hold secrets (SCRAM credentials,
// dynamic configs that may carry passwords, every metadata blob) are 0600: read with fs.stat.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const parent = mkdtempSync(join(tmpdir(), 'tributary-modes-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe('owner-only data directory and secret files', () => {
  it('creates the data directory 0700 and writes SCRAM credentials and dynamic configs 0600', async () => {
    const dir = join(parent, 'data');
    const broker = await startBroker({ storage: `file://${dir}`, addScram: ['SCRAM-SHA-256=[name=alice,password=alice-secret]'] });
    try {
      const c = await RawClient.connect(broker.port);
      // A dynamic config holding a secret is stored in the cluster state.
      const res = await c.request(44, 1, {
        resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'listener.name.plaintext.plain.sasl.jaas.config', configOperation: 0, value: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";' }] }],
        validateOnly: false,
      });
      expect(res.responses[0].errorCode).toBe(0);
      c.close();
    } finally {
      await broker.close();
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'meta', 'scram-credentials.json'))).toBe(0o600);
    expect(mode(join(dir, 'meta', 'dynamic-broker-configs.json'))).toBe(0o600);
    expect(mode(join(dir, 'meta', 'identity.json'))).toBe(0o600);
  });
});
