// The README's generated tables (settings, supported APIs) must match the code. Run with
// UPDATE_README=1 to rewrite them.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/api/handlers.js';
import { HandlerRegistry } from '../../src/api/registry.js';
import { apiInfo } from '../../src/codec/index.js';
import { BROKER_SETTINGS } from '../../src/config/broker-settings.js';
import { TOPIC_CONFIGS } from '../../src/config/topic-configs.js';
import { formatValue } from '../../src/config/types.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');
const CLIENTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../reference/clients');

function settingsTable(): string {
  const rows = BROKER_SETTINGS.map((d) => {
    const flag = d.flag ? ` (\`--${d.flag}\`)` : '';
    const def = formatValue(d.default);
    return `| \`${d.key}\`${flag} | ${def === null || def === '' ? '' : `\`${def}\``} | ${d.kafka ? '' : '**Tributary** · '}${d.doc} |`;
  });
  return ['| Setting | Default | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}

function topicConfigTable(): string {
  const rows = TOPIC_CONFIGS.map((d) => `| \`${d.key}\` | ${d.brokerSynonym ? `\`${d.brokerSynonym}\`` : ''} | ${d.doc} |`);
  return ['| Topic config | Broker default from | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}

function apisTable(): string {
  const registry = new HandlerRegistry(HANDLERS);
  const rows = registry.apiVersions().map((v) => `| ${v.apiKey} | ${apiInfo(v.apiKey)?.name ?? '?'} | ${v.minVersion}–${v.maxVersion} |`);
  return ['| Key | API | Versions |', '| ---: | --- | --- |', ...rows].join('\n');
}

interface ClientScenarios {
  client: string;
  version: string;
  source: string;
  scenarios: { id: string; title: string; knownDifference?: string }[];
}

/**
 * The interop matrix of the clients run against Apache Kafka 4.3.1 and Tributary: one row per client,
 * from the scenarios.json files their tests run (test/reference/clients/README.md). CI runs every
 * listed scenario on both brokers, so a row here is a scenario that passes on main.
 */
function referenceClientsTable(): string {
  const entries: ClientScenarios[] = readdirSync(CLIENTS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(CLIENTS, d.name, 'scenarios.json')))
    .flatMap((d) => [JSON.parse(readFileSync(path.join(CLIENTS, d.name, 'scenarios.json'), 'utf8'))].flat() as ClientScenarios[]);
  const rows = entries.map((e) => {
    const cells = e.scenarios.map((s) => (s.knownDifference ? `✗ ${s.title} — differs: ${s.knownDifference}` : `✓ ${s.title}`));
    return `| **${e.client}** ${e.version} | ${e.source} | ${cells.join('<br>')} |`;
  });
  return ['| Client | From | Same scenario, same result on Kafka 4.3.1 and Tributary |', '| --- | --- | --- |', ...rows].join('\n');
}

function replaceBlock(text: string, name: string, body: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`README has no ${name} block`);
  return text.slice(0, i + begin.length) + '\n' + body + '\n' + text.slice(j);
}

describe('README', () => {
  it('starts with the two commands for a fresh machine', () => {
    const text = readFileSync(README, 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(text)![1];
    expect(firstBlock).toMatch(/npm install && npm start/);
    expect(firstBlock).toMatch(/npm test/);
  });

  it('has the settings, topic configs, API and reference-client tables the code and tests define', () => {
    const text = readFileSync(README, 'utf8');
    let expected = replaceBlock(text, 'settings', settingsTable());
    expected = replaceBlock(expected, 'topic-configs', topicConfigTable());
    expected = replaceBlock(expected, 'apis', apisTable());
    expected = replaceBlock(expected, 'reference-clients', referenceClientsTable());
    if (process.env.UPDATE_README) writeFileSync(README, expected);
    expect(text).toBe(expected);
  });
});
