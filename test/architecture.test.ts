// Imports point one way (../shared/STYLE.md): util, config → codec → storage → log → cluster →
// group, txn, security → api → server → broker, cli. A module may import its own layer or layers to its left.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

const RANK: Record<string, number> = {
  util: 0, config: 0, metrics: 0, codec: 1, storage: 2, log: 3, cluster: 4, pg: 4, group: 5, txn: 5, security: 5, api: 6, server: 7,
  // Entry points and tools on top of everything.
  conformance: 8, commands: 8, client: 8, 'broker.ts': 8, 'cli.ts': 8, 'index.ts': 8, 'healthcheck.ts': 8, 'broker-state.ts': 8, 'declarations.ts': 8, 'cluster-broker.ts': 8, 'cluster-control.ts': 8, 'pg-broker.ts': 8,
};

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0];
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  it('every src module belongs to a known layer', () => {
    const unknown = files(SRC).map(layerOf).filter((l) => RANK[l] === undefined);
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('imports point one way', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        const to = layerOf(target.replace(/\.js$/, '.ts'));
        if (RANK[to] > RANK[from]) violations.push(`${path.relative(SRC, file)} imports ${m[1]} (${from} → ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
