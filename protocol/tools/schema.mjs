// Loads our schema (protocol/**/*.kdef and protocol/errors.tsv) for the generator and the checker.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDslFile } from './dsl.mjs';

export const protocolDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(protocolDir, '..');

/** @returns {{file:string, base:string, group:string, messages:any[]}[]} */
export function loadSchema() {
  const out = [];
  // (Not "data/": the repository's .gitignore ignores every directory of that name.)
  for (const group of ['headers', 'apis', 'payloads']) {
    const dir = path.join(protocolDir, group);
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith('.kdef')) continue;
      const file = path.join(dir, f);
      out.push({ file, base: f.replace(/\.kdef$/, ''), group, messages: parseDslFile(file) });
    }
  }
  return out;
}

/** @returns {{code:number, name:string, retriable:boolean, message:string|null}[]} */
export function loadErrorTable() {
  const text = fs.readFileSync(path.join(protocolDir, 'errors.tsv'), 'utf8');
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('##')) continue;
    const [code, name, retriable, message] = line.split('\t');
    out.push({ code: +code, name, retriable: retriable === 'true', message: message === '-' ? null : message });
  }
  return out;
}
