#!/usr/bin/env node
// Compares our schema (protocol/**/*.kdef) with Apache Kafka's JSON definitions, version by version
// and field by field, and prints every difference. The reference for a version is Kafka 4.3.1 when
// 4.3.1 lists that version, else Kafka 3.9 (old versions older clients still send).
// Usage: node protocol/tools/check.mjs [REFERENCE_DIR]   (default ../shared/kafka-protocol from the repo root)
// Ends with one line "N apis, M versions, D differences"; exits 1 when D > 0.
import fs from 'node:fs';
import path from 'node:path';
import { loadDir, loadErrors } from './reference.mjs';
import { loadSchema, loadErrorTable, repoDir } from './schema.mjs';
import { parseRange, inRange } from './versions.mjs';

const refDir = process.argv[2] ? path.resolve(process.argv[2]) : path.resolve(repoDir, '..', 'shared', 'kafka-protocol');
if (!fs.existsSync(path.join(refDir, 'messages'))) {
  console.error(`no reference definitions in ${refDir}`);
  process.exit(2);
}
const v4 = [...loadDir(path.join(refDir, 'messages')).values()];
const v39 = [...loadDir(path.join(refDir, 'messages-3.9')).values()];
const ours = loadSchema();

/** @type {string[]} */
const diffs = [];
const diff = (/** @type {string} */ s) => diffs.push(s);

/** @param {string|undefined} r */
function versionSet(r) {
  const x = parseRange(r);
  if (!x) return [];
  const hi = x.hi === Infinity ? x.lo : x.hi;
  return Array.from({ length: hi - x.lo + 1 }, (_, i) => x.lo + i);
}

const PRIM = /^(\[\])?(bool|int8|int16|uint16|int32|uint32|int64|float64|string|uuid|bytes|records)$/;

/**
 * Fields present at version v, depth first, each with what matters on the wire at v.
 * @param {any} msg @param {any[]} fields @param {number} v @param {string} prefix
 * @returns {{path:string, name:string, type:string, nullable:boolean, tag:string, def:string, ignorable:boolean, flexible:string}[]}
 */
function flatten(msg, fields, v, prefix) {
  const out = [];
  for (const f of fields ?? []) {
    if (!inRange(f.versions, v)) continue;
    const p = prefix ? `${prefix}.${f.name}` : f.name;
    out.push({
      path: p,
      name: f.name,
      type: f.type,
      nullable: inRange(f.nullableVersions, v),
      tag: f.tag !== undefined && inRange(f.taggedVersions, v) ? String(f.tag) : '-',
      def: f.default === undefined ? '' : String(f.default),
      ignorable: !!f.ignorable,
      flexible: f.flexibleVersions === undefined ? '' : String(inRange(f.flexibleVersions, v)),
    });
    let sub = f.fields;
    if (!sub && !PRIM.test(f.type)) {
      const c = (msg.commonStructs ?? []).find((/** @type {any} */ c) => c.name === f.type.replace(/^\[\]/, ''));
      if (!c) diff(`${msg.name} v${v}: ${p}: struct ${f.type} is not defined`);
      else if (!inRange(c.versions, v)) diff(`${msg.name} v${v}: ${p}: common struct ${c.name} does not cover v${v}`);
      else sub = c.fields;
    }
    if (sub) out.push(...flatten(msg, sub, v, p));
  }
  return out;
}

/**
 * @param {string} label @param {any} mine our message @param {any|undefined} cur 4.3.1 @param {any|undefined} old 3.9
 * @returns {number} versions compared
 */
