// The committed generated code matches the schema and the generator; when the Kafka reference is
// present (CI has ../shared/kafka-protocol), the schema matches it with 0 differences.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const reference = path.resolve(repo, '..', 'shared', 'kafka-protocol');

describe('schema tools', () => {
  it('generated code is up to date (gen:protocol --check)', () => {
    const r = spawnSync(process.execPath, ['protocol/tools/generate.mjs', '--check'], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
  });

  it.runIf(fs.existsSync(path.join(reference, 'messages')))('check:protocol finds 0 differences', () => {
    const r = spawnSync(process.execPath, ['protocol/tools/check.mjs', reference], { cwd: repo, encoding: 'utf8' });
    const last = r.stdout.trim().split('\n').pop();
    expect(last).toMatch(/^\d+ apis, \d+ versions, 0 differences$/);
    expect(r.status).toBe(0);
  });
});
