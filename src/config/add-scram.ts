// The `--add-scram` start-up flag in the syntax of Kafka's `kafka-storage format --add-scram`:
//   SCRAM-SHA-256=[name=alice,password=alice-secret]
//   SCRAM-SHA-512=[name=bob,salt="<base64>",saltedpassword="<base64>",iterations=8192]
// Values may be double-quoted (then they may hold commas). Errors never echo a password.

import { ConfigError } from './types.js';

export interface AddScramEntry {
  mechanism: string;
  name: string;
  password?: string;
  salt?: Buffer;
  saltedPassword?: Buffer;
  iterations?: number;
}

const KEYS = new Set(['name', 'password', 'salt', 'saltedpassword', 'iterations']);

export function parseAddScram(text: string): AddScramEntry {
  const m = /^\s*([A-Za-z0-9-]+)\s*=\s*\[(.*)\]\s*$/s.exec(text);
  if (!m) throw new ConfigError(`--add-scram: expected MECHANISM=[name=...,password=...] (e.g. SCRAM-SHA-256=[name=alice,password=...])`);
  const mechanism = m[1].toUpperCase();
  if (mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') throw new ConfigError(`--add-scram: unknown SCRAM mechanism ${m[1]} (SCRAM-SHA-256 or SCRAM-SHA-512)`);
  const fields = new Map<string, string>();
  const body = m[2];
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) throw new ConfigError(`--add-scram: expected key=value in the entry for ${mechanism}`);
    const key = body.slice(i, eq).trim().toLowerCase();
    if (!KEYS.has(key)) throw new ConfigError(`--add-scram: unknown key '${key}' (name, password, salt, saltedpassword, iterations)`);
    let value: string;
    i = eq + 1;
    if (body[i] === '"') {
      const end = body.indexOf('"', i + 1);
      if (end < 0) throw new ConfigError(`--add-scram: unterminated quoted value of ${key}`);
      value = body.slice(i + 1, end);
      i = end + 1;
    } else {
      const end = body.indexOf(',', i);
      value = body.slice(i, end < 0 ? body.length : end);
      i = end < 0 ? body.length : end;
    }
    if (i < body.length && body[i] !== ',') throw new ConfigError(`--add-scram: expected ',' after the value of ${key}`);
    i++;
    fields.set(key, value);
  }
  const name = fields.get('name');
  if (name === undefined || name === '') throw new ConfigError(`--add-scram: the entry for ${mechanism} has no name`);
  const entry: AddScramEntry = { mechanism, name };
  const iterations = fields.get('iterations');
  if (iterations !== undefined) {
    if (!/^\d+$/.test(iterations)) throw new ConfigError(`--add-scram: iterations of ${name} is not a number`);
    entry.iterations = Number(iterations);
  }
  const salt = fields.get('salt');
  if (salt !== undefined) entry.salt = Buffer.from(salt, 'base64');
  const salted = fields.get('saltedpassword');
  const password = fields.get('password');
  if (salted !== undefined) {
    if (password !== undefined) throw new ConfigError(`--add-scram: give either password or saltedpassword for ${name}, not both`);
    if (salt === undefined) throw new ConfigError(`--add-scram: saltedpassword needs salt for ${name}`);
    entry.saltedPassword = Buffer.from(salted, 'base64');
  } else if (password === undefined) {
    throw new ConfigError(`--add-scram: the entry for ${name} has no password (or salt and saltedpassword)`);
  } else {
    entry.password = password;
  }
  return entry;
}
