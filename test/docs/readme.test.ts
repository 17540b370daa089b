// The README's generated tables (settings, supported APIs) must match the code. Run with
// UPDATE_README=1 to rewrite them. Statements that name facts kept elsewhere (the Node versions the
// dependencies accept, the command a supervisor runs) are checked against those files.

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
import { METRIC_DEFINITIONS } from '../../src/metrics/definitions.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = path.join(ROOT, 'README.md');
const CLIENTS = path.join(ROOT, 'test/reference/clients');

function settingsTable(): string {
  const rows = BROKER_SETTINGS.map((d) => {
    const flag = d.flag ? ` (\`--${d.flag}\`)` : '';
    const def = formatValue(d.default);
    return `| \`${d.key}\`${flag} | ${def === null || def === '' ? '' : `\`${def}\``} | ${d.kafka ? '' : '**Tributary** · '}${d.doc} |`;
  });
  return ['| Setting | Default | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}

function metricsTable(): string {
  const rows = METRIC_DEFINITIONS.map((d) => {
    const labels = d.labels.length > 0 ? ` {${d.labels.join(', ')}}` : '';
    return `| \`${d.name}\`${labels} | ${d.type} | ${d.help} | ${d.kafka === '' ? '—' : `\`${d.kafka}\``} |`;
  });
  return ['| Metric {labels} | Type | What it measures | Kafka JMX |', '| --- | --- | --- | --- |', ...rows].join('\n');
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

  it('has the settings, metrics, topic configs, API and reference-client tables the code and tests define', () => {
    const text = readFileSync(README, 'utf8');
    let expected = replaceBlock(text, 'settings', settingsTable());
    expected = replaceBlock(expected, 'metrics', metricsTable());
    expected = replaceBlock(expected, 'topic-configs', topicConfigTable());
    expected = replaceBlock(expected, 'apis', apisTable());
    expected = replaceBlock(expected, 'reference-clients', referenceClientsTable());
    if (process.env.UPDATE_README) writeFileSync(README, expected);
    expect(text).toBe(expected);
  });
});

/** Whether version (x.y.z) satisfies an npm `engines` range, in the forms package-lock.json holds. */
function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range.split('||').some((set) =>
    // `10.x` is `10` (split2, a dependency of pg, says `>= 10.x`).
    set.replace(/([<>=^~]+)\s+/g, '$1').replace(/\.[xX*]/g, '').trim().split(/\s+/).every((comparator) => {
      const m = /^(>=|<=|>|<|=|\^|~)?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(comparator);
      if (!m) throw new Error(`engines range not understood: ${range}`);
      const [, op = '', major, minor, patch] = m;
      const at = [Number(major), Number(minor ?? 0), Number(patch ?? 0)];
      const c = cmp(v, at);
      // The first version past a caret, tilde or partial range.
      const next = op === '^' || (op === '' && minor === undefined) || (op === '~' && minor === undefined)
        ? [at[0] + 1, 0, 0]
        : [at[0], at[1] + 1, 0];
      switch (op) {
        case '>=': return c >= 0;
        case '>': return c > 0;
        case '<=': return c <= 0;
        case '<': return c < 0;
        case '=': return c === 0;
        default: return c >= 0 && cmp(v, next) < 0; // ^, ~ and bare versions
      }
    }),
  );
}

describe('README statements kept elsewhere', () => {
  it('names the Node versions every locked dependency accepts, and the only EBADENGINE warnings', () => {
    const text = readFileSync(README, 'utf8');
    const claim = /needs Node\.js (\d+\.\d+\.\d+) or later, (\d+\.\d+) or later on\s+Node 22\. Below Node (\d+\.\d+), `npm install` warns EBADENGINE for ([^:]+):/.exec(text);
    expect(claim, 'the README says which Node versions development needs').not.toBeNull();
    const [, min20, min22, quietFrom, named] = claim!;
    const warned = [...named.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const refusing = (version: string) =>
      Object.entries(lock.packages)
        .filter(([name, p]) => name !== '' && p.engines?.node !== undefined && !satisfies(version, p.engines.node))
        .map(([name]) => name.slice(name.lastIndexOf('node_modules/') + 'node_modules/'.length))
        .sort();
    expect(refusing(min20)).toEqual(warned);
    expect(refusing(`${min22}.0`)).toEqual(warned);
    expect(refusing(`${quietFrom}.0`)).toEqual([]);
    expect(refusing('24.0.0')).toEqual([]);
    // The minimums are the real ones, not just safe ones (and the range check does refuse).
    expect(refusing('20.19.3')).toContain('@platformatic/kafka');
    expect(refusing('22.12.0')).toContain('@napi-rs/wasm-runtime');
    // The broker itself (what an install as a dependency brings) claims Node 20.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20');
    expect(text).toContain('Node.js 20 or later runs the broker');
  });

  it('tells a supervisor to run the command the image runs and package.json points to', () => {
    const text = readFileSync(README, 'utf8');
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)![1]) as string[];
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(entrypoint).toEqual(['node', pkg.bin.tributary]);
    expect(text).toMatch(new RegExp(`Under a supervisor [^.]*run \`${entrypoint.join(' ')}\``));
  });
});
