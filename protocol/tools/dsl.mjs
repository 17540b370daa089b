// Our schema language. One file per API key holds the request, then the response (header and data
// files hold one message). Grammar, line by line (indentation of two spaces per level = nesting):
//
//   ## text                        file comment, ignored
//   # text                         changelog line of the next message
//   request|response|header|data NAME [key N] versions R flexible R [listeners a,b] [unstable]
//   common NAME versions R         a struct shared by several fields of the message above
//     // text                      description of the next field
//     FieldName TYPE R [nullable R] [tag N R] [default V] [ignorable] [flexible R]
//       (nested fields of a struct or struct array, one level deeper)
//
// R is a version range as Kafka writes it ("3+", "0-4", "7", "none"). TYPE is bool, int8, int16,
// uint16, int32, uint32, int64, float64, string, uuid, bytes, records, a struct name, or []TYPE.
// V is a bare token or a JSON string. The parser yields objects shaped like Kafka's JSON so that the
// checker can treat both the same way.
import fs from 'node:fs';

/** @param {string} line */
function tokens(line) {
  /** @type {string[]} */
  const out = [];
  for (const m of line.matchAll(/"(?:[^"\\]|\\.)*"|\S+/g)) out.push(m[0]);
  return out;
}

/**
 * @param {string} text
 * @param {string} file for error messages
 * @returns {any[]} messages
 */
export function parseDsl(text, file = '<dsl>') {
  const messages = [];
  /** @type {string[]} */
  let comments = [];
  /** @type {string|undefined} */
  let about;
  /** @type {any} */
  let current = null;
  /** @type {{indent:number, fields:any[]}[]} */
  let stack = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/\s+$/, '');
    if (line === '' || line.startsWith('##')) return;
    if (line.startsWith('#')) {
      comments.push(line.replace(/^# ?/, ''));
      return;
    }
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (indent === 0) {
      const t = tokens(body);
      if (t[0] === 'common') {
        if (!current) throw new Error(`${where}: common struct before any message`);
        const s = { name: t[1], versions: t[3], fields: [] };
        if (t[2] !== 'versions') throw new Error(`${where}: expected "common NAME versions R"`);
        current.commonStructs.push(s);
        stack = [{ indent: 0, fields: s.fields }];
        return;
      }
      if (!['request', 'response', 'header', 'data'].includes(t[0])) throw new Error(`${where}: unknown line ${body}`);
      current = { type: t[0], name: t[1], fields: [], commonStructs: [], _changelog: comments };
      comments = [];
      for (let k = 2; k < t.length; k++) {
        const w = t[k];
        if (w === 'key') current.apiKey = +t[++k];
        else if (w === 'versions') current.validVersions = t[++k];
        else if (w === 'flexible') current.flexibleVersions = t[++k];
        else if (w === 'listeners') current.listeners = t[++k].split(',');
        else if (w === 'unstable') current.latestVersionUnstable = true;
        else throw new Error(`${where}: unknown word ${w}`);
      }
      messages.push(current);
      stack = [{ indent: 0, fields: current.fields }];
      return;
    }
    if (!current) throw new Error(`${where}: field outside a message`);
    if (body.startsWith('//')) {
      about = body.replace(/^\/\/ ?/, '');
      return;
    }
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1];
    if (indent !== parent.indent + 2) throw new Error(`${where}: bad indentation`);
    const t = tokens(body);
    /** @type {any} */
    const f = { name: t[0], type: t[1], versions: t[2] };
    for (let k = 3; k < t.length; k++) {
      const w = t[k];
      if (w === 'nullable') f.nullableVersions = t[++k];
      else if (w === 'tag') {
        f.tag = +t[++k];
        f.taggedVersions = t[++k];
      } else if (w === 'default') {
        const d = t[++k];
        f.default = d.startsWith('"') ? JSON.parse(d) : d;
      } else if (w === 'ignorable') f.ignorable = true;
      else if (w === 'flexible') f.flexibleVersions = t[++k];
      else throw new Error(`${where}: unknown word ${w}`);
    }
    if (f.versions === undefined) throw new Error(`${where}: field without versions`);
    if (about !== undefined) f.about = about;
    about = undefined;
    parent.fields.push(f);
    const child = { indent, fields: /** @type {any[]} */ ([]) };
    f.fields = child.fields;
    stack.push(child);
  });
  // Drop empty `fields` arrays of primitive fields so the shape matches Kafka's JSON.
  const clean = (/** @type {any[]} */ fs) => {
    for (const f of fs) {
      if (f.fields.length === 0 && !/^(\[\])?[A-Z]/.test(f.type)) delete f.fields;
      else if (f.fields.length === 0 && isCommon(f)) delete f.fields;
      else clean(f.fields);
    }
  };
  /** @type {any} */
  let msgForCommon;
  const isCommon = (/** @type {any} */ f) => msgForCommon.commonStructs.some((/** @type {any} */ c) => c.name === f.type.replace(/^\[\]/, ''));
  for (const m of messages) {
    msgForCommon = m;
    clean(m.fields);
    for (const c of m.commonStructs) clean(c.fields);
  }
  return messages;
}

/** @param {string} file */
export function parseDslFile(file) {
  return parseDsl(fs.readFileSync(file, 'utf8'), file);
}

/** @param {unknown} d */
function fmtDefault(d) {
  const s = String(d);
  return /^[^\s"]+$/.test(s) ? s : JSON.stringify(s);
}

/**
 * @param {any[]} fields
 * @param {string} pad
 * @param {string[]} out
 */
function writeFields(fields, pad, out) {
  for (const f of fields) {
    if (f.about) out.push(`${pad}// ${f.about}`);
    let l = `${pad}${f.name} ${f.type} ${f.versions}`;
    if (f.nullableVersions !== undefined) l += ` nullable ${f.nullableVersions}`;
    if (f.tag !== undefined) l += ` tag ${f.tag} ${f.taggedVersions}`;
    if (f.default !== undefined) l += ` default ${fmtDefault(f.default)}`;
    if (f.ignorable) l += ' ignorable';
    if (f.flexibleVersions !== undefined) l += ` flexible ${f.flexibleVersions}`;
    out.push(l);
    if (f.fields) writeFields(f.fields, pad + '  ', out);
  }
}

/**
 * @param {any[]} messages
 * @param {string[]} fileComments
 */
export function formatDsl(messages, fileComments) {
  const out = fileComments.map((c) => `## ${c}`.trimEnd());
  for (const m of messages) {
    out.push('');
    for (const c of m._changelog || []) out.push(`# ${c}`.trimEnd());
    let h = `${m.type} ${m.name}`;
    if (m.apiKey !== undefined) h += ` key ${m.apiKey}`;
    h += ` versions ${m.validVersions} flexible ${m.flexibleVersions ?? 'none'}`;
    if (m.listeners && m.listeners.length) h += ` listeners ${m.listeners.join(',')}`;
    if (m.latestVersionUnstable) h += ' unstable';
    out.push(h);
    writeFields(m.fields, '  ', out);
    for (const c of m.commonStructs || []) {
      out.push(`common ${c.name} versions ${c.versions}`);
      writeFields(c.fields, '  ', out);
    }
  }
  return out.join('\n') + '\n';
}