function compareMessage(label, mine, cur, old) {
  if (!mine) {
    diff(`${label}: missing from our schema`);
    return 0;
  }
  const union = [...new Set([...versionSet(cur?.validVersions), ...versionSet(old?.validVersions)])].sort((a, b) => a - b);
  const mineVs = versionSet(mine.validVersions);
  if (union.join() !== mineVs.join()) diff(`${mine.name}: valid versions ${mine.validVersions} (${mineVs.join(',')}), reference ${union.join(',')}`);
  if (cur && cur.name !== mine.name) diff(`${mine.name}: name differs from reference ${cur.name}`);
  if (cur && cur.apiKey !== mine.apiKey) diff(`${mine.name}: api key ${mine.apiKey}, reference ${cur.apiKey}`);
  if (cur && cur.type !== mine.type) diff(`${mine.name}: type ${mine.type}, reference ${cur.type}`);
  if (cur && (cur.listeners ?? []).join() !== (mine.listeners ?? []).join()) diff(`${mine.name}: listeners ${mine.listeners ?? []}, reference ${cur.listeners ?? []}`);
  if (cur && !!cur.latestVersionUnstable !== !!mine.latestVersionUnstable) diff(`${mine.name}: latestVersionUnstable ${!!mine.latestVersionUnstable}, reference ${!!cur.latestVersionUnstable}`);
  for (const v of union) {
    const ref = cur && inRange(cur.validVersions, v) ? cur : old;
    const where = `${mine.name} v${v}`;
    if (inRange(ref.flexibleVersions, v) !== inRange(mine.flexibleVersions, v)) {
      diff(`${where}: flexible ${inRange(mine.flexibleVersions, v)}, reference ${inRange(ref.flexibleVersions, v)} (${ref.flexibleVersions})`);
    }
    const a = flatten(mine, mine.fields, v, '');
    const b = flatten(ref, ref.fields, v, '');
    const bByPath = new Map(b.map((x) => [x.path, x]));
    const aByPath = new Map(a.map((x) => [x.path, x]));
    for (const x of b) if (!aByPath.has(x.path)) diff(`${where}: field ${x.path} (${x.type}) missing`);
    for (const x of a) if (!bByPath.has(x.path)) diff(`${where}: field ${x.path} (${x.type}) not in reference`);
    const order = (/** @type {typeof a} */ l) => l.filter((x) => bByPath.has(x.path) && aByPath.has(x.path)).map((x) => x.path).join(' ');
    if (order(a) !== order(b)) diff(`${where}: field order differs:\n    ours ${order(a)}\n    ref  ${order(b)}`);
    for (const x of a) {
      const y = bByPath.get(x.path);
      if (!y) continue;
      for (const k of /** @type {const} */ (['type', 'nullable', 'tag', 'def', 'ignorable', 'flexible'])) {
        // `ignorable` is one flag per field, not per version: 3.9 and 4.3.1 disagree on it for fields
        // both have, and it changes nothing on the wire. Compare it only where 4.3.1 is the reference.
        if (k === 'ignorable' && ref !== cur) continue;
        if (x[k] !== y[k]) diff(`${where}: ${x.path}: ${k === 'def' ? 'default' : k} ${JSON.stringify(x[k])}, reference ${JSON.stringify(y[k])}`);
      }
    }
  }
  return union.length;
}

const mineByName = new Map();
for (const file of ours) for (const m of file.messages) mineByName.set(`${m.type}/${m.apiKey ?? m.name}`, m);

let apis = 0;
let versions = 0;
const find = (/** @type {any[]} */ list, /** @type {any} */ j, /** @type {string} */ type) =>
  list.find((x) => x.type === type && (j.apiKey !== undefined ? x.apiKey === j.apiKey : x.name === j.name));

const expected = new Set();
for (const req of v4.filter((j) => j.type === 'request' && (j.listeners ?? []).includes('broker')).sort((a, b) => a.apiKey - b.apiKey)) {
  apis++;
  expected.add(`request/${req.apiKey}`).add(`response/${req.apiKey}`);
  const resp = find(v4, req, 'response');
  versions += compareMessage(req.name, mineByName.get(`request/${req.apiKey}`), req, find(v39, req, 'request'));
  compareMessage(resp.name, mineByName.get(`response/${req.apiKey}`), resp, find(v39, req, 'response'));
}
for (const j of v4.filter((j) => j.type === 'header' || j.type === 'data')) {
  expected.add(`${j.type}/${j.name}`);
  compareMessage(j.name, mineByName.get(`${j.type}/${j.name}`), j, find(v39, j, j.type));
}
for (const [k, m] of mineByName) if (!expected.has(k)) diff(`${m.name}: in our schema but not a broker message of the reference`);

// error table
const refErrors = loadErrors(refDir);
const myErrors = loadErrorTable();
const myByCode = new Map(myErrors.map((e) => [e.code, e]));
for (const e of refErrors) {
  const m = myByCode.get(e.code);
  if (!m) diff(`error ${e.code} ${e.name}: missing`);
  else for (const k of /** @type {const} */ (['name', 'retriable', 'message'])) if (m[k] !== e[k]) diff(`error ${e.code}: ${k} ${JSON.stringify(m[k])}, reference ${JSON.stringify(e[k])}`);
}
for (const e of myErrors) if (!refErrors.some((/** @type {any} */ x) => x.code === e.code)) diff(`error ${e.code} ${e.name}: not in reference`);

for (const d of diffs) console.log(d);
console.log(`${apis} apis, ${versions} versions, ${diffs.length} differences`);
process.exit(diffs.length > 0 ? 1 : 0);
