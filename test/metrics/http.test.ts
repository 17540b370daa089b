// The metrics listener on its own: /readyz answers 503 with what the broker still waits for, and 200
// once nothing is left; metrics.listener values are parsed and checked at configuration time.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseMetricsAddress } from '../../src/metrics/address.js';
import { MetricsServer } from '../../src/metrics/http.js';
import { silentLogger } from '../../src/util/logger.js';

describe('MetricsServer', () => {
  it('answers /readyz 503 naming what it waits for, then 200; /healthz 200 all along', async () => {
    let waiting = ['recovering logs', 'loading groups'];
    const server = new MetricsServer({ host: '127.0.0.1', port: 0, render: () => '', notReady: () => waiting, logger: silentLogger });
    await server.listen();
    try {
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('not ready: recovering logs, loading groups\n');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      waiting = [];
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers 500 (and keeps serving) when rendering fails', async () => {
    const server = new MetricsServer({ host: '127.0.0.1', port: 0, render: () => { throw new Error('boom'); }, notReady: () => [], logger: silentLogger });
    await server.listen();
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(500);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('metrics.listener', () => {
  it('a bare port binds loopback only; a URL names its host', () => {
    expect(parseMetricsAddress('9644')).toEqual({ host: '127.0.0.1', port: 9644 });
    expect(parseMetricsAddress('http://0.0.0.0:9644')).toEqual({ host: '0.0.0.0', port: 9644 });
    expect(parseMetricsAddress('http://:9644')).toEqual({ host: '', port: 9644 });
    expect(parseMetricsAddress('http://[::1]:9644/')).toEqual({ host: '::1', port: 9644 });
  });

  it('a bad value stops start-up with a message naming the setting', () => {
    for (const bad of ['https://x:1', 'localhost', 'http://x:70000', 'http://x']) {
      expect(() => loadConfig({ argv: ['--metrics.listener', bad] }), bad).toThrow(/^metrics\.listener: /);
    }
    expect(loadConfig({ argv: ['--metrics.listener', 'http://127.0.0.1:9644'] }).str('metrics.listener')).toBe('http://127.0.0.1:9644');
    expect(loadConfig({ env: { TRIBUTARY_METRICS_LISTENER: '9644' } }).str('metrics.listener')).toBe('9644');
  });
});
