#!/usr/bin/env node
// One-time importer: reads Kafka's reference JSON (4.3.1 in messages/, 3.9 in messages-3.9/) and
// writes our schema files under protocol/. It was run once to create them; from then on the .kdef
// files are the source of truth and are edited by hand (`npm run check:protocol` finds any drift).
// Usage: node protocol/tools/import.mjs [REFERENCE_DIR]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDir, loadErrors } from './reference.mjs';
import { formatDsl } from './dsl.mjs';
import { parseRange, inRange, rangeOf, formatRange } from './versions.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const protocolDir = path.resolve(here, '..');
const refDir = path.resolve(process.argv[2] ?? path.join(protocolDir, '..', '..', 'shared', 'kafka-protocol'));

const v4 = loadDir(path.join(refDir, 'messages'));
const v39 = loadDir(path.join(refDir, 'messages-3.9'));

/** @param {string} r @returns {number[]} */
function versionsOf(r) {
  const x = parseRange(r);
  if (!x) return [];
  const hi = x.hi === Infinity ? x.lo + 100 : x.hi;
  return Array.from({ length: hi - x.lo + 1 }, (_, i) => x.lo + i);
}

/** Copies the wire-relevant keys of a field, in a fixed order. @param {any} f @returns {any} */
function copyField(f) {
  /** @type {any} */
  const o = { name: f.name, type: f.type, versions: f.versions };
  for (const k of ['nullableVersions', 'tag', 'taggedVersions', 'default', 'ignorable', 'flexibleVersions', 'about']) {
    if (f[k] !== undefined) o[k] = f[k];
  }
  if (f.fields) o.fields = f.fields.map(copyField);
  return o;
}

/**
 * Adds to `fields` (4.3.1) what 3.9 had for the versions only 3.9 still knew.
 * @param {any[]} fields @param {any[]} oldFields @param {number[]} oldOnly
 */
function mergeFields(fields, oldFields, oldOnly) {
  let insertAt = 0;
  for (const of of oldFields) {
    const idx = fields.findIndex((f) => f.name === of.name);
    if (idx >= 0) {
      const f = fields[idx];
      // Widen the range when 3.9 had the field in versions 4.x dropped.
      const extra = oldOnly.filter((v) => inRange(of.versions, v) && !inRange(f.versions, v));
      if (extra.length) {
        const all = [...extra, ...versionsOf(f.versions).filter((v) => v < 100)];
        f.versions = rangeOf(all, parseRange(f.versions)?.hi === Infinity);
      }
      if (f.fields && of.fields) mergeFields(f.fields, of.fields, oldOnly);
      insertAt = idx + 1;
      continue;
    }
    const vs = oldOnly.filter((v) => inRange(of.versions, v));
    if (!vs.length) continue;
    const nf = copyField(of);
    nf.versions = rangeOf(vs, false);
    fields.splice(insertAt, 0, nf);
    insertAt++;
  }
}

/** @param {any} cur 4.3.1 JSON or undefined @param {any} old 3.9 JSON or undefined */
function merge(cur, old) {
  const base = cur ?? old;
  /** @type {any} */
  const m = {
    type: base.type,
    name: base.name,
    apiKey: base.apiKey,
    validVersions: base.validVersions,
    flexibleVersions: base.flexibleVersions,
    listeners: cur ? cur.listeners : undefined,
    latestVersionUnstable: base.latestVersionUnstable,
    fields: base.fields.map(copyField),
    commonStructs: (base.commonStructs ?? []).map((/** @type {any} */ c) => ({ name: c.name, versions: c.versions, fields: c.fields.map(copyField) })),
    _changelog: [...base._changelog],
  };
  if (cur && old) {
    const nv = versionsOf(cur.validVersions);
    const ov = versionsOf(old.validVersions);
    const oldOnly = ov.filter((v) => !nv.includes(v));
    if (oldOnly.length) {
      m.validVersions = rangeOf([...nv, ...ov], false);
      mergeFields(m.fields, old.fields, oldOnly);
      for (const oc of old.commonStructs ?? []) {
        const c = m.commonStructs.find((/** @type {any} */ x) => x.name === oc.name);
        if (c) mergeFields(c.fields, oc.fields, oldOnly);
      }
      const r = formatRange({ lo: oldOnly[0], hi: oldOnly[oldOnly.length - 1] });
      m._changelog.push('', `${oldOnly.length > 1 ? 'Versions' : 'Version'} ${r} ${oldOnly.length > 1 ? 'come' : 'comes'} from Kafka 3.9 (dropped from 4.x; older clients still send them).`);
      if (old.name !== cur.name) m._changelog.push(`Kafka 3.9 called this message ${old.name}.`);
    }
  }
  return m;
}

/** @param {string} name */
function kebab(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

/** @param {any} json @param {Map<string, any>} dir */
function findOld(json, dir) {
  for (const j of dir.values()) {
    if (json.apiKey !== undefined && j.apiKey === json.apiKey && j.type === json.type) return j;
    if (json.apiKey === undefined && j.name === json.name) return j;
  }
  return undefined;
}

const stamp = ['Our schema of the Kafka wire protocol (see protocol/tools/dsl.mjs for the format).',
  'First written by protocol/tools/import.mjs from Apache Kafka 4.3.1 and 3.9; edited by hand since.'];
let written = 0;
for (const dirName of ['apis', 'headers', 'payloads']) fs.mkdirSync(path.join(protocolDir, dirName), { recursive: true });

for (const [, req] of v4) {
  if (req.type !== 'request' || !(req.listeners ?? []).includes('broker')) continue;
  const resp = [...v4.values()].find((j) => j.type === 'response' && j.apiKey === req.apiKey);
  const msgs = [merge(req, findOld(req, v39)), merge(resp, findOld(resp, v39))];
  const base = req.name.replace(/Request$/, '');
  const file = path.join(protocolDir, 'apis', `${String(req.apiKey).padStart(2, '0')}-${kebab(base)}.kdef`);
  fs.writeFileSync(file, formatDsl(msgs, [`${base} (API key ${req.apiKey}).`, ...stamp]));
  written++;
}
for (const [, j] of v4) {
  if (j.type !== 'header' && j.type !== 'data') continue;
  const file = path.join(protocolDir, j.type === 'header' ? 'headers' : 'payloads', `${kebab(j.name)}.kdef`);
  fs.writeFileSync(file, formatDsl([merge(j, findOld(j, v39))], [`${j.name} (${j.type}).`, ...stamp]));
  written++;
}

const errs = loadErrors(refDir);
const lines = ['## Kafka error codes: code, name, retriable, message (- for none). Tab-separated.', '## First written by protocol/tools/import.mjs from errors.json of Apache Kafka 4.3.1.'];
for (const e of errs) lines.push([e.code, e.name, e.retriable, e.message ?? '-'].join('\t'));
fs.writeFileSync(path.join(protocolDir, 'errors.tsv'), lines.join('\n') + '\n');
console.log(`wrote ${written} schema files and ${errs.length} error codes`);
