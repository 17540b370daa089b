// Reads Apache Kafka's JSON message definitions (the reference in ../shared/kafka-protocol): strips
// the `//` comments Kafka allows, parses, and keeps the leading comment block (the changelog).
import fs from 'node:fs';
import path from 'node:path';

/** Removes `//` comments outside string literals. @param {string} s */
export function stripComments(s) {
  let out = '';
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      out += c;
      if (c === '\\') out += s[++i];
      else if (c === '"') inStr = false;
    } else if (c === '"') {
      inStr = true;
      out += c;
    } else if (c === '/' && s[i + 1] === '/') {
      while (i < s.length && s[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return out;
}

/**
 * Comment lines inside the top-level object before "validVersions" (Kafka's per-version changelog).
 * @param {string} text
 */
export function changelog(text) {
  const start = text.indexOf('{');
  const end = text.indexOf('"fields"');
  const lines = [];
  for (const line of text.slice(start, end < 0 ? undefined : end).split('\n')) {
    const m = line.match(/^\s*\/\/ ?(.*)$/);
    if (m) lines.push(m[1].trimEnd());
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Loads every JSON definition in a directory.
 * @param {string} dir
 * @returns {Map<string, any>} file base name → parsed JSON with `_changelog`
 */
export function loadDir(dir) {
  const out = new Map();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const json = JSON.parse(stripComments(text));
    json._changelog = changelog(text);
    out.set(f.replace(/\.json$/, ''), json);
  }
  return out;
}

/** @param {string} dir */
export function loadErrors(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'errors.json'), 'utf8'));
}
