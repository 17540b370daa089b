// `tributary --brokers 3`: one process serving three broker identities, each on its own OS-chosen
// port, listed by kcat; SIGTERM stops them all cleanly.

import { describe, expect, it } from 'vitest';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { HAVE_KCAT, requireTool, run } from '../helpers/tools.js';

describe.runIf(requireTool(HAVE_KCAT, 'kcat'))('tributary --brokers N', () => {
  it('serves three identities that kcat -L lists, and stops on SIGTERM', async () => {
    const p = await startBrokerProcess(['--brokers', '3', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory://', '--broker.racks', 'a,b,c']);
    try {
      const bootstraps = /listening on (\S+) /.exec(p.banner)![1].split(',');
      expect(bootstraps).toHaveLength(3);
      const r = await run('kcat', ['-b', bootstraps[1], '-L']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(' 3 brokers:');
      bootstraps.forEach((b, i) => expect(r.stdout).toContain(`broker ${i} at ${b}`));
    } finally {
      p.child.kill('SIGTERM');
    }
    expect((await p.exited).code).toBe(0);
  });
});
