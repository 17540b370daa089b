// The README's vitest global-setup recipe ("Testing with Tributary"), run as written: its code block
// is taken from the README, 'tributary' pointed at this checkout, and its setup/teardown called as
// vitest calls them. A README edit that breaks the recipe fails here.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function recipe(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /```js\n(\/\/ vitest\.global-setup\.js[^\n]*\n[\s\S]*?)```/.exec(readme);
  if (block === null) throw new Error('README: no ```js block starting with "// vitest.global-setup.js"');
  return block[1];
}

it('the README vitest global setup starts a broker with its topic, provides its address, and stops it', async () => {
  const code = recipe();
  expect(code).toContain("from 'tributary'");
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-recipe-'));
  const file = path.join(dir, 'vitest.global-setup.mjs');
  writeFileSync(file, code.replace("from 'tributary'", `from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/index.ts')).href)}`));
  try {
    const setupModule = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { setup(project: unknown): Promise<void>; teardown(): Promise<void> };
    const provided = new Map<string, unknown>();
    await setupModule.setup({ provide: (key: string, value: unknown) => provided.set(key, value) });
    const bootstrap = provided.get('kafkaBootstrap') as string;
    expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: ['orders'] });
    expect(md.topics[0].partitions).toHaveLength(3);
    await admin.disconnect();
    await setupModule.teardown();
    await expect(new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin().connect()).rejects.toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
