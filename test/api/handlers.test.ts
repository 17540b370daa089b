// The handler list (src/api/handlers.ts) holds each API's version range so the broker advertises it
// without loading the handler; the handler module declares its own. Loading every entry proves the
// two agree, so they can never drift, and that the ApiVersions answer is what the handlers serve.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/api/handlers.js';
import { type ApiHandler, HandlerRegistry } from '../../src/api/registry.js';

describe('the handler list', () => {
  it('has one entry per API key, each loading a handler that declares the same key and versions', async () => {
    const keys = HANDLERS.map((e) => e.apiKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of HANDLERS) {
      const handler = await entry.load();
      expect({ apiKey: handler.apiKey, minVersion: handler.minVersion, maxVersion: handler.maxVersion }, `API ${entry.apiKey}`)
        .toEqual({ apiKey: entry.apiKey, minVersion: entry.minVersion, maxVersion: entry.maxVersion });
      expect(typeof handler.handle).toBe('function');
    }
  });

  it('loads each handler module alone: no module imports a handler module statically', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const offenders = files(root).filter((f) => !f.includes(`${path.sep}codec${path.sep}generated${path.sep}`))
      .filter((f) => /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"][^'"]*\/api\/\d\d-|from\s+['"]\.\/\d\d-/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('advertises what the loaded handlers serve, before loading any', async () => {
    const lazy = new HandlerRegistry(HANDLERS);
    const before = lazy.apiVersions();
    expect(HANDLERS.every((e) => lazy.get(e.apiKey) === undefined)).toBe(true);
    const handlers = await Promise.all(HANDLERS.map((e) => e.load()));
    expect(before).toEqual(new HandlerRegistry(handlers).apiVersions());
    // InitProducerId declares v0-5 itself (test/docs/readme.test.ts checks the whole list).
    expect(before.find((v) => v.apiKey === 22)).toEqual({ apiKey: 22, minVersion: 0, maxVersion: 5 });
  });

  it('loads a handler once, shares a load in progress, and retries a failed import', async () => {
    let imports = 0;
    let fail = true;
    const handler: ApiHandler = { apiKey: 3, minVersion: 0, maxVersion: 12, handle: () => ({}) };
    const registry = new HandlerRegistry([{
      apiKey: 3, minVersion: 0, maxVersion: 12,
      load: async () => {
        imports++;
        if (fail) throw new Error('import failed');
        return handler;
      },
    }]);
    expect(registry.supports(3, 12)).toBe(true);
    expect(registry.supports(3, 13)).toBe(false);
    await expect(registry.load(3)).rejects.toThrow('import failed');
    expect(registry.get(3)).toBeUndefined();
    fail = false;
    const a = registry.load(3);
    expect(registry.load(3)).toBe(a);
    expect(await a).toBe(handler);
    expect(registry.get(3)).toBe(handler);
    await registry.load(3);
    expect(imports).toBe(2);
    await expect(registry.load(99)).rejects.toThrow(/no handler/);
  });

  it('refuses a handler that serves other versions than its entry advertises', async () => {
    const registry = new HandlerRegistry([{
      apiKey: 3, minVersion: 0, maxVersion: 12,
      load: async () => ({ apiKey: 3, minVersion: 0, maxVersion: 13, handle: () => ({}) }),
    }]);
    await expect(registry.load(3)).rejects.toThrow(/v0-13, the list says v0-12/);
    expect(registry.get(3)).toBeUndefined();
  });
});
